//! The committed summary of the generated client (`openapi/generated-surface.txt`) matches what
//! build.rs generates from the spec, so that a spec change shows up in review as a change of the
//! Rust API. Refresh it with `UPDATE_SURFACE=1 cargo test --test surface`.

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/surface.txt"));
const COMMITTED_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/generated-surface.txt");

#[test]
fn committed_surface_matches_generated_client() {
    if std::env::var_os("UPDATE_SURFACE").is_some() {
        std::fs::write(COMMITTED_PATH, GENERATED).expect("write openapi/generated-surface.txt");
        return;
    }
    let committed = std::fs::read_to_string(COMMITTED_PATH).unwrap_or_default();
    if committed == GENERATED {
        return;
    }
    let committed_lines: Vec<&str> = committed.lines().collect();
    let generated_lines: Vec<&str> = GENERATED.lines().collect();
    let removed: Vec<&str> = committed_lines
        .iter()
        .filter(|l| !generated_lines.contains(l))
        .copied()
        .collect();
    let added: Vec<&str> = generated_lines
        .iter()
        .filter(|l| !committed_lines.contains(l))
        .copied()
        .collect();
    panic!(
        "openapi/generated-surface.txt is out of date with the spec.\n\
         Review the change and refresh it with `UPDATE_SURFACE=1 cargo test --test surface`.\n\
         Only in the committed file:\n  {}\nOnly in the generated client:\n  {}",
        removed.join("\n  "),
        added.join("\n  ")
    );
}
