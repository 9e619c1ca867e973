//! What the sandbox checks of an uploaded image, as Jumio answers it: JPEG or PNG by content (not by
//! name), within Jumio's size and resolution limits. The limits, the signatures and the rules
//! shared with the client come from `jumio_kyx::limits`; the header is read, never decoded.

use std::io::Cursor;

use jumio_kyx::limits::image::{
    JPEG_SIGNATURE, MAX_BYTES, MAX_SIDE, MIN_LONGEST_SIDE_EXCLUSIVE, PNG_SIGNATURE,
    jpeg_frame_headers,
};
use jumio_kyx::limits::{DimensionViolation, check_dimensions};

/// An image that passed the checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Image {
    pub content_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// `bytes` in megabytes, one decimal.
pub(crate) fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
}

/// Checks an image against Jumio's limits. The error says why not, naming the file and the limit.
pub(crate) fn check(bytes: &[u8]) -> Result<Image, String> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err("file is empty".to_owned());
    }
    if size > MAX_BYTES {
        let (size, limit) = (megabytes(size), megabytes(MAX_BYTES));
        return Err(if size == limit {
            format!(
                "file is {size} ({} bytes); Jumio accepts at most {limit} ({MAX_BYTES} bytes)",
                bytes.len()
            )
        } else {
            format!("file is {size}; Jumio accepts at most {limit}")
        });
    }
    let (kind, content_type, image_type) = if bytes.starts_with(JPEG_SIGNATURE) {
        ("JPEG", "image/jpeg", imagesize::ImageType::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        ("PNG", "image/png", imagesize::ImageType::Png)
    } else {
        return Err(
            "file is neither a JPEG nor a PNG image (the type is read from the content, not the \
             file name)"
                .to_owned(),
        );
    };
    let unreadable = || format!("file starts like a {kind} but its dimensions cannot be read");
    // A PNG starts with its IHDR chunk, which holds the dimensions.
    if kind == "PNG" && bytes.get(12..16) != Some(b"IHDR".as_slice()) {
        return Err(unreadable());
    }
    if kind == "JPEG" && jpeg_frame_headers(bytes) > 1 {
        return Err(
            "file is a JPEG with more than one frame header (SOF marker); its dimensions are \
             ambiguous"
                .to_owned(),
        );
    }
    let size = image_type
        .reader_size(&mut Cursor::new(bytes))
        .map_err(|_| unreadable())?;
    let (Ok(width), Ok(height)) = (u32::try_from(size.width), u32::try_from(size.height)) else {
        return Err(unreadable());
    };
    match check_dimensions(width, height, MAX_SIDE, MIN_LONGEST_SIDE_EXCLUSIVE) {
        Ok(()) => Ok(Image {
            content_type,
            width,
            height,
        }),
        Err(DimensionViolation::Zero) => Err(format!(
            "file is {width}×{height} pixels; a side of 0 pixels is no image"
        )),
        Err(DimensionViolation::TooLarge) => Err(format!(
            "file is {width}×{height} pixels; Jumio accepts at most {MAX_SIDE}×{MAX_SIDE}"
        )),
        Err(DimensionViolation::TooSmall) => Err(format!(
            "file is {width}×{height} pixels; its longest side must be more than \
             {MIN_LONGEST_SIDE_EXCLUSIVE} pixels"
        )),
        Err(_) => Err(format!(
            "file is {width}×{height} pixels, outside Jumio's limits (at most \
             {MAX_SIDE}×{MAX_SIDE}, longest side more than {MIN_LONGEST_SIDE_EXCLUSIVE})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_equal_in_one_decimal_are_told_apart_in_bytes() {
        let mut just_over = b"\xff\xd8\xff".to_vec();
        just_over.resize(usize::try_from(MAX_BYTES).unwrap() + 1, 0);
        assert_eq!(
            check(&just_over).unwrap_err(),
            "file is 10.0 MB (10485761 bytes); Jumio accepts at most 10.0 MB (10485760 bytes)"
        );
        just_over.resize(11 * 1024 * 1024, 0);
        assert_eq!(
            check(&just_over).unwrap_err(),
            "file is 11.0 MB; Jumio accepts at most 10.0 MB"
        );
    }
}
