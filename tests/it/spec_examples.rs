//! Every example in the spec deserialises into the generated type of its schema, serialises back to
//! equal JSON, and validates against its schema. The test walks the whole document: an example added
//! to the spec is covered without new test code.

use jumio_kyx_test_support as support;

use serde_json::Value;
use support::{resolve, schema_errors, spec};

include!(concat!(env!("OUT_DIR"), "/schema_roundtrip.rs"));

/// JSON equality as the generated types define it: numbers compare by value (`0` equals `0.0`),
/// timestamps by instant (`…:02.000Z` equals `…:02Z`), and an empty optional array or map equals an
/// absent one (the generated types omit empty collections when serialising).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => {
            x == y
                || matches!(
                    (
                        chrono::DateTime::parse_from_rfc3339(x),
                        chrono::DateTime::parse_from_rfc3339(y),
                    ),
                    (Ok(x), Ok(y)) if x == y
                )
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            let empty = |v: &Value| {
                v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(|m| m.is_empty())
            };
            x.iter()
                .all(|(k, v)| y.get(k).map_or(empty(v), |w| json_eq(v, w)))
                && y.iter().all(|(k, w)| x.contains_key(k) || empty(w))
        }
        _ => a == b,
    }
}

/// Every (location, schema, example value) in the document: examples of media types, parameters,
/// headers and schemas (including property schemas).
fn examples() -> Vec<(String, Value, Value)> {
    let mut found = Vec::new();
    walk(spec(), String::new(), &mut found);
    found
}

fn walk(node: &Value, path: String, found: &mut Vec<(String, Value, Value)>) {
    match node {
        Value::Object(map) => {
            let is_schema_parent = map.contains_key("schema");
            let is_schema = path.contains("/schemas/")
                || path.ends_with("/schema")
                || path.contains("/properties/")
                || path.ends_with("/items");
            if is_schema_parent {
                let schema = map["schema"].clone();
                if let Some(example) = map.get("example") {
                    found.push((format!("{path}/example"), schema.clone(), example.clone()));
                }
                if let Some(examples) = map.get("examples").and_then(Value::as_object) {
                    for (name, example) in examples {
                        let value = resolve(example)
                            .get("value")
                            .unwrap_or_else(|| panic!("{path}/examples/{name} has no value"))
                            .clone();
                        found.push((format!("{path}/examples/{name}"), schema.clone(), value));
                    }
                }
            } else if is_schema && let Some(example) = map.get("example") {
                found.push((format!("{path}/example"), node.clone(), example.clone()));
            }
            for (key, child) in map {
                if key == "example" || key == "examples" && is_schema_parent {
                    continue;
                }
                walk(child, format!("{path}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{path}/{i}"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn every_example_validates_against_its_schema() {
    let examples = examples();
    assert!(
        examples.len() > 40,
        "found only {} examples",
        examples.len()
    );
    let mut failures = Vec::new();
    for (location, schema, value) in &examples {
        let errors = schema_errors(schema, value);
        if !errors.is_empty() {
            failures.push(format!("{location}: {}", errors.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "examples violating their schema:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_body_example_round_trips_through_its_generated_type() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (location, schema, value) in examples() {
        // Examples of schemas given by reference have a generated type of their own; inline schemas
        // (parameters, property examples) are covered by the schema validation above.
        let Some(name) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
            .or_else(|| {
                location
                    .strip_prefix("/components/schemas/")
                    .and_then(|rest| rest.strip_suffix("/example"))
                    .filter(|name| !name.contains('/'))
                    .map(str::to_owned)
            })
        else {
            continue;
        };
        if resolve(&schema).get("format").and_then(Value::as_str) == Some("binary") {
            continue;
        }
        match roundtrip_schema(&name, value.clone()) {
            None => failures.push(format!("{location}: no generated type for schema {name}")),
            Some(Err(e)) => failures.push(format!("{location}: does not deserialise into {name}: {e}")),
            Some(Ok(back)) if !json_eq(&back, &value) => failures.push(format!(
                "{location}: {name} serialises back differently:\n  example: {value}\n  back:    {back}"
            )),
            Some(Ok(_)) => checked += 1,
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 35, "only {checked} body examples were checked");
}
