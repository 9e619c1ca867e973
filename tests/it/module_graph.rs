//! The library's modules depend on each other one way: no module uses a module that uses it back,
//! directly or through others. Read from the sources (`crate::<module>` outside comments and
//! unit tests), so that a new circular import fails here.

use std::collections::{BTreeMap, BTreeSet};

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut graph = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("src") {
        let path = entry.expect("entry").path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".rs"))
        else {
            continue;
        };
        if name == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut uses = BTreeSet::new();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let rest = &line[at + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !module.is_empty() && module != name {
                    uses.insert(module);
                }
            }
        }
        graph.insert(name.to_owned(), uses);
    }
    // The generated code names the type its client carries (see build.rs).
    let build = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/build.rs")).unwrap();
    let inner = build
        .split("with_inner_type(quote!(crate::")
        .nth(1)
        .and_then(|rest| rest.split("::").next())
        .expect("build.rs sets the inner type");
    graph
        .get_mut("generated")
        .expect("src/generated.rs")
        .insert(inner.to_owned());
    graph
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let graph = module_graph();
    assert!(graph.len() > 10, "the modules were read: {graph:?}");
    for start in graph.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((module, path)) = stack.pop() {
            for next in graph.get(&module).into_iter().flatten() {
                assert!(
                    next != start,
                    "circular import: {} -> {next}",
                    path.join(" -> ")
                );
                if graph.contains_key(next) && seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
}

#[test]
fn the_client_modules_are_layered_as_documented() {
    let graph = module_graph();
    let uses = |module: &str, other: &str| graph[module].contains(other);
    // The session uploads and finalizes through the transport, never through the client.
    assert!(uses("session", "transport") && !uses("session", "client"));
    // Trust decisions depend on nothing but the service names.
    assert!(
        graph["trust"].iter().all(|m| m == "region"),
        "{:?}",
        graph["trust"]
    );
    // Jumio's limits are a leaf the sandbox can share.
    assert!(
        graph["limits"].iter().all(|m| m == "trust"),
        "{:?}",
        graph["limits"]
    );
}
