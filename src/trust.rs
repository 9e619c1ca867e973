//! Every trust decision of the client, in one place: which base URLs may carry tokens, which
//! hosts are this machine, which links returned by Jumio may receive the transaction token, and
//! which ids returned by Jumio (or given by a caller or a callback) may go into a URL path.
//!
//! Nothing that comes from the network is used before it passes one of these checks.

use std::net::IpAddr;

use crate::region::Service;

/// Longest id accepted, in characters. Jumio's ids are UUIDs (36 characters).
pub(crate) const MAX_ID_CHARS: usize = 64;

/// Whether `url` points at this machine (`localhost` or a loopback address).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    url.host_str()
        .is_some_and(|host| host.eq_ignore_ascii_case("localhost"))
        || host_ip(url).is_some_and(|ip| ip.is_loopback())
}

/// The IP address a URL names as its host, if it names one.
pub(crate) fn host_ip(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Checks the base URL of a service: absolute, and `https` unless it is this machine (the
/// sandbox). Returns it without a trailing slash, or what is wrong with it.
pub(crate) fn base_url(service: Service, url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("the {service} URL {url:?} is not a URL: {e}"))?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&parsed) => {}
        scheme => {
            return Err(format!(
                "the {service} URL {url:?} uses {scheme}; tokens are only sent over https (or \
                 plain http to this machine)"
            ));
        }
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(format!(
            "the {service} URL {url:?} has a query or fragment; give the base URL only"
        ));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// The origin (`scheme://host:port`) of a URL, or `None` when it is not an absolute URL with a
/// host.
pub(crate) fn origin(url: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).ok()?;
    url.host_str()?;
    Some(url.origin().ascii_serialization())
}

/// Refuses a link returned by Jumio unless it points at `expected` (an origin): the transaction
/// token goes only to the configured api host. The error is the origin found instead.
pub(crate) fn link(link: &str, expected: &str) -> Result<(), String> {
    // The form Jumio returns, the origin then a path, needs no parsing: the authority of a URL
    // ends at the first `/` after `//`, so such a link has exactly this origin. Any other form is
    // parsed and its origin compared.
    if !expected.is_empty()
        && link
            .strip_prefix(expected)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    {
        return Ok(());
    }
    match origin(link) {
        Some(found) if found == expected => Ok(()),
        found => Err(found.unwrap_or_else(|| "an unparsable link".to_owned())),
    }
}

/// Checks an id before it goes into a URL path: 1 to 64 ASCII letters, digits and `-`, as
/// Jumio's ids are. `what` names it in the error (`account id`, `credential id`).
pub(crate) fn id(what: &'static str, value: &str) -> std::result::Result<(), InvalidId> {
    let valid = !value.is_empty()
        && value.len() <= MAX_ID_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(())
    } else {
        Err(InvalidId {
            what,
            length: value.chars().count(),
        })
    }
}

/// An id outside Jumio's alphabet. Its text is not repeated: it may be hostile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidId {
    /// Which id.
    pub(crate) what: &'static str,
    /// Its length in characters.
    pub(crate) length: usize,
}

impl std::fmt::Display for InvalidId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} is not an id of Jumio's form (1 to {MAX_ID_CHARS} ASCII letters, digits and \
             '-'; this one has {} characters)",
            self.what, self.length
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_letters_digits_and_dashes() {
        for good in [
            "11111111-0000-0000-0000-000000000000",
            "33333333-3333-3333-aaaaaaaaaaaa",
            "A",
            &"a".repeat(MAX_ID_CHARS),
        ] {
            assert_eq!(id("account id", good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "..",
            "../admin",
            "..\\..\\internal",
            "a/b",
            "a%2Fb",
            "a b",
            "a\u{0}",
            "é",
            "a?x=1",
            &"a".repeat(MAX_ID_CHARS + 1),
        ] {
            let error = id("account id", bad).unwrap_err();
            assert_eq!(error.what, "account id");
            assert!(!error.to_string().contains(bad) || bad.is_empty() || bad == "a");
        }
    }

    #[test]
    fn links_must_stay_on_the_expected_origin() {
        let expected = "https://api.amer-1.jumio.ai";
        assert!(link("https://api.amer-1.jumio.ai/api/v1/x", expected).is_ok());
        for other in [
            "https://api.amer-1.jumio.ai.evil.example/x",
            "http://api.amer-1.jumio.ai/x",
            "https://api.amer-1.jumio.ai:8443/x",
            "/api/v1/relative",
            "not a url",
        ] {
            assert!(link(other, expected).is_err(), "{other}");
        }
    }

    #[test]
    fn the_quick_link_check_decides_as_parsing_does() {
        // Every link is judged as comparing its parsed origin would judge it.
        let parsed = |link: &str, expected: &str| match origin(link) {
            Some(found) if found == expected => Ok(()),
            found => Err(found.unwrap_or_else(|| "an unparsable link".to_owned())),
        };
        for expected in [
            "https://api.amer-1.jumio.ai",
            "http://127.0.0.1:8787",
            "http://[::1]:9",
        ] {
            for suffix in [
                "",
                "/",
                "/api/v1/accounts/a/workflow-executions/b",
                "//evil.example/x",
                "/@evil.example",
                "@evil.example/x",
                ".evil.example/x",
                ":8443/x",
                ":443/x",
                ":80/x",
                "\\x",
                "?x=/",
                "#/x",
                "%2F/x",
                "/x\\tail",
                " /x",
            ] {
                for candidate in [
                    format!("{expected}{suffix}"),
                    format!("{}{suffix}", expected.to_ascii_uppercase()),
                    format!(" {expected}{suffix}"),
                    format!("{expected}\t{suffix}"),
                ] {
                    assert_eq!(
                        link(&candidate, expected),
                        parsed(&candidate, expected),
                        "{candidate:?}"
                    );
                }
            }
        }
        // No expected origin accepts nothing.
        assert!(link("/api/v1/x", "").is_err());
        assert!(link("", "").is_err());
    }

    #[test]
    fn base_urls_carry_tokens_only_over_https_or_to_this_machine() {
        assert_eq!(
            base_url(Service::Api, "https://api.example.com/").unwrap(),
            "https://api.example.com"
        );
        assert!(base_url(Service::Api, "http://127.0.0.1:8787").is_ok());
        assert!(base_url(Service::Api, "http://[::1]:8787").is_ok());
        assert!(base_url(Service::Api, "http://localhost:8787").is_ok());
        for bad in [
            "http://api.example.com",
            "ftp://api.example.com",
            "api.example.com",
            "https://api.example.com/?a=b",
        ] {
            assert!(base_url(Service::Api, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn this_machine_is_localhost_or_a_loopback_address() {
        for local in [
            "http://localhost:8787/x",
            "http://LocalHost/",
            "http://127.0.0.1/",
            "http://127.3.4.5:1/",
            "http://[::1]:8787/",
        ] {
            assert!(is_loopback(&reqwest::Url::parse(local).unwrap()), "{local}");
        }
        for remote in [
            "https://api.example.com/",
            "http://10.0.0.1/",
            "http://[2001:db8::1]/",
            "http://localhost.example.com/",
        ] {
            assert!(
                !is_loopback(&reqwest::Url::parse(remote).unwrap()),
                "{remote}"
            );
        }
        let ip = |url: &str| host_ip(&reqwest::Url::parse(url).unwrap());
        assert_eq!(ip("http://[::1]:9/"), Some("::1".parse().unwrap()));
        assert_eq!(
            ip("http://203.0.113.7/"),
            Some("203.0.113.7".parse().unwrap())
        );
        assert_eq!(ip("https://api.example.com/"), None);
    }

    #[test]
    fn base_urls_refuse_a_fragment_and_name_the_problem() {
        let error = base_url(Service::Api, "https://api.example.com/#top").unwrap_err();
        assert!(error.contains("query or fragment"), "{error}");
        let error = base_url(Service::Api, "http://api.example.com").unwrap_err();
        assert!(error.contains("uses http"), "{error}");
        assert_eq!(
            base_url(Service::Api, "http://127.0.0.1:8787/base//").unwrap(),
            "http://127.0.0.1:8787/base"
        );
    }

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(
            origin("https://api.amer-1.jumio.ai/api/v1/x?y=1").as_deref(),
            Some("https://api.amer-1.jumio.ai")
        );
        assert_eq!(
            origin("http://127.0.0.1:8787/x").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(origin("/relative"), None);
        assert_eq!(origin("mailto:someone@example.com"), None);
        assert_eq!(
            link("https://evil.example/x", "https://api.amer-1.jumio.ai"),
            Err("https://evil.example".to_owned())
        );
        assert_eq!(
            link("/relative", "https://api.amer-1.jumio.ai"),
            Err("an unparsable link".to_owned())
        );
    }

    #[test]
    fn an_invalid_id_says_what_and_how_long_but_not_the_text() {
        let error = id("credential id", "../../etc/passwd").unwrap_err();
        assert_eq!(
            error,
            InvalidId {
                what: "credential id",
                length: 16
            }
        );
        assert_eq!(
            error.to_string(),
            "the credential id is not an id of Jumio's form (1 to 64 ASCII letters, digits and \
             '-'; this one has 16 characters)"
        );
        assert_eq!(id("account id", "ééé").unwrap_err().length, 3);
    }
}
