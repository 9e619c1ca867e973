//! Synthetic JPEG and PNG files for the image checks of the client and the sandbox: valid as far as
//! header readers go, built in microseconds and of any size. Nothing decodes their pixels.
//!
//! ```
//! use jumio_kyx_test_support::images::{Jpeg, Png, png};
//!
//! let selfie = png(640, 480);
//! let marked = Png::new(500, 600).text("JUMIO-SANDBOX:BLURRED").build();
//! let front = Jpeg::new(1600, 1200).metadata(2).scan(200_000).build();
//! let upload = Jpeg::new(4000, 3000).noise(7).total_len(1 << 20).build();
//! assert_eq!(upload.len(), 1 << 20);
//! # let _ = (selfie, marked, front);
//! ```

use crate::Rng;

/// A `width`×`height` PNG: signature, header chunk (8-bit RGB), one data chunk and the end chunk.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    Png::new(width, height).build()
}

/// A baseline `width`×`height` JPEG: start, JFIF segment, frame header (three components), end.
pub fn jpeg(width: u16, height: u16) -> Vec<u8> {
    Jpeg::new(width, height).build()
}

/// A PNG to build: the chunks a header reader walks, each with its CRC.
#[derive(Clone, Debug)]
pub struct Png {
    width: u32,
    height: u32,
    text: Option<String>,
    total_len: Option<usize>,
}

impl Png {
    /// A `width`×`height` PNG with nothing else (see [`png`]).
    pub fn new(width: u32, height: u32) -> Self {
        Png {
            width,
            height,
            text: None,
            total_len: None,
        }
    }

    /// A `tEXt` chunk with the keyword `Comment` and `text` right after the header chunk (where
    /// the sandbox reads its scenario markers).
    pub fn text(mut self, text: &str) -> Self {
        self.text = Some(text.to_owned());
        self
    }

    /// Zero bytes after the end chunk, up to `total` bytes in all: a file of the size a check is
    /// about, whose header is all that is read.
    pub fn padded_to(mut self, total: usize) -> Self {
        self.total_len = Some(total);
        self
    }

    /// The bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut header = Vec::with_capacity(13);
        header.extend_from_slice(&self.width.to_be_bytes());
        header.extend_from_slice(&self.height.to_be_bytes());
        header.extend_from_slice(&[8, 2, 0, 0, 0]);
        png_chunk(&mut out, b"IHDR", &header);
        if let Some(text) = &self.text {
            let mut data = b"Comment\0".to_vec();
            data.extend_from_slice(text.as_bytes());
            png_chunk(&mut out, b"tEXt", &data);
        }
        // One stored (uncompressed) deflate block of a zero-filled scanline: enough for a header
        // reader, which never inflates it.
        png_chunk(
            &mut out,
            b"IDAT",
            &[
                0x78, 0x01, 0x01, 0x01, 0x00, 0xFE, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x01,
            ],
        );
        png_chunk(&mut out, b"IEND", &[]);
        if let Some(total) = self.total_len {
            out.resize(total.max(out.len()), 0);
        }
        out
    }
}

/// Appends a chunk: length, type, data, and the CRC-32 of type and data.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).expect("a PNG chunk under 4 GiB");
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A JPEG to build: the segments a header reader walks before it finds the dimensions, and
/// optionally scan data after them.
#[derive(Clone, Debug)]
pub struct Jpeg {
    width: u16,
    height: u16,
    metadata: usize,
    comment: Option<String>,
    scan: Option<ScanLen>,
    noise: Option<u64>,
}

#[derive(Clone, Copy, Debug)]
enum ScanLen {
    Filler(usize),
    Total(usize),
}

impl Jpeg {
    /// A `width`×`height` JPEG with nothing else (see [`jpeg`]).
    pub fn new(width: u16, height: u16) -> Self {
        Jpeg {
            width,
            height,
            metadata: 0,
            comment: None,
            scan: None,
            noise: None,
        }
    }

    /// `count` APP1 segments of 64 KiB each between the JFIF segment and the frame header:
    /// metadata that pushes the dimensions past the first 64 KiB.
    pub fn metadata(mut self, count: usize) -> Self {
        self.metadata = count;
        self
    }

    /// A comment segment (COM) with `text` just before the frame header.
    pub fn comment(mut self, text: &str) -> Self {
        self.comment = Some(text.to_owned());
        self
    }

    /// A scan header after the frame header, followed by `filler` bytes of scan data.
    pub fn scan(mut self, filler: usize) -> Self {
        self.scan = Some(ScanLen::Filler(filler));
        self
    }

    /// A scan header followed by as much scan data as makes the file exactly `total` bytes.
    pub fn total_len(mut self, total: usize) -> Self {
        self.scan = Some(ScanLen::Total(total));
        self
    }

    /// Scan data of pseudo-random bytes from `seed` (never 0xFF, so that they hold no marker),
    /// distinct per seed, instead of the repeating pattern 0, 1, …, 250.
    pub fn noise(mut self, seed: u64) -> Self {
        self.noise = Some(seed);
        self
    }

    /// The bytes.
    pub fn build(&self) -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8]; // SOI
        out.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x10]); // APP0, JFIF 1.1, no thumbnail
        out.extend_from_slice(b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00");
        for _ in 0..self.metadata {
            out.extend_from_slice(&[0xFF, 0xE1, 0xFF, 0xFF]); // APP1 of the largest length
            out.extend(std::iter::repeat_n(0x20, 0xFFFF - 2));
        }
        if let Some(comment) = &self.comment {
            let len = u16::try_from(comment.len() + 2).expect("a comment under 64 KiB");
            out.extend_from_slice(&[0xFF, 0xFE]); // COM
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(comment.as_bytes());
        }
        out.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08]); // SOF0, 8 bits
        out.extend_from_slice(&self.height.to_be_bytes());
        out.extend_from_slice(&self.width.to_be_bytes());
        out.extend_from_slice(&[0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        if let Some(scan) = self.scan {
            out.extend_from_slice(&[0xFF, 0xDA, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0]); // SOS
            let filler = match scan {
                ScanLen::Filler(filler) => filler,
                ScanLen::Total(total) => total.checked_sub(out.len() + 2).unwrap_or_else(|| {
                    panic!(
                        "a JPEG of {total} bytes cannot hold its {} header bytes",
                        out.len()
                    )
                }),
            };
            out.reserve(filler + 2);
            match self.noise {
                Some(seed) => {
                    let mut rng = Rng::new(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef);
                    let end = out.len() + filler;
                    while out.len() < end {
                        let word = rng.next_u64().to_le_bytes();
                        let room = end - out.len();
                        out.extend(
                            word.iter()
                                .take(room)
                                .map(|&b| if b == 0xFF { 0xFE } else { b }),
                        );
                    }
                }
                None => out.extend((0..filler).map(|i| (i % 251) as u8)),
            }
        }
        out.extend_from_slice(&[0xFF, 0xD9]); // EOI
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_chunks_carry_the_standard_crc() {
        let bytes = png(1, 1);
        // The header chunk of a 1×1 8-bit RGB image has this CRC in every PNG.
        assert_eq!(&bytes[29..33], &[0x90, 0x77, 0x53, 0xDE]);
        assert!(bytes.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]));
        assert_eq!(Png::new(10, 10).padded_to(4096).build().len(), 4096);
    }

    #[test]
    fn jpeg_lengths_are_as_asked() {
        assert_eq!(Jpeg::new(8, 8).total_len(10_000).build().len(), 10_000);
        assert_eq!(
            Jpeg::new(8, 8).scan(100).build().len(),
            jpeg(8, 8).len() + 14 + 100
        );
        assert_eq!(
            jpeg(8, 8).len() + 3 * 0x10001,
            Jpeg::new(8, 8).metadata(3).build().len()
        );
        let noisy = Jpeg::new(8, 8).noise(1).scan(100_000).build();
        assert!(!noisy[jpeg(8, 8).len() + 12..noisy.len() - 2].contains(&0xFF));
        assert_ne!(noisy, Jpeg::new(8, 8).noise(2).scan(100_000).build());
    }
}
