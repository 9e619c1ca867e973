//! Helpers shared by the integration tests: the spec as JSON, and validation of a JSON value against
//! a schema of the spec.

pub mod http;

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

/// A PNG whose header says `width`×`height`, padded with zeros to `total_len` bytes: enough for
/// header-only checks (nothing decodes the pixels).
pub fn png(width: u32, height: u32, total_len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    bytes.extend_from_slice(&13u32.to_be_bytes());
    bytes.extend_from_slice(&ihdr);
    bytes.extend_from_slice(&[0, 0, 0, 0]); // CRC, unchecked by header readers
    bytes.resize(total_len.max(bytes.len()), 0);
    bytes
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "jumio-kyx-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Path of a committed sample image.
pub fn sample(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

/// A sandbox that processes at once, a client for it, and quick polling: the common set-up of the
/// client tests.
pub mod flow {
    use std::time::Duration;

    use jumio_kyx::Images;
    use jumio_kyx::{ImageSource, JumioClient, WaitOptions};
    use jumio_kyx_sandbox::{Sandbox, SandboxConfig};

    /// A sandbox with a 20 ms processing delay.
    pub async fn sandbox() -> Sandbox {
        SandboxConfig {
            processing_delay: Duration::from_millis(20),
            ..SandboxConfig::default()
        }
        .start()
        .await
        .expect("sandbox starts")
    }

    /// A client of `sandbox` with its demo credentials.
    pub fn client(sandbox: &Sandbox) -> JumioClient {
        JumioClient::builder()
            .base_url(sandbox.base_url())
            .credentials(sandbox.client_id(), sandbox.client_secret())
            .user_agent("Example Corp Onboarding/1.0")
            .build()
            .expect("client")
    }

    /// The sample ID front and back and selfie.
    pub fn images() -> Images {
        Images {
            front: ImageSource::path(super::sample("id-front.jpg")),
            back: Some(ImageSource::path(super::sample("id-back.jpg"))),
            selfie: ImageSource::path(super::sample("selfie.jpg")),
        }
    }

    /// Polling for tests: short pauses, a generous deadline.
    pub fn wait() -> WaitOptions {
        WaitOptions::deadline(Duration::from_secs(30))
            .intervals(Duration::from_millis(10), Duration::from_millis(200))
    }
}

/// xorshift64*: a small PRNG with a fixed seed, so that failures of randomised tests reproduce.
pub struct Rng(pub u64);

impl Rng {
    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A pseudo-random number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
