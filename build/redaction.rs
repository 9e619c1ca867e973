//! Redacted `Debug` for the generated types that hold what the spec marks `x-sensitive: true`.
//!
//! A mark on a component schema makes every field of its type sensitive, and the value as a whole
//! when the type is a newtype or an enum; a mark on a property makes that field sensitive. A type
//! generated inline for a sensitive field (a constrained string newtype, an inline object) is
//! sensitive as a whole too, so that printing the field on its own leaks nothing either. The
//! derived `Debug` of such a type and of its builder in `types::builder` is replaced by one that
//! prints every other field as before, a present sensitive value as `[redacted]`, and an absent
//! optional one as `None`.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use serde_json::Value;
use syn::ext::IdentExt as _;
use syn::punctuated::Punctuated;

const MARK: &str = "x-sensitive";

/// What the spec marks sensitive.
#[derive(Default)]
pub struct Marks {
    /// Component schemas marked as a whole.
    schemas: BTreeSet<String>,
    /// Component schema → its marked properties, by their JSON names.
    properties: BTreeMap<String, BTreeSet<String>>,
}

/// Reads the marks of the component schemas and their properties and removes them from `doc`, so
/// that the generator sees the document it always saw. A mark anywhere else fails the build: it
/// would have no effect.
pub fn take_marks(doc: &mut Value) -> Marks {
    let mut marks = Marks::default();
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            if take_mark(schema, name) {
                marks.schemas.insert(name.clone());
            }
            let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (property, property_schema) in properties.iter_mut() {
                if take_mark(property_schema, &format!("{name}.{property}")) {
                    marks
                        .properties
                        .entry(name.clone())
                        .or_default()
                        .insert(property.clone());
                }
            }
        }
    }
    if let Some(place) = find_mark(doc, String::new()) {
        panic!(
            "{MARK} at {place}: the mark is read on component schemas and their properties only"
        );
    }
    marks
}

fn take_mark(schema: &mut Value, place: &str) -> bool {
    match schema.as_object_mut().and_then(|s| s.remove(MARK)) {
        None => false,
        Some(Value::Bool(marked)) => marked,
        Some(other) => panic!("{MARK} of {place} is {other}; it takes true or false"),
    }
}

fn find_mark(value: &Value, place: String) -> Option<String> {
    match value {
        Value::Object(map) if map.contains_key(MARK) => Some(place),
        Value::Object(map) => map
            .iter()
            .find_map(|(key, v)| find_mark(v, format!("{place}/{key}"))),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_mark(v, format!("{place}/{i}"))),
        _ => None,
    }
}

/// The sensitive fields of one generated type.
enum Sensitive {
    /// Every field, or the whole value of a newtype or enum.
    Whole,
    Fields(BTreeSet<String>),
}

/// Replaces the derived `Debug` of every type holding a sensitive value, and of its builder.
/// Returns one line per redacted type, naming what its `Debug` redacts, for the surface summary.
pub fn redact_debug(
    file: &mut syn::File,
    marks: &Marks,
    component_schemas: &[String],
) -> Vec<String> {
    let types = items_of_mut(&mut file.items, "types");
    let redacted = redacted_types(types, marks, component_schemas);
    let summary = redacted
        .iter()
        .map(|(name, which)| match which {
            Sensitive::Whole => format!("{name}: everything"),
            Sensitive::Fields(fields) => {
                format!(
                    "{name}: {}",
                    fields.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            }
        })
        .collect();

    let mut impls = vec![quote! {
        mod redaction {
            /// Stands in for a sensitive value in `Debug` output.
            pub(super) struct Redacted;
            impl ::std::fmt::Debug for Redacted {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("[redacted]")
                }
            }
        }
    }];
    for item in types.iter_mut() {
        let (ident, attrs, fields) = match item {
            syn::Item::Struct(s) => (&s.ident, &mut s.attrs, Some(&s.fields)),
            syn::Item::Enum(e) => (&e.ident, &mut e.attrs, None),
            _ => continue,
        };
        let Some(which) = redacted.get(&ident.to_string()) else {
            continue;
        };
        remove_derived_debug(attrs, ident);
        impls.push(debug_impl(
            ident,
            fields,
            which,
            &quote!(redaction::Redacted),
            false,
        ));
    }

    let builders = items_of_mut(types, "builder");
    let mut builder_impls = Vec::new();
    for item in builders.iter_mut() {
        let syn::Item::Struct(s) = item else { continue };
        let Some(which) = redacted.get(&s.ident.to_string()) else {
            continue;
        };
        remove_derived_debug(&mut s.attrs, &s.ident);
        builder_impls.push(debug_impl(
            &s.ident,
            Some(&s.fields),
            which,
            &quote!(super::redaction::Redacted),
            true,
        ));
    }
    builders.extend(parse_items(quote!(#(#builder_impls)*)));
    types.extend(parse_items(quote!(#(#impls)*)));
    summary
}

/// Generated type name → its sensitive fields, from the marks.
fn redacted_types(
    types: &[syn::Item],
    marks: &Marks,
    component_schemas: &[String],
) -> BTreeMap<String, Sensitive> {
    let (structs, enums) = struct_and_enum_names(types);
    let named_fields = |name: &str| -> Vec<&syn::Field> {
        types
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == name => Some(s.fields.iter().collect()),
                _ => None,
            })
            .unwrap_or_default()
    };

    let mut redacted = BTreeMap::new();
    for schema in &marks.schemas {
        assert!(
            structs.contains(schema) || enums.contains(schema),
            "schema {schema} is marked {MARK} but has no generated type of that name"
        );
        redacted.insert(schema.clone(), Sensitive::Whole);
    }
    for (schema, properties) in &marks.properties {
        let fields = named_fields(schema);
        let names = properties
            .iter()
            .map(|property| {
                let field = fields
                    .iter()
                    .find(|f| json_name(f).as_deref() == Some(property.as_str()))
                    .unwrap_or_else(|| {
                        panic!("{schema}.{property} is marked {MARK} but has no generated field")
                    });
                field_name(field)
            })
            .collect();
        redacted
            .entry(schema.clone())
            .or_insert(Sensitive::Fields(names));
    }

    // The structs generated inline for sensitive fields (newtypes of constrained strings, inline
    // objects), until no new one turns up. An inline enum is a closed list of values, none of
    // them personal.
    loop {
        let inline: BTreeSet<String> = redacted
            .iter()
            .flat_map(|(name, which)| {
                named_fields(name)
                    .into_iter()
                    .filter(|f| match which {
                        Sensitive::Whole => true,
                        Sensitive::Fields(names) => names.contains(&field_name(f)),
                    })
                    .flat_map(|f| type_idents(&f.ty))
                    .collect::<Vec<_>>()
            })
            .filter(|ident| {
                structs.contains(ident)
                    && !component_schemas.contains(ident)
                    && !redacted.contains_key(ident)
            })
            .collect();
        if inline.is_empty() {
            return redacted;
        }
        redacted.extend(inline.into_iter().map(|name| (name, Sensitive::Whole)));
    }
}

/// The name a field has in JSON: its `#[serde(rename)]`, else its Rust name.
fn json_name(field: &syn::Field) -> Option<String> {
    let mut rename = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.input.peek(syn::Token![=]) {
                let value: syn::Expr = meta.value()?.parse()?;
                if meta.path.is_ident("rename")
                    && let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = value
                {
                    rename = Some(s.value());
                }
            }
            Ok(())
        })
        .expect("serde attributes of generated fields parse");
    }
    rename.or_else(|| field.ident.as_ref().map(field_ident_name))
}

fn field_ident_name(ident: &syn::Ident) -> String {
    ident.unraw().to_string()
}

fn field_name(field: &syn::Field) -> String {
    field
        .ident
        .as_ref()
        .map(field_ident_name)
        .unwrap_or_default()
}

/// Every identifier in a type (`Option<Vec<Foo>>` → Option, Vec, Foo).
fn type_idents(ty: &syn::Type) -> Vec<String> {
    fn walk(tokens: TokenStream, out: &mut Vec<String>) {
        for token in tokens {
            match token {
                proc_macro2::TokenTree::Ident(ident) => out.push(ident.to_string()),
                proc_macro2::TokenTree::Group(group) => walk(group.stream(), out),
                _ => {}
            }
        }
    }
    let mut idents = Vec::new();
    walk(ty.to_token_stream(), &mut idents);
    idents
}

fn remove_derived_debug(attrs: &mut [syn::Attribute], ident: &syn::Ident) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let derives = attr
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .unwrap_or_else(|e| panic!("derive of {ident} does not parse: {e}"));
        let kept = derives
            .into_iter()
            .filter(|path| path.segments.last().is_none_or(|s| s.ident != "Debug"));
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

/// `impl Debug` printing the fields in `which` as redacted. A builder's fields are
/// `Result<T, String>`: its error messages stay visible (they name the field, not the value).
fn debug_impl(
    ident: &syn::Ident,
    fields: Option<&syn::Fields>,
    which: &Sensitive,
    redacted: &TokenStream,
    builder: bool,
) -> TokenStream {
    let name = ident.to_string();
    let body = match fields {
        Some(syn::Fields::Named(named)) => {
            let entries = named.named.iter().map(|field| {
                let member = field.ident.as_ref().expect("named field");
                let label = field_ident_name(member);
                let sensitive = match which {
                    Sensitive::Whole => true,
                    Sensitive::Fields(names) => names.contains(&label),
                };
                let value = match (sensitive, builder) {
                    (false, _) => quote!(&self.#member),
                    (true, false) if is_option(&field.ty, false) => {
                        quote!(&self.#member.as_ref().map(|_| #redacted))
                    }
                    (true, false) => quote!(&#redacted),
                    (true, true) if is_option(&field.ty, true) => {
                        quote!(&self.#member.as_ref().map(|v| v.as_ref().map(|_| #redacted)))
                    }
                    (true, true) => quote!(&self.#member.as_ref().map(|_| #redacted)),
                };
                quote!(.field(#label, #value))
            });
            quote!(f.debug_struct(#name) #(#entries)* .finish())
        }
        _ => quote!(f.debug_tuple(#name).field(&#redacted).finish()),
    };
    quote! {
        impl ::std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #body
            }
        }
    }
}

/// Whether the field holds an `Option` (in a builder: a `Result` of an `Option`).
fn is_option(ty: &syn::Type, builder: bool) -> bool {
    let outer = |ty: &syn::Type| -> Option<(String, Option<syn::Type>)> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        let first_argument = match &last.arguments {
            syn::PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            }),
            _ => None,
        };
        Some((last.ident.to_string(), first_argument))
    };
    let ty = if builder {
        match outer(ty) {
            Some((name, Some(inner))) if name == "Result" => inner,
            _ => return false,
        }
    } else {
        ty.clone()
    };
    matches!(outer(&ty), Some((name, _)) if name == "Option")
}

/// The names of the structs and those of the enums among `items`.
fn struct_and_enum_names(items: &[syn::Item]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut structs, mut enums) = (BTreeSet::new(), BTreeSet::new());
    for item in items {
        match item {
            syn::Item::Struct(s) => structs.insert(s.ident.to_string()),
            syn::Item::Enum(e) => enums.insert(e.ident.to_string()),
            _ => false,
        };
    }
    (structs, enums)
}

fn items_of_mut<'a>(items: &'a mut [syn::Item], module: &str) -> &'a mut Vec<syn::Item> {
    items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == module => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .unwrap_or_else(|| panic!("progenitor emits an inline {module} module"))
}

fn parse_items(tokens: TokenStream) -> Vec<syn::Item> {
    syn::parse2::<syn::File>(tokens)
        .expect("redacted Debug tokens parse")
        .items
}

/// The test dispatcher: for a component schema, deserialises the value into its generated type and
/// returns the `Debug` output of the value, of its builder, and of each field whose type was
/// generated inline (so that a redacted newtype is printed on its own too).
pub fn schema_debug(file: &syn::File, component_types: &[String]) -> String {
    let types = items_of(&file.items, "types");
    let (builders, _) = struct_and_enum_names(items_of(types, "builder"));
    let (mut defined, enums) = struct_and_enum_names(types);
    defined.extend(enums);
    let arms = component_types.iter().map(|name| {
        let ty = format_ident!("{}", name);
        let builder = builders.contains(name).then(|| {
            let label = format!("builder::{name}");
            quote! {
                (#label.to_owned(), format!("{:?}", types::builder::#ty::from(typed.clone()))),
            }
        });
        let fields: Vec<TokenStream> = types
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == name.as_str() => Some(&s.fields),
                _ => None,
            })
            .into_iter()
            .flat_map(|fields| fields.iter())
            .filter(|field| {
                field.ident.is_some()
                    && type_idents(&field.ty)
                        .iter()
                        .any(|i| defined.contains(i) && !component_types.contains(i))
            })
            .map(|field| {
                let member = field.ident.as_ref().expect("named field");
                let label = format!("{name}.{}", field_ident_name(member));
                quote! { (#label.to_owned(), format!("{:?}", typed.#member)), }
            })
            .collect();
        quote! {
            #name => {
                let typed: types::#ty = match ::serde_json::from_value(value) {
                    Ok(typed) => typed,
                    Err(e) => return Some(Err(e.to_string())),
                };
                Some(Ok(vec![
                    (#name.to_owned(), format!("{:?}", typed)),
                    #builder
                    #(#fields)*
                ]))
            }
        }
    });
    let tokens = quote! {
        /// Deserialises `value` into the generated type of the component schema `schema` and
        /// returns, labelled, the `Debug` output of the value, of its builder and of each field of
        /// a type generated inline; `None` when the schema has no generated type of its own.
        pub fn debug_of(
            schema: &str,
            value: ::serde_json::Value,
        ) -> Option<Result<Vec<(String, String)>, String>> {
            use ::jumio_kyx::generated::types;
            match schema {
                #(#arms)*
                _ => None,
            }
        }
    };
    prettyplease::unparse(&syn::parse2(tokens).expect("debug dispatcher parses"))
}

fn items_of<'a>(items: &'a [syn::Item], module: &str) -> &'a [syn::Item] {
    items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == module => m.content.as_ref().map(|(_, i)| i.as_slice()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("progenitor emits an inline {module} module"))
}
