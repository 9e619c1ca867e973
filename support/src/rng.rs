//! A seeded pseudo-random number generator, so that failures of randomised tests reproduce and
//! generated test data is the same on every run.

/// xorshift64* (Vigna 2016): small, fast and good enough for fuzzing inputs and filler bytes.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator that starts from `seed` (xorshift has no zero state: a zero seed is replaced).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next pseudo-random number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A pseudo-random number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A pseudo-random byte.
    pub fn byte(&mut self) -> u8 {
        self.next_u64() as u8
    }
}
