//! The contract the proxy checks traffic against: `openapi/jumio-kyx.yaml` (embedded in the
//! `jumio-kyx` crate) as the `openapiv3` model, its operations found by method and path template,
//! and the schemas of their JSON bodies.

use std::collections::{HashMap, HashSet};

use axum::http::Method;
use jumio_kyx::Service;
use openapiv3::{
    MediaType, OpenAPI, ReferenceOr, RequestBody, Response, Schema, StatusCode as SpecStatus,
};
use serde_json::Value;

/// Longest chain of `$ref`s followed before a reference counts as unresolvable.
const MAX_REF_CHAIN: usize = 16;

/// One operation of the spec.
#[derive(Debug)]
pub struct Operation {
    /// The `operationId`.
    pub id: String,
    pub method: Method,
    /// The path as the spec writes it, `/api/v1/accounts/{accountId}`.
    pub template: String,
    /// The segments of the template; `None` for a path parameter.
    segments: Vec<Option<String>>,
    /// The Jumio service whose host serves it, from the operation's `servers`.
    pub service: Service,
    operation: openapiv3::Operation,
}

/// The spec, ready to match requests and look up schemas.
#[derive(Debug)]
pub struct Spec {
    api: OpenAPI,
    operations: Vec<Operation>,
    /// Every `pattern` of the spec, compiled once.
    patterns: HashMap<String, regress::Regex>,
    /// The literal segments of every path template, kept in a path shape (see
    /// [`Spec::path_shape`]).
    literal_segments: HashSet<String>,
}

impl Spec {
    /// Parses the spec. Callbacks are removed first: the `openapiv3` model cannot read a callback
    /// given as `$ref`, and callbacks are requests Jumio sends, not traffic through the proxy.
    pub fn load(yaml: &str) -> anyhow::Result<Self> {
        let mut doc: Value = serde_norway::from_str(yaml)
            .map_err(|e| anyhow::anyhow!("the spec is not valid YAML: {e}"))?;
        remove_callbacks(&mut doc);
        let mut patterns = HashMap::new();
        collect_patterns(&doc, &mut patterns)?;
        let api: OpenAPI = serde_json::from_value(doc)
            .map_err(|e| anyhow::anyhow!("the spec is not an OpenAPI 3.0 document: {e}"))?;

        let mut operations = Vec::new();
        let mut literal_segments = HashSet::new();
        for (template, item) in &api.paths.paths {
            let ReferenceOr::Item(item) = item else {
                anyhow::bail!(
                    "the spec's path {template} is a $ref, which the proxy does not follow"
                );
            };
            let segments: Vec<Option<String>> = split(template)
                .map(|segment| {
                    (!(segment.starts_with('{') && segment.ends_with('}')))
                        .then(|| segment.to_owned())
                })
                .collect();
            literal_segments.extend(segments.iter().flatten().cloned());
            for (method, operation) in item.iter() {
                let id = operation.operation_id.clone().ok_or_else(|| {
                    anyhow::anyhow!("{} {template} has no operationId", method.to_uppercase())
                })?;
                let server = operation
                    .servers
                    .first()
                    .or(api.servers.first())
                    .map(|server| server.url.as_str())
                    .unwrap_or_default();
                let service = service_of(server).ok_or_else(|| {
                    anyhow::anyhow!(
                        "operation {id} names no Jumio service in its servers ({server:?})"
                    )
                })?;
                operations.push(Operation {
                    id,
                    method: Method::from_bytes(method.to_uppercase().as_bytes())?,
                    template: template.clone(),
                    segments: segments.clone(),
                    service,
                    operation: operation.clone(),
                });
            }
        }
        Ok(Self {
            api,
            operations,
            patterns,
            literal_segments,
        })
    }

    /// The operation at `index`, as [`Spec::find`] returns it.
    pub fn operation(&self, index: usize) -> &Operation {
        &self.operations[index]
    }

    /// Every operation of the spec.
    pub fn operations(&self) -> &[Operation] {
        &self.operations
    }

    /// The operation a request with `method` on `path` (without query) calls. A template with more
    /// literal segments wins: `…/parts/PREPARED_DATA` over `…/parts/{classifier}`.
    pub fn find(&self, method: &Method, path: &str) -> Option<usize> {
        let segments: Vec<&str> = split(path).collect();
        self.operations
            .iter()
            .enumerate()
            .filter(|(_, op)| op.method == *method && op.segments.len() == segments.len())
            .filter(|(_, op)| {
                op.segments
                    .iter()
                    .zip(&segments)
                    .all(|(template, segment)| match template {
                        Some(literal) => literal == segment,
                        None => !segment.is_empty(),
                    })
            })
            .max_by_key(|(_, op)| op.segments.iter().flatten().count())
            .map(|(index, _)| index)
    }

    /// `path` with every segment that is no literal segment of a spec path replaced by `{}`: the
    /// shape of a path no operation matches, without the ids (or anything else) it carries.
    pub fn path_shape(&self, path: &str) -> String {
        let shape: Vec<&str> = split(path)
            .map(|segment| {
                if self.literal_segments.contains(segment) {
                    segment
                } else {
                    "{}"
                }
            })
            .collect();
        format!("/{}", shape.join("/"))
    }

    /// The schema of the operation's JSON request body, if it documents one.
    pub fn request_schema<'s>(
        &'s self,
        operation: &'s Operation,
    ) -> Option<&'s ReferenceOr<Schema>> {
        let body = match operation.operation.request_body.as_ref()? {
            ReferenceOr::Item(body) => body,
            ReferenceOr::Reference { reference } => self.request_body(reference)?,
        };
        json_schema(&body.content)
    }

    /// The documented response of the operation for `status` (the exact code, else its range
    /// `4XX`, else `default`); `None` when the status is not documented.
    pub fn response<'s>(&'s self, operation: &'s Operation, status: u16) -> Option<&'s Response> {
        let responses = &operation.operation.responses;
        let response = responses
            .responses
            .get(&SpecStatus::Code(status))
            .or_else(|| responses.responses.get(&SpecStatus::Range(status / 100)))
            .or(responses.default.as_ref())?;
        match response {
            ReferenceOr::Item(response) => Some(response),
            ReferenceOr::Reference { reference } => {
                let name = reference.strip_prefix("#/components/responses/")?;
                match self.api.components.as_ref()?.responses.get(name)? {
                    ReferenceOr::Item(response) => Some(response),
                    ReferenceOr::Reference { .. } => None,
                }
            }
        }
    }

    fn request_body(&self, reference: &str) -> Option<&RequestBody> {
        let name = reference.strip_prefix("#/components/requestBodies/")?;
        match self.api.components.as_ref()?.request_bodies.get(name)? {
            ReferenceOr::Item(body) => Some(body),
            ReferenceOr::Reference { .. } => None,
        }
    }

    /// The schema `schema` stands for, following `$ref`s, with the name of the last component
    /// schema on the way; `None` for a reference that does not resolve.
    pub fn resolve<'s>(
        &'s self,
        schema: &'s ReferenceOr<Schema>,
    ) -> Option<(&'s Schema, Option<&'s str>)> {
        match schema {
            ReferenceOr::Item(schema) => Some((schema, None)),
            ReferenceOr::Reference { reference } => self.component(reference),
        }
    }

    /// [`Spec::resolve`] for the boxed schemas of properties and items.
    pub fn resolve_boxed<'s>(
        &'s self,
        schema: &'s ReferenceOr<Box<Schema>>,
    ) -> Option<(&'s Schema, Option<&'s str>)> {
        match schema {
            ReferenceOr::Item(schema) => Some((schema, None)),
            ReferenceOr::Reference { reference } => self.component(reference),
        }
    }

    fn component<'s>(&'s self, reference: &'s str) -> Option<(&'s Schema, Option<&'s str>)> {
        let schemas = &self.api.components.as_ref()?.schemas;
        let mut name = reference.strip_prefix("#/components/schemas/")?;
        for _ in 0..MAX_REF_CHAIN {
            match schemas.get(name)? {
                ReferenceOr::Item(schema) => return Some((schema, Some(name))),
                ReferenceOr::Reference { reference } => {
                    name = reference.strip_prefix("#/components/schemas/")?;
                }
            }
        }
        None
    }

    /// The compiled `pattern`; every pattern of the spec compiled at load.
    pub fn pattern(&self, pattern: &str) -> Option<&regress::Regex> {
        self.patterns.get(pattern)
    }
}

/// Whether a media type (`Content-Type` value or a key of `content`) is JSON.
pub fn is_json_media_type(media_type: &str) -> bool {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The schema of the JSON media type of `content`, if it has one.
pub fn json_schema<'s>(
    content: impl IntoIterator<Item = (&'s String, &'s MediaType)>,
) -> Option<&'s ReferenceOr<Schema>> {
    content
        .into_iter()
        .find(|(media_type, _)| is_json_media_type(media_type))
        .and_then(|(_, media)| media.schema.as_ref())
}

/// The segments of a path, without the leading `/`; `/` has one empty segment.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

/// `https://auth.{region}.jumio.ai` → [`Service::Auth`].
fn service_of(server_url: &str) -> Option<Service> {
    let host = server_url.split_once("://")?.1;
    let prefix = host.split('.').next()?;
    Service::ALL
        .into_iter()
        .find(|service| service.as_str() == prefix)
}

fn remove_callbacks(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for operation in item.values_mut().filter_map(Value::as_object_mut) {
                operation.remove("callbacks");
            }
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("callbacks");
    }
}

/// Compiles every string `pattern` keyword of the spec (a property named `pattern` is an object,
/// and is skipped).
fn collect_patterns(
    value: &Value,
    patterns: &mut HashMap<String, regress::Regex>,
) -> anyhow::Result<()> {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("pattern", Value::String(pattern)) if !patterns.contains_key(pattern) => {
                        let regex = regress::Regex::new(pattern).map_err(|e| {
                            anyhow::anyhow!("the spec's pattern {pattern:?} does not compile: {e}")
                        })?;
                        patterns.insert(pattern.clone(), regex);
                    }
                    _ => collect_patterns(value, patterns)?,
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_patterns(item, patterns)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec::load(jumio_kyx::SPEC_YAML).expect("the spec loads")
    }

    #[test]
    fn every_operation_names_its_service() {
        let spec = spec();
        let service = |id: &str| {
            spec.operations()
                .iter()
                .find(|op| op.id == id)
                .map(|op| op.service)
        };
        assert_eq!(service("requestAccessToken"), Some(Service::Auth));
        assert_eq!(service("createAccount"), Some(Service::Account));
        assert_eq!(service("uploadCredentialPart"), Some(Service::Api));
        assert_eq!(service("getWorkflowExecution"), Some(Service::Retrieval));
        assert_eq!(service("getHealth"), Some(Service::Status));
    }

    #[test]
    fn requests_find_their_operation() {
        let spec = spec();
        let id = |method: Method, path: &str| {
            spec.find(&method, path)
                .map(|i| spec.operation(i).id.as_str())
        };
        let execution = "/api/v1/accounts/a1/workflow-executions/w1";
        assert_eq!(id(Method::GET, "/"), Some("getHealth"));
        assert_eq!(
            id(Method::POST, "/oauth2/token"),
            Some("requestAccessToken")
        );
        assert_eq!(id(Method::GET, execution), Some("getWorkflowExecution"));
        assert_eq!(
            id(Method::PUT, execution),
            Some("finalizeWorkflowExecution")
        );
        assert_eq!(
            id(
                Method::POST,
                &format!("{execution}/credentials/c1/parts/FRONT")
            ),
            Some("uploadCredentialPart")
        );
        assert_eq!(
            id(
                Method::POST,
                &format!("{execution}/credentials/c1/parts/PREPARED_DATA")
            ),
            Some("uploadPreparedData")
        );
        assert_eq!(id(Method::GET, "/api/v1/accounts/a1"), Some("getAccount"));
        assert_eq!(id(Method::POST, "/api/v1/accounts/a1"), None);
        assert_eq!(
            id(Method::GET, "/api/v1/accounts//workflow-executions/w1"),
            None
        );
        assert_eq!(
            spec.path_shape("/api/v2/accounts/3f1c/notes"),
            "/api/{}/accounts/{}/{}"
        );
    }

    #[test]
    fn documented_statuses_are_found() {
        let spec = spec();
        let create = &spec.operations()[spec.find(&Method::POST, "/api/v1/accounts").unwrap()];
        assert!(spec.response(create, 200).is_some());
        assert!(spec.response(create, 429).is_some());
        assert!(spec.response(create, 418).is_none());
        assert!(spec.request_schema(create).is_some());
        let token = &spec.operations()[spec.find(&Method::POST, "/oauth2/token").unwrap()];
        assert!(
            spec.request_schema(token).is_none(),
            "a form body is not JSON"
        );
    }

    /// The check accepts every example the spec gives for a JSON request or response body.
    #[test]
    fn the_specs_own_examples_have_no_issue() {
        let spec = spec();
        let mut checked = 0;
        for operation in spec.operations() {
            let mut contents = Vec::new();
            if let Some(ReferenceOr::Item(body)) = &operation.operation.request_body {
                contents.push(("request".to_owned(), &body.content));
            }
            for (status, _) in &operation.operation.responses.responses {
                if let SpecStatus::Code(code) = status
                    && let Some(response) = spec.response(operation, *code)
                {
                    contents.push((format!("response {code}"), &response.content));
                }
            }
            for (what, content) in contents {
                for (media_type, media) in content {
                    if !is_json_media_type(media_type) {
                        continue;
                    }
                    for (name, example) in &media.examples {
                        let ReferenceOr::Item(example) = example else {
                            continue;
                        };
                        let Some(value) = &example.value else {
                            continue;
                        };
                        let issues =
                            super::super::validate::check(&spec, json_schema(content), value)
                                .issues;
                        assert_eq!(issues, [], "{} {what} example {name}", operation.id);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10, "only {checked} examples checked");
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/problem+json"));
        assert!(!is_json_media_type("multipart/form-data; boundary=x"));
        assert!(!is_json_media_type("image/jpeg"));
    }
}
