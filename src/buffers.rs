//! The read buffers of small image files, reused from one upload to the next.
//!
//! An image file of at most 128 KiB (`SMALL_FILE_BYTES` of [`crate::image`]) is read whole,
//! checked and sent from memory. Allocating and freeing a buffer of about 100 KiB for each of them
//! makes the allocator give the memory back to the system and fault it in again page by page on
//! the next image (glibc trims the top of a heap past 128 KiB free): about 20 page faults per
//! verification, some 8 % of the client's CPU time in `benches/flow`. A client keeps the buffers
//! of its uploads instead, up to [`MAX_POOLED`] of them, and each comes back when the body that
//! carried it is dropped.
//!
//! A buffer is zeroed (the bytes it held, with `zeroize`) before it is kept: the images are
//! personal data, and no image outlives its upload in the pool.

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use zeroize::Zeroize as _;

/// The most buffers a client keeps: 32 of 128 KiB, 4 MiB at most; enough for 10 verifications
/// checking their three images at once. A buffer coming back to a full pool is freed.
pub(crate) const MAX_POOLED: usize = 32;

/// Buffers of one capacity, shared by the calls of a client.
#[derive(Debug)]
pub(crate) struct BufferPool {
    capacity: usize,
    max_pooled: usize,
    free: Mutex<Vec<Vec<u8>>>,
}

impl BufferPool {
    /// A pool of empty buffers of `capacity` bytes, keeping `max_pooled` of them at most.
    pub(crate) fn new(capacity: usize, max_pooled: usize) -> Arc<Self> {
        Arc::new(BufferPool {
            capacity,
            max_pooled,
            free: Mutex::new(Vec::new()),
        })
    }

    /// An empty buffer of the pool's capacity: one kept, or a new one.
    pub(crate) fn take(self: &Arc<Self>) -> PooledBuffer {
        let kept = self.free().pop();
        PooledBuffer {
            bytes: kept.unwrap_or_else(|| Vec::with_capacity(self.capacity)),
            pool: self.clone(),
        }
    }

    /// How many buffers the pool keeps now.
    #[cfg(test)]
    pub(crate) fn kept(&self) -> usize {
        self.free().len()
    }

    fn free(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        // A buffer list is valid whatever a panicking holder was doing.
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes `bytes` back, zeroed and emptied, unless the pool is full or the buffer is not one
    /// of its capacity.
    fn give_back(&self, mut bytes: Vec<u8>) {
        bytes.as_mut_slice().zeroize();
        bytes.clear();
        if bytes.capacity() != self.capacity {
            return;
        }
        let mut free = self.free();
        if free.len() < self.max_pooled {
            free.push(bytes);
        }
    }
}

/// A buffer of a [`BufferPool`], going back to it when dropped.
pub(crate) struct PooledBuffer {
    bytes: Vec<u8>,
    pool: Arc<BufferPool>,
}

impl PooledBuffer {
    /// The buffer, to read into (its capacity, not more, for it to go back to the pool).
    pub(crate) fn vec_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Its content as `Bytes`: the buffer goes back to the pool when the last of them is dropped.
    pub(crate) fn freeze(self) -> Bytes {
        Bytes::from_owner(self)
    }
}

impl AsRef<[u8]> for PooledBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for PooledBuffer {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.bytes));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_comes_back_empty_when_its_last_bytes_are_dropped_and_is_taken_again() {
        let pool = BufferPool::new(64, 2);
        let mut buffer = pool.take();
        assert_eq!(
            (buffer.vec_mut().len(), buffer.vec_mut().capacity()),
            (0, 64)
        );
        buffer.vec_mut().extend_from_slice(b"front of an ID");
        let address = buffer.vec_mut().as_ptr();
        let bytes = buffer.freeze();
        let copy = bytes.slice(6..);
        assert_eq!(
            (&bytes[..], &copy[..]),
            (&b"front of an ID"[..], &b"of an ID"[..])
        );
        drop(bytes);
        assert_eq!(
            pool.kept(),
            0,
            "a slice of the content still holds the buffer"
        );
        drop(copy);
        assert_eq!(pool.kept(), 1);
        let mut again = pool.take();
        assert_eq!(pool.kept(), 0);
        assert_eq!(again.vec_mut().as_ptr(), address, "the same allocation");
        assert_eq!(again.vec_mut().len(), 0);
    }

    #[test]
    fn a_buffer_is_zeroed_before_it_is_kept() {
        let pool = BufferPool::new(16, 1);
        let mut buffer = pool.take();
        buffer.vec_mut().extend_from_slice(b"selfie");
        drop(buffer);
        let mut kept = pool.take();
        let kept = kept.vec_mut();
        // SAFETY: the first six bytes of the allocation were written above (and zeroed since):
        // they are initialised, and within the capacity.
        unsafe { kept.set_len(6) };
        assert_eq!(kept.as_slice(), &[0; 6]);
        kept.clear();
    }

    #[test]
    fn the_pool_keeps_at_most_its_number_of_buffers_and_only_of_its_capacity() {
        let pool = BufferPool::new(8, 2);
        let taken: Vec<_> = (0..3).map(|_| pool.take()).collect();
        drop(taken);
        assert_eq!(pool.kept(), 2);
        let mut grown = pool.take();
        grown.vec_mut().extend_from_slice(&[1; 9]);
        drop(grown);
        assert_eq!(pool.kept(), 1, "a buffer that grew is freed, not kept");
        let mut shrunk = pool.take();
        shrunk.vec_mut().shrink_to(4);
        drop(shrunk);
        assert_eq!(pool.kept(), 0, "a buffer that shrank is freed, not kept");
    }
}
