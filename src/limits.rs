//! Jumio's documented limits, in one place: the lengths, characters, ranges and URL rules of the
//! account request, and the limits of a credential image.
//!
//! The client checks requests against these before sending them ([`AccountRequest`]), and the
//! sandbox answers `400` by the same rules, so that what the client accepts is what the offline
//! Jumio accepts. Each rule returns a [`Violation`] that names the field and the limit.
//!
//! [`AccountRequest`]: crate::AccountRequest

use std::time::Duration;

use crate::trust::host_ip;
pub use crate::trust::is_loopback;

/// Longest `customerInternalReference`, in characters.
pub const CUSTOMER_INTERNAL_REFERENCE_MAX_CHARS: usize = 100;
/// Longest `userReference`, in characters.
pub const USER_REFERENCE_MAX_CHARS: usize = 100;
/// Longest `reportingCriteria`, in characters.
pub const REPORTING_CRITERIA_MAX_CHARS: usize = 255;
/// Longest `callbackUrl`, `web.successUrl` and `web.errorUrl`, in characters.
pub const URL_MAX_CHARS: usize = 255;
/// Longest `userConsent.userLocation.state`, in characters.
pub const CONSENT_STATE_MAX_CHARS: usize = 100;
/// Characters Jumio forbids in `customerInternalReference`.
pub const FORBIDDEN_REFERENCE_CHARACTERS: &str = "<>\"/;`%{}|";
/// Shortest `tokenLifetime` (5 minutes).
pub const TOKEN_LIFETIME_MIN: Duration = Duration::from_secs(5 * 60);
/// Longest `tokenLifetime` (60 days).
pub const TOKEN_LIFETIME_MAX: Duration = Duration::from_secs(60 * 86_400);
/// `tokenLifetime` when the request sets none (30 minutes).
pub const TOKEN_LIFETIME_DEFAULT: Duration = Duration::from_secs(30 * 60);
/// How long continuous consent stays valid after `userConsent.consent.obtainedAt`: 3 years.
pub const CONSENT_MAX_AGE_DAYS: i64 = 3 * 365;

/// The limits of a credential image (JPEG or PNG).
pub mod image {
    const MIB: u64 = 1024 * 1024;
    /// The largest image, in bytes, by the limit this crate was first written against (10 MB, 1 MB
    /// being 1024 × 1024 bytes).
    pub const MAX_BYTES: u64 = 10 * MIB;
    /// The largest image Jumio's current reference accepts, in bytes (15 MB).
    pub const CURRENT_MAX_BYTES: u64 = 15 * MIB;
    /// The longest width or height, in pixels.
    pub const MAX_SIDE: u32 = 8000;
    /// The longest side of an image must be more than this many pixels.
    pub const MIN_LONGEST_SIDE_EXCLUSIVE: u32 = 300;
    /// The first bytes of every PNG file.
    pub const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    /// The first bytes of every JPEG file.
    pub const JPEG_SIGNATURE: &[u8] = b"\xff\xd8\xff";

    /// How many frame headers (SOF markers) a JPEG holds before its first scan (SOS) or its end
    /// (EOI), as far as `header` goes (the walk over its marker segments stops where `header`
    /// ends, or at a segment that is not well formed).
    ///
    /// A JPEG image has exactly one frame header, which gives its dimensions (ITU T.81, B.2): a file
    /// with two is corrupt, and which of them a reader takes is a matter of chance, so the client
    /// and the sandbox refuse it.
    pub fn jpeg_frame_headers(header: &[u8]) -> usize {
        const START_OF_SCAN: u8 = 0xDA;
        const END_OF_IMAGE: u8 = 0xD9;
        let is_frame_header =
            |marker: u8| matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        // Markers without a length: TEM, RST0..RST7 and SOI.
        let stands_alone = |marker: u8| marker == 0x01 || matches!(marker, 0xD0..=0xD8);
        let mut frames = 0;
        let mut at = 2;
        while header.get(at) == Some(&0xFF) {
            // A marker may be preceded by fill bytes (0xFF).
            while header.get(at + 1) == Some(&0xFF) {
                at += 1;
            }
            let Some(&marker) = header.get(at + 1) else {
                break;
            };
            if marker == START_OF_SCAN || marker == END_OF_IMAGE {
                break;
            }
            if is_frame_header(marker) {
                frames += 1;
            }
            if stands_alone(marker) {
                at += 2;
                continue;
            }
            let Some(&[high, low]) = header.get(at + 2..at + 4) else {
                break;
            };
            let length = usize::from(u16::from_be_bytes([high, low]));
            if length < 2 {
                break;
            }
            at += 2 + length;
        }
        frames
    }
}

/// A request value outside Jumio's limits: the field as the API names it, and what is wrong with
/// the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
pub struct Violation {
    /// The field, as the API names it (`customerInternalReference`, `web.successUrl`).
    pub field: String,
    /// What is wrong, and the limit.
    pub reason: String,
}

impl Violation {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Violation {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Checks that `value` has 1 to `max` characters.
pub fn check_length(field: &str, value: &str, max: usize) -> Result<(), Violation> {
    let length = value.chars().count();
    if length == 0 {
        return Err(Violation::new(
            field,
            format!("is empty; Jumio accepts 1 to {max} characters"),
        ));
    }
    if length > max {
        return Err(Violation::new(
            field,
            format!("is {length} characters long; Jumio accepts at most {max}"),
        ));
    }
    Ok(())
}

/// Whether `c` is a control (Unicode category Cc: NUL, ESC, DEL, ...) or format character (Cf:
/// bidirectional overrides, zero-width characters, ...): characters that do not show, or change
/// how the text around them shows, in the logs and portals a reference ends up in.
pub fn is_control_or_format(c: char) -> bool {
    use unicode_general_category::{GeneralCategory, get_general_category};
    matches!(
        get_general_category(c),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

/// Checks a reference-like text (`customerInternalReference`, `userReference`,
/// `reportingCriteria`): 1 to `max` characters, not only whitespace, and no control or format
/// character ([`is_control_or_format`]).
pub fn check_reference_text(field: &str, value: &str, max: usize) -> Result<(), Violation> {
    check_length(field, value, max)?;
    if value.chars().all(char::is_whitespace) {
        return Err(Violation::new(
            field,
            "is only whitespace; Jumio needs a visible reference",
        ));
    }
    if let Some(c) = value.chars().find(|&c| is_control_or_format(c)) {
        return Err(Violation::new(
            field,
            format!(
                "contains U+{:04X}, a control or format character; they are not accepted",
                u32::from(c)
            ),
        ));
    }
    Ok(())
}

/// The character of [`FORBIDDEN_REFERENCE_CHARACTERS`] that `c` is or stands for after Unicode
/// compatibility normalisation (NFKC): `＜` (full width) and `﹤` (small form) are `<`, `℅` holds a
/// `/`.
fn forbidden_reference_character(c: char) -> Option<char> {
    use unicode_normalization::UnicodeNormalization;
    std::iter::once(c)
        .nfkc()
        .find(|n| FORBIDDEN_REFERENCE_CHARACTERS.contains(*n))
}

/// Checks `customerInternalReference`: the rules of [`check_reference_text`] with at most 100
/// characters, and none of [`FORBIDDEN_REFERENCE_CHARACTERS`], also not in a compatibility form
/// (`＜`, `／`, `％`, ...: each character is compared after NFKC normalisation).
pub fn check_customer_internal_reference(value: &str) -> Result<(), Violation> {
    const FIELD: &str = "customerInternalReference";
    check_reference_text(FIELD, value, CUSTOMER_INTERNAL_REFERENCE_MAX_CHARS)?;
    if let Some((c, forbidden)) = value
        .chars()
        .find_map(|c| Some((c, forbidden_reference_character(c)?)))
    {
        let shown = if c == forbidden {
            format!("{c:?}")
        } else {
            format!("{c:?} (a form of {forbidden:?})")
        };
        return Err(Violation::new(
            FIELD,
            format!("contains {shown}; Jumio forbids any of {FORBIDDEN_REFERENCE_CHARACTERS}"),
        ));
    }
    Ok(())
}

/// What a URL of the request is for: Jumio's rules for callback URLs are stricter than for the
/// Web client's redirects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlUse {
    /// `callbackUrl`: Jumio POSTs to it, so it must name a domain, no port and no fragment.
    Callback,
    /// `web.successUrl`, `web.errorUrl`: the end user's browser goes there.
    Redirect,
}

/// Checks a URL of the request: at most 255 characters, absolute, `https` (plain `http` only to
/// this machine, for a local sandbox's receivers). A callback URL must also name a domain (no IP
/// address), no port and no fragment, except on this machine.
pub fn check_url(field: &str, value: &str, used_for: UrlUse) -> Result<reqwest::Url, Violation> {
    check_length(field, value, URL_MAX_CHARS)?;
    let url = reqwest::Url::parse(value)
        .map_err(|e| Violation::new(field, format!("{value:?} is not an absolute URL ({e})")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Violation::new(field, format!("{value:?} has no host")));
    }
    let loopback = is_loopback(&url);
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        scheme => {
            return Err(Violation::new(
                field,
                format!(
                    "uses {scheme}; Jumio requires https (plain http only to this machine, \
                     127.0.0.1, ::1 or localhost, for a local sandbox)"
                ),
            ));
        }
    }
    if used_for == UrlUse::Callback {
        if !loopback && host_ip(&url).is_some() {
            return Err(Violation::new(
                field,
                "names an IP address; Jumio calls back domains only",
            ));
        }
        if !loopback && url.port().is_some() {
            return Err(Violation::new(
                field,
                "names a port; Jumio calls back on port 443 only",
            ));
        }
        if url.fragment().is_some() {
            return Err(Violation::new(
                field,
                "has a fragment (#…); Jumio forbids fragments in callback URLs",
            ));
        }
    }
    Ok(url)
}

/// Parses a token lifetime (`30m`, `600s`, `1h`, `1d`, an optional leading `+`) and checks Jumio's
/// range of 5 minutes to 60 days.
pub fn parse_token_lifetime(value: &str) -> Result<Duration, Violation> {
    const FIELD: &str = "tokenLifetime";
    let syntax = || {
        Violation::new(
            FIELD,
            format!(
                "{value:?} is not a lifetime; expected a number and a unit s, m, h or d, e.g. 30m"
            ),
        )
    };
    let unsigned = value.strip_prefix('+').unwrap_or(value);
    let unit = unsigned.chars().last().ok_or_else(syntax)?;
    let digits = &unsigned[..unsigned.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax());
    }
    let seconds_per_unit: u64 = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(syntax()),
    };
    let number: u64 = digits.parse().unwrap_or(u64::MAX);
    let lifetime = Duration::from_secs(number.saturating_mul(seconds_per_unit));
    if !(TOKEN_LIFETIME_MIN..=TOKEN_LIFETIME_MAX).contains(&lifetime) {
        return Err(Violation::new(
            FIELD,
            format!("{value} is outside Jumio's range of 5 minutes to 60 days"),
        ));
    }
    Ok(lifetime)
}

/// Checks the dimensions of an image against `max_side` and `min_longest_side_exclusive`
/// (Jumio's are [`image::MAX_SIDE`] and [`image::MIN_LONGEST_SIDE_EXCLUSIVE`]); a side of zero
/// pixels is no image.
pub fn check_dimensions(
    width: u32,
    height: u32,
    max_side: u32,
    min_longest_side_exclusive: u32,
) -> Result<(), DimensionViolation> {
    if width == 0 || height == 0 {
        Err(DimensionViolation::Zero)
    } else if width > max_side || height > max_side {
        Err(DimensionViolation::TooLarge)
    } else if width.max(height) <= min_longest_side_exclusive {
        Err(DimensionViolation::TooSmall)
    } else {
        Ok(())
    }
}

/// Why [`check_dimensions`] refused an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DimensionViolation {
    /// A width or height of zero.
    Zero,
    /// A side longer than the maximum.
    TooLarge,
    /// The longest side is not longer than the minimum.
    TooSmall,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_match_the_documented_range() {
        assert_eq!(parse_token_lifetime("5m"), Ok(TOKEN_LIFETIME_MIN));
        assert_eq!(parse_token_lifetime("60d"), Ok(TOKEN_LIFETIME_MAX));
        assert_eq!(parse_token_lifetime("+05m"), Ok(TOKEN_LIFETIME_MIN));
        assert_eq!(parse_token_lifetime("1h"), Ok(Duration::from_secs(3600)));
        for bad in [
            "4m",
            "299s",
            "61d",
            "-5m",
            "5",
            "m",
            "1w",
            "",
            "5 m",
            "99999999999999999999d",
        ] {
            assert!(parse_token_lifetime(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn callback_urls_follow_jumios_rules_and_redirects_do_not_need_to() {
        let callback = |url| check_url("callbackUrl", url, UrlUse::Callback);
        let redirect = |url| check_url("web.successUrl", url, UrlUse::Redirect);
        assert!(callback("https://kyc.example.com/jumio?tenant=a").is_ok());
        assert!(callback("http://127.0.0.1:9000/cb").is_ok());
        assert!(callback("http://localhost:9000/cb").is_ok());
        assert!(callback("http://[::1]:9000/cb").is_ok());
        for (url, reason) in [
            ("https://203.0.113.7/cb", "IP address"),
            ("https://kyc.example.com:8443/cb", "port"),
            ("https://kyc.example.com/cb#x", "fragment"),
            ("http://kyc.example.com/cb", "https"),
            ("ftp://kyc.example.com/cb", "https"),
            ("kyc.example.com/cb", "absolute"),
        ] {
            let error = callback(url).unwrap_err();
            assert!(error.reason.contains(reason), "{url}: {error}");
        }
        assert!(redirect("https://shop.example.com:8443/done#top").is_ok());
        assert!(redirect("https://203.0.113.7/done").is_ok());
        let long = format!("https://example.com/{}", "a".repeat(236));
        assert_eq!(
            callback(&long).unwrap_err().to_string(),
            "invalid callbackUrl: is 256 characters long; Jumio accepts at most 255"
        );
    }

    #[test]
    fn references_refuse_every_forbidden_character() {
        assert!(check_customer_internal_reference("order-4711").is_ok());
        for c in FORBIDDEN_REFERENCE_CHARACTERS.chars() {
            let error = check_customer_internal_reference(&format!("a{c}b")).unwrap_err();
            assert_eq!(error.field, "customerInternalReference");
        }
        assert!(check_customer_internal_reference("").is_err());
        for (value, reason) in [
            ("a\u{0}b", "U+0000"),
            ("order\u{202E}1174", "U+202E"),
            ("\u{1b}[31mred", "U+001B"),
            ("a\u{200B}b", "U+200B"),
            ("   ", "whitespace"),
            ("\t\u{3000}", "whitespace"),
            ("a\u{FF05}b", "'％' (a form of '%')"),
            ("a\u{FF0F}b", "'／' (a form of '/')"),
            ("\u{FF1C}script\u{FF1E}", "'＜' (a form of '<')"),
            ("c\u{2105}o", "'℅' (a form of '/')"),
            ("a\u{FE64}b", "'﹤' (a form of '<')"),
        ] {
            let error = check_customer_internal_reference(value).unwrap_err();
            assert!(error.reason.contains(reason), "{value:?}: {error}");
        }
        for value in ["ordér-4711", "注文-4711", "a b", "x\u{301}"] {
            assert_eq!(
                check_customer_internal_reference(value),
                Ok(()),
                "{value:?}"
            );
        }
        assert!(check_reference_text("userReference", "user\u{0}", 100).is_err());
        assert!(check_reference_text("userReference", " ", 100).is_err());
        assert!(check_reference_text("userReference", "user/1", 100).is_ok());
        assert!(check_customer_internal_reference(&"r".repeat(100)).is_ok());
        assert!(check_customer_internal_reference(&"r".repeat(101)).is_err());
    }

    #[test]
    fn jpeg_frame_headers_are_counted_up_to_the_first_scan() {
        const SOI: &[u8] = b"\xff\xd8";
        const APP0: &[u8] = b"\xff\xe0\x00\x06JFIF";
        const SOF0: &[u8] = b"\xff\xc0\x00\x0b\x08\x01\x2c\x01\x90\x01\x01\x11\x00";
        const SOF2: &[u8] = b"\xff\xc2\x00\x0b\x08\x01\x2c\x01\x90\x01\x01\x11\x00";
        const DHT: &[u8] = b"\xff\xc4\x00\x03\x00";
        const SOS: &[u8] = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00";
        const EOI: &[u8] = b"\xff\xd9";
        let count = |pieces: &[&[u8]]| image::jpeg_frame_headers(&pieces.concat());
        assert_eq!(count(&[SOI, APP0, SOF0, DHT, SOS, EOI]), 1);
        assert_eq!(count(&[SOI, APP0, SOF0, EOI]), 1);
        assert_eq!(count(&[SOI, APP0, SOF0, SOF2, EOI]), 2);
        assert_eq!(count(&[SOI, SOF0, b"\xff\xff", SOF0, EOI]), 2, "fill bytes");
        assert_eq!(count(&[SOI, SOF0, SOS, SOF2]), 1, "after the first scan");
        assert_eq!(count(&[SOI, SOF0, EOI, SOF2]), 1, "after the end");
        assert_eq!(count(&[SOI, APP0, DHT, EOI]), 0, "no frame");
        assert_eq!(count(&[SOI, APP0, &SOF0[..6]]), 1, "a cut-off frame header");
        assert_eq!(
            count(&[SOI, b"\xff\xe0\x00\x00", SOF0]),
            0,
            "a malformed length"
        );
    }

    #[test]
    fn dimensions_have_a_floor_a_ceiling_and_no_zero() {
        let check = |w, h| check_dimensions(w, h, image::MAX_SIDE, 300);
        assert_eq!(check(301, 1), Ok(()));
        assert_eq!(check(1, 8000), Ok(()));
        assert_eq!(check(8000, 1), Ok(()));
        assert_eq!(check(300, 300), Err(DimensionViolation::TooSmall));
        assert_eq!(check(8001, 400), Err(DimensionViolation::TooLarge));
        assert_eq!(check(400, 8001), Err(DimensionViolation::TooLarge));
        assert_eq!(check(0, 400), Err(DimensionViolation::Zero));
        assert_eq!(check(400, 0), Err(DimensionViolation::Zero));
    }

    #[test]
    fn lengths_count_characters_and_name_the_limit() {
        assert_eq!(check_length("userReference", "ééé", 3), Ok(()));
        assert_eq!(
            check_length("userReference", "", 3)
                .unwrap_err()
                .to_string(),
            "invalid userReference: is empty; Jumio accepts 1 to 3 characters"
        );
        assert_eq!(
            check_length("userReference", "abcd", 3).unwrap_err().reason,
            "is 4 characters long; Jumio accepts at most 3"
        );
        assert_eq!(
            Violation::new("a", "b"),
            Violation {
                field: "a".to_owned(),
                reason: "b".to_owned()
            }
        );
    }

    #[test]
    fn controls_and_format_characters_are_told_from_visible_text() {
        for hidden in [
            '\u{0}', '\u{1b}', '\u{7f}', '\u{200b}', '\u{202e}', '\u{feff}',
        ] {
            assert!(is_control_or_format(hidden), "{hidden:?}");
        }
        for visible in ['a', ' ', 'é', '注', '-', '\u{3000}'] {
            assert!(!is_control_or_format(visible), "{visible:?}");
        }
        assert!(check_reference_text("reportingCriteria", "a\u{feff}", 255).is_err());
        assert!(check_reference_text("reportingCriteria", &"r".repeat(256), 255).is_err());
    }

    #[test]
    fn lifetimes_take_every_unit() {
        assert_eq!(parse_token_lifetime("600s"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_token_lifetime("30m"), Ok(TOKEN_LIFETIME_DEFAULT));
        assert_eq!(parse_token_lifetime("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(
            parse_token_lifetime("2d"),
            Ok(Duration::from_secs(2 * 86_400))
        );
        assert_eq!(
            parse_token_lifetime("1440m"),
            Ok(Duration::from_secs(86_400))
        );
        let error = parse_token_lifetime("4m").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid tokenLifetime: 4m is outside Jumio's range of 5 minutes to 60 days"
        );
        let error = parse_token_lifetime("5é").unwrap_err();
        assert!(error.reason.contains("is not a lifetime"), "{error}");
        // Not a number and a unit: refused as such, never as a lifetime out of range.
        for malformed in ["+", "m", "1.5h", "x5m", "5 m", "-5m", "5"] {
            let error = parse_token_lifetime(malformed).unwrap_err();
            assert!(
                error.reason.contains("is not a lifetime"),
                "{malformed}: {error}"
            );
        }
    }

    #[test]
    fn urls_need_a_host_and_this_machine_may_use_any_port() {
        let callback = |url| check_url("callbackUrl", url, UrlUse::Callback);
        let error = callback("file:///etc/passwd").unwrap_err();
        assert!(error.reason.contains("has no host"), "{error}");
        assert_eq!(
            callback("http://127.0.0.1:9000/cb#frag")
                .unwrap_err()
                .reason,
            "has a fragment (#…); Jumio forbids fragments in callback URLs"
        );
        let url = callback("https://kyc.example.com/cb?x=1").unwrap();
        assert_eq!(url.host_str(), Some("kyc.example.com"));
        assert!(check_url("web.errorUrl", "http://shop.example.com/", UrlUse::Redirect).is_err());
        assert!(check_url("web.errorUrl", "http://localhost:3000/", UrlUse::Redirect).is_ok());
        assert!(callback("").is_err());
    }

    #[test]
    fn jpeg_markers_without_a_length_and_every_frame_type_are_walked() {
        const SOI: &[u8] = b"\xff\xd8";
        const SOF0: &[u8] = b"\xff\xc0\x00\x0b\x08\x01\x2c\x01\x90\x01\x01\x11\x00";
        const EOI: &[u8] = b"\xff\xd9";
        let count = |pieces: &[&[u8]]| image::jpeg_frame_headers(&pieces.concat());
        assert_eq!(count(&[SOI, b"\xff\x01", SOF0, EOI]), 1, "TEM");
        assert_eq!(count(&[SOI, b"\xff\xd0", b"\xff\xd7", SOF0, EOI]), 1, "RST");
        assert_eq!(
            count(&[SOI, b"\xff\xe0\x00\x02", SOF0, EOI]),
            1,
            "an empty segment"
        );
        assert_eq!(
            count(&[SOI, b"\xff\xe0\x00\x01", SOF0, EOI]),
            0,
            "a length below 2"
        );
        assert_eq!(count(&[SOI, b"\xff\xe0\x00"]), 0, "a cut-off length");
        assert_eq!(count(&[SOI, b"\xff"]), 0, "a cut-off marker");
        assert_eq!(count(&[SOI, b"\x00\x00", SOF0]), 0, "no marker");
        for (marker, frames) in [
            (0xc0, 1),
            (0xc1, 1),
            (0xc3, 1),
            (0xc4, 0),
            (0xc7, 1),
            (0xc8, 0),
            (0xcb, 1),
            (0xcc, 0),
            (0xcf, 1),
            (0xbf, 0),
            (0xd0, 0),
            (0xe1, 0),
        ] {
            let segment = [0xff, marker, 0x00, 0x02];
            assert_eq!(count(&[SOI, &segment, EOI]), frames, "{marker:#x}");
        }
    }

    #[test]
    fn the_limits_are_jumios_documented_numbers() {
        assert_eq!(TOKEN_LIFETIME_MIN, Duration::from_secs(300));
        assert_eq!(TOKEN_LIFETIME_DEFAULT, Duration::from_secs(1800));
        assert_eq!(TOKEN_LIFETIME_MAX, Duration::from_secs(5_184_000));
        assert_eq!(CONSENT_MAX_AGE_DAYS, 1095);
        assert_eq!(image::MAX_BYTES, 10_485_760);
        assert_eq!(image::CURRENT_MAX_BYTES, 15_728_640);
    }
}
