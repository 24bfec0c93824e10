//! A tiny deterministic generator (SplitMix64), so the demo files are reproducible byte for byte
//! from a seed without pulling a random-number crate into the binary.

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, good enough statistics for fake data.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for one purpose: mixing a `stream` label into the seed keeps the files
    /// independent, so adding rows to one file does not change the others.
    pub(crate) fn new(seed: u64, stream: &str) -> Rng {
        let mut state = seed ^ 0x9E37_79B9_7F4A_7C15;
        for byte in stream.bytes() {
            state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3);
        }
        Rng { state }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0); the modulo bias is irrelevant for demo data.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound.max(1)
    }

    /// A number in `low..=high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A uniform float in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A uniformly chosen element (`items` must not be empty).
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick_ref(items)
    }

    /// A uniformly chosen element, by reference.
    pub(crate) fn pick_ref<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_and_stream_give_the_same_sequence() {
        let mut a = Rng::new(42, "menus");
        let mut b = Rng::new(42, "menus");
        let first: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let second: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(first, second);
    }

    #[test]
    fn streams_and_seeds_differ() {
        let mut menus = Rng::new(42, "menus");
        let mut grants = Rng::new(42, "subventions");
        let mut other_seed = Rng::new(43, "menus");
        let m = menus.next_u64();
        assert_ne!(m, grants.next_u64());
        assert_ne!(m, other_seed.next_u64());
    }

    #[test]
    fn bounded_draws_stay_in_range() {
        let mut rng = Rng::new(7, "range");
        for _ in 0..1000 {
            let n = rng.between(3, 9);
            assert!((3..=9).contains(&n));
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
