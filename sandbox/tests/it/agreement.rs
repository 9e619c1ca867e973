//! The client and the sandbox accept and refuse the same things: account requests (the client's
//! builder against `POST /api/v1/accounts`) and images (the client's local check against an
//! upload). Field values and image bytes are generated; the raw request is built from the values
//! by hand, the client gets the very same values. Both sides take Jumio's limits from
//! `jumio_kyx::limits`, so a disagreement is a bug of one of them.

use std::cell::{Cell, OnceCell};

use axum::http::StatusCode;
use jumio_kyx::generated::types;
use jumio_kyx::image::{ImageLimits, ImageSource};
use jumio_kyx::limits::FORBIDDEN_REFERENCE_CHARACTERS;
use jumio_kyx::limits::image::MAX_BYTES;
use jumio_kyx::{IdType, WebSettings, Workflow};
use jumio_kyx_test_support::http::png;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

use crate::app::{Answer, App};
use crate::fixtures::{JFIF, SCAN, frame_header, jpeg, seed_request};

/// The client's builder of account requests.
type ClientRequest = jumio_kyx::WorkflowRequest;

/// Generated cases per property: enough to meet every kind of value many times, few enough for a
/// few seconds in a debug build.
const CASES: u32 = 384;

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: CASES,
        ..Config::default()
    })
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The values of one account request.
#[derive(Clone, Debug)]
struct Fields {
    key: u64,
    reference: String,
    user_reference: Option<String>,
    reporting_criteria: Option<String>,
    callback_url: Option<String>,
    token_lifetime: Option<String>,
    id_types: Vec<IdType>,
    countries: Vec<String>,
    web: Option<Web>,
}

/// The values of [`Fields`] as [`fields`] and [`valid_fields`] make them: the text fields, then
/// the rest.
type FieldValues = (
    (u64, String, Option<String>, Option<String>),
    (
        Option<String>,
        Option<String>,
        Vec<IdType>,
        Vec<String>,
        Option<Web>,
    ),
);

impl Fields {
    fn assemble(
        (
            (key, reference, user_reference, reporting_criteria),
            (callback_url, token_lifetime, id_types, countries, web),
        ): FieldValues,
    ) -> Self {
        Fields {
            key,
            reference,
            user_reference,
            reporting_criteria,
            callback_url,
            token_lifetime,
            id_types,
            countries,
            web,
        }
    }
}

#[derive(Clone, Debug)]
struct Web {
    success_url: Option<String>,
    error_url: Option<String>,
    locale: Option<String>,
}

/// Characters that look harmless or invisible and are refused in references: NUL, ESC, DEL, a
/// bidirectional override, a zero-width space, and compatibility forms of the forbidden ones.
const DISGUISED: [char; 10] = [
    '\u{0}', '\u{1b}', '\u{7f}', '\u{202E}', '\u{200B}', '％', '／', '＜', '＞', '﹔',
];

/// Text of a length from `lengths`: letters, digits, punctuation and non-ASCII characters, and in
/// half of the cases now and then one of the characters Jumio forbids in references or one of
/// [`DISGUISED`]; now and then only whitespace. No `#`: it starts the sandbox's scenario markers,
/// which are refused when malformed.
fn text(lengths: impl Strategy<Value = usize>) -> impl Strategy<Value = String> {
    let whitespace = prop::collection::vec(select(vec![' ', '\t', '\u{a0}', '\u{3000}']), 1..4)
        .prop_map(|chars| chars.into_iter().collect::<String>());
    prop_oneof![12 => visible_text(lengths), 1 => whitespace]
}

fn visible_text(lengths: impl Strategy<Value = usize>) -> impl Strategy<Value = String> {
    let plain: Vec<char> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain([
            ' ', '-', '_', '.', ':', '\'', 'é', 'ß', '日', '😀', '\u{301}',
        ])
        .collect();
    let forbidden: Vec<char> = FORBIDDEN_REFERENCE_CHARACTERS
        .chars()
        .chain(DISGUISED)
        .collect();
    let clean = select(plain.clone());
    let mixed = prop_oneof![40 => select(plain), 1 => select(forbidden)];
    (lengths, any::<bool>()).prop_flat_map(move |(length, with_forbidden)| {
        let character = if with_forbidden {
            mixed.clone().boxed()
        } else {
            clean.clone().boxed()
        };
        prop::collection::vec(character, length).prop_map(|chars| chars.into_iter().collect())
    })
}

/// Lengths around 0 and 1, short ones, and lengths around `max`.
fn lengths_around(max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![0..=2usize, 3..=24usize, max - 1..=max + 1]
}

/// URLs of every kind the rules tell apart: https and http, loopback hosts and others, IP
/// addresses, ports, fragments, more than 255 characters, and no URL at all.
fn url() -> impl Strategy<Value = String> {
    let built = (
        select(vec!["https", "http", "HTTPS", "ftp"]),
        select(vec![
            "kyc.example.com",
            "localhost",
            "127.0.0.1",
            "127.0.0.2",
            "[::1]",
            "203.0.113.7",
            "[2001:db8::1]",
            "bücher.example",
        ]),
        select(vec!["", ":443", ":8443", ":9"]),
        select(vec!["", "/", "/jumio/callback", "/cb?tenant=a&x=1"]),
        select(vec!["", "#", "#top"]),
    )
        .prop_map(|(scheme, host, port, path, fragment)| {
            format!("{scheme}://{host}{port}{path}{fragment}")
        });
    let base = "https://kyc.example.com/";
    let long = (253usize..=257)
        .prop_map(move |length| format!("{base}{}", "a".repeat(length - base.len())));
    let not_urls = select(vec![
        "",
        "YOUR_CALLBACK_URL",
        "kyc.example.com/callback",
        "//kyc.example.com/callback",
        "https://",
        "https:///callback",
        "https://kyc example.com/callback",
        "mailto:kyc@example.com",
        "file:///tmp/callback",
    ])
    .prop_map(str::to_owned);
    prop_oneof![6 => built, 1 => long, 2 => not_urls]
}

/// Lifetimes around 5 minutes and 60 days in every unit, any number, and bad syntax.
fn lifetime() -> impl Strategy<Value = String> {
    let boundaries = select(vec![
        "299s",
        "300s",
        "301s",
        "5183999s",
        "5184000s",
        "5184001s",
        "4m",
        "5m",
        "6m",
        "86399m",
        "86400m",
        "86401m",
        "0h",
        "1h",
        "1440h",
        "1441h",
        "0d",
        "1d",
        "60d",
        "61d",
        "+5m",
        "+0030m",
        "0005m",
        "-5m",
        "++5m",
        "5",
        "m",
        "",
        "5 m",
        "5M",
        "1w",
        "٥m",
        "30m ",
        "99999999999999999999d",
    ])
    .prop_map(str::to_owned);
    let any_number = (
        select(vec!["", "+", "-", "0", "+0"]),
        0u64..6_000_000,
        select(vec!["s", "m", "h", "d", "w", ""]),
    )
        .prop_map(|(sign, number, unit)| format!("{sign}{number}{unit}"));
    prop_oneof![boundaries, any_number]
}

fn fields() -> impl Strategy<Value = Fields> {
    let web = (
        prop::option::of(url()),
        prop::option::of(url()),
        prop::option::of(select(vec![
            "en", "de", "es", "pt-BR", "zh-CN", "es-MX", "en-GB", "no", "xx", "EN", "pt_BR", "",
            "sr",
        ])),
    )
        .prop_map(|(success_url, error_url, locale)| Web {
            success_url,
            error_url,
            locale: locale.map(str::to_owned),
        });
    let countries = prop::collection::vec(
        select(vec![
            "USA", "CAN", "AUT", "GBR", "DEU", "XKX", "XYZ", "usa", "US", "",
        ])
        .prop_map(str::to_owned),
        0..3,
    );
    let id_types = prop::sample::subsequence(
        vec![
            IdType::IdCard,
            IdType::DrivingLicense,
            IdType::Passport,
            IdType::Visa,
        ],
        0..=4,
    );
    (
        (
            select(vec![10011u64, 10013]),
            text(lengths_around(100)),
            prop::option::of(text(lengths_around(100))),
            prop::option::of(text(lengths_around(255))),
        ),
        (
            prop::option::of(url()),
            prop::option::of(lifetime()),
            id_types,
            countries,
            prop::option::of(web),
        ),
    )
        .prop_map(Fields::assemble)
}

/// Values both sides accept: every field within Jumio's rules.
fn valid_fields() -> impl Strategy<Value = Fields> {
    let reference = |max: usize| {
        prop::collection::vec(
            select(
                ('a'..='z')
                    .chain('0'..='9')
                    .chain(['-', '_', 'é'])
                    .collect::<Vec<char>>(),
            ),
            1..=max,
        )
        .prop_map(|chars| chars.into_iter().collect::<String>())
    };
    let https = select(vec![
        "https://kyc.example.com/jumio/callback",
        "https://kyc.example.com/",
        "http://localhost/cb?tenant=a&x=1",
    ])
    .prop_map(str::to_owned);
    let web = (
        prop::option::of(https.clone()),
        prop::option::of(https.clone()),
        prop::option::of(select(vec!["en", "de", "pt-BR", "zh-CN", "en-GB"])),
    )
        .prop_map(|(success_url, error_url, locale)| Web {
            success_url,
            error_url,
            locale: locale.map(str::to_owned),
        });
    (
        (
            select(vec![10011u64, 10013]),
            reference(100),
            prop::option::of(reference(100)),
            prop::option::of(reference(255)),
        ),
        (
            prop::option::of(https),
            prop::option::of(
                select(vec!["5m", "300s", "30m", "1h", "60d"]).prop_map(str::to_owned),
            ),
            prop::sample::subsequence(vec![IdType::IdCard, IdType::Passport], 0..=2),
            prop::collection::vec(
                select(vec!["USA", "CAN", "AUT"]).prop_map(str::to_owned),
                0..3,
            ),
            prop::option::of(web),
        ),
    )
        .prop_map(Fields::assemble)
}

/// The cases of the account request property: half are valid requests with at most one field
/// taken from [`fields`], so that each rule is met alone and not only next to other broken ones;
/// half are wholly [`fields`]. Both answers are common: about two cases in five are accepted
/// ([`fields`] alone: about one in fifteen, and now and then under the bound of [`agree`]).
fn account_requests() -> impl Strategy<Value = Fields> {
    let one_field_off = (valid_fields(), fields(), 0..=9u8).prop_map(|(mut valid, any, field)| {
        match field {
            0 => valid.key = any.key,
            1 => valid.reference = any.reference,
            2 => valid.user_reference = any.user_reference,
            3 => valid.reporting_criteria = any.reporting_criteria,
            4 => valid.callback_url = any.callback_url,
            5 => valid.token_lifetime = any.token_lifetime,
            6 => valid.id_types = any.id_types,
            7 => valid.countries = any.countries,
            8 => valid.web = any.web,
            _ => {}
        }
        valid
    });
    prop_oneof![one_field_off, fields()]
}

/// The body of `POST /api/v1/accounts` with these values, as a client in any language sends it.
fn raw_body(fields: &Fields) -> Value {
    let mut body = json!({
        "customerInternalReference": fields.reference,
        "workflowDefinition": { "key": fields.key },
    });
    let mut credential = serde_json::Map::new();
    if !fields.id_types.is_empty() {
        let types: Vec<&str> = fields.id_types.iter().map(|t| t.as_str()).collect();
        credential.insert("type".to_owned(), json!({ "values": types }));
    }
    if !fields.countries.is_empty() {
        credential.insert("country".to_owned(), json!({ "values": fields.countries }));
    }
    if !credential.is_empty() {
        credential.insert("category".to_owned(), json!("ID"));
        body["workflowDefinition"]["credentials"] = json!([credential]);
    }
    for (name, value) in [
        ("userReference", &fields.user_reference),
        ("reportingCriteria", &fields.reporting_criteria),
        ("callbackUrl", &fields.callback_url),
        ("tokenLifetime", &fields.token_lifetime),
    ] {
        if let Some(value) = value {
            body[name] = json!(value);
        }
    }
    if let Some(web) = &fields.web {
        let mut settings = serde_json::Map::new();
        for (name, value) in [
            ("successUrl", &web.success_url),
            ("errorUrl", &web.error_url),
            ("locale", &web.locale),
        ] {
            if let Some(value) = value {
                settings.insert(name.to_owned(), json!(value));
            }
        }
        body["web"] = Value::Object(settings);
    }
    body
}

/// What the client's builder makes of these values.
fn client_build(fields: &Fields) -> jumio_kyx::Result<types::AccountRequest> {
    let mut request = ClientRequest::new(Workflow::from_key(fields.key), fields.reference.clone());
    if let Some(value) = &fields.user_reference {
        request = request.user_reference(value.clone());
    }
    if let Some(value) = &fields.reporting_criteria {
        request = request.reporting_criteria(value.clone());
    }
    if let Some(value) = &fields.callback_url {
        request = request.callback_url(value.clone());
    }
    if let Some(value) = &fields.token_lifetime {
        request = request.token_lifetime(value.clone());
    }
    if !fields.id_types.is_empty() {
        request = request.id_types(fields.id_types.iter().copied());
    }
    if !fields.countries.is_empty() {
        request = request.countries(fields.countries.iter().cloned());
    }
    if let Some(web) = &fields.web {
        let mut settings = WebSettings::default();
        if let Some(url) = &web.success_url {
            settings = settings.success_url(url);
        }
        if let Some(url) = &web.error_url {
            settings = settings.error_url(url);
        }
        if let Some(locale) = &web.locale {
            settings = settings.locale(locale);
        }
        request = request.web(settings);
    }
    request.build()
}

/// One case of a property: the sandbox's answer, the client's verdict, and what to show of the
/// case when they disagree.
struct Verdicts {
    sandbox: Answer,
    client: Result<(), String>,
    case: String,
}

/// Runs `case` on values of `strategy` with a sandbox of its own: the sandbox answers `200` or
/// `400`, `200` exactly when the client accepts. Both outcomes must be common, so that the
/// property says something of each.
fn agree<S: Strategy>(
    strategy: S,
    case: impl Fn(&Runtime, &App, S::Value) -> Result<Verdicts, TestCaseError>,
) {
    let runtime = runtime();
    let app = runtime.block_on(App::start());
    let (accepted, refused) = (Cell::new(0u32), Cell::new(0u32));
    runner()
        .run(&strategy, |value| {
            let Verdicts {
                sandbox,
                client,
                case,
            } = case(&runtime, &app, value)?;
            let answer = String::from_utf8_lossy(&sandbox.body);
            prop_assert!(
                sandbox.status == StatusCode::OK || sandbox.status == StatusCode::BAD_REQUEST,
                "{case}\nsandbox: {} {answer}",
                sandbox.status
            );
            prop_assert_eq!(
                sandbox.status == StatusCode::OK,
                client.is_ok(),
                "{}\nsandbox: {}\nclient: {:?}",
                case,
                answer,
                client
            );
            let count = if client.is_ok() { &accepted } else { &refused };
            count.set(count.get() + 1);
            Ok(())
        })
        .unwrap_or_else(|failure| panic!("{failure}"));
    let (accepted, refused) = (accepted.get(), refused.get());
    let total = f64::from(accepted + refused);
    assert!(
        f64::from(accepted) > total * 0.05,
        "{accepted} accepted of {total}"
    );
    assert!(
        f64::from(refused) > total * 0.05,
        "{refused} refused of {total}"
    );
}

#[test]
fn client_and_sandbox_accept_the_same_account_requests() {
    agree(account_requests(), |runtime, app, fields| {
        let body = raw_body(&fields);
        let built = client_build(&fields);
        if let Ok(request) = &built {
            // And what the client sends, the sandbox takes.
            let sent = serde_json::to_value(request).expect("serialisable");
            let answer = runtime.block_on(app.create(&sent));
            prop_assert_eq!(answer.status, StatusCode::OK, "{}", sent);
        }
        Ok(Verdicts {
            sandbox: runtime.block_on(app.create(&body)),
            client: built.map(drop).map_err(|error| error.to_string()),
            case: format!("body {body}"),
        })
    });
}

/// How an image of the property is made.
#[derive(Clone, Debug)]
enum Picture {
    /// SOI, JFIF, a frame header, maybe one more segment of the SOF family (`0xC4`, `0xC8` and
    /// `0xCC` are other segments), maybe a scan, EOI.
    Jpeg {
        width: u16,
        height: u16,
        another: Option<(u8, u16, u16)>,
        scan: bool,
    },
    /// A PNG with `first` as the type of its first chunk (`IHDR` in a valid one).
    Png {
        width: u32,
        height: u32,
        first: &'static [u8; 4],
    },
    Other(Vec<u8>),
}

/// What happens to the bytes of the picture.
#[derive(Clone, Debug)]
enum Damage {
    /// None, and padding of this many zero bytes (a file of that size).
    Padded(usize),
    /// Cut short at this place (truncated).
    Cut(Index),
    /// One byte at this place set to this value (corrupt).
    Set(Index, u8),
}

fn side() -> impl Strategy<Value = u32> {
    prop_oneof![
        select(vec![0u32, 1, 299, 300, 301, 600, 1200, 7999, 8000, 8001]),
        0u32..9000,
    ]
}

fn picture() -> impl Strategy<Value = Picture> {
    let side16 = || side().prop_map(|s| u16::try_from(s).expect("sides stay below 65536"));
    let jpeg = (
        side16(),
        side16(),
        prop::option::of((
            select(vec![0xC0u8, 0xC1, 0xC2, 0xC3, 0xC9, 0xCF, 0xC4, 0xC8, 0xCC]),
            side16(),
            side16(),
        )),
        any::<bool>(),
    )
        .prop_map(|(width, height, another, scan)| Picture::Jpeg {
            width,
            height,
            another,
            scan,
        });
    let png = (
        prop_oneof![side(), select(vec![65_535u32, 100_000, u32::MAX])],
        side(),
        prop_oneof![4 => Just(b"IHDR"), 1 => Just(b"tEXt"), 1 => Just(b"ihdr")],
    )
        .prop_map(|(width, height, first)| Picture::Png {
            width,
            height,
            first,
        });
    let others = prop_oneof![
        select(vec![
            &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"[..],
            b"GIF89a\x90\x01\x90\x01\x00\x00",
            b"GIF87a\x90\x01\x90\x01",
            b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00",
            b"RIFF\x24\x00\x00\x00WEBPVP8 ",
            b"II*\x00\x08\x00\x00\x00",
            b"<!DOCTYPE html><html><body>Not found</body></html>",
            b"\xff\xd8",
            b"\xff\xd8\xff",
            b"\x89PNG",
            b"\x89PNG\r\n\x1a\n",
            b"",
        ])
        .prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 0..48),
    ];
    prop_oneof![4 => jpeg, 3 => png, 2 => others.prop_map(Picture::Other)]
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => prop_oneof![Just(0usize), 0usize..4096].prop_map(Damage::Padded),
        1 => any::<Index>().prop_map(Damage::Cut),
        1 => (any::<Index>(), any::<u8>()).prop_map(|(at, value)| Damage::Set(at, value)),
    ]
}

fn png_with_first_chunk(width: u32, height: u32, first: &[u8; 4]) -> Vec<u8> {
    let mut bytes = png(width, height, None);
    bytes[12..16].copy_from_slice(first);
    bytes
}

fn image_bytes(picture: &Picture, damage: &Damage) -> Vec<u8> {
    let mut bytes = match picture {
        Picture::Jpeg {
            width,
            height,
            another,
            scan,
        } => {
            let another =
                another.map_or_else(Vec::new, |(marker, w, h)| frame_header(marker, w, h));
            let scan: &[u8] = if *scan { SCAN } else { &[] };
            [
                &b"\xff\xd8"[..],
                JFIF,
                &frame_header(0xC0, *width, *height),
                &another,
                scan,
                b"\xff\xd9",
            ]
            .concat()
        }
        Picture::Png {
            width,
            height,
            first,
        } => png_with_first_chunk(*width, *height, first),
        Picture::Other(bytes) => bytes.clone(),
    };
    match damage {
        Damage::Padded(zeros) => bytes.resize(bytes.len() + zeros, 0),
        Damage::Cut(at) => bytes.truncate(at.index(bytes.len() + 1)),
        Damage::Set(at, value) => {
            if !bytes.is_empty() {
                let at = at.index(bytes.len());
                bytes[at] = *value;
            }
        }
    }
    bytes
}

/// Whether the client's local check accepts `bytes`.
async fn client_accepts(bytes: &[u8]) -> Result<(), String> {
    ImageSource::bytes("upload.jpg", bytes.to_vec())
        .check(&ImageLimits::default())
        .await
        .map(drop)
        .map_err(|error| error.to_string())
}

#[test]
fn client_and_sandbox_accept_the_same_images() {
    let created = OnceCell::new();
    agree((picture(), damage()), |runtime, app, (picture, damage)| {
        let created =
            created.get_or_init(|| runtime.block_on(app.created(&seed_request(10011, None))));
        let bytes = image_bytes(&picture, &damage);
        Ok(Verdicts {
            sandbox: runtime.block_on(app.upload(
                &created.front,
                &created.token,
                &bytes,
                "upload.jpg",
            )),
            client: runtime.block_on(client_accepts(&bytes)),
            case: format!(
                "{} bytes {:02x?}",
                bytes.len(),
                &bytes[..bytes.len().min(64)]
            ),
        })
    });
}

#[tokio::test]
async fn ten_mebibytes_are_accepted_and_one_byte_more_is_refused_by_both() {
    let app = App::start().await;
    let created = app.created(&seed_request(10011, None)).await;
    let limit = usize::try_from(MAX_BYTES).expect("10 MiB fits a usize");
    for (size, accepted) in [(limit, true), (limit + 1, false)] {
        let mut bytes = jpeg(1200, 800);
        bytes.resize(size, 0);
        let client = client_accepts(&bytes).await;
        assert_eq!(client.is_ok(), accepted, "client, {size} bytes: {client:?}");
        let answer = app
            .upload(&created.front, &created.token, &bytes, "front.jpg")
            .await;
        if accepted {
            assert_eq!(answer.status, StatusCode::OK, "sandbox, {size} bytes");
        } else {
            let detail = answer.error(StatusCode::BAD_REQUEST).detail;
            assert_eq!(
                detail.as_deref(),
                Some(
                    "file is 10.0 MB (10485761 bytes); Jumio accepts at most 10.0 MB (10485760 bytes)"
                )
            );
        }
    }
}
