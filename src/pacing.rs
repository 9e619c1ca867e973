//! Client-side pacing of the calls Jumio limits per tenant: account initiations (create,
//! update) and retrievals (status, details, steps, downloads, deletions), each in a sliding
//! window per client.
//!
//! A call starts only when fewer than [`Rate::requests`] calls of its kind started in the last
//! [`Rate::per`] (plus 5 %, at least 100 ms, so that the jitter of the network does not bunch
//! them up again on Jumio's side); otherwise it waits for its turn, in the order the calls came. A `429` that
//! comes anyway is retried as before ([`RetryPolicy`](crate::RetryPolicy)).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::region::Service;

/// At most `requests` calls in any `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rate {
    /// Calls per window (at least 1).
    pub requests: u32,
    /// The window (more than zero).
    pub per: Duration,
}

impl Rate {
    /// At most `requests` calls in any `per`.
    pub fn new(requests: u32, per: Duration) -> Self {
        Rate { requests, per }
    }

    /// Calls per second, on average.
    pub fn per_second(&self) -> f64 {
        f64::from(self.requests) / self.per.as_secs_f64()
    }
}

/// The rate limits the client keeps to, per client. Jumio sets them per tenant, by contract;
/// the defaults are those Jumio documents for tenants created since March 2024.
///
/// | calls | default | tenants created before March 2024 |
/// |---|---|---|
/// | account initiations (create, update) | 5 per 5 s | 15 per 5 s |
/// | retrievals (status, details, steps, downloads, deletions) | 75 per 5 s | 225 per 5 s |
///
/// Uploads, finalization and token requests are not paced (the token cache makes one token
/// request at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimits {
    /// Account creations and updates; `None` does not pace them.
    pub initiations: Option<Rate>,
    /// Retrieval calls; `None` does not pace them.
    pub retrievals: Option<Rate>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            initiations: Some(Rate::new(5, Duration::from_secs(5))),
            retrievals: Some(Rate::new(75, Duration::from_secs(5))),
        }
    }
}

impl RateLimits {
    /// No pacing at all (the sandbox, or a tenant whose limits are enforced elsewhere).
    pub fn none() -> Self {
        RateLimits {
            initiations: None,
            retrievals: None,
        }
    }

    /// Jumio's defaults for tenants created before March 2024: 15 initiations and 225
    /// retrievals per 5 s.
    pub fn jumio_before_march_2024() -> Self {
        RateLimits {
            initiations: Some(Rate::new(15, Duration::from_secs(5))),
            retrievals: Some(Rate::new(225, Duration::from_secs(5))),
        }
    }

    /// These limits with account initiations paced to `rate` (`None`: not paced).
    pub fn with_initiations(self, rate: Option<Rate>) -> Self {
        RateLimits {
            initiations: rate,
            ..self
        }
    }

    /// These limits with retrievals paced to `rate` (`None`: not paced).
    pub fn with_retrievals(self, rate: Option<Rate>) -> Self {
        RateLimits {
            retrievals: rate,
            ..self
        }
    }

    /// What is wrong with these limits, if anything.
    pub(crate) fn check(&self) -> Result<(), String> {
        for (what, rate) in [
            ("initiations", self.initiations),
            ("retrievals", self.retrievals),
        ] {
            if let Some(rate) = rate
                && (rate.requests == 0 || rate.per.is_zero())
            {
                return Err(format!(
                    "the rate limit of {what} must allow at least one call in a window longer \
                     than zero (got {} per {:?}); RateLimits::none() turns pacing off",
                    rate.requests, rate.per
                ));
            }
        }
        Ok(())
    }
}

/// `instant + duration`, or an instant decades ahead when that does not fit the clock.
pub(crate) fn later(instant: Instant, duration: Duration) -> Instant {
    const DECADES: Duration = Duration::from_secs(30 * 365 * 24 * 3600);
    instant
        .checked_add(duration)
        .or_else(|| instant.checked_add(DECADES))
        .unwrap_or(instant)
}

/// The paced calls of one client.
#[derive(Debug, Default)]
pub(crate) struct Pacing {
    initiations: Option<Window>,
    retrievals: Option<Window>,
}

impl Pacing {
    pub(crate) fn new(limits: RateLimits) -> Self {
        Pacing {
            initiations: limits.initiations.map(Window::new),
            retrievals: limits.retrievals.map(Window::new),
        }
    }

    /// The window the calls of `service` keep to, if they are paced.
    pub(crate) fn window(&self, service: Service) -> Option<&Window> {
        match service {
            Service::Account => self.initiations.as_ref(),
            Service::Retrieval => self.retrievals.as_ref(),
            _ => None,
        }
    }
}

/// A sliding window: the start times of the last `requests` calls.
#[derive(Debug)]
pub(crate) struct Window {
    span: Duration,
    capacity: usize,
    starts: Mutex<VecDeque<Instant>>,
}

impl Window {
    fn new(rate: Rate) -> Self {
        let capacity = rate.requests.max(1) as usize;
        Window {
            span: rate.per + (rate.per / 20).max(Duration::from_millis(100)),
            capacity,
            starts: Mutex::new(VecDeque::with_capacity(capacity)),
        }
    }

    /// Takes the next turn of a call arriving at `now`: when it may start.
    fn reserve(&self, now: Instant) -> Instant {
        let mut starts = self.starts.lock().unwrap_or_else(|e| e.into_inner());
        let start = if starts.len() < self.capacity {
            now
        } else {
            let oldest = starts.pop_front().unwrap_or(now);
            now.max(later(oldest, self.span))
        };
        starts.push_back(start);
        start
    }

    /// Waits for the turn of one call.
    pub(crate) async fn pace(&self) {
        let now = Instant::now();
        let start = self.reserve(now);
        if start > now {
            tokio::time::sleep_until(start.into()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether no window of `per` holds more than `requests` of `starts`.
    fn keeps_to(starts: &[Instant], requests: usize, per: Duration) -> bool {
        starts.iter().all(|&from| {
            starts
                .iter()
                .filter(|&&s| s >= from && s < from + per)
                .count()
                <= requests
        })
    }

    #[test]
    fn no_window_holds_more_than_the_rate_and_turns_come_as_soon_as_allowed() {
        let per = Duration::from_millis(1000);
        let window = Window::new(Rate::new(5, per));
        let t0 = Instant::now();
        let mut starts = Vec::new();
        // 12 at once, then 3 later calls that arrive when their turn would have passed.
        for _ in 0..12 {
            starts.push(window.reserve(t0));
        }
        for ms in [4000, 4001, 9000] {
            starts.push(window.reserve(t0 + Duration::from_millis(ms)));
        }
        assert!(keeps_to(&starts, 5, per));
        assert_eq!(starts[..5], [t0; 5]);
        assert_eq!(starts[5], t0 + Duration::from_millis(1100));
        assert_eq!(starts[10], t0 + Duration::from_millis(2200));
        assert_eq!(starts[12], t0 + Duration::from_millis(4000));
        assert_eq!(starts[14], t0 + Duration::from_millis(9000));
    }

    #[test]
    fn limits_that_allow_nothing_are_refused() {
        assert!(RateLimits::default().check().is_ok());
        assert!(RateLimits::none().check().is_ok());
        let zero =
            RateLimits::default().with_initiations(Some(Rate::new(0, Duration::from_secs(1))));
        assert!(zero.check().unwrap_err().contains("initiations"));
        let instant = RateLimits::default().with_retrievals(Some(Rate::new(3, Duration::ZERO)));
        assert!(instant.check().unwrap_err().contains("retrievals"));
    }
}
