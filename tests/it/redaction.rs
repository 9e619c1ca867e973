//! No `Debug` output prints what the spec marks `x-sensitive: true`. For every component schema a
//! value is built from the schema itself, with a unique marker in every sensitive place (a marked
//! property, any field of a marked schema, anything nested in either) and a unique plain value in
//! every other string; its generated type, its builder and the types generated inline for its
//! fields are printed with `{:?}`. No marker may appear, every plain value must: redaction hides
//! the sensitive fields and nothing else. The test walks the spec, so a schema or property marked
//! later is covered without new test code, and it fails when one cannot be covered.

use std::collections::BTreeSet;

use jumio_kyx::{VerificationResult, Workflow, WorkflowRequest, types};
use jumio_kyx_test_support as support;
use serde_json::{Map, Value, json};
use support::flow::{client, images, sandbox, wait};
use support::{resolve, spec};

include!(concat!(env!("OUT_DIR"), "/schema_debug.rs"));

const MARK: &str = "x-sensitive";

fn marked(schema: &Value) -> bool {
    schema.get(MARK).and_then(Value::as_bool) == Some(true)
}

fn schemas() -> &'static Map<String, Value> {
    spec()["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
}

/// Component schemas that are marked, or that have a marked property.
fn marked_schemas() -> BTreeSet<String> {
    schemas()
        .iter()
        .filter(|(_, schema)| {
            marked(schema)
                || schema["properties"]
                    .as_object()
                    .is_some_and(|properties| properties.values().any(marked))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// Builds instances of schemas, with a marker in every sensitive place.
#[derive(Default)]
struct Instances {
    count: u32,
    /// The markers, as `Debug` prints them.
    secrets: Vec<String>,
    /// Where each marker was placed (`Schema.property…`).
    places: Vec<String>,
    /// The plain values of strings that are not sensitive, as `Debug` prints them.
    plain: Vec<String>,
}

impl Instances {
    fn secret(&mut self, marker: String, place: &str) {
        self.secrets.push(marker);
        self.places.push(place.to_owned());
    }

    fn next(&mut self) -> u32 {
        self.count += 1;
        assert!(self.count < 1000, "markers are three digits");
        self.count
    }

    fn of(&mut self, schema: &Value, sensitive: bool, place: &str) -> Value {
        let sensitive = sensitive || marked(schema) || marked(resolve(schema));
        let schema = resolve(schema);
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            // A closed enumeration holds no free value; a marked one is redacted all the same.
            return values[0].clone();
        }
        if let Some(values) = schema.get("x-extensible-enum").and_then(Value::as_array) {
            // An open enumeration takes any value: a marker becomes its `Unknown` variant.
            return if sensitive {
                Value::String(self.string(schema, true, place))
            } else {
                values[0].clone()
            };
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let mut object = Map::new();
                if let Some(properties) = schema["properties"].as_object() {
                    for (name, property) in properties {
                        let value = self.of(property, sensitive, &format!("{place}.{name}"));
                        object.insert(name.clone(), value);
                    }
                }
                match schema.get("additionalProperties") {
                    None | Some(Value::Bool(false)) => {}
                    Some(Value::Bool(true)) => {
                        let value = self.of(&json!({}), sensitive, &format!("{place}.*"));
                        object.insert("extraKey".to_owned(), value);
                    }
                    Some(extra) => {
                        let value = self.of(extra, sensitive, &format!("{place}.*"));
                        object.insert("extraKey".to_owned(), value);
                    }
                }
                Value::Object(object)
            }
            Some("array") => json!([self.of(&schema["items"], sensitive, &format!("{place}[]"))]),
            Some("integer" | "number") => self.number(schema, sensitive, place),
            Some("boolean") => Value::Bool(true),
            _ => match schema.get("format").and_then(Value::as_str) {
                Some("date") => Value::String(self.date(sensitive, place)),
                Some("date-time") => {
                    Value::String(format!("{}T04:05:06Z", self.date(sensitive, place)))
                }
                _ => Value::String(self.string(schema, sensitive, place)),
            },
        }
    }

    fn string(&mut self, schema: &Value, sensitive: bool, place: &str) -> String {
        let n = self.next();
        let candidate = format!("ZQ{}{n:03}X", if sensitive { 'S' } else { 'P' });
        if fits(schema, &candidate) {
            if sensitive {
                self.secret(candidate.clone(), place);
            } else if schema.get("x-extensible-enum").is_none() {
                self.plain.push(candidate.clone());
            }
            return candidate;
        }
        assert!(
            !sensitive,
            "{place}: no marker fits the schema {schema}; extend this test"
        );
        schema["example"]
            .as_str()
            .unwrap_or_else(|| panic!("{place}: no value fits the schema {schema}"))
            .to_owned()
    }

    /// A date whose year is the marker (`Debug` prints the year as given).
    fn date(&mut self, sensitive: bool, place: &str) -> String {
        let n = self.next();
        let date = format!("1{n:03}-02-03");
        if sensitive {
            self.secret(date.clone(), place);
        }
        date
    }

    fn number(&mut self, schema: &Value, sensitive: bool, place: &str) -> Value {
        if !sensitive {
            return schema.get("minimum").cloned().unwrap_or(json!(1));
        }
        let marker = 7_300_000 + self.next();
        assert!(
            schema["maximum"]
                .as_f64()
                .is_none_or(|max| f64::from(marker) <= max),
            "{place}: no marker fits the schema {schema}; extend this test"
        );
        self.secret(marker.to_string(), place);
        json!(marker)
    }
}

fn fits(schema: &Value, value: &str) -> bool {
    let length = value.chars().count() as u64;
    schema["minLength"].as_u64().is_none_or(|min| length >= min)
        && schema["maxLength"].as_u64().is_none_or(|max| length <= max)
        && schema["pattern"].as_str().is_none_or(|pattern| {
            regress::Regex::new(pattern)
                .expect("the spec's patterns compile")
                .find(value)
                .is_some()
        })
}

fn leaks<'a>(text: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|secret| text.contains(secret.as_str()))
        .map(String::as_str)
        .collect()
}

#[test]
fn generated_debug_prints_no_sensitive_value() {
    let marked_names = marked_schemas();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for name in schemas().keys() {
        let mut instances = Instances::default();
        let value = instances.of(
            &json!({ "$ref": format!("#/components/schemas/{name}") }),
            false,
            name,
        );
        let texts = match debug_of(name, value.clone()) {
            None => continue,
            Some(Ok(texts)) => texts,
            Some(Err(e)) => panic!("{name}: the built value {value} does not deserialise: {e}"),
        };
        for (label, text) in &texts {
            let leaked = leaks(text, &instances.secrets);
            if !leaked.is_empty() {
                failures.push(format!("{label} prints {leaked:?}: {text}"));
            }
        }
        for (label, text) in texts.iter().filter(|(label, _)| !label.contains('.')) {
            for plain in &instances.plain {
                if !text.contains(plain.as_str()) {
                    failures.push(format!("{label} hides the plain value {plain}: {text}"));
                }
            }
        }
        if marked_names.contains(name) {
            let schema = &schemas()[name];
            let marked_places: Vec<String> = if marked(schema) {
                vec![name.clone()]
            } else {
                schema["properties"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter(|(_, property)| marked(property))
                    .map(|(property, _)| format!("{name}.{property}"))
                    .collect()
            };
            for place in marked_places {
                assert!(
                    instances.places.iter().any(|p| p == &place
                        || p.starts_with(&format!("{place}."))
                        || p.starts_with(&format!("{place}["))),
                    "{place} is marked but no marker could be placed in it; extend this test"
                );
            }
            covered.insert(name.clone());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        covered, marked_names,
        "every schema the spec marks (or whose property it marks) has a generated type checked here"
    );
    assert!(marked_names.len() >= 10, "the spec marks {marked_names:?}");
}

#[test]
fn verification_result_debug_prints_no_sensitive_value() {
    let mut instances = Instances::default();
    let value = instances.of(
        &json!({ "$ref": "#/components/schemas/WorkflowExecutionDetails" }),
        false,
        "WorkflowExecutionDetails",
    );
    let details: types::WorkflowExecutionDetails =
        serde_json::from_value(value).expect("details deserialise");
    let result = VerificationResult::from(details);
    let extracted = result
        .extracted()
        .expect("the built details carry extracted data");
    for text in [
        format!("{result:?}"),
        format!("{:?}", result.details()),
        format!("{extracted:?}"),
        format!("{:?}", result.capabilities()),
    ] {
        let leaked = leaks(&text, &instances.secrets);
        assert!(leaked.is_empty(), "prints {leaked:?}: {text}");
    }
}

/// A whole flow on the sandbox: neither the session, the finalized execution nor the result print
/// the references, the Web link, the tokens or the extracted data.
#[tokio::test]
async fn session_and_result_debug_print_no_sensitive_value() {
    use secrecy::ExposeSecret;

    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let request =
        WorkflowRequest::new(Workflow::IdAndIdentity, "ZQSREF001X").user_reference("ZQSUSER002X");
    let mut session = client.create_account(&request).await.expect("create");
    let mut secrets = vec!["ZQSREF001X".to_owned(), "ZQSUSER002X".to_owned()];
    secrets.extend(session.web_href().map(str::to_owned));
    secrets.extend(session.sdk_token().map(str::to_owned));
    secrets.extend(
        session
            .credentials()
            .iter()
            .map(|c| c.transaction_token().expose_secret().to_owned()),
    );
    let mut seen = vec![format!("{session:?}"), format!("{request:?}")];

    let images = images();
    session.upload_front(images.front).await.expect("front");
    if let Some(back) = images.back {
        session.upload_back(back).await.expect("back");
    }
    session.upload_selfie(images.selfie).await.expect("selfie");
    seen.push(format!("{session:?}"));
    let finalized = session.finalize().await.expect("finalize");
    seen.push(format!("{finalized:?}"));
    let result = finalized.wait(wait()).await.expect("result");

    let extracted = serde_json::to_value(result.extracted().expect("extracted data")).unwrap();
    let personal: Vec<String> = strings(&extracted)
        .into_iter()
        .filter(|s| s.len() >= 6)
        .collect();
    assert!(!personal.is_empty(), "the sandbox extracts {extracted}");
    secrets.extend(personal);
    seen.push(format!("{result:?}"));
    seen.push(format!("{:?}", result.details()));

    for text in &seen {
        let leaked = leaks(text, &secrets);
        assert!(leaked.is_empty(), "prints {leaked:?}: {text}");
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}
