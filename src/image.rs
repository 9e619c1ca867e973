//! Local checks of an image before it is uploaded, and the multipart part that carries it.
//!
//! Jumio accepts credential images as JPEG or PNG, at most 10 MB (its current reference allows
//! 15 MB: [`ImageLimits::jumio_current`]), at most 8000 × 8000 pixels, with a longest side of more
//! than 300 pixels. [`ImageSource::check`] tests all of that before any network call, reading only
//! the header of the file: the format comes from its first bytes (never from its name), the
//! dimensions from its header, the size from the file system. The image is never decoded.
//!
//! [`ImageSource::into_part`] then turns the checked image into the multipart part of the upload,
//! streamed from disk with a known length rather than read whole into memory.
//!
//! ```no_run
//! use jumio_kyx::image::{ImageLimits, ImageSource};
//!
//! # async fn example() -> Result<(), jumio_kyx::image::ImageError> {
//! let front = ImageSource::path("scans/front.jpg");
//! let info = front.check(&ImageLimits::default()).await?;
//! println!("{} is a {}×{} px {}", front.name(), info.width, info.height, info.format);
//! let part = front.into_part(&info).await?;
//! # drop(part);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::io::{self, Cursor, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use reqwest::multipart::Part;
use std::io::Seek as _;
use tokio::fs::File;
use tokio::io::AsyncReadExt as _;
use tokio_util::io::ReaderStream;

use crate::buffers::BufferPool;
use crate::limits::image::{
    CURRENT_MAX_BYTES, JPEG_SIGNATURE, MAX_BYTES, MAX_SIDE, MIN_LONGEST_SIDE_EXCLUSIVE,
    PNG_SIGNATURE, jpeg_frame_headers,
};

const MIB: u64 = 1024 * 1024;
/// How much of a file is read first to find its format and dimensions.
const INITIAL_HEADER_BYTES: u64 = 64 * 1024;
/// How much of a file is read at most to find its dimensions (a JPEG may carry large metadata
/// segments before them).
const MAX_HEADER_BYTES: u64 = 16 * MIB;
/// Chunk size of the upload stream.
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

/// The limits an image is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageLimits {
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// The longest width or height accepted, in pixels.
    pub max_side: u32,
    /// The longest side must be more than this many pixels.
    pub min_longest_side_exclusive: u32,
}

impl Default for ImageLimits {
    /// 10 MB, 8000 × 8000 px, longest side more than 300 px.
    fn default() -> Self {
        Self {
            max_bytes: MAX_BYTES,
            max_side: MAX_SIDE,
            min_longest_side_exclusive: MIN_LONGEST_SIDE_EXCLUSIVE,
        }
    }
}

impl ImageLimits {
    /// The limits of Jumio's current reference: 15 MB, 8000 × 8000 px, longest side more than 300 px.
    pub fn jumio_current() -> Self {
        Self {
            max_bytes: CURRENT_MAX_BYTES,
            ..Self::default()
        }
    }

    /// These limits with another largest file size, in bytes.
    pub fn with_max_bytes(self, max_bytes: u64) -> Self {
        Self { max_bytes, ..self }
    }

    /// These limits with another longest width or height, in pixels.
    pub fn with_max_side(self, max_side: u32) -> Self {
        Self { max_side, ..self }
    }

    /// These limits with another floor for the longest side (which must be longer), in pixels.
    pub fn with_min_longest_side_exclusive(self, min_longest_side_exclusive: u32) -> Self {
        Self {
            min_longest_side_exclusive,
            ..self
        }
    }
}

/// An image format Jumio accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// JPEG (JFIF or Exif).
    Jpeg,
    /// PNG.
    Png,
}

impl ImageFormat {
    /// The media type sent as the part's `Content-Type`: `image/jpeg` or `image/png`.
    pub fn mime(&self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }

    /// The usual file name extension, without the dot: `jpg` or `png`.
    pub fn extension(&self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Png => "png",
        }
    }

    /// The format whose signature `header` starts with, if any.
    pub fn detect(header: &[u8]) -> Option<Self> {
        if header.starts_with(JPEG_SIGNATURE) {
            Some(ImageFormat::Jpeg)
        } else if header.starts_with(PNG_SIGNATURE) {
            Some(ImageFormat::Png)
        } else {
            None
        }
    }

    /// The format whose signature starts with all of `header`, when `header` is too short to hold
    /// a whole signature.
    fn detect_partial(header: &[u8]) -> Option<Self> {
        if header.is_empty() {
            None
        } else if JPEG_SIGNATURE.starts_with(header) {
            Some(ImageFormat::Jpeg)
        } else if PNG_SIGNATURE.starts_with(header) {
            Some(ImageFormat::Png)
        } else {
            None
        }
    }
}

impl fmt::Display for ImageFormat {
    /// `JPEG` or `PNG`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageFormat::Jpeg => "JPEG",
            ImageFormat::Png => "PNG",
        })
    }
}

/// What the check found out about an image that Jumio accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format, from the first bytes.
    pub format: ImageFormat,
    /// The width in pixels.
    pub width: u32,
    /// The height in pixels.
    pub height: u32,
    /// The size of the file in bytes.
    pub bytes: u64,
}

/// Why an image cannot be uploaded. Each message names the file, the problem and the limit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The file cannot be opened or read.
    #[error("{name} cannot be read: {}", describe_io(.source))]
    Unreadable {
        /// The file name.
        name: String,
        /// The error of the operating system.
        source: io::Error,
    },
    /// The file is empty.
    #[error("{name} is empty (0 bytes); Jumio accepts JPEG or PNG images")]
    Empty {
        /// The file name.
        name: String,
    },
    /// The content is not a JPEG or PNG image (whatever the file name says).
    #[error("{name} is not a JPEG or PNG image ({})", match .detected {
        Some(kind) => format!("it is {kind}"),
        None => "its first bytes match no known format".to_owned(),
    })]
    NotAnImage {
        /// The file name.
        name: String,
        /// What the content is instead, when recognised, for example `a PDF document`.
        detected: Option<&'static str>,
    },
    /// The file is larger than the limit.
    #[error("{name} is {}; Jumio accepts at most {}", too_large_sizes(*.bytes, *.max_bytes).0, too_large_sizes(*.bytes, *.max_bytes).1)]
    TooLarge {
        /// The file name.
        name: String,
        /// The size of the file in bytes.
        bytes: u64,
        /// The limit in bytes.
        max_bytes: u64,
    },
    /// The image ends, or the part of it that was read ends, before its dimensions.
    #[error("{name} is a {format} image {}", if .read == .total {
        format!("cut short: it ends after {}, before its dimensions (truncated file)", format_byte_count(*.read))
    } else {
        format!("whose dimensions are not within its first {} (truncated or unusually long header)", format_byte_count(*.read))
    })]
    Truncated {
        /// The file name.
        name: String,
        /// The format, from the first bytes.
        format: ImageFormat,
        /// How many bytes of the header were read.
        read: u64,
        /// The size of the file in bytes.
        total: u64,
    },
    /// The header is malformed (a JPEG with more than one frame header included), or gives a width
    /// or height of zero.
    #[error(
        "{name} starts like a {format} image but its header is corrupt; its dimensions cannot be read"
    )]
    CorruptHeader {
        /// The file name.
        name: String,
        /// The format, from the first bytes.
        format: ImageFormat,
    },
    /// The width or height is larger than the limit.
    #[error("{name} is {width}×{height} px; Jumio accepts at most {max_side}×{max_side}")]
    TooManyPixels {
        /// The file name.
        name: String,
        /// The width in pixels.
        width: u32,
        /// The height in pixels.
        height: u32,
        /// The longest width or height accepted.
        max_side: u32,
    },
    /// The longest side is not more than the limit.
    #[error(
        "{name} is {width}×{height} px; its longest side must be more than {min_longest_side_exclusive} px"
    )]
    TooSmall {
        /// The file name.
        name: String,
        /// The width in pixels.
        width: u32,
        /// The height in pixels.
        height: u32,
        /// The longest side must be more than this.
        min_longest_side_exclusive: u32,
    },
    /// The file is no longer the one that was checked.
    #[error("{name} changed since it was checked ({}); check it again", if .checked_bytes == .current_bytes {
        "its header differs".to_owned()
    } else {
        format!("it was {}, it is now {}", format_byte_count(*.checked_bytes), format_byte_count(*.current_bytes))
    })]
    Changed {
        /// The file name.
        name: String,
        /// The size when it was checked, in bytes.
        checked_bytes: u64,
        /// The size now, in bytes.
        current_bytes: u64,
    },
}

impl ImageError {
    /// The name of the file the error is about.
    pub fn name(&self) -> &str {
        match self {
            ImageError::Unreadable { name, .. }
            | ImageError::Empty { name }
            | ImageError::NotAnImage { name, .. }
            | ImageError::TooLarge { name, .. }
            | ImageError::Truncated { name, .. }
            | ImageError::CorruptHeader { name, .. }
            | ImageError::TooManyPixels { name, .. }
            | ImageError::TooSmall { name, .. }
            | ImageError::Changed { name, .. } => name,
        }
    }
}

/// A size in bytes for people: `512 bytes`, `12.5 KB`, `12.4 MB` (one decimal; 1 KB = 1024
/// bytes, 1 MB = 1024 × 1024 bytes, as in the limits).
pub(crate) fn format_size(bytes: u64) -> String {
    if bytes < 1024 {
        format_byte_count(bytes)
    } else if bytes < MIB {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    }
}

/// A limit in bytes for people: whole megabytes without a decimal (`10 MB`), others as
/// [`format_size`].
fn format_limit(bytes: u64) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else {
        format_size(bytes)
    }
}

fn format_byte_count(bytes: u64) -> String {
    if bytes == 1 {
        "1 byte".to_owned()
    } else {
        format!("{bytes} bytes")
    }
}

/// The size and the limit of a too large file, exact to the byte where one decimal would make them
/// look equal.
fn too_large_sizes(bytes: u64, max_bytes: u64) -> (String, String) {
    let size = format_size(bytes);
    let limit = format_limit(max_bytes);
    if size == format_size(max_bytes) || size == limit {
        (
            format!("{size} ({})", format_byte_count(bytes)),
            format!("{limit} ({})", format_byte_count(max_bytes)),
        )
    } else {
        (size, limit)
    }
}

/// The operating system's description of an I/O error, without the `(os error N)` suffix.
fn describe_io(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if text.ends_with(')') => text[..at].to_owned(),
        _ => text,
    }
}

/// What a common file that is not a JPEG or PNG image is, from its first bytes.
fn detect_other(header: &[u8]) -> Option<&'static str> {
    let at = |offset: usize, magic: &[u8]| header.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"%PDF") {
        Some("a PDF document")
    } else if at(0, b"GIF87a") || at(0, b"GIF89a") {
        Some("a GIF image")
    } else if at(0, b"RIFF") && at(8, b"WEBP") {
        Some("a WebP image")
    } else if at(4, b"ftyp") {
        let brand = header.get(8..12).unwrap_or_default();
        Some(match brand {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                "a HEIC/HEIF image"
            }
            b"avif" | b"avis" => "an AVIF image",
            _ => "a video or other ISO media file",
        })
    } else if at(0, b"\0\0\0\x0cjP  \r\n\x87\n") {
        Some("a JPEG 2000 image")
    } else if at(0, b"II*\0") || at(0, b"MM\0*") {
        Some("a TIFF image")
    } else if at(0, b"BM") {
        Some("a BMP image")
    } else if at(0, b"PK\x03\x04") || at(0, b"PK\x05\x06") || at(0, b"PK\x07\x08") {
        Some("a ZIP archive")
    } else {
        detect_markup(header)
    }
}

/// HTML and XML (for example an error page saved in place of the image), after any byte order mark
/// and white space.
fn detect_markup(header: &[u8]) -> Option<&'static str> {
    let text = header.strip_prefix(b"\xef\xbb\xbf").unwrap_or(header);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let text = &text[start..text.len().min(start + 64)];
    let lower = text.to_ascii_lowercase();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        Some("an HTML page")
    } else if lower.starts_with(b"<svg") {
        Some("an SVG image")
    } else if lower.starts_with(b"<?xml") {
        Some("an XML document")
    } else {
        None
    }
}

/// The result of reading the dimensions from a header.
enum Dimensions {
    Known {
        width: u32,
        height: u32,
    },
    /// The header ends before the dimensions.
    NeedMore,
    Corrupt,
}

fn read_dimensions(format: ImageFormat, header: &[u8]) -> Dimensions {
    if format == ImageFormat::Png {
        // The first chunk must be IHDR, whose first fields are the width and height.
        match header.get(12..16) {
            None => return Dimensions::NeedMore,
            Some(chunk_type) if chunk_type != b"IHDR" => return Dimensions::Corrupt,
            Some(_) => {}
        }
    }
    let image_type = match format {
        ImageFormat::Jpeg => imagesize::ImageType::Jpeg,
        ImageFormat::Png => imagesize::ImageType::Png,
    };
    match image_type.reader_size(&mut Cursor::new(header)) {
        Ok(size) => match (u32::try_from(size.width), u32::try_from(size.height)) {
            // The reader takes the first frame header of a JPEG; with a second one, the
            // dimensions are a matter of chance.
            _ if format == ImageFormat::Jpeg && jpeg_frame_headers(header) > 1 => {
                Dimensions::Corrupt
            }
            (Ok(width), Ok(height)) if width > 0 && height > 0 => {
                Dimensions::Known { width, height }
            }
            _ => Dimensions::Corrupt,
        },
        Err(imagesize::ImageError::IoError(error))
            if error.kind() == io::ErrorKind::UnexpectedEof =>
        {
            Dimensions::NeedMore
        }
        Err(_) => Dimensions::Corrupt,
    }
}

/// The outcome of checking a header that may be only the start of the file's header.
enum Outcome {
    Accepted(ImageInfo),
    /// The header ends before the dimensions of an image of this format.
    NeedMore(ImageFormat),
}

fn check_prefix(
    name: &str,
    header: &[u8],
    total_bytes: u64,
    limits: &ImageLimits,
) -> Result<Outcome, ImageError> {
    if total_bytes == 0 {
        return Err(ImageError::Empty {
            name: name.to_owned(),
        });
    }
    let format = match ImageFormat::detect(header) {
        Some(format) => format,
        None => match ImageFormat::detect_partial(header) {
            Some(format) => return Ok(Outcome::NeedMore(format)),
            None => {
                return Err(ImageError::NotAnImage {
                    name: name.to_owned(),
                    detected: detect_other(header),
                });
            }
        },
    };
    if total_bytes > limits.max_bytes {
        return Err(ImageError::TooLarge {
            name: name.to_owned(),
            bytes: total_bytes,
            max_bytes: limits.max_bytes,
        });
    }
    let (width, height) = match read_dimensions(format, header) {
        Dimensions::Known { width, height } => (width, height),
        Dimensions::NeedMore => return Ok(Outcome::NeedMore(format)),
        Dimensions::Corrupt => {
            return Err(ImageError::CorruptHeader {
                name: name.to_owned(),
                format,
            });
        }
    };
    if width > limits.max_side || height > limits.max_side {
        return Err(ImageError::TooManyPixels {
            name: name.to_owned(),
            width,
            height,
            max_side: limits.max_side,
        });
    }
    if width.max(height) <= limits.min_longest_side_exclusive {
        return Err(ImageError::TooSmall {
            name: name.to_owned(),
            width,
            height,
            min_longest_side_exclusive: limits.min_longest_side_exclusive,
        });
    }
    Ok(Outcome::Accepted(ImageInfo {
        format,
        width,
        height,
        bytes: total_bytes,
    }))
}

/// Checks an image against `limits` from the start of its content (`header`) and its size in bytes
/// (`total_bytes`), without decoding it. `name` is used in the messages.
///
/// `header` may be the whole content or any prefix of it; 64 KiB is enough for nearly every JPEG
/// and any PNG. When the dimensions lie beyond `header`, the error is [`ImageError::Truncated`].
/// The checks run in this order: empty, format (from the first bytes, never from `name`), size,
/// dimensions.
pub(crate) fn check_header(
    name: &str,
    header: &[u8],
    total_bytes: u64,
    limits: &ImageLimits,
) -> Result<ImageInfo, ImageError> {
    match check_prefix(name, header, total_bytes, limits)? {
        Outcome::Accepted(info) => Ok(info),
        Outcome::NeedMore(format) => Err(ImageError::Truncated {
            name: name.to_owned(),
            format,
            read: header.len() as u64,
            total: total_bytes,
        }),
    }
}

/// An image to check and upload: a file, or bytes in memory with a name.
///
/// Its `Debug` shows the name and the size, never the content (ID images and selfies are personal
/// data).
#[derive(Clone)]
#[non_exhaustive]
pub enum ImageSource {
    /// A file, read from disk when checked and streamed when uploaded.
    File {
        /// The path of the file.
        path: PathBuf,
        /// The name used in messages and as the multipart file name.
        name: String,
    },
    /// Bytes in memory.
    Bytes {
        /// The name used in messages and as the multipart file name.
        name: String,
        /// The content.
        bytes: Bytes,
    },
}

impl fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImageSource::File { path, name } => f
                .debug_struct("File")
                .field("path", path)
                .field("name", name)
                .finish(),
            ImageSource::Bytes { name, bytes } => f
                .debug_struct("Bytes")
                .field("name", name)
                .field("len", &bytes.len())
                .finish_non_exhaustive(),
        }
    }
}

impl From<PathBuf> for ImageSource {
    fn from(path: PathBuf) -> Self {
        ImageSource::path(path)
    }
}

impl From<&Path> for ImageSource {
    fn from(path: &Path) -> Self {
        ImageSource::path(path)
    }
}

impl ImageSource {
    /// A file on disk; its name is the last component of `path`.
    pub fn path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let name = match path.file_name() {
            Some(name) => name.to_string_lossy().into_owned(),
            None => path.display().to_string(),
        };
        ImageSource::File { path, name }
    }

    /// Bytes in memory, called `name` in messages and in the upload.
    pub fn bytes(name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        ImageSource::Bytes {
            name: name.into(),
            bytes: bytes.into(),
        }
    }

    /// The file name (not the full path), used in messages and as the multipart file name.
    pub fn name(&self) -> &str {
        match self {
            ImageSource::File { name, .. } | ImageSource::Bytes { name, .. } => name,
        }
    }

    /// Checks the image against `limits` without decoding it. A file is not read whole: only its
    /// header (64 KiB, more only when a JPEG's metadata comes before its dimensions) and its size
    /// from the file system.
    pub async fn check(&self, limits: &ImageLimits) -> Result<ImageInfo, ImageError> {
        let info = match self {
            ImageSource::Bytes { name, bytes } => {
                check_header(name, bytes, bytes.len() as u64, limits)?
            }
            ImageSource::File { path, name } => {
                let (path, name, limits) = (path.clone(), name.clone(), *limits);
                blocking(&name.clone(), move || {
                    let (mut file, total) = open(&name, &path)?;
                    check_file(&name, &mut file, total, &limits, &mut Vec::new())
                })
                .await?
            }
        };
        tracing::debug!(
            format = %info.format,
            width = info.width,
            height = info.height,
            bytes = info.bytes,
            "image accepted by the local checks"
        );
        Ok(info)
    }

    /// The multipart part of the upload, for an image that [`check`](Self::check) returned `info`
    /// for: file name [`name`](Self::name), content type from the format, the content streamed
    /// from disk with a known length. A file is never read whole into memory: at most its header
    /// and one chunk of 64 KiB after it (128 KiB for nearly every image) are held at once, however
    /// large it is.
    ///
    /// A file is checked again first: if its size or header differ from `info`, the error is
    /// [`ImageError::Changed`]. The stream sends at most `info.bytes` bytes.
    pub async fn into_part(self, info: &ImageInfo) -> Result<Part, ImageError> {
        let (name, body) = match self {
            ImageSource::Bytes { name, bytes } => {
                let total = bytes.len() as u64;
                ensure_unchanged(&name, info, total, || {
                    check_header(&name, &bytes, total, &NO_LIMITS)
                })?;
                (name, reqwest::Body::from(bytes))
            }
            ImageSource::File { path, name } => {
                // Open and check again in one round trip to the blocking pool.
                let checked = info.clone();
                let (file, header) = blocking(&name.clone(), {
                    let name = name.clone();
                    move || reopen(&name, &path, &checked)
                })
                .await?;
                // The header just checked (and the chunk after it) is the start of the upload, and
                // the file is positioned right after it: send it, then stream the rest.
                let rest = info.bytes - header.len() as u64;
                let stream = Prefixed {
                    prefix: Some(Bytes::from(header)),
                    rest: ReaderStream::with_capacity(
                        File::from_std(file).take(rest),
                        STREAM_CHUNK_BYTES,
                    ),
                };
                (name, reqwest::Body::wrap_stream(stream))
            }
        };
        let part = Part::stream_with_length(body, info.bytes)
            .file_name(name)
            .mime_str(info.format.mime())
            .expect("image/jpeg and image/png are valid media types");
        Ok(part)
    }
}

/// An image that passed the checks, ready to be uploaded: a file of at most
/// [`SMALL_FILE_BYTES`] is read once, checked and sent from memory, so that what is sent is what
/// was checked; a larger one is opened again, checked again and streamed ([`ImageSource::into_part`]).
#[derive(Clone, Debug)]
pub(crate) struct Checked {
    pub(crate) info: ImageInfo,
    content: Option<Bytes>,
}

/// Files up to this size are held whole between their check and their upload: the header read
/// first and the one chunk after it that [`ImageSource::into_part`] holds at once anyway.
const SMALL_FILE_BYTES: u64 = INITIAL_HEADER_BYTES + STREAM_CHUNK_BYTES as u64;

/// The buffers a client reads small image files into ([`crate::buffers`]): one of
/// [`SMALL_FILE_BYTES`] holds any of them.
pub(crate) fn upload_buffers() -> Arc<BufferPool> {
    BufferPool::new(SMALL_FILE_BYTES as usize, crate::buffers::MAX_POOLED)
}

impl ImageSource {
    /// [`check`](Self::check), keeping the content of a small image for the upload, in a
    /// buffer of `buffers` ([`upload_buffers`]).
    pub(crate) async fn check_for_upload(
        &self,
        limits: &ImageLimits,
        buffers: &Arc<BufferPool>,
    ) -> Result<Checked, ImageError> {
        let checked = match self {
            ImageSource::Bytes { name, bytes } => Checked {
                info: check_header(name, bytes, bytes.len() as u64, limits)?,
                content: Some(bytes.clone()),
            },
            ImageSource::File { path, name } => {
                let (path, name, limits) = (path.clone(), name.clone(), *limits);
                let buffers = buffers.clone();
                blocking(&name.clone(), move || {
                    let (mut file, total) = open(&name, &path)?;
                    if total > SMALL_FILE_BYTES {
                        let info = check_file(&name, &mut file, total, &limits, &mut Vec::new())?;
                        return Ok(Checked {
                            info,
                            content: None,
                        });
                    }
                    let mut content = buffers.take();
                    read_small_file(&mut file, total as usize, content.vec_mut())
                        .map_err(|source| unreadable(&name, source))?;
                    let read = content.as_ref();
                    let info = check_header(&name, read, read.len() as u64, &limits)?;
                    Ok(Checked {
                        info,
                        content: Some(content.freeze()),
                    })
                })
                .await?
            }
        };
        tracing::debug!(
            format = %checked.info.format,
            width = checked.info.width,
            height = checked.info.height,
            bytes = checked.info.bytes,
            "image accepted by the local checks"
        );
        Ok(checked)
    }

    /// The multipart part of an image checked by [`check_for_upload`](Self::check_for_upload).
    pub(crate) async fn into_checked_part(self, checked: &Checked) -> Result<Part, ImageError> {
        match &checked.content {
            Some(content) => Ok(Part::stream_with_length(
                reqwest::Body::from(content.clone()),
                content.len() as u64,
            )
            .file_name(self.name().to_owned())
            .mime_str(checked.info.format.mime())
            .expect("image/jpeg and image/png are valid media types")),
            None => self.into_part(&checked.info).await,
        }
    }
}

/// Opens the file of an image checked as `checked` and checks it again: the file, positioned
/// after the returned start of its content, which is its header and the one chunk after it, or
/// only a chunk when the header is longer than 64 KiB. Blocking: call it through [`blocking`].
fn reopen(
    name: &str,
    path: &Path,
    checked: &ImageInfo,
) -> Result<(std::fs::File, Vec<u8>), ImageError> {
    let (mut file, total) = open(name, path)?;
    let mut header = Vec::new();
    let current = check_file(name, &mut file, total, &NO_LIMITS, &mut header);
    ensure_unchanged(name, checked, total, || current)?;
    if header.len() as u64 > INITIAL_HEADER_BYTES {
        // An unusually long header is not kept in memory: stream it anew.
        header = Vec::new();
        file.seek(SeekFrom::Start(0))
            .map_err(|source| unreadable(name, source))?;
    }
    // And the first chunk after it, while here: a small image then needs no further round trip.
    // At most 64 KiB more than the header is held.
    let ahead = (header.len() + STREAM_CHUNK_BYTES).min(total as usize);
    read_up_to(&mut file, &mut header, ahead).map_err(|source| unreadable(name, source))?;
    Ok((file, header))
}

/// Limits that accept any image, to read the format and dimensions again.
const NO_LIMITS: ImageLimits = ImageLimits {
    max_bytes: u64::MAX,
    max_side: u32::MAX,
    min_longest_side_exclusive: 0,
};

fn unreadable(name: &str, source: io::Error) -> ImageError {
    ImageError::Unreadable {
        name: name.to_owned(),
        source,
    }
}

/// Fails with [`ImageError::Changed`] unless the image (size `total`, re-checked by `recheck`) is
/// still the one described by `info`. Read errors are reported as such.
fn ensure_unchanged(
    name: &str,
    info: &ImageInfo,
    total: u64,
    recheck: impl FnOnce() -> Result<ImageInfo, ImageError>,
) -> Result<(), ImageError> {
    let changed = || ImageError::Changed {
        name: name.to_owned(),
        checked_bytes: info.bytes,
        current_bytes: total,
    };
    if total != info.bytes {
        return Err(changed());
    }
    match recheck() {
        Ok(current) if current == *info => Ok(()),
        Err(error @ ImageError::Unreadable { .. }) => Err(error),
        _ => Err(changed()),
    }
}

/// Runs `work` (file system calls) on tokio's blocking thread pool: one round trip for the whole
/// of it, where each call of a `tokio::fs::File` is a round trip of its own.
async fn blocking<T: Send + 'static>(
    name: &str,
    work: impl FnOnce() -> Result<T, ImageError> + Send + 'static,
) -> Result<T, ImageError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        Err(_) => Err(unreadable(
            name,
            io::Error::other("the runtime is shutting down"),
        )),
    }
}

/// Opens a regular file and returns it with its size.
fn open(name: &str, path: &Path) -> Result<(std::fs::File, u64), ImageError> {
    let file = std::fs::File::open(path).map_err(|source| unreadable(name, source))?;
    let metadata = file.metadata().map_err(|source| unreadable(name, source))?;
    if !metadata.is_file() {
        return Err(unreadable(
            name,
            io::Error::new(io::ErrorKind::InvalidInput, "it is not a regular file"),
        ));
    }
    Ok((file, metadata.len()))
}

/// Checks a file from its start, reading 64 KiB first and doubling while the dimensions lie beyond
/// what was read, up to [`MAX_HEADER_BYTES`]. What was read is left in `header`, and the file is
/// positioned right after it. Blocking: call it through [`blocking`].
fn check_file(
    name: &str,
    file: &mut std::fs::File,
    total: u64,
    limits: &ImageLimits,
    header: &mut Vec<u8>,
) -> Result<ImageInfo, ImageError> {
    header.clear();
    let mut want = INITIAL_HEADER_BYTES.min(total);
    loop {
        read_up_to(file, header, want as usize).map_err(|source| unreadable(name, source))?;
        let read = header.len() as u64;
        let at_end = read < want || read >= total;
        match check_prefix(name, header, total, limits)? {
            Outcome::Accepted(info) => return Ok(info),
            Outcome::NeedMore(_) if !at_end && read < MAX_HEADER_BYTES => {
                want = want.saturating_mul(2).min(total).min(MAX_HEADER_BYTES);
            }
            Outcome::NeedMore(format) => {
                return Err(ImageError::Truncated {
                    name: name.to_owned(),
                    format,
                    read,
                    total: if read < want { read } else { total },
                });
            }
        }
    }
}

/// Reads from `file` until `buffer` holds `len` bytes or the file ends.
///
/// Straight into the buffer at its final size: one `read` for a whole small file, where
/// `Read::take` + `read_to_end` reads in growing chunks from 8 KiB (five calls for 100 KiB).
fn read_up_to(file: &mut impl io::Read, buffer: &mut Vec<u8>, len: usize) -> io::Result<()> {
    let mut filled = buffer.len();
    if filled >= len {
        return Ok(());
    }
    buffer.resize(len, 0);
    let result = loop {
        if filled == len {
            break Ok(());
        }
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break Ok(()),
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => break Err(error),
        }
    };
    buffer.truncate(filled);
    result
}

/// Reads at most `len` bytes of `file` into `content` (emptied first, and never grown: `len` is
/// at most its capacity): the whole of a small file whose size `len` was read from its metadata.
///
/// On Unix straight into the buffer's spare capacity, in one `read` for a whole file: zeroing the
/// buffer first ([`read_up_to`]) costs as much as the read, and `Read::take` + `read_to_end`
/// reads in growing chunks from 8 KiB (four calls for 100 KiB).
fn read_small_file(file: &mut std::fs::File, len: usize, content: &mut Vec<u8>) -> io::Result<()> {
    debug_assert!(len <= content.capacity(), "the buffer holds the file");
    content.clear();
    // Each read fills the spare capacity at most: memory stays bounded by the allocation.
    #[cfg(unix)]
    while content.len() != len {
        match rustix::io::read(&*file, rustix::buffer::spare_capacity(&mut *content)) {
            Ok(0) => break,
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(error) => return Err(error.into()),
        }
    }
    #[cfg(not(unix))]
    read_up_to(file, content, len)?;
    // The buffer may be larger than the file: what a read brought past `len` (of a file that grew
    // since its size was read) is not part of the checked image.
    content.truncate(len);
    Ok(())
}

/// A stream of `prefix`, then of `rest`.
struct Prefixed<S> {
    prefix: Option<Bytes>,
    rest: S,
}

impl<S> futures_core::Stream for Prefixed<S>
where
    S: futures_core::Stream<Item = io::Result<Bytes>> + Unpin,
{
    type Item = io::Result<Bytes>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        if let Some(prefix) = self.prefix.take().filter(|p| !p.is_empty()) {
            return std::task::Poll::Ready(Some(Ok(prefix)));
        }
        std::pin::Pin::new(&mut self.rest).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that answers with the given results in turn, then the end of the file.
    struct Script(Vec<io::Result<Vec<u8>>>);

    impl io::Read for Script {
        fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let bytes = self.0.remove(0)?;
            assert!(
                bytes.len() <= buffer.len(),
                "read past the length asked for"
            );
            buffer[..bytes.len()].copy_from_slice(&bytes);
            Ok(bytes.len())
        }
    }

    #[test]
    fn reading_up_to_a_length_goes_on_after_short_and_interrupted_reads_and_keeps_what_it_read() {
        let interrupted = || Err(io::Error::from(io::ErrorKind::Interrupted));
        let mut buffer = b"he".to_vec();
        let mut file = Script(vec![Ok(b"ad".to_vec()), interrupted(), Ok(b"er".to_vec())]);
        read_up_to(&mut file, &mut buffer, 6).unwrap();
        assert_eq!(buffer, b"header");
        // Nothing more is read once the buffer holds the length, nor when it held it already.
        let mut file = Script(vec![Ok(b"1234".to_vec()), Ok(b"5".to_vec())]);
        let mut buffer = Vec::new();
        read_up_to(&mut file, &mut buffer, 4).unwrap();
        assert_eq!(buffer, b"1234");
        read_up_to(&mut file, &mut buffer, 3).unwrap();
        assert_eq!((buffer.as_slice(), file.0.len()), (&b"1234"[..], 1));
        // The end of the file ends it short.
        let mut buffer = Vec::new();
        read_up_to(&mut Script(vec![Ok(b"abc".to_vec())]), &mut buffer, 10).unwrap();
        assert_eq!(buffer, b"abc");
        // A read error ends it with the error, the buffer holding what was read before.
        let mut file = Script(vec![
            Ok(b"ab".to_vec()),
            Err(io::Error::other("disk on fire")),
            Ok(b"cd".to_vec()),
        ]);
        let mut buffer = Vec::new();
        let error = read_up_to(&mut file, &mut buffer, 10).unwrap_err();
        assert_eq!(error.to_string(), "disk on fire");
        assert_eq!(buffer, b"ab");
    }

    #[test]
    fn a_small_file_is_read_whole_and_never_past_its_checked_length() {
        let dir = jumio_kyx_test_support::temp::TempDir::new("read-small-file");
        let content: Vec<u8> = (0..=255u8).cycle().take(100 * 1024 + 7).collect();
        let path = dir.file("image.bin", &content);
        let read = |len| {
            // A buffer as the pool gives them: room for more than the file, a former image in it.
            let mut buffer = Vec::with_capacity(content.len() + 20);
            buffer.extend_from_slice(b"former image");
            read_small_file(&mut std::fs::File::open(&path).unwrap(), len, &mut buffer).unwrap();
            buffer
        };
        assert_eq!(read(content.len()), content);
        // A file that grew since its length was read: only the checked length is read.
        assert_eq!(read(1000), &content[..1000]);
        // One that shrank: what it holds.
        assert_eq!(read(content.len() + 10), content);
        assert!(read(0).is_empty());
    }

    #[test]
    fn sizes_have_one_decimal_in_binary_units() {
        assert_eq!(format_size(0), "0 bytes");
        assert_eq!(format_size(1), "1 byte");
        assert_eq!(format_size(1023), "1023 bytes");
        assert_eq!(format_size(1024), "1.0 KB");
        assert_eq!(format_size(1536), "1.5 KB");
        assert_eq!(format_size(MIB - 1), "1024.0 KB");
        assert_eq!(format_size(MIB), "1.0 MB");
        assert_eq!(format_size(13_002_342), "12.4 MB");
        assert_eq!(format_limit(10 * MIB), "10 MB");
        assert_eq!(format_limit(10 * MIB + 512 * 1024), "10.5 MB");
    }

    /// Between its check and its upload, a file is held in memory only when it is no larger than
    /// the header read and one chunk (128 KiB); a larger one is opened again and streamed.
    #[tokio::test]
    async fn only_small_files_are_held_between_check_and_upload() {
        use jumio_kyx_test_support::images::Jpeg;
        use jumio_kyx_test_support::temp::TempDir;

        let dir = TempDir::new("held");
        let small = SMALL_FILE_BYTES as usize;
        assert_eq!(small, 128 * 1024);
        for (total, held) in [
            (20_000, true),
            (small, true),
            (small + 1, false),
            (3 << 20, false),
        ] {
            let content = Jpeg::new(1600, 1200).total_len(total).build();
            let path = dir.file("front.jpg", &content);
            let buffers = upload_buffers();
            let source = ImageSource::path(&path);
            let checked = source
                .check_for_upload(&ImageLimits::default(), &buffers)
                .await
                .unwrap();
            assert_eq!(checked.info.bytes, total as u64);
            assert_eq!(checked.content.is_some(), held, "{total} bytes");
            if let Some(kept) = &checked.content {
                assert!(*kept == content, "{total} bytes: the content is the file's");
            }
            // A small file's buffer is the pool's: it comes back once the check and the part
            // that carries it are both dropped, as after an upload.
            let part = source.into_checked_part(&checked).await.unwrap();
            drop(checked);
            assert_eq!(
                buffers.kept(),
                0,
                "{total} bytes: the part holds the buffer"
            );
            drop(part);
            assert_eq!(buffers.kept(), usize::from(held), "{total} bytes");
        }
    }

    /// What a streamed upload holds in memory at once: the first 64 KiB read for the header and one
    /// chunk after them, or one chunk when the header is longer, however large the file; the file
    /// is positioned right after.
    #[test]
    fn a_streamed_file_is_held_a_header_and_a_chunk_at_a_time() {
        use jumio_kyx_test_support::images::Jpeg;
        use jumio_kyx_test_support::temp::TempDir;

        let dir = TempDir::new("reopen");
        let chunk = STREAM_CHUNK_BYTES;
        for (name, content, held) in [
            // A header within the first 64 KiB read: those and one chunk.
            (
                "plain.jpg",
                Jpeg::new(1600, 1200).total_len(2 << 20).build(),
                None,
            ),
            // Dimensions after 200 KB of metadata: one chunk from the start.
            (
                "metadata.jpg",
                Jpeg::new(1600, 1200).metadata(3).total_len(2 << 20).build(),
                Some(chunk),
            ),
            // Smaller than a header and a chunk: all of it.
            (
                "small.jpg",
                Jpeg::new(1600, 1200).total_len(20_000).build(),
                Some(20_000),
            ),
        ] {
            let path = dir.file(name, &content);
            let mut file = std::fs::File::open(&path).unwrap();
            let total = content.len() as u64;
            let checked = check_file(
                name,
                &mut file,
                total,
                &ImageLimits::default(),
                &mut Vec::new(),
            )
            .unwrap();
            let (mut file, start) = reopen(name, &path, &checked).unwrap();
            let expected = held.unwrap_or(INITIAL_HEADER_BYTES as usize + chunk);
            assert_eq!(start.len(), expected, "{name}");
            assert_eq!(start[..], content[..expected], "{name}");
            assert_eq!(file.stream_position().unwrap(), expected as u64, "{name}");
        }
    }

    /// A panic in the file work on the blocking pool is raised again in the caller, not taken for
    /// a runtime shutting down.
    #[tokio::test]
    async fn a_panic_in_blocking_work_is_raised_again() {
        let raised = tokio::spawn(blocking::<()>("front.jpg", || {
            panic!("the file work broke")
        }))
        .await
        .unwrap_err();
        assert!(raised.is_panic());
        let payload = raised.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"the file work broke"));
    }

    /// A check started while the runtime shuts down ends with an error that says so: only a
    /// panic of the work itself is raised again.
    #[test]
    fn a_check_the_runtime_cancels_is_an_error_not_a_panic() {
        use std::task::{Context, Poll, Waker};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let handle = runtime.handle().clone();
        runtime.shutdown_background();
        let _entered = handle.enter();
        let mut check = std::pin::pin!(blocking("front.jpg", || Ok(())));
        match check.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(Err(error)) => assert_eq!(
                error.to_string(),
                "front.jpg cannot be read: the runtime is shutting down"
            ),
            Poll::Ready(Ok(())) => panic!("the work ran on a runtime shut down"),
            Poll::Pending => panic!("the check waits for a runtime shut down"),
        }
    }

    /// An image that can no longer be read when it is checked again before the upload is
    /// reported as unreadable, with the system's reason, not as changed.
    #[test]
    fn an_image_unreadable_at_its_second_check_is_not_reported_as_changed() {
        let info = ImageInfo {
            format: ImageFormat::Jpeg,
            width: 1600,
            height: 1200,
            bytes: 1000,
        };
        let error = ensure_unchanged("front.jpg", &info, 1000, || {
            Err(unreadable("front.jpg", io::Error::other("disk on fire")))
        })
        .unwrap_err();
        assert_eq!(error.to_string(), "front.jpg cannot be read: disk on fire");
        // Another result of the second check is a change.
        let error = ensure_unchanged("front.jpg", &info, 1000, || {
            Ok(ImageInfo {
                width: 1599,
                ..info.clone()
            })
        })
        .unwrap_err();
        assert!(matches!(error, ImageError::Changed { .. }), "{error:?}");
        ensure_unchanged("front.jpg", &info, 1000, || Ok(info.clone())).unwrap();
    }

    /// A file that ends before the size its metadata gave (it shrank while being read) is
    /// refused as cut short at what it held, not at the size read before.
    #[test]
    fn a_header_cut_short_by_a_shrunk_file_reports_what_the_file_held() {
        use jumio_kyx_test_support::images::Jpeg;
        // The frame header lies after a 64 KB metadata segment: 1000 bytes do not reach it.
        let content = Jpeg::new(3000, 2000).metadata(1).build();
        let dir = jumio_kyx_test_support::temp::TempDir::new("shrunk-file");
        let path = dir.file("front.jpg", &content[..1000]);
        let mut file = std::fs::File::open(&path).unwrap();
        let limits = ImageLimits::default();
        let error = check_file("front.jpg", &mut file, 5000, &limits, &mut Vec::new()).unwrap_err();
        assert!(
            matches!(
                error,
                ImageError::Truncated {
                    format: ImageFormat::Jpeg,
                    read: 1000,
                    total: 1000,
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn os_error_suffix_is_dropped() {
        let error = io::Error::from_raw_os_error(2);
        assert!(error.to_string().contains("(os error 2)"));
        assert!(!describe_io(&error).contains("os error"));
        assert_eq!(describe_io(&io::Error::other("plain")), "plain");
        // Only a suffix is dropped: the same words inside a message stay.
        let inside = "cut (os error 5) short";
        assert_eq!(describe_io(&io::Error::other(inside)), inside);
    }

    #[test]
    fn common_non_images_are_named() {
        let cases: [(&[u8], &str); 12] = [
            (b"%PDF-1.7\n", "a PDF document"),
            (b"GIF89a\x01\x00", "a GIF image"),
            (b"RIFF\x10\0\0\0WEBPVP8 ", "a WebP image"),
            (b"\0\0\0\x18ftypheic\0\0\0\0", "a HEIC/HEIF image"),
            (
                b"\0\0\0\x18ftypisom\0\0\0\0",
                "a video or other ISO media file",
            ),
            (b"II*\0\x08\0\0\0", "a TIFF image"),
            (b"BM\x36\0\0\0", "a BMP image"),
            (b"PK\x03\x04\x14\0", "a ZIP archive"),
            (b"PK\x05\x06\0\0\0\0", "a ZIP archive"),
            (b"\0\0\0\x1cftypavif\0\0\0\0", "an AVIF image"),
            (b"\xef\xbb\xbf  <!DOCTYPE html><html>", "an HTML page"),
            (b"<?xml version=\"1.0\"?>", "an XML document"),
        ];
        for (header, expected) in cases {
            assert_eq!(detect_other(header), Some(expected), "{header:?}");
        }
        assert_eq!(detect_other(b"hello"), None);
        // A RIFF file of another kind (here a WAVE sound) is not taken for a WebP image.
        assert_eq!(detect_other(b"RIFF\x24\0\0\0WAVEfmt "), None);
    }
}
