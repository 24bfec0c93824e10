//! Hashing for `unique`, `primaryKey` and `foreignKeys` state.
//!
//! Values are reduced to 128-bit hashes (two independent 64-bit lanes of a multiply-fold
//! hash, as in wyhash/foldhash), and the maps keyed by those hashes use them as they are
//! instead of hashing them again. The data is not adversarial, so a fixed seed is enough; an
//! accidental collision between n values has a probability of about n²/2¹²⁹.

use std::hash::{BuildHasherDefault, Hasher};

const LANE_A: u64 = 0x243f_6a88_85a3_08d3;
const LANE_B: u64 = 0x1319_8a2e_0370_7344;
const MULTIPLIER_A: u64 = 0xa076_1d64_78bd_642f;
const MULTIPLIER_B: u64 = 0xe703_7ed1_a0b4_28db;

fn fold_multiply(left: u64, right: u64) -> u64 {
    let product = u128::from(left) * u128::from(right);
    (product as u64) ^ ((product >> 64) as u64)
}

/// A 128-bit hasher: feed it with the `Hasher` methods, read it with [`KeyHasher::finish128`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyHasher {
    lane_a: u64,
    lane_b: u64,
}

impl Default for KeyHasher {
    fn default() -> Self {
        KeyHasher {
            lane_a: LANE_A,
            lane_b: LANE_B,
        }
    }
}

impl KeyHasher {
    fn mix(&mut self, word: u64) {
        self.lane_a = fold_multiply(self.lane_a ^ word, MULTIPLIER_A);
        self.lane_b = fold_multiply(self.lane_b ^ word.rotate_left(29), MULTIPLIER_B);
    }

    /// The 128-bit hash of everything fed so far.
    pub(crate) fn finish128(&self) -> u128 {
        let high = fold_multiply(self.lane_a ^ self.lane_b.rotate_left(17), MULTIPLIER_B);
        let low = fold_multiply(self.lane_b ^ self.lane_a.rotate_left(41), MULTIPLIER_A);
        (u128::from(high) << 64) | u128::from(low)
    }
}

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        // The length tells "ab" + "c" from "a" + "bc".
        self.mix(u64::from_le_bytes(word) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, value: u8) {
        self.mix(u64::from(value) | 0x0100);
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_i64(&mut self, value: i64) {
        self.mix(value as u64);
    }

    fn write_u128(&mut self, value: u128) {
        self.mix(value as u64);
        self.mix((value >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.finish128() as u64
    }
}

/// Hasher for maps keyed by [`KeyHasher`] hashes: the key already is a hash.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`PrehashedHasher`]s.
pub(crate) type Prehashed = BuildHasherDefault<PrehashedHasher>;

#[cfg(test)]
mod tests {
    use std::hash::Hash;

    use super::*;

    fn hash_of(value: impl Hash) -> u128 {
        let mut hasher = KeyHasher::default();
        value.hash(&mut hasher);
        hasher.finish128()
    }

    #[test]
    fn different_inputs_differ() {
        let mut seen = std::collections::HashSet::new();
        for index in 0..100_000u64 {
            assert!(seen.insert(hash_of(index)));
            assert!(seen.insert(hash_of(format!("{index}"))));
        }
        assert_ne!(hash_of(("ab", "c")), hash_of(("a", "bc")));
    }
}
