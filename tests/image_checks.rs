//! Local image checks and the streamed multipart part, on synthetic JPEG and PNG files built on the
//! fly (headers only, padded with zeros to the wanted size).

use jumio_kyx_test_support as support;

use support::Rng;

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::routing::post;
use jumio_kyx::image::{
    self, ImageError, ImageFormat, ImageInfo, ImageLimits, ImageSource, check_header,
};
use jumio_kyx::limits::image::MAX_BYTES;
use reqwest::header::CONTENT_LENGTH;
use reqwest::multipart::{Form, Part};

const MIB: u64 = 1024 * 1024;

/// A directory of its own under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "jumio-kyx-image-{}-{test}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    /// Writes `content`, extended with zeros to `total` bytes when given.
    fn file(&self, name: &str, content: &[u8], total: Option<u64>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, content).expect("write image");
        if let Some(total) = total {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .expect("open image");
            file.set_len(total).expect("extend image");
        }
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A PNG signature, an IHDR chunk with these dimensions (8-bit RGB) and IEND.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// SOI, a JFIF APP0 segment, `metadata` APP1 segments of 65533 bytes each, a baseline SOF0 with these
/// dimensions, EOI.
fn jpeg_with_metadata(width: u16, height: u16, metadata: usize) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8];
    out.extend_from_slice(&[0xff, 0xe0, 0x00, 0x10]);
    out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    for _ in 0..metadata {
        out.extend_from_slice(&[0xff, 0xe1, 0xff, 0xff]);
        out.extend(std::iter::repeat_n(0x20, 0xffff - 2));
    }
    out.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    out.extend_from_slice(&[0xff, 0xd9]);
    out
}

fn jpeg(width: u16, height: u16) -> Vec<u8> {
    jpeg_with_metadata(width, height, 0)
}

async fn check_file(path: &Path, limits: &ImageLimits) -> Result<ImageInfo, ImageError> {
    ImageSource::path(path).check(limits).await
}

#[tokio::test]
async fn accepts_jpeg_and_png_with_their_dimensions() {
    let dir = TempDir::new("accepts");
    let front = dir.file("front.jpg", &jpeg(1200, 800), Some(250_000));
    let selfie = dir.file("selfie.png", &png(640, 480), None);

    let source = ImageSource::path(&front);
    assert_eq!(source.name(), "front.jpg");
    let info = source.check(&ImageLimits::default()).await.unwrap();
    assert_eq!(
        info,
        ImageInfo {
            format: ImageFormat::Jpeg,
            width: 1200,
            height: 800,
            bytes: 250_000
        }
    );
    assert_eq!(info.format.mime(), "image/jpeg");
    assert_eq!(info.format.extension(), "jpg");

    let info = check_file(&selfie, &ImageLimits::default()).await.unwrap();
    assert_eq!(info.format, ImageFormat::Png);
    assert_eq!((info.width, info.height), (640, 480));
    assert_eq!(info.bytes, png(640, 480).len() as u64);
    assert_eq!(info.format.mime(), "image/png");
    assert_eq!(info.format.extension(), "png");
}

#[tokio::test]
async fn format_comes_from_the_content_not_the_name() {
    let source = ImageSource::bytes("photo.jpg", png(1000, 1000));
    let info = source.check(&ImageLimits::default()).await.unwrap();
    assert_eq!(info.format, ImageFormat::Png);
}

#[tokio::test]
async fn pdf_named_jpg_is_refused_as_a_pdf() {
    let dir = TempDir::new("pdf");
    let scan = dir.file(
        "scan.jpg",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        Some(40_000),
    );
    let error = check_file(&scan, &ImageLimits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::NotAnImage {
                detected: Some("a PDF document"),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "scan.jpg is not a JPEG or PNG image (it is a PDF document)"
    );
}

#[test]
fn common_non_images_are_named() {
    let limits = ImageLimits::default();
    let cases: [(&[u8], &str); 7] = [
        (b"GIF89a\x90\x01\x90\x01", "a GIF image"),
        (b"RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0", "a WebP image"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "a HEIC/HEIF image"),
        (b"II*\0\x08\0\0\0\0\0", "a TIFF image"),
        (b"BM\x36\0\x0c\0\0\0\0\0\x36\0", "a BMP image"),
        (b"PK\x03\x04\x14\0\0\0\x08\0", "a ZIP archive"),
        (b"<!DOCTYPE html>\n<html><body>Not found", "an HTML page"),
    ];
    for (content, kind) in cases {
        let error = check_header("upload.png", content, 5000, &limits).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("upload.png is not a JPEG or PNG image (it is {kind})")
        );
    }
    let error = check_header("upload.png", b"just some text", 14, &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "upload.png is not a JPEG or PNG image (its first bytes match no known format)"
    );
}

#[tokio::test]
async fn ten_mb_plus_one_byte_is_refused_naming_the_limit() {
    let dir = TempDir::new("over-10mb");
    let front = dir.file("front.jpg", &jpeg(2000, 1500), Some(MAX_BYTES + 1));
    let error = check_file(&front, &ImageLimits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::TooLarge {
                bytes,
                max_bytes: MAX_BYTES,
                ..
            } if bytes == MAX_BYTES + 1
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "front.jpg is 10.0 MB (10485761 bytes); Jumio accepts at most 10 MB (10485760 bytes)"
    );
}

#[test]
fn too_large_message_uses_megabytes_with_one_decimal() {
    let error = check_header(
        "front.jpg",
        &jpeg(2000, 1500),
        13_002_342,
        &ImageLimits::default(),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "front.jpg is 12.4 MB; Jumio accepts at most 10 MB"
    );
    assert_eq!(error.name(), "front.jpg");
    assert_eq!(image::format_size(13_002_342), "12.4 MB");
}

#[tokio::test]
async fn exactly_ten_mb_is_accepted() {
    let dir = TempDir::new("exactly-10mb");
    let front = dir.file("front.jpg", &jpeg(2000, 1500), Some(MAX_BYTES));
    let info = check_file(&front, &ImageLimits::default()).await.unwrap();
    assert_eq!(info.bytes, 10 * MIB);
}

#[tokio::test]
async fn fifteen_mb_is_accepted_by_jumios_current_limit_only() {
    let dir = TempDir::new("15mb");
    let front = dir.file("front.png", &png(4000, 3000), Some(15 * MIB));
    let info = check_file(&front, &ImageLimits::jumio_current())
        .await
        .unwrap();
    assert_eq!(info.bytes, 15 * MIB);
    assert_eq!(ImageLimits::jumio_current().max_bytes, 15 * MIB);

    let error = check_file(&front, &ImageLimits::default())
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "front.png is 15.0 MB; Jumio accepts at most 10 MB"
    );
    let error = check_file(
        &front,
        &ImageLimits::jumio_current().with_max_bytes(15 * MIB - 1),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, ImageError::TooLarge { .. }), "{error:?}");
}

#[tokio::test]
async fn sides_over_8000_px_are_refused() {
    let dir = TempDir::new("8001");
    let wide = dir.file("id.png", &png(8001, 4000), None);
    let error = check_file(&wide, &ImageLimits::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::TooManyPixels {
                width: 8001,
                height: 4000,
                max_side: 8000,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "id.png is 8001×4000 px; Jumio accepts at most 8000×8000"
    );

    let tall = check_header("id.jpg", &jpeg(300, 9000), 4096, &ImageLimits::default());
    assert!(matches!(tall, Err(ImageError::TooManyPixels { .. })));
    let largest = check_header("id.jpg", &jpeg(8000, 8000), 4096, &ImageLimits::default());
    assert_eq!(largest.unwrap().width, 8000);
}

#[test]
fn longest_side_must_be_more_than_300_px() {
    let limits = ImageLimits::default();
    let error = check_header("selfie.png", &png(300, 300), 1000, &limits).unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::TooSmall {
                width: 300,
                height: 300,
                min_longest_side_exclusive: 300,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "selfie.png is 300×300 px; its longest side must be more than 300 px"
    );
    let error = check_header("selfie.jpg", &jpeg(200, 200), 1000, &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "selfie.jpg is 200×200 px; its longest side must be more than 300 px"
    );

    let wide = check_header("selfie.png", &png(301, 200), 1000, &limits).unwrap();
    assert_eq!((wide.width, wide.height), (301, 200));
    let tall = check_header("selfie.jpg", &jpeg(200, 301), 1000, &limits).unwrap();
    assert_eq!((tall.width, tall.height), (200, 301));
}

#[tokio::test]
async fn empty_file_is_refused() {
    let dir = TempDir::new("empty");
    let back = dir.file("back.jpg", b"", None);
    let error = check_file(&back, &ImageLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ImageError::Empty { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "back.jpg is empty (0 bytes); Jumio accepts JPEG or PNG images"
    );
}

#[tokio::test]
async fn missing_file_names_the_file_and_the_os_error() {
    let dir = TempDir::new("missing");
    let path = dir.0.join("front.jpg");
    let error = check_file(&path, &ImageLimits::default())
        .await
        .unwrap_err();
    match &error {
        ImageError::Unreadable { name, source } => {
            assert_eq!(name, "front.jpg");
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.starts_with("front.jpg cannot be read: "),
        "{message}"
    );
    assert!(!message.contains("os error"), "{message}");
    #[cfg(unix)]
    assert_eq!(
        message,
        "front.jpg cannot be read: No such file or directory"
    );

    let error = check_file(&dir.0, &ImageLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ImageError::Unreadable { .. }), "{error:?}");
    assert!(error.to_string().ends_with("it is not a regular file"));
}

#[tokio::test]
async fn truncated_headers_are_refused() {
    let dir = TempDir::new("truncated");
    let limits = ImageLimits::default();

    // A PNG cut inside its IHDR chunk.
    let png_start = &png(1000, 800)[..20];
    let cut_png = dir.file("selfie.png", png_start, None);
    let error = check_file(&cut_png, &limits).await.unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::Truncated {
                format: ImageFormat::Png,
                read: 20,
                total: 20,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "selfie.png is a PNG image cut short: it ends after 20 bytes, before its dimensions (truncated file)"
    );

    // A JPEG cut before its frame header.
    let full = jpeg(1000, 800);
    let cut_jpeg = dir.file("front.jpg", &full[..24], None);
    let error = check_file(&cut_jpeg, &limits).await.unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::Truncated {
                format: ImageFormat::Jpeg,
                ..
            }
        ),
        "{error:?}"
    );

    // Two bytes of a JPEG signature.
    let error = check_header("front.jpg", b"\xff\xd8", 2, &limits).unwrap_err();
    assert!(matches!(error, ImageError::Truncated { .. }), "{error:?}");

    // A header passed without the part holding the dimensions.
    let error = check_header("front.jpg", &full[..24], 50_000, &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "front.jpg is a JPEG image whose dimensions are not within its first 24 bytes (truncated or unusually long header)"
    );
}

#[test]
fn corrupt_headers_are_refused() {
    let limits = ImageLimits::default();
    let error = check_header(
        "front.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00garbage!",
        5000,
        &limits,
    )
    .unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::CorruptHeader {
                format: ImageFormat::Jpeg,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "front.jpg starts like a JPEG image but its header is corrupt; its dimensions cannot be read"
    );

    let mut not_ihdr = png(1000, 1000);
    not_ihdr[12..16].copy_from_slice(b"tEXt");
    let error = check_header("selfie.png", &not_ihdr, 5000, &limits).unwrap_err();
    assert!(
        matches!(error, ImageError::CorruptHeader { .. }),
        "{error:?}"
    );

    let error = check_header("selfie.png", &png(0, 1000), 5000, &limits).unwrap_err();
    assert!(
        matches!(error, ImageError::CorruptHeader { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn jpeg_dimensions_after_large_metadata_are_found() {
    let dir = TempDir::new("metadata");
    let content = jpeg_with_metadata(3000, 2000, 3);
    assert!(content.len() > 3 * 65_000);
    let front = dir.file("front.jpg", &content, None);
    let info = check_file(&front, &ImageLimits::default()).await.unwrap();
    assert_eq!((info.width, info.height), (3000, 2000));

    // The first 64 KiB alone do not hold them.
    let error = check_header(
        "front.jpg",
        &content[..64 * 1024],
        content.len() as u64,
        &ImageLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(error, ImageError::Truncated { .. }), "{error:?}");
}

/// A JPEG header followed by `total` bytes in all of a repeating pattern.
fn patterned_jpeg(total: usize) -> Vec<u8> {
    let mut content = jpeg(4000, 3000);
    let header = content.len();
    content.extend((header..total).map(|i| (i % 251) as u8));
    content
}

fn digest(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(bytes);
    hasher.finish()
}

/// The Content-Length of a request carrying `part` in the field `file`.
fn content_length(part: Part) -> u64 {
    let request = reqwest::Client::new()
        .post("http://127.0.0.1:9/upload")
        .multipart(Form::new().part("file", part))
        .build()
        .expect("request");
    request
        .headers()
        .get(CONTENT_LENGTH)
        .expect("a known length")
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// A server that answers each multipart upload with the file name, content type, size and digest of
/// its `file` field.
async fn echo_server() -> String {
    async fn receive(mut multipart: Multipart) -> String {
        while let Some(field) = multipart.next_field().await.expect("multipart") {
            if field.name() == Some("file") {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.expect("file bytes");
                return format!(
                    "{file_name} {content_type} {} {}",
                    bytes.len(),
                    digest(&bytes)
                );
            }
        }
        "no file".to_owned()
    }
    let app = Router::new()
        .route("/upload", post(receive))
        .layer(DefaultBodyLimit::disable());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}/upload")
}

#[tokio::test]
async fn into_part_streams_the_file_with_its_length() {
    let dir = TempDir::new("stream");
    let content = patterned_jpeg(12 * MIB as usize);
    let path = dir.file("front.jpg", &content, None);
    let limits = ImageLimits::default().with_max_bytes(20 * MIB);
    let source = ImageSource::path(&path);
    let info = source.check(&limits).await.unwrap();
    assert_eq!(info.bytes, 12 * MIB);

    // The part has a known length: the request's Content-Length is the form's overhead plus the
    // file's length.
    let part = ImageSource::path(&path).into_part(&info).await.unwrap();
    let empty = Part::bytes(Vec::new())
        .file_name("front.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    assert_eq!(content_length(part) - content_length(empty), 12 * MIB);

    // What the server receives is the file, byte for byte, named and typed.
    let url = echo_server().await;
    let part = source.into_part(&info).await.unwrap();
    let received = reqwest::Client::new()
        .post(&url)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        received,
        format!(
            "front.jpg image/jpeg {} {}",
            content.len(),
            digest(&content)
        )
    );
}

#[tokio::test]
async fn into_part_sends_bytes_from_memory() {
    let content = png(1024, 768);
    let source = ImageSource::bytes("selfie.png", content.clone());
    let info = source.check(&ImageLimits::default()).await.unwrap();
    let url = echo_server().await;
    let part = source.into_part(&info).await.unwrap();
    let received = reqwest::Client::new()
        .post(&url)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        received,
        format!(
            "selfie.png image/png {} {}",
            content.len(),
            digest(&content)
        )
    );
}

#[tokio::test]
async fn into_part_refuses_a_file_changed_after_the_check() {
    let dir = TempDir::new("changed");
    let path = dir.file("front.png", &png(1000, 800), Some(2 * MIB));
    let info = check_file(&path, &ImageLimits::default()).await.unwrap();

    // Longer.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(3 * MIB)
        .unwrap();
    let error = ImageSource::path(&path).into_part(&info).await.unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::Changed {
                checked_bytes,
                current_bytes,
                ..
            } if checked_bytes == 2 * MIB && current_bytes == 3 * MIB
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "front.png changed since it was checked (it was 2097152 bytes, it is now 3145728 bytes); check it again"
    );

    // Same length, other content.
    dir.file("front.png", &png(1000, 900), Some(2 * MIB));
    let error = ImageSource::path(&path).into_part(&info).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "front.png changed since it was checked (its header differs); check it again"
    );

    // Gone.
    std::fs::remove_file(&path).unwrap();
    let error = ImageSource::path(&path).into_part(&info).await.unwrap_err();
    assert!(matches!(error, ImageError::Unreadable { .. }), "{error:?}");

    // Bytes that are not the ones checked.
    let error = ImageSource::bytes("front.png", png(1000, 800))
        .into_part(&info)
        .await
        .unwrap_err();
    assert!(matches!(error, ImageError::Changed { .. }), "{error:?}");
}

#[test]
fn debug_shows_the_name_and_length_but_not_the_bytes() {
    let mut content = png(1000, 800);
    content.extend_from_slice(b"PERSONAL-DATA-MARKER");
    let len = content.len();
    let source = ImageSource::bytes("selfie.png", content);
    let debug = format!("{source:?}");
    assert!(debug.contains("selfie.png"), "{debug}");
    assert!(debug.contains(&len.to_string()), "{debug}");
    assert!(!debug.contains("PERSONAL-DATA-MARKER"), "{debug}");
    assert!(!debug.contains("IHDR"), "{debug}");
    assert!(!debug.contains("137"), "{debug}");

    let debug = format!("{:?}", ImageSource::path("/scans/2024/front.jpg"));
    assert!(debug.contains("front.jpg"), "{debug}");
}

#[test]
fn arbitrary_headers_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let limits = ImageLimits::default();
    let seeds = [
        jpeg(1200, 800),
        jpeg_with_metadata(500, 400, 1),
        png(640, 480),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for round in 0..4000 {
        let mut header = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(header.len());
            match rng.below(3) {
                0 => header[at] = rng.next_u64() as u8,
                1 => header.truncate(at),
                _ => header.insert(at, rng.next_u64() as u8),
            }
            if header.is_empty() {
                break;
            }
        }
        let total = header.len() as u64 + rng.below(1000) as u64;
        match check_header("fuzz.jpg", &header, total, &limits) {
            Ok(info) => {
                assert!(info.width.max(info.height) > 300 && info.width.max(info.height) <= 8000);
                accepted += 1;
            }
            Err(error) => {
                assert!(error.to_string().starts_with("fuzz.jpg "));
                refused += 1;
            }
        }
    }
    assert!(
        accepted > 0 && refused > 0,
        "{accepted} accepted, {refused} refused"
    );
}

/// A JPEG of `width`×`height` with `metadata` APP1 segments of 64 KiB before its dimensions and
/// `filler` bytes of scan data after them.
fn jpeg_with_scan(width: u16, height: u16, metadata: usize, filler: usize) -> Vec<u8> {
    let mut out = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10];
    out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
    for _ in 0..metadata {
        out.extend_from_slice(&[0xff, 0xe1, 0xff, 0xff]);
        out.extend(std::iter::repeat_n(0x20, 0xffff - 2));
    }
    out.extend_from_slice(&[0xff, 0xc0, 0x00, 0x11, 0x08]);
    out.extend_from_slice(&height.to_be_bytes());
    out.extend_from_slice(&width.to_be_bytes());
    out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
    out.extend_from_slice(&[0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]);
    out.extend((0..filler).map(|i| (i % 251) as u8));
    out.extend_from_slice(&[0xff, 0xd9]);
    out
}

/// What is uploaded from a file is the file, byte for byte: a small one (sent with its header
/// in one piece), a larger one (the rest streamed after the header and the chunk read with
/// it), and one whose dimensions lie beyond the first 64 KiB (streamed anew from its start).
#[tokio::test]
async fn files_are_uploaded_byte_for_byte() {
    use jumio_kyx::generated::types::PartClassifier;
    use jumio_kyx::{Workflow, WorkflowRequest};

    let sandbox = jumio_kyx_sandbox::Sandbox::start().await.unwrap();
    let client = jumio_kyx::JumioClient::builder()
        .credentials(sandbox.client_id(), sandbox.client_secret())
        .base_url(sandbox.base_url())
        .user_agent("Image Test/1.0")
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("jumio-kyx-image-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, metadata, filler) in [
        ("small.jpg", 0, 50_000),
        ("large.jpg", 0, 400_000),
        ("metadata.jpg", 2, 200_000),
    ] {
        let content = jpeg_with_scan(1600, 1200, metadata, filler);
        let path = dir.join(name);
        std::fs::write(&path, &content).unwrap();
        let request = WorkflowRequest::new(Workflow::IdAndIdentity, name);
        let mut session = client.create_account(&request).await.unwrap();
        session
            .upload_front(ImageSource::path(&path))
            .await
            .unwrap();
        let front = session
            .credentials()
            .iter()
            .find(|c| c.parts().any(|p| p == "FRONT"))
            .unwrap();
        let download = client
            .download_part(session.account_id(), front.id(), &PartClassifier::Front)
            .await
            .unwrap();
        assert_eq!(download.bytes.len(), content.len(), "{name}");
        assert!(download.bytes == content, "{name} arrived changed");
    }
    std::fs::remove_dir_all(&dir).unwrap();
    sandbox.shutdown().await;
}
