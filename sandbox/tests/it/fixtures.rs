//! Jumio's own examples (`tests/fixtures/jumio-docs/` of the repository), loaded rather than
//! retyped, and the image bytes the tests upload.

use serde_json::{Value, json};

const JUMIO_DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/jumio-docs");

/// A JSON example of Jumio's documentation.
pub fn jumio_example(name: &str) -> Value {
    let path = format!("{JUMIO_DOCS}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Jumio's account creation example of workflow `key` (10011 or 10013), with its placeholder
/// `"callbackUrl": "YOUR_CALLBACK_URL"` replaced by `callback`, or removed.
pub fn seed_request(key: u64, callback: Option<&str>) -> Value {
    with_callback(
        jumio_example(&format!("account-create-request-{key}.json")),
        callback,
    )
}

/// Jumio's account update example, with the placeholder callback URL removed.
pub fn update_request() -> Value {
    with_callback(jumio_example("account-update-request-10013.json"), None)
}

fn with_callback(mut body: Value, callback: Option<&str>) -> Value {
    match callback {
        Some(url) => body["callbackUrl"] = json!(url),
        None => {
            body.as_object_mut()
                .expect("an object")
                .remove("callbackUrl");
        }
    }
    body
}

/// [`seed_request`] without a callback, its `customerInternalReference` set to `reference`
/// (scenario markers).
pub fn request_with_reference(key: u64, reference: &str) -> Value {
    let mut body = seed_request(key, None);
    body["customerInternalReference"] = json!(reference);
    body
}

/// SOI, a JFIF APP0 segment, a baseline frame header (SOF0) of `width`×`height`, a scan (SOS) with a
/// few bytes of entropy-coded data, EOI: the header of a JPEG as far as a header reader goes.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    [
        &b"\xff\xd8"[..],
        JFIF,
        &frame_header(0xC0, width, height),
        SCAN,
        b"\xff\xd9",
    ]
    .concat()
}

/// A JPEG with two frame headers (baseline, then progressive), both of `width`×`height`.
pub fn jpeg_with_two_frames(width: u16, height: u16) -> Vec<u8> {
    [
        &b"\xff\xd8"[..],
        JFIF,
        &frame_header(0xC0, width, height),
        &frame_header(0xC2, width, height),
        SCAN,
        b"\xff\xd9",
    ]
    .concat()
}

/// The APP0 segment of a JFIF file.
pub const JFIF: &[u8] = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00";
/// A scan header of three components, and a little entropy-coded data (with a stuffed 0xFF).
pub const SCAN: &[u8] =
    b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00\x12\x34\xff\x00\x56";

/// A frame header (SOF `marker`) of three components.
pub fn frame_header(marker: u8, width: u16, height: u16) -> Vec<u8> {
    let mut segment = vec![0xFF, marker, 0x00, 0x11, 0x08];
    segment.extend_from_slice(&height.to_be_bytes());
    segment.extend_from_slice(&width.to_be_bytes());
    segment.extend_from_slice(b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01");
    segment
}
