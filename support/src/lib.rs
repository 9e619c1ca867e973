//! Helpers shared by the tests and the benchmark of the workspace: the spec as JSON and validation
//! against its schemas, the committed samples and Jumio's published examples, a client and sandbox
//! set-up ([`flow`]), raw HTTP against the sandbox ([`http`]), a driver of the sandbox's Web
//! journey ([`web`]), synthetic images ([`images`]),
//! temporary directories ([`temp`]), a seeded PRNG ([`Rng`]) and what the sandbox's workflows are
//! expected to report ([`expected`]).

pub mod expected;
pub mod flow;
pub mod http;
pub mod images;
mod rng;
pub mod temp;
pub mod web;

pub use rng::Rng;

use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};

/// Path of the spec, relative to the crate root.
pub const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/jumio-kyx.yaml");

/// The spec, parsed once.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(SPEC_PATH).expect("read the spec");
        serde_norway::from_str(&text).expect("the spec is valid YAML")
    })
}

/// Resolves a local `$ref` (`#/components/...`) of the spec; other values are returned as they are.
pub fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("only local references are used: {reference}"));
            resolve(
                spec()
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("dangling {reference}")),
            )
        }
        None => value,
    }
}

/// Validates `instance` against `schema` (a schema object of the spec, typically a `$ref`), with the
/// spec's components as the root so that references resolve. Returns the validation errors.
/// Compiled validators are kept per schema, so repeated checks (property tests) stay fast.
pub fn schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    type Cache =
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<jsonschema::Validator>>>;
    static VALIDATORS: OnceLock<Cache> = OnceLock::new();
    let key = schema.to_string();
    let cached = VALIDATORS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .get(&key)
        .cloned();
    let validator = match cached {
        Some(validator) => validator,
        None => {
            let root = json!({
                "allOf": [schema],
                "components": spec()["components"],
            });
            let validator = std::sync::Arc::new(
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("schema does not compile: {e}")),
            );
            VALIDATORS
                .get_or_init(Default::default)
                .lock()
                .unwrap()
                .insert(key, validator.clone());
            validator
        }
    };
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Validates `instance` against the component schema `name`; panics with every violation.
pub fn assert_valid(name: &str, instance: &Value) {
    let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    let errors = schema_errors(&schema, instance);
    assert!(
        errors.is_empty(),
        "value does not match schema {name}:\n  {}\nvalue: {instance:#}",
        errors.join("\n  ")
    );
}

/// Path of a committed sample image.
pub fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

/// The content of a committed sample image.
pub fn sample_bytes(name: &str) -> Vec<u8> {
    let path = sample(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Path of a verbatim copy of an example that Jumio published, in `tests/fixtures/jumio-docs/`.
pub fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/jumio-docs")
        .join(name)
}

/// The text of one of Jumio's published examples, as published (some are not valid JSON).
pub fn fixture_text(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// One of Jumio's published example bodies that is valid JSON, parsed.
pub fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name))
        .unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"))
}

/// The URL of a port on 127.0.0.1 that nothing listens on (it was free a moment ago): a host that
/// cannot be reached.
pub fn closed_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let address = listener.local_addr().expect("its address");
    drop(listener);
    format!("http://{address}")
}

/// The environment variables that point `jumio-kyx` at Jumio or change what it prints.
pub const CLI_ENV: [&str; 8] = [
    "JUMIO_CLIENT_ID",
    "JUMIO_CLIENT_SECRET",
    "JUMIO_BASE_URL",
    "JUMIO_REGION",
    "JUMIO_USER_AGENT",
    "JUMIO_TRANSACTION_TOKEN",
    "JUMIO_NO_SANDBOX",
    "RUST_LOG",
];

/// The `jumio-kyx` binary at `program`, run from the workspace root with none of [`CLI_ENV`] and
/// `more_env_vars` inherited: on the embedded sandbox unless a test sets credentials.
pub fn cli_command(program: impl AsRef<std::ffi::OsStr>, more_env_vars: &[&str]) -> Command {
    let mut command = command_without_env(program, &CLI_ENV);
    for var in more_env_vars {
        command.env_remove(var);
    }
    command.current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    command
}

/// A command for `program` with none of `env_vars` inherited: the tests of a binary start it as if
/// no configuration were set, whatever the developer's environment holds.
pub fn command_without_env(program: impl AsRef<std::ffi::OsStr>, env_vars: &[&str]) -> Command {
    let mut command = Command::new(program);
    for var in env_vars {
        command.env_remove(var);
    }
    command
}
