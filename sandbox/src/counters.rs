//! Counters that handlers and tasks bump concurrently, and the plain snapshot the public API
//! returns, declared once for both.

/// Declares `$counters`, a struct of one `AtomicU64` per field, and its `snapshot()` into
/// `$snapshot`, a struct with a `u64` field of each name (and `Default` for any other fields).
macro_rules! atomic_counters {
    ($(#[$meta:meta])* $vis:vis struct $counters:ident => $snapshot:ident { $($field:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Default)]
        $vis struct $counters {
            $(pub(crate) $field: std::sync::atomic::AtomicU64,)+
        }

        impl $counters {
            /// Every counter now (each read on its own: the snapshot is not atomic as a whole).
            #[allow(clippy::needless_update)]
            pub(crate) fn snapshot(&self) -> $snapshot {
                $snapshot {
                    $($field: self.$field.load(std::sync::atomic::Ordering::Relaxed),)+
                    ..$snapshot::default()
                }
            }
        }
    };
}

pub(crate) use atomic_counters;

/// Adds `n` to `counter`.
pub(crate) fn add(counter: &std::sync::atomic::AtomicU64, n: u64) {
    counter.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
}
