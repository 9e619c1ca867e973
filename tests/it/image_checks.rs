//! Local image checks and the streamed multipart part, on synthetic JPEG and PNG files built on the
//! fly (`support::images`: headers only, padded with zeros to the wanted size).

use jumio_kyx_test_support as support;

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::Path;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart};
use axum::routing::post;
use jumio_kyx::image::{ImageError, ImageFormat, ImageInfo, ImageLimits, ImageSource};
use jumio_kyx::limits::image::MAX_BYTES;
use reqwest::header::CONTENT_LENGTH;
use reqwest::multipart::{Form, Part};
use support::Rng;
use support::images::{Jpeg, jpeg, png};
use support::temp::TempDir;

const MIB: u64 = 1024 * 1024;

async fn check_file(path: &Path, limits: &ImageLimits) -> Result<ImageInfo, ImageError> {
    ImageSource::path(path).check(limits).await
}

/// Why the file at `path` is refused under the default limits.
async fn refusal(path: &Path) -> ImageError {
    check_file(path, &ImageLimits::default()).await.unwrap_err()
}

#[tokio::test]
async fn accepts_jpeg_and_png_with_their_dimensions() {
    let dir = TempDir::new("accepts");
    let front = dir.file_of_len("front.jpg", &jpeg(1200, 800), 250_000);
    let selfie = dir.file("selfie.png", &png(640, 480));

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
    let scan = dir.file_of_len(
        "scan.jpg",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
        40_000,
    );
    let error = refusal(&scan).await;
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
        let error = check_bytes("upload.png", content, &limits).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("upload.png is not a JPEG or PNG image (it is {kind})")
        );
    }
    let error = check_bytes("upload.png", b"just some text", &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "upload.png is not a JPEG or PNG image (its first bytes match no known format)"
    );
}

#[tokio::test]
async fn ten_mb_plus_one_byte_is_refused_naming_the_limit() {
    let dir = TempDir::new("over-10mb");
    let front = dir.file_of_len("front.jpg", &jpeg(2000, 1500), MAX_BYTES + 1);
    let error = refusal(&front).await;
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

#[tokio::test]
async fn too_large_message_uses_megabytes_with_one_decimal() {
    let dir = TempDir::new("too-large");
    let front = dir.file_of_len("front.jpg", &jpeg(2000, 1500), 13_002_342);
    let error = refusal(&front).await;
    assert_eq!(
        error.to_string(),
        "front.jpg is 12.4 MB; Jumio accepts at most 10 MB"
    );
    assert_eq!(error.name(), "front.jpg");
}

#[tokio::test]
async fn exactly_ten_mb_is_accepted() {
    let dir = TempDir::new("exactly-10mb");
    let front = dir.file_of_len("front.jpg", &jpeg(2000, 1500), MAX_BYTES);
    let info = check_file(&front, &ImageLimits::default()).await.unwrap();
    assert_eq!(info.bytes, 10 * MIB);
}

#[tokio::test]
async fn fifteen_mb_is_accepted_by_jumios_current_limit_only() {
    let dir = TempDir::new("15mb");
    let front = dir.file_of_len("front.png", &png(4000, 3000), 15 * MIB);
    let info = check_file(&front, &ImageLimits::jumio_current())
        .await
        .unwrap();
    assert_eq!(info.bytes, 15 * MIB);
    assert_eq!(ImageLimits::jumio_current().max_bytes, 15 * MIB);

    let error = refusal(&front).await;
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
    let wide = dir.file("id.png", &png(8001, 4000));
    let error = refusal(&wide).await;
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

    let tall = check_bytes("id.jpg", &jpeg(300, 9000), &ImageLimits::default());
    assert!(matches!(tall, Err(ImageError::TooManyPixels { .. })));
    let largest = check_bytes("id.jpg", &jpeg(8000, 8000), &ImageLimits::default());
    assert_eq!(largest.unwrap().width, 8000);

    // Limits of one's own: each builder changes its limit and keeps the others.
    let limits = ImageLimits::default()
        .with_max_side(1000)
        .with_min_longest_side_exclusive(500)
        .with_max_bytes(2_000);
    assert_eq!(
        (
            limits.max_side,
            limits.min_longest_side_exclusive,
            limits.max_bytes
        ),
        (1000, 500, 2_000)
    );
    let content = jpeg(1001, 800);
    assert!(content.len() < 2_000);
    assert!(matches!(
        check_bytes("id.jpg", &content, &limits),
        Err(ImageError::TooManyPixels { max_side: 1000, .. })
    ));
    assert!(matches!(
        check_bytes("id.jpg", &jpeg(500, 400), &limits),
        Err(ImageError::TooSmall {
            min_longest_side_exclusive: 500,
            ..
        })
    ));
    assert_eq!(
        check_bytes("id.jpg", &jpeg(1000, 501), &limits)
            .unwrap()
            .width,
        1000
    );
    let current = ImageLimits::jumio_current();
    assert_eq!(
        (
            current.max_bytes,
            current.max_side,
            current.min_longest_side_exclusive
        ),
        (15 * MIB, 8000, 300)
    );
}

#[test]
fn longest_side_must_be_more_than_300_px() {
    let limits = ImageLimits::default();
    let error = check_bytes("selfie.png", &png(300, 300), &limits).unwrap_err();
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
    let error = check_bytes("selfie.jpg", &jpeg(200, 200), &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "selfie.jpg is 200×200 px; its longest side must be more than 300 px"
    );

    let wide = check_bytes("selfie.png", &png(301, 200), &limits).unwrap();
    assert_eq!((wide.width, wide.height), (301, 200));
    let tall = check_bytes("selfie.jpg", &jpeg(200, 301), &limits).unwrap();
    assert_eq!((tall.width, tall.height), (200, 301));
}

#[tokio::test]
async fn empty_file_is_refused() {
    let dir = TempDir::new("empty");
    let back = dir.file("back.jpg", b"");
    let error = refusal(&back).await;
    assert!(matches!(error, ImageError::Empty { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "back.jpg is empty (0 bytes); Jumio accepts JPEG or PNG images"
    );
}

#[tokio::test]
async fn missing_file_names_the_file_and_the_os_error() {
    let dir = TempDir::new("missing");
    let path = dir.join("front.jpg");
    let error = refusal(&path).await;
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

    let error = refusal(dir.path()).await;
    assert!(matches!(error, ImageError::Unreadable { .. }), "{error:?}");
    assert!(error.to_string().ends_with("it is not a regular file"));
}

#[tokio::test]
async fn truncated_headers_are_refused() {
    let dir = TempDir::new("truncated");
    let limits = ImageLimits::default();

    // A PNG cut inside its IHDR chunk, a JPEG cut before its frame header: the whole file is read.
    let full = jpeg(1000, 800);
    let cut_png = &png(1000, 800)[..20];
    for (name, cut, expected) in [
        ("selfie.png", cut_png, ImageFormat::Png),
        ("front.jpg", &full[..24], ImageFormat::Jpeg),
    ] {
        let error = refusal(&dir.file(name, cut)).await;
        let len = cut.len() as u64;
        assert!(
            matches!(
                error,
                ImageError::Truncated { format, read, total, .. }
                    if format == expected && read == len && total == len
            ),
            "{error:?}"
        );
    }
    assert_eq!(
        refusal(&dir.join("selfie.png")).await.to_string(),
        "selfie.png is a PNG image cut short: it ends after 20 bytes, before its dimensions (truncated file)"
    );

    // Two bytes of a JPEG signature.
    let error = check_bytes("front.jpg", b"\xff\xd8", &limits).unwrap_err();
    assert!(matches!(error, ImageError::Truncated { .. }), "{error:?}");

    // An image in memory cut before its dimensions.
    let error = check_bytes("front.jpg", &full[..24], &limits).unwrap_err();
    assert_eq!(
        error.to_string(),
        "front.jpg is a JPEG image cut short: it ends after 24 bytes, before its dimensions (truncated file)"
    );
}

#[test]
fn corrupt_headers_are_refused() {
    let limits = ImageLimits::default();
    let error = check_bytes(
        "front.jpg",
        b"\xff\xd8\xff\xe0\x00\x10JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00garbage!",
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
    let error = check_bytes("selfie.png", &not_ihdr, &limits).unwrap_err();
    assert!(
        matches!(error, ImageError::CorruptHeader { .. }),
        "{error:?}"
    );

    // A second frame header: which dimensions count would be a matter of chance.
    let one_frame = Jpeg::new(1000, 800).build();
    let at = one_frame
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a frame header");
    // SOF0 of 17 bytes after its marker: length, precision, height, width, three components.
    let frame = &one_frame[at..at + 19];
    let two_frames = [&one_frame[..at + 19], frame, &one_frame[at + 19..]].concat();
    let error = check_bytes("front.jpg", &two_frames, &limits).unwrap_err();
    assert!(
        matches!(error, ImageError::CorruptHeader { .. }),
        "{error:?}"
    );
    // One frame header alone is read.
    let info = check_bytes("front.jpg", &one_frame, &limits).unwrap();
    assert_eq!((info.width, info.height), (1000, 800));

    // A side of zero pixels, in either direction and either format.
    for (name, content) in [
        ("selfie.png", png(0, 1000)),
        ("selfie.png", png(1000, 0)),
        ("front.jpg", Jpeg::new(0, 1000).build()),
        ("front.jpg", Jpeg::new(1000, 0).build()),
    ] {
        let error = check_bytes(name, &content, &limits).unwrap_err();
        assert!(
            matches!(error, ImageError::CorruptHeader { .. }),
            "{name}: {error:?}"
        );
    }
}

#[tokio::test]
async fn jpeg_dimensions_after_large_metadata_are_found() {
    let dir = TempDir::new("metadata");
    let content = Jpeg::new(3000, 2000).metadata(3).build();
    assert!(content.len() > 3 * 65_000);
    let front = dir.file("front.jpg", &content);
    let info = check_file(&front, &ImageLimits::default()).await.unwrap();
    assert_eq!((info.width, info.height), (3000, 2000));

    // The first 64 KiB alone do not hold them.
    let error =
        check_bytes("front.jpg", &content[..64 * 1024], &ImageLimits::default()).unwrap_err();
    assert!(matches!(error, ImageError::Truncated { .. }), "{error:?}");
}

/// The header is read doubling from 64 KiB up to 16 MiB and no further: dimensions beyond that
/// are refused as a header cut short after 16 MiB, and the check ends.
#[tokio::test]
async fn dimensions_beyond_16_mib_of_header_are_not_searched_for() {
    let dir = TempDir::new("long-header");
    let content = Jpeg::new(3000, 2000).metadata(260).build();
    assert!(content.len() as u64 > 16 * MIB);
    let path = dir.file("front.jpg", &content);
    let limits = ImageLimits::default().with_max_bytes(32 * MIB);
    let error = check_file(&path, &limits).await.unwrap_err();
    assert!(
        matches!(
            error,
            ImageError::Truncated { read, total, .. }
                if read == 16 * MIB && total == content.len() as u64
        ),
        "{error:?}"
    );
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

/// What [`echo`] answers for a file `name` of type `mime` holding `content`.
fn echoed(name: &str, mime: &str, content: &[u8]) -> String {
    format!("{name} {mime} {} {}", content.len(), digest(content))
}

/// Sends `part` in the field `file` to a server that answers with what it received, as
/// [`echoed`] describes it.
async fn echo(part: Part) -> String {
    async fn receive(mut multipart: Multipart) -> String {
        while let Some(field) = multipart.next_field().await.expect("multipart") {
            if field.name() == Some("file") {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let content_type = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.expect("file bytes");
                return echoed(&file_name, &content_type, &bytes);
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
    reqwest::Client::new()
        .post(format!("http://{address}/upload"))
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Sends the part of `source` (checked as `info`) to [`echo`] and asserts that the server received
/// `content`, named as the source and typed `mime`.
async fn assert_arrives(source: ImageSource, info: &ImageInfo, mime: &str, content: &[u8]) {
    let name = source.name().to_owned();
    let part = source.into_part(info).await.unwrap();
    assert_eq!(echo(part).await, echoed(&name, mime, content));
}

#[tokio::test]
async fn into_part_streams_the_file_with_its_length() {
    let dir = TempDir::new("stream");
    let content = Jpeg::new(4000, 3000).total_len(12 * MIB as usize).build();
    let path = dir.file("front.jpg", &content);
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
    assert_arrives(source, &info, "image/jpeg", &content).await;
}

/// A file that grows after its part was made sends the bytes that were checked, no more: the
/// announced length holds, and what is appended is not uploaded.
#[tokio::test]
async fn a_file_that_grows_after_the_check_sends_only_the_checked_bytes() {
    let dir = TempDir::new("grows");
    for total in [300 * 1024, 3 * MIB as usize] {
        let content = Jpeg::new(1600, 1200).total_len(total).build();
        let path = dir.file("front.jpg", &content);
        let source = ImageSource::path(&path);
        let info = source.check(&ImageLimits::default()).await.unwrap();
        let part = source.into_part(&info).await.unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        std::io::Write::write_all(&mut file, &[0xAB; 200 * 1024]).unwrap();
        drop(file);
        assert_eq!(
            echo(part).await,
            echoed("front.jpg", "image/jpeg", &content),
            "{total} bytes"
        );
    }
}

#[tokio::test]
async fn into_part_sends_bytes_from_memory() {
    let content = png(1024, 768);
    let source = ImageSource::bytes("selfie.png", content.clone());
    let info = source.check(&ImageLimits::default()).await.unwrap();
    assert_arrives(source, &info, "image/png", &content).await;
}

#[tokio::test]
async fn into_part_refuses_a_file_changed_after_the_check() {
    let dir = TempDir::new("changed");
    let path = dir.file_of_len("front.png", &png(1000, 800), 2 * MIB);
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
    dir.file_of_len("front.png", &png(1000, 900), 2 * MIB);
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
    let mut rng = Rng::new(0x5eed_1234_abcd_0001);
    let limits = ImageLimits::default();
    let seeds = [
        jpeg(1200, 800),
        Jpeg::new(500, 400).metadata(1).build(),
        png(640, 480),
    ];
    let (mut accepted, mut refused) = (0, 0);
    for round in 0..4000 {
        let mut header = seeds[round % seeds.len()].clone();
        for _ in 0..=rng.below(4) {
            let at = rng.below(header.len());
            match rng.below(3) {
                0 => header[at] = rng.byte(),
                1 => header.truncate(at),
                _ => header.insert(at, rng.byte()),
            }
            if header.is_empty() {
                break;
            }
        }
        match check_bytes("fuzz.jpg", &header, &limits) {
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

/// What is uploaded from a file is the file, byte for byte: a small one (sent with its header
/// in one piece), a larger one (the rest streamed after the header and the chunk read with
/// it), and one whose dimensions lie beyond the first 64 KiB (streamed anew from its start).
#[tokio::test]
async fn files_are_uploaded_byte_for_byte() {
    use jumio_kyx::generated::types::PartClassifier;
    use jumio_kyx::{Workflow, WorkflowRequest};

    let sandbox = support::flow::sandbox().await;
    let client = support::flow::client(&sandbox);
    let dir = TempDir::new("uploaded");
    for (name, metadata, filler) in [
        ("small.jpg", 0, 50_000),
        ("large.jpg", 0, 400_000),
        ("metadata.jpg", 2, 200_000),
    ] {
        let content = Jpeg::new(1600, 1200)
            .metadata(metadata)
            .scan(filler)
            .build();
        let path = dir.file(name, &content);
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
    sandbox.shutdown().await;
}

/// The local check of `content` as an image in memory, named `name`: it reads nothing, so its
/// future is ready at the first poll (from sync and async tests alike).
fn check_bytes(name: &str, content: &[u8], limits: &ImageLimits) -> Result<ImageInfo, ImageError> {
    use std::task::{Context, Poll, Waker};
    let source = ImageSource::bytes(name, content.to_vec());
    let mut check = std::pin::pin!(source.check(limits));
    match check.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(result) => result,
        Poll::Pending => panic!("an image in memory is checked without waiting"),
    }
}
