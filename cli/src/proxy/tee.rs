//! A body that passes every frame on as it comes and keeps a copy of the bytes, up to a limit, for
//! validation once the body has ended.

use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};

/// What a [`Tee`] kept of its body.
#[derive(Debug)]
pub enum Captured {
    /// The whole body.
    Complete(Vec<u8>),
    /// The body ended, longer than the limit; nothing was kept.
    TooLarge,
    /// The body failed or was dropped before its end.
    Incomplete,
}

type Done = Box<dyn FnOnce(Captured) + Send + Sync>;

/// Wraps a body: frames, size hint and end pass through unchanged; `done` is called once, with
/// the bytes when the body ended within `limit`.
///
/// The body sits in a mutex only to make the wrapper `Sync`, as a request body of `reqwest` must
/// be: it is polled through `&mut self`, so the lock is never contended.
pub struct Tee<B: Body> {
    inner: Mutex<B>,
    kept: Vec<u8>,
    seen: usize,
    limit: usize,
    done: Option<Done>,
}

impl<B: Body> Tee<B> {
    pub fn new(
        inner: B,
        limit: usize,
        done: impl FnOnce(Captured) + Send + Sync + 'static,
    ) -> Self {
        let expected = inner.size_hint().exact().unwrap_or(0);
        let capacity = usize::try_from(expected).unwrap_or(limit).min(limit);
        Self {
            inner: Mutex::new(inner),
            kept: Vec::with_capacity(capacity),
            seen: 0,
            limit,
            done: Some(Box::new(done)),
        }
    }

    /// A body passed on without keeping anything.
    pub fn pass(inner: B) -> Self {
        Self {
            inner: Mutex::new(inner),
            kept: Vec::new(),
            seen: 0,
            limit: 0,
            done: None,
        }
    }

    fn inner(&mut self) -> &mut B {
        self.inner
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn with_inner<T>(&self, f: impl FnOnce(&B) -> T) -> T {
        f(&self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn keep(&mut self, data: &[u8]) {
        if self.done.is_none() {
            return;
        }
        self.seen = self.seen.saturating_add(data.len());
        if self.seen <= self.limit {
            self.kept.extend_from_slice(data);
        } else {
            self.kept = Vec::new();
        }
    }

    fn finish(&mut self, ended: bool) {
        if let Some(done) = self.done.take() {
            let kept = std::mem::take(&mut self.kept);
            done(match (ended, self.seen <= self.limit) {
                (false, _) => Captured::Incomplete,
                (true, true) => Captured::Complete(kept),
                (true, false) => Captured::TooLarge,
            });
        }
    }
}

impl<B> Body for Tee<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = self.get_mut();
        let polled = Pin::new(this.inner()).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.keep(data);
                }
            }
            Poll::Ready(Some(Err(_))) => this.finish(false),
            Poll::Ready(None) => this.finish(true),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.with_inner(B::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.with_inner(B::size_hint)
    }
}

impl<B: Body> Drop for Tee<B> {
    /// A body whose last frame was read is not always polled once more for its end.
    fn drop(&mut self) {
        let ended = self.inner().is_end_stream();
        self.finish(ended);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http_body_util::{BodyExt, Full, StreamBody};

    use super::*;

    fn captured_of<B>(body: B, limit: usize) -> (Vec<u8>, Captured)
    where
        B: Body<Data = Bytes> + Unpin + Send + 'static,
        B::Error: std::fmt::Debug,
    {
        let slot = Arc::new(Mutex::new(None));
        let sink = slot.clone();
        let tee = Tee::new(body, limit, move |captured| {
            *sink.lock().unwrap() = Some(captured);
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let passed = runtime.block_on(tee.collect()).unwrap().to_bytes().to_vec();
        let captured = slot.lock().unwrap().take().expect("done was called");
        (passed, captured)
    }

    #[test]
    fn passes_every_byte_and_keeps_a_copy_within_the_limit() {
        let chunks: Vec<Result<Frame<Bytes>, std::io::Error>> = vec![
            Ok(Frame::data(Bytes::from_static(b"{\"a\":"))),
            Ok(Frame::data(Bytes::from_static(b"1}"))),
        ];
        let (passed, captured) = captured_of(StreamBody::new(futures_stream(chunks)), 64);
        assert_eq!(passed, b"{\"a\":1}");
        assert!(matches!(captured, Captured::Complete(kept) if kept == b"{\"a\":1}"));
    }

    #[test]
    fn keeps_nothing_over_the_limit_but_passes_everything() {
        let body = Full::new(Bytes::from(vec![b'x'; 100]));
        let (passed, captured) = captured_of(body, 10);
        assert_eq!(passed.len(), 100);
        assert!(matches!(captured, Captured::TooLarge));
    }

    #[test]
    fn a_body_dropped_early_is_incomplete() {
        let slot = Arc::new(Mutex::new(None));
        let sink = slot.clone();
        let chunks: Vec<Result<Frame<Bytes>, std::io::Error>> =
            vec![Ok(Frame::data(Bytes::from_static(b"{")))];
        let tee = Tee::new(
            StreamBody::new(futures_stream(chunks)),
            64,
            move |captured| {
                *sink.lock().unwrap() = Some(captured);
            },
        );
        drop(tee);
        assert!(matches!(
            slot.lock().unwrap().take(),
            Some(Captured::Incomplete)
        ));
    }

    /// A stream of `items` that yields each once.
    fn futures_stream<T: Unpin>(items: Vec<T>) -> impl futures_core::Stream<Item = T> + Unpin {
        struct Items<T>(std::vec::IntoIter<T>);
        impl<T: Unpin> futures_core::Stream for Items<T> {
            type Item = T;
            fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<T>> {
                Poll::Ready(self.0.next())
            }
        }
        Items(items.into_iter())
    }
}
