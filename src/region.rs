//! Jumio's data centers and the hosts of their services.

use std::fmt;
use std::str::FromStr;

/// A Jumio data center. Each runs every service on its own host,
/// `https://{service}.{region}.jumio.ai`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// `amer-1`, the US data center (alias `US`). The default.
    #[default]
    Amer1,
    /// `emea-1`, the EU data center (alias `EU`).
    Emea1,
    /// `apac-1`, the Singapore data center (aliases `SG`, `SGP`).
    Apac1,
}

/// A Jumio service, each on its own host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// OAuth2 token endpoint (`auth.{region}.jumio.ai`).
    Auth,
    /// Account creation and update (`account.{region}.jumio.ai`).
    Account,
    /// Credential upload and finalization (`api.{region}.jumio.ai`).
    Api,
    /// Status, details, images and deletion (`retrieval.{region}.jumio.ai`).
    Retrieval,
    /// Health check (`status.{region}.jumio.ai`).
    Status,
}

impl Service {
    /// Every service.
    pub const ALL: [Service; 5] = [
        Service::Auth,
        Service::Account,
        Service::Api,
        Service::Retrieval,
        Service::Status,
    ];

    /// The position of the service in [`Service::ALL`].
    pub(crate) const fn index(self) -> usize {
        self as usize
    }

    /// The host name prefix of the service.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Auth => "auth",
            Service::Account => "account",
            Service::Api => "api",
            Service::Retrieval => "retrieval",
            Service::Status => "status",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Region {
    /// Every region.
    pub const ALL: [Region; 3] = [Region::Amer1, Region::Emea1, Region::Apac1];

    /// The region as Jumio's host names spell it (`amer-1`).
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Amer1 => "amer-1",
            Region::Emea1 => "emea-1",
            Region::Apac1 => "apac-1",
        }
    }

    /// The base URL of `service` in this region, e.g. `https://account.amer-1.jumio.ai`.
    pub fn base_url(self, service: Service) -> String {
        format!("https://{}.{}.jumio.ai", service.as_str(), self.as_str())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A region name that is none of `amer-1`, `emea-1`, `apac-1`, `US`, `EU`, `SG`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown Jumio region {0:?}; expected amer-1 (US), emea-1 (EU) or apac-1 (SG)")]
pub struct UnknownRegion(pub String);

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "amer-1" | "us" | "amer" => Ok(Region::Amer1),
            "emea-1" | "eu" | "emea" => Ok(Region::Emea1),
            "apac-1" | "sg" | "sgp" | "apac" => Ok(Region::Apac1),
            _ => Err(UnknownRegion(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_documented_hosts() {
        assert_eq!(
            Region::Amer1.base_url(Service::Account),
            "https://account.amer-1.jumio.ai"
        );
        assert_eq!(
            Region::Emea1.base_url(Service::Retrieval),
            "https://retrieval.emea-1.jumio.ai"
        );
        assert_eq!(
            Region::Apac1.base_url(Service::Api),
            "https://api.apac-1.jumio.ai"
        );
        assert_eq!(
            Region::Apac1.base_url(Service::Auth),
            "https://auth.apac-1.jumio.ai"
        );
        assert_eq!(
            Region::Amer1.base_url(Service::Status),
            "https://status.amer-1.jumio.ai"
        );
    }

    #[test]
    fn services_are_indexed_in_the_order_of_all() {
        for (index, service) in Service::ALL.into_iter().enumerate() {
            assert_eq!(service.index(), index);
        }
    }

    #[test]
    fn aliases_parse() {
        for (text, region) in [
            ("amer-1", Region::Amer1),
            ("US", Region::Amer1),
            ("eu", Region::Emea1),
            ("EMEA-1", Region::Emea1),
            ("SG", Region::Apac1),
            ("apac-1", Region::Apac1),
        ] {
            assert_eq!(text.parse::<Region>(), Ok(region));
        }
        let err = "mars-1".parse::<Region>().unwrap_err();
        assert!(err.to_string().contains("mars-1"));
    }
}
