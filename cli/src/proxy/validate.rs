//! Checks a JSON body against a schema of the spec by walking both, and makes at the same time a
//! copy of the body with every value replaced by a placeholder (see [`placeholder`]).
//!
//! Each disagreement is an [`Issue`] of one [`Kind`] with a JSON pointer into the body: a property
//! the schema does not declare (`unknown-field`), a value its `enum` or `x-extensible-enum` does
//! not list (`unknown-value`), or anything else the schema refuses (`schema-violation`: a type,
//! `nullable`, `required`, a length, a range, a `pattern`, a `format`). An issue holds the JSON
//! type of the value and what the schema expected, never the value.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ObjectType, ReferenceOr, Schema, SchemaData, SchemaKind};
use openapiv3::{StringFormat, Type, VariantOrUnknownOrEmpty};
use serde::Serialize;
use serde_json::{Map, Value};

use super::spec::Spec;

/// What kind of disagreement between traffic and spec a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    UnknownField,
    UnknownValue,
    SchemaViolation,
    UndocumentedStatus,
    UnknownOperation,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::UnknownField,
        Kind::UnknownValue,
        Kind::SchemaViolation,
        Kind::UndocumentedStatus,
        Kind::UnknownOperation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::UnknownField => "unknown-field",
            Kind::UnknownValue => "unknown-value",
            Kind::SchemaViolation => "schema-violation",
            Kind::UndocumentedStatus => "undocumented-status",
            Kind::UnknownOperation => "unknown-operation",
        }
    }
}

/// One disagreement found in a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub kind: Kind,
    /// JSON pointer (RFC 6901) to the value, or to the missing property.
    pub pointer: String,
    /// JSON type of the value (`string`, `integer`, …); `None` for a missing property.
    pub json_type: Option<&'static str>,
    /// The component schema the value was checked against, or the nearest one around it.
    pub schema: Option<String>,
    /// The keyword of a schema violation: `type`, `required`, `maxLength`, `format`, …
    pub rule: Option<&'static str>,
    /// What the schema asks for, in its own terms (`integer`, `at most 100 characters`).
    pub expected: Option<String>,
}

/// The result of a check: the issues, and the body with placeholders.
#[derive(Debug)]
pub struct Checked {
    pub issues: Vec<Issue>,
    pub placeholders: Value,
}

/// Checks `value` against `schema`; with no schema, only makes the placeholder copy.
pub fn check(spec: &Spec, schema: Option<&ReferenceOr<Schema>>, value: &Value) -> Checked {
    let mut walker = Walker {
        spec,
        issues: Vec::new(),
        pointer: String::new(),
    };
    let placeholders = match schema {
        Some(schema) => walker.reference(schema, None, value),
        None => placeholder(value),
    };
    Checked {
        issues: walker.issues,
        placeholders,
    }
}

/// The JSON type of a value, as JSON Schema names it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `value` with every scalar replaced, for a position the spec does not describe: strings by
/// `"string"`, numbers by 0, booleans by `false`; `null`, arrays, objects and their keys are shape
/// and kept.
pub fn placeholder(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::Bool(_) => Value::Bool(false),
        Value::Number(_) => Value::from(0),
        Value::String(_) => Value::from(string_placeholder(None)),
        Value::Array(items) => items.iter().map(placeholder).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(key, value)| (key.clone(), placeholder(value)))
            .collect(),
    }
}

/// The placeholder of a string, keeping the format the schema gives it.
fn string_placeholder(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2000-01-01T00:00:00.000Z",
        Some("date") => "2000-01-01",
        Some("uuid") => "00000000-0000-0000-0000-000000000000",
        Some("uri" | "url") => "https://example.com/",
        Some("email") => "user@example.com",
        Some("byte") => "",
        _ => "string",
    }
}

fn format_name(format: &VariantOrUnknownOrEmpty<StringFormat>) -> Option<&str> {
    match format {
        VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Some("date"),
        VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Some("date-time"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Byte) => Some("byte"),
        VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => Some("binary"),
        VariantOrUnknownOrEmpty::Unknown(format) => Some(format),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

/// Whether `text` is of `format`; formats the proxy does not check pass.
fn format_holds(format: &str, text: &str) -> bool {
    match format {
        "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "date" => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        _ => true,
    }
}

/// Whether an `enum` lists `value`; `None` when the schema has no `enum`.
fn enum_lists<T, U>(list: &[Option<T>], value: Option<&U>) -> Option<bool>
where
    T: PartialEq<U>,
    U: ?Sized,
{
    (!list.is_empty())
        .then(|| value.is_some_and(|value| list.iter().flatten().any(|listed| listed == value)))
}

/// Whether the schema lists the values of its position (`enum`, `x-extensible-enum`) and, if so,
/// whether `value` is one of them. `closed` is the answer of the `enum` (`None`: it has none).
fn listed(closed: Option<bool>, data: &SchemaData, value: &Value) -> Option<bool> {
    let open = data
        .extensions
        .get("x-extensible-enum")
        .and_then(Value::as_array)
        .map(|values| values.contains(value));
    match (closed, open) {
        (None, None) => None,
        (closed, open) => Some(closed.unwrap_or(false) || open.unwrap_or(false)),
    }
}

/// The properties, `required` and `additionalProperties` of an object schema, or of the object
/// schemas an `allOf` combines.
#[derive(Default)]
struct ObjectView<'s> {
    properties: Vec<&'s Properties>,
    required: Vec<&'s str>,
    additional: Option<&'s AdditionalProperties>,
}

type Properties = IndexMap<String, ReferenceOr<Box<Schema>>>;

impl<'s> ObjectView<'s> {
    fn of(object: &'s ObjectType) -> Self {
        let mut view = Self::default();
        view.add(
            &object.properties,
            &object.required,
            object.additional_properties.as_ref(),
        );
        view
    }

    fn add(
        &mut self,
        properties: &'s Properties,
        required: &'s [String],
        additional: Option<&'s AdditionalProperties>,
    ) {
        self.properties.push(properties);
        self.required.extend(required.iter().map(String::as_str));
        self.additional = self.additional.or(additional);
    }

    fn property(&self, name: &str) -> Option<&'s ReferenceOr<Box<Schema>>> {
        self.properties
            .iter()
            .find_map(|properties| properties.get(name))
    }

    /// Whether the schema says which properties an object has: only then is another one unknown.
    fn declares_properties(&self) -> bool {
        self.properties
            .iter()
            .any(|properties| !properties.is_empty())
            || matches!(self.additional, Some(AdditionalProperties::Any(false)))
    }
}

struct Walker<'s> {
    spec: &'s Spec,
    issues: Vec<Issue>,
    pointer: String,
}

/// A numeric schema, integer or number, in one shape.
struct Numeric {
    integer: bool,
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: bool,
    exclusive_maximum: bool,
    /// Whether the value is one its `enum` lists; `None` without an `enum`.
    enumerated: Option<bool>,
}

impl<'s> Walker<'s> {
    fn reference(
        &mut self,
        schema: &'s ReferenceOr<Schema>,
        around: Option<&'s str>,
        value: &Value,
    ) -> Value {
        self.resolved(self.spec.resolve(schema), around, value)
    }

    /// Checks `value` against a schema [`Spec::resolve`] found; a reference that did not resolve
    /// accepts anything.
    fn resolved(
        &mut self,
        found: Option<(&'s Schema, Option<&'s str>)>,
        around: Option<&'s str>,
        value: &Value,
    ) -> Value {
        match found {
            Some((schema, name)) => self.schema(schema, name.or(around), value),
            None => placeholder(value),
        }
    }

    fn schema(&mut self, schema: &'s Schema, name: Option<&'s str>, value: &Value) -> Value {
        let data = &schema.schema_data;
        if value.is_null() && data.nullable {
            return Value::Null;
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                let Some(text) = value.as_str() else {
                    return self.wrong_type("string", name, value);
                };
                let closed = enum_lists(&string.enumeration, Some(text));
                if let Some(placeholder) = self.enumeration(closed, data, name, value) {
                    return placeholder;
                }
                let format = format_name(&string.format);
                let length = text.chars().count();
                if let Some(min) = string.min_length.filter(|min| length < *min) {
                    self.violation(
                        value,
                        name,
                        "minLength",
                        format!("at least {min} characters"),
                    );
                }
                if let Some(max) = string.max_length.filter(|max| length > *max) {
                    self.violation(
                        value,
                        name,
                        "maxLength",
                        format!("at most {max} characters"),
                    );
                }
                if let Some(pattern) = &string.pattern
                    && self
                        .spec
                        .pattern(pattern)
                        .is_some_and(|regex| regex.find(text).is_none())
                {
                    self.violation(value, name, "pattern", "the schema's pattern".to_owned());
                }
                if let Some(format) = format.filter(|format| !format_holds(format, text)) {
                    self.violation(value, name, "format", format.to_owned());
                }
                Value::from(string_placeholder(format))
            }
            SchemaKind::Type(Type::Integer(integer)) => {
                let numeric = Numeric {
                    integer: true,
                    minimum: integer.minimum.map(|n| n as f64),
                    maximum: integer.maximum.map(|n| n as f64),
                    exclusive_minimum: integer.exclusive_minimum,
                    exclusive_maximum: integer.exclusive_maximum,
                    enumerated: enum_lists(&integer.enumeration, value.as_i64().as_ref()),
                };
                self.number(&numeric, data, name, value)
            }
            SchemaKind::Type(Type::Number(number)) => {
                let numeric = Numeric {
                    integer: false,
                    minimum: number.minimum,
                    maximum: number.maximum,
                    exclusive_minimum: number.exclusive_minimum,
                    exclusive_maximum: number.exclusive_maximum,
                    enumerated: enum_lists(&number.enumeration, value.as_f64().as_ref()),
                };
                self.number(&numeric, data, name, value)
            }
            SchemaKind::Type(Type::Boolean(_)) => match value {
                Value::Bool(_) => Value::Bool(false),
                _ => self.wrong_type("boolean", name, value),
            },
            SchemaKind::Type(Type::Object(object)) => {
                self.object(&ObjectView::of(object), name, value)
            }
            SchemaKind::Type(Type::Array(array)) => {
                let Some(items) = value.as_array() else {
                    return self.wrong_type("array", name, value);
                };
                if let Some(min) = array.min_items.filter(|min| items.len() < *min) {
                    self.violation(value, name, "minItems", format!("at least {min} items"));
                }
                if let Some(max) = array.max_items.filter(|max| items.len() > *max) {
                    self.violation(value, name, "maxItems", format!("at most {max} items"));
                }
                self.items(array.items.as_ref(), name, items)
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, name, value),
            SchemaKind::OneOf { one_of } => self.alternatives(one_of, name, value),
            SchemaKind::AnyOf { any_of } => self.alternatives(any_of, name, value),
            SchemaKind::Not { .. } => placeholder(value),
            SchemaKind::Any(any) => {
                if let Some(typ) = &any.typ
                    && !type_is(typ, value)
                {
                    return self.wrong_type(typ, name, value);
                }
                if !any.enumeration.is_empty()
                    && let Some(placeholder) =
                        self.enumeration(Some(any.enumeration.contains(value)), data, name, value)
                {
                    return placeholder;
                }
                match value {
                    Value::Object(_)
                        if !any.properties.is_empty() || any.additional_properties.is_some() =>
                    {
                        let mut view = ObjectView::default();
                        view.add(
                            &any.properties,
                            &any.required,
                            any.additional_properties.as_ref(),
                        );
                        self.object(&view, name, value)
                    }
                    Value::Array(items) => self.items(any.items.as_ref(), name, items),
                    _ => placeholder(value),
                }
            }
        }
    }

    /// The check of a listed value: `Some(kept value)` when the schema lists `value`, `Some(a
    /// placeholder)` and an `unknown-value` issue when it lists others, `None` when it lists none.
    fn enumeration(
        &mut self,
        closed: Option<bool>,
        data: &SchemaData,
        name: Option<&'s str>,
        value: &Value,
    ) -> Option<Value> {
        match listed(closed, data, value)? {
            true => Some(value.clone()),
            false => {
                self.issue(Kind::UnknownValue, Some(value), name, None, None);
                Some(placeholder(value))
            }
        }
    }

    fn number(
        &mut self,
        numeric: &Numeric,
        data: &SchemaData,
        name: Option<&'s str>,
        value: &Value,
    ) -> Value {
        let Some(number) = value.as_f64() else {
            let expected = if numeric.integer { "integer" } else { "number" };
            return self.wrong_type(expected, name, value);
        };
        if numeric.integer && !(value.is_i64() || value.is_u64() || number.fract() == 0.0) {
            return self.wrong_type("integer", name, value);
        }
        if let Some(placeholder) = self.enumeration(numeric.enumerated, data, name, value) {
            return placeholder;
        }
        if let Some(min) = numeric.minimum {
            if numeric.exclusive_minimum && number <= min {
                self.violation(value, name, "minimum", format!("more than {min}"));
            } else if number < min {
                self.violation(value, name, "minimum", format!("at least {min}"));
            }
        }
        if let Some(max) = numeric.maximum {
            if numeric.exclusive_maximum && number >= max {
                self.violation(value, name, "maximum", format!("less than {max}"));
            } else if number > max {
                self.violation(value, name, "maximum", format!("at most {max}"));
            }
        }
        Value::from(0)
    }

    fn object(&mut self, view: &ObjectView<'s>, name: Option<&'s str>, value: &Value) -> Value {
        let Some(map) = value.as_object() else {
            return self.wrong_type("object", name, value);
        };
        for required in &view.required {
            if !map.contains_key(*required) {
                let at = self.enter(required);
                self.issue(
                    Kind::SchemaViolation,
                    None,
                    name,
                    Some("required"),
                    Some("a value".to_owned()),
                );
                self.pointer.truncate(at);
            }
        }
        let declares = view.declares_properties();
        let mut out = Map::new();
        for (key, item) in map {
            let at = self.enter(key);
            let checked = match (view.property(key), view.additional) {
                (Some(property), _) => self.resolved(self.spec.resolve_boxed(property), name, item),
                (None, Some(AdditionalProperties::Schema(schema))) => {
                    self.reference(schema, name, item)
                }
                (None, Some(AdditionalProperties::Any(true))) => placeholder(item),
                (None, _) => {
                    if declares {
                        self.issue(Kind::UnknownField, Some(item), name, None, None);
                    }
                    placeholder(item)
                }
            };
            self.pointer.truncate(at);
            out.insert(key.clone(), checked);
        }
        Value::Object(out)
    }

    fn items(
        &mut self,
        schema: Option<&'s ReferenceOr<Box<Schema>>>,
        name: Option<&'s str>,
        items: &[Value],
    ) -> Value {
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let at = self.enter(&index.to_string());
                let checked = match schema {
                    Some(schema) => self.resolved(self.spec.resolve_boxed(schema), name, item),
                    None => placeholder(item),
                };
                self.pointer.truncate(at);
                checked
            })
            .collect()
    }

    /// `allOf`: the object schemas it combines are checked as one object, so that a property of
    /// one is not unknown to another; any other part is checked on its own.
    fn all_of(
        &mut self,
        parts: &'s [ReferenceOr<Schema>],
        name: Option<&'s str>,
        value: &Value,
    ) -> Value {
        let mut view = ObjectView::default();
        let mut others = Vec::new();
        self.collect_all_of(parts, name, &mut view, &mut others);
        let mut checked = None;
        for (schema, name) in others {
            checked = Some(self.schema(schema, name, value));
        }
        if view.properties.is_empty() {
            return checked.unwrap_or_else(|| placeholder(value));
        }
        self.object(&view, name, value)
    }

    fn collect_all_of(
        &self,
        parts: &'s [ReferenceOr<Schema>],
        around: Option<&'s str>,
        view: &mut ObjectView<'s>,
        others: &mut Vec<(&'s Schema, Option<&'s str>)>,
    ) {
        for part in parts {
            let Some((schema, name)) = self.spec.resolve(part) else {
                continue;
            };
            match &schema.schema_kind {
                SchemaKind::Type(Type::Object(object)) => view.add(
                    &object.properties,
                    &object.required,
                    object.additional_properties.as_ref(),
                ),
                SchemaKind::AllOf { all_of } => {
                    self.collect_all_of(all_of, name.or(around), view, others)
                }
                _ => others.push((schema, name.or(around))),
            }
        }
    }

    /// `oneOf`, `anyOf`: the value fits when one alternative has no issue; otherwise the issues of
    /// the alternative with the fewest are reported.
    fn alternatives(
        &mut self,
        alternatives: &'s [ReferenceOr<Schema>],
        name: Option<&'s str>,
        value: &Value,
    ) -> Value {
        let mut closest: Option<(Vec<Issue>, Value)> = None;
        for alternative in alternatives {
            let outer = std::mem::take(&mut self.issues);
            let checked = self.reference(alternative, name, value);
            let issues = std::mem::replace(&mut self.issues, outer);
            if issues.is_empty() {
                return checked;
            }
            if closest
                .as_ref()
                .is_none_or(|(fewest, _)| issues.len() < fewest.len())
            {
                closest = Some((issues, checked));
            }
        }
        match closest {
            Some((issues, checked)) => {
                self.issues.extend(issues);
                checked
            }
            None => placeholder(value),
        }
    }

    fn wrong_type(&mut self, expected: &str, name: Option<&'s str>, value: &Value) -> Value {
        self.violation(value, name, "type", expected.to_owned());
        placeholder(value)
    }

    fn violation(
        &mut self,
        value: &Value,
        name: Option<&'s str>,
        rule: &'static str,
        expected: String,
    ) {
        self.issue(
            Kind::SchemaViolation,
            Some(value),
            name,
            Some(rule),
            Some(expected),
        );
    }

    fn issue(
        &mut self,
        kind: Kind,
        value: Option<&Value>,
        schema: Option<&str>,
        rule: Option<&'static str>,
        expected: Option<String>,
    ) {
        self.issues.push(Issue {
            kind,
            pointer: self.pointer.clone(),
            json_type: value.map(json_type),
            schema: schema.map(str::to_owned),
            rule,
            expected,
        });
    }

    /// Appends `/key` (escaped as RFC 6901 says) to the pointer; returns the length to truncate
    /// back to.
    fn enter(&mut self, key: &str) -> usize {
        let at = self.pointer.len();
        self.pointer.push('/');
        for c in key.chars() {
            match c {
                '~' => self.pointer.push_str("~0"),
                '/' => self.pointer.push_str("~1"),
                c => self.pointer.push(c),
            }
        }
        at
    }
}

/// Whether `value` is of the JSON Schema type `typ` (an integer is a number too).
fn type_is(typ: &str, value: &Value) -> bool {
    match typ {
        "number" => value.is_number(),
        other => json_type(value) == other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Schemas of the kinds the Jumio spec does not use (yet): `allOf`, `oneOf`, `nullable`.
    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: test, version: '1'}
paths: {}
components:
  schemas:
    Named:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 5}
        born: {type: string, format: date}
    Pet:
      allOf:
        - $ref: '#/components/schemas/Named'
        - type: object
          required: [kind]
          properties:
            kind: {type: string, enum: [cat, dog]}
            age: {type: integer, minimum: 0, nullable: true}
            status: {$ref: '#/components/schemas/Status'}
    Status:
      type: string
      x-extensible-enum: [AWAKE, ASLEEP]
    Shape:
      oneOf:
        - {type: object, required: [radius], properties: {radius: {type: number}}}
        - {type: object, required: [side], properties: {side: {type: number}}}
    Options:
      type: object
      additionalProperties: {type: string}
"##;

    /// An issue as the tests compare it: kind, pointer, rule.
    type Short = (Kind, String, Option<&'static str>);

    fn check_named(name: &str, value: Value) -> (Vec<Short>, Value) {
        let spec = Spec::load(SPEC).expect("the test spec loads");
        let schema = ReferenceOr::Reference {
            reference: format!("#/components/schemas/{name}"),
        };
        let checked = check(&spec, Some(&schema), &value);
        let issues = checked
            .issues
            .into_iter()
            .map(|issue| (issue.kind, issue.pointer, issue.rule))
            .collect();
        (issues, checked.placeholders)
    }

    #[test]
    fn a_valid_body_has_no_issue_and_keeps_only_listed_values() {
        let (issues, placeholders) = check_named(
            "Pet",
            json!({"name": "Tom", "kind": "cat", "age": null, "born": "2020-02-29", "status": "AWAKE"}),
        );
        assert_eq!(issues, []);
        assert_eq!(
            placeholders,
            json!({"name": "string", "kind": "cat", "age": null, "born": "2000-01-01", "status": "AWAKE"})
        );
    }

    #[test]
    fn every_kind_of_drift_is_told_apart() {
        let (issues, placeholders) = check_named(
            "Pet",
            json!({"name": "Rexanne", "kind": "cow", "age": -1, "born": "2020-13-01",
                   "status": "DREAMING", "collar": {"size": 3}}),
        );
        use Kind::*;
        let at = |pointer: &str| pointer.to_owned();
        assert_eq!(
            issues,
            [
                (SchemaViolation, at("/age"), Some("minimum")),
                (SchemaViolation, at("/born"), Some("format")),
                (UnknownField, at("/collar"), None),
                (UnknownValue, at("/kind"), None),
                (SchemaViolation, at("/name"), Some("maxLength")),
                (UnknownValue, at("/status"), None),
            ]
        );
        assert_eq!(
            placeholders,
            json!({"name": "string", "kind": "string", "age": 0, "born": "2000-01-01",
                   "status": "string", "collar": {"size": 0}})
        );
    }

    #[test]
    fn missing_and_null_values_are_violations() {
        let (issues, _) = check_named("Pet", json!({"kind": "dog", "born": null}));
        assert_eq!(
            issues,
            [
                (Kind::SchemaViolation, "/name".to_owned(), Some("required")),
                (Kind::SchemaViolation, "/born".to_owned(), Some("type")),
            ]
        );
    }

    #[test]
    fn one_of_fits_when_one_alternative_does() {
        assert_eq!(check_named("Shape", json!({"side": 2})).0, []);
        assert_eq!(
            check_named("Shape", json!({"side": "wide"})).0,
            [(Kind::SchemaViolation, "/side".to_owned(), Some("type"))]
        );
    }

    #[test]
    fn maps_check_their_values_and_escape_their_keys() {
        let (issues, placeholders) = check_named("Options", json!({"a/b~c": 1, "ok": "x"}));
        assert_eq!(
            issues,
            [(Kind::SchemaViolation, "/a~1b~0c".to_owned(), Some("type"))]
        );
        assert_eq!(placeholders, json!({"a/b~c": 0, "ok": "string"}));
    }
}
