//! Generates the Jumio KYX client from `openapi/jumio-kyx.yaml` with progenitor.
//!
//! The spec is the single source of truth. Before generation the parsed document is adapted to what
//! progenitor can do (see the functions below); nothing is patched after generation except that the
//! open enums this script writes are placed into the generated `types` module, and that the types
//! holding what the spec marks `x-sensitive` get a redacted `Debug` (see `build/redaction.rs`).
//!
//! Outputs in `OUT_DIR`:
//! - `jumio_kyx.rs`: the client, formatted with prettyplease, `include!`d by `src/generated.rs`;
//! - `surface.txt`: a summary of the generated surface, compared with the committed
//!   `openapi/generated-surface.txt` by `tests/surface.rs`;
//! - `schema_roundtrip.rs`: a dispatcher from component schema name to generated type, used by the
//!   example tests so that every schema and example in the spec is covered without new test code;
//! - `schema_debug.rs`: a dispatcher from component schema name to the `Debug` output of its
//!   generated type and builder, used by the redaction test.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};
use quote::{format_ident, quote};
use serde_json::Value;

#[path = "build/redaction.rs"]
mod redaction;

const SPEC: &str = "openapi/jumio-kyx.yaml";
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn main() {
    println!("cargo:rerun-if-changed=openapi");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");

    let text = fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let mut doc: Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{SPEC} is not valid YAML: {e}"));

    let hand_written = remove_multipart_operations(&mut doc);
    strip_error_responses(&mut doc);
    remove_callbacks(&mut doc);
    let sensitive = redaction::take_marks(&mut doc);
    let open_enums = collect_open_enums(&doc);

    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .unwrap_or_else(|e| panic!("{SPEC} is not an OpenAPI 3.0 document: {e}"));

    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(crate::request_auth::RequestAuth))
        .with_hooks(HooksMode::Expected)
        .with_map_type("::std::collections::BTreeMap");
    for open in &open_enums {
        settings.with_replacement(
            &open.name,
            format!("crate::generated::types::{}", open.name),
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    }

    let mut generator = Generator::new(&settings);
    let tokens = generator
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate a client from {SPEC}: {e}"));
    let mut file: syn::File = syn::parse2(tokens).expect("progenitor produced invalid Rust");
    insert_open_enums(&mut file, &open_enums);
    let component_types = component_types(&file, &doc);
    let redacted = redaction::redact_debug(&mut file, &sensitive, &component_types);

    let out_dir = env::var("OUT_DIR").expect("OUT_DIR is set by cargo");
    let out = Path::new(&out_dir);
    write(&out.join("jumio_kyx.rs"), &prettyplease::unparse(&file));
    write(
        &out.join("surface.txt"),
        &surface(&file, &doc, &hand_written, &open_enums, &redacted),
    );
    write(
        &out.join("schema_roundtrip.rs"),
        &schema_roundtrip(&component_types),
    );
    write(
        &out.join("schema_debug.rs"),
        &redaction::schema_debug(&file, &component_types),
    );
}

fn write(path: &Path, contents: &str) {
    fs::write(path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// An operation the crate writes by hand because progenitor cannot generate it.
struct HandWritten {
    operation_id: String,
    method: String,
    path: String,
    media_type: String,
}

/// Progenitor does not support `multipart/form-data` request bodies: one such operation fails the
/// whole generation. The spec keeps them for other languages; the crate writes them by hand.
fn remove_multipart_operations(doc: &mut Value) -> Vec<HandWritten> {
    let mut removed = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return removed;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for method in HTTP_METHODS {
            let is_multipart = item
                .get(method)
                .and_then(|op| op.pointer("/requestBody/content"))
                .and_then(Value::as_object)
                .is_some_and(|content| content.keys().any(|k| k.starts_with("multipart/")));
            if is_multipart {
                let op = item.remove(method).expect("checked above");
                removed.push(HandWritten {
                    operation_id: op["operationId"].as_str().unwrap_or_default().to_owned(),
                    method: method.to_uppercase(),
                    path: path.clone(),
                    media_type: "multipart/form-data".to_owned(),
                });
            }
        }
    }
    removed
}

/// Removes the non-2xx responses before generation. Jumio documents error bodies only for some
/// statuses and sends empty or non-JSON bodies for others; a typed error response whose real body
/// differs turns into `InvalidResponsePayload` and loses the HTTP status. Without them every error
/// status surfaces as `Error::UnexpectedResponse`, whose status, headers and body the crate's own
/// error type reads uniformly.
fn strip_error_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for method in HTTP_METHODS {
            if let Some(responses) = item
                .get_mut(method)
                .and_then(|op| op.get_mut("responses"))
                .and_then(Value::as_object_mut)
            {
                responses.retain(|status, _| status.starts_with('2'));
            }
        }
    }
}

/// Callbacks are requests Jumio sends, not calls of the client, and progenitor ignores them; the
/// `openapiv3` model cannot parse a callback given as `$ref` either. Their payload schema stays in
/// `components` and is generated like every other schema.
fn remove_callbacks(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for method in HTTP_METHODS {
                if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                    op.remove("callbacks");
                }
            }
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.remove("callbacks");
    }
}

/// A response enumeration Jumio extends over time: `type: string` with `x-extensible-enum`.
struct OpenEnum {
    name: String,
    description: String,
    values: Vec<String>,
}

fn collect_open_enums(doc: &Value) -> Vec<OpenEnum> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    schemas
        .iter()
        .filter_map(|(name, schema)| {
            let values = schema.get("x-extensible-enum")?.as_array()?;
            assert_eq!(
                schema.get("type").and_then(Value::as_str),
                Some("string"),
                "schema {name}: x-extensible-enum needs type: string"
            );
            let values: Vec<String> = values
                .iter()
                .map(|v| {
                    v.as_str()
                        .unwrap_or_else(|| panic!("schema {name}: x-extensible-enum holds strings"))
                        .to_owned()
                })
                .collect();
            for value in &values {
                assert_ne!(
                    variant_name(value),
                    "Unknown",
                    "schema {name}: the value {value} would clash with the Unknown(String) variant"
                );
            }
            Some(OpenEnum {
                name: name.clone(),
                description: schema
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                values,
            })
        })
        .collect()
}

/// `SESSION_EXPIRED` → `SessionExpired`.
fn variant_name(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Writes each open enum into the generated `types` module: the known values as variants, any other
/// value as `Unknown(String)`, (de)serialised as the plain string.
fn insert_open_enums(file: &mut syn::File, open_enums: &[OpenEnum]) {
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => Some(m),
            _ => None,
        })
        .expect("progenitor emits a types module");
    let items = &mut types.content.as_mut().expect("types module is inline").1;
    for open in open_enums {
        items.extend(
            syn::parse2::<syn::File>(open_enum_tokens(open))
                .expect("open enum tokens parse")
                .items,
        );
    }
}

fn open_enum_tokens(open: &OpenEnum) -> TokenStream {
    let name = format_ident!("{}", open.name);
    let doc = format!(
        "{}\n\nA forward-compatible enumeration: a value this version does not know becomes \
         [`{}::Unknown`], and is serialised back unchanged.",
        open.description, open.name
    );
    let variants: Vec<_> = open
        .values
        .iter()
        .map(|v| format_ident!("{}", variant_name(v)))
        .collect();
    let values = &open.values;
    let variant_docs: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    quote! {
        #[doc = #doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value not known to this version of the crate, kept verbatim.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The values this version of the crate knows, as Jumio spells them.
            pub const KNOWN: &'static [&'static str] = &[#(#values),*];

            /// The value as Jumio spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #values, )*
                    Self::Unknown(value) => value.as_str(),
                }
            }

            /// Whether the value is one this version of the crate knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #values => Self::#variants, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::std::string::String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

/// Names of the items defined in the generated `types` module.
fn type_names(file: &syn::File) -> Vec<String> {
    let Some(types) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
        _ => None,
    }) else {
        return Vec::new();
    };
    types
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect()
}

/// The component schemas that have a generated type of their own, by name.
fn component_types(file: &syn::File, doc: &Value) -> Vec<String> {
    let generated = type_names(file);
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| {
            s.keys()
                .filter(|name| generated.contains(name))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A dispatcher from component schema name to generated type, for the example round-trip tests.
fn schema_roundtrip(component_types: &[String]) -> String {
    let arms: Vec<TokenStream> = component_types
        .iter()
        .map(|name| {
            let ty = format_ident!("{}", name);
            quote! { #name => Some(roundtrip::<::jumio_kyx::generated::types::#ty>(value)), }
        })
        .collect();
    let tokens = quote! {
        /// Deserialises `value` into the generated type of the component schema `schema` and
        /// serialises it back; `None` when the schema has no generated type of its own.
        pub fn roundtrip_schema(
            schema: &str,
            value: ::serde_json::Value,
        ) -> Option<Result<::serde_json::Value, String>> {
            fn roundtrip<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                value: ::serde_json::Value,
            ) -> Result<::serde_json::Value, String> {
                let typed: T = ::serde_json::from_value(value).map_err(|e| e.to_string())?;
                ::serde_json::to_value(&typed).map_err(|e| e.to_string())
            }
            match schema {
                #(#arms)*
                _ => None,
            }
        }
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("dispatcher parses"))
}

/// A readable summary of the generated surface: operations with their parameters and results, and
/// types with their fields or variants. Committed as `openapi/generated-surface.txt` so that a spec
/// change shows up in review as a change of the Rust API.
fn surface(
    file: &syn::File,
    doc: &Value,
    hand_written: &[HandWritten],
    open_enums: &[OpenEnum],
    redacted: &[String],
) -> String {
    let mut out = String::new();
    let version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or("?");
    writeln!(
        out,
        "# Generated surface of the Jumio KYX client (spec version {version}).\n\
         # Written by build.rs; refresh with `UPDATE_SURFACE=1 cargo test --test surface`."
    )
    .unwrap();

    let routes = operation_routes(doc);
    let builders = builder_methods(file);
    writeln!(
        out,
        "\n## Generated operations (Client method → request builder)"
    )
    .unwrap();
    for (operation_id, route) in &routes {
        let method = snake_case(operation_id);
        let builder = builders
            .get(&pascal_case(operation_id))
            .unwrap_or_else(|| panic!("no builder generated for {operation_id}"));
        writeln!(out, "\n{method}: {route}").unwrap();
        for line in builder {
            writeln!(out, "  {line}").unwrap();
        }
    }

    writeln!(
        out,
        "\n## Hand-written operations (not generated; see src/upload.rs)"
    )
    .unwrap();
    for op in hand_written {
        writeln!(
            out,
            "\n{}: {} {} ({})",
            snake_case(&op.operation_id),
            op.method,
            op.path,
            op.media_type
        )
        .unwrap();
    }

    writeln!(
        out,
        "\n## Redacted in Debug (x-sensitive; builders in types::builder too)\n"
    )
    .unwrap();
    for line in redacted {
        writeln!(out, "{line}").unwrap();
    }

    writeln!(out, "\n## Types").unwrap();
    let open: Vec<&str> = open_enums.iter().map(|o| o.name.as_str()).collect();
    if let Some((_, items)) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
        _ => None,
    }) {
        for item in items {
            match item {
                syn::Item::Struct(s) => {
                    writeln!(out, "\nstruct {}", s.ident).unwrap();
                    for (i, field) in s.fields.iter().enumerate() {
                        let name = field
                            .ident
                            .as_ref()
                            .map_or_else(|| i.to_string(), ToString::to_string);
                        writeln!(out, "  {name}: {}", tokens_text(&field.ty)).unwrap();
                    }
                }
                syn::Item::Enum(e) => {
                    let kind = if open.contains(&e.ident.to_string().as_str()) {
                        "open enum"
                    } else {
                        "enum"
                    };
                    let variants: Vec<String> = e
                        .variants
                        .iter()
                        .map(|v| match &v.fields {
                            syn::Fields::Unit => v.ident.to_string(),
                            fields => format!("{}{}", v.ident, tokens_text(fields)),
                        })
                        .collect();
                    writeln!(out, "\n{kind} {}", e.ident).unwrap();
                    for chunk in variants.chunks(8) {
                        writeln!(out, "  {}", chunk.join(", ")).unwrap();
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// `operationId` → `METHOD /path` for every generated operation, in spec order.
fn operation_routes(doc: &Value) -> Vec<(String, String)> {
    let mut routes = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in HTTP_METHODS {
                if let Some(id) = item
                    .get(method)
                    .and_then(|op| op.get("operationId"))
                    .and_then(Value::as_str)
                {
                    routes.push((id.to_owned(), format!("{} {path}", method.to_uppercase())));
                }
            }
        }
    }
    routes
}

/// Request builder name → its parameter setters and `send` signature.
fn builder_methods(file: &syn::File) -> BTreeMap<String, Vec<String>> {
    let mut builders = BTreeMap::new();
    let Some((_, items)) = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref(),
        _ => None,
    }) else {
        return builders;
    };
    for item in items {
        let syn::Item::Impl(imp) = item else { continue };
        let syn::Type::Path(ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let name = ty
            .path
            .segments
            .last()
            .expect("type path")
            .ident
            .to_string();
        let methods: Vec<String> = imp
            .items
            .iter()
            .filter_map(|item| match item {
                syn::ImplItem::Fn(f) if matches!(f.vis, syn::Visibility::Public(_)) => {
                    let inputs: Vec<String> = f
                        .sig
                        .inputs
                        .iter()
                        .filter_map(|arg| match arg {
                            syn::FnArg::Typed(t) => Some(tokens_text(&t.ty)),
                            syn::FnArg::Receiver(_) => None,
                        })
                        .collect();
                    let bounds = f
                        .sig
                        .generics
                        .where_clause
                        .as_ref()
                        .and_then(|w| w.predicates.first())
                        .map(|bound| format!(" where {}", tokens_text(bound)))
                        .unwrap_or_default();
                    let output = match &f.sig.output {
                        syn::ReturnType::Default => String::new(),
                        syn::ReturnType::Type(_, ty) => format!(" -> {}", tokens_text(ty)),
                    };
                    let name = f.sig.ident.to_string();
                    (name != "new")
                        .then(|| format!("{name}({}){output}{bounds}", inputs.join(", ")))
                }
                _ => None,
            })
            .collect();
        builders
            .entry(name)
            .or_insert_with(Vec::new)
            .extend(methods);
    }
    builders
}

fn tokens_text<T: quote::ToTokens>(tokens: &T) -> String {
    // Token streams print with a space between every two tokens: keep only the spaces that separate
    // two words (`dyn Trait`, `&'a str`) and those after commas.
    let text = tokens.to_token_stream().to_string();
    let chars: Vec<char> = text.chars().collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' && !(word(chars.get(i.wrapping_sub(1))) && word(chars.get(i + 1))) {
            continue;
        }
        out.push(*c);
    }
    out.replace(",>", ">")
        .replace(",)", ")")
        .replace(',', ", ")
        .replace("crate::generated::types::", "types::")
        .replace("std::convert::", "")
        .replace("std::ops::", "")
        .replace("::std::option::", "")
        .replace("::std::string::", "")
        .replace("::std::vec::", "")
        .replace("::std::collections::", "")
}

fn snake_case(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn pascal_case(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
