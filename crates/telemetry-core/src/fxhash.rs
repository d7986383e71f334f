//! [`FxHasher`]: the Firefox/rustc hash, for attribute-set identity and implementations'
//! bounded lookup tables (interned span and event names, metric series).

use std::hash::Hasher;

/// The Firefox/rustc hash (one multiply-rotate per 8 bytes): a few ns for a log message or an
/// attribute set, where SipHash costs about as much as the work a lookup table saves.
///
/// Not resistant to crafted collisions: use it only for tables whose size is bounded (a
/// cardinality limit, an interning cap) or whose keys the application chooses (instrument
/// names), where a collision costs a slower lookup and nothing else.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher(u64);

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // The length first: zero-padding the last word would otherwise make "a" and "a\0"
        // collide.
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(read_u64(c));
        }
        // The tail (1 to 7 bytes) in at most two loads and no copy: a copy into a zeroed word
        // is a `memcpy` call, which cost more than the rest of hashing a short key.
        let rest = chunks.remainder();
        let n = rest.len();
        if n >= 4 {
            let (lo, hi) = (read_u32(&rest[..4]), read_u32(&rest[n - 4..]));
            self.add(lo | (hi << 32));
        } else if n > 0 {
            let word =
                u64::from(rest[0]) | u64::from(rest[n / 2]) << 8 | u64::from(rest[n - 1]) << 16;
            self.add(word);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[inline]
fn read_u64(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().unwrap_or_default())
}

#[inline]
fn read_u32(b: &[u8]) -> u64 {
    u64::from(u32::from_le_bytes(b.try_into().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn the_hash_tells_apart_prefixes_and_lengths() {
        let h = |s: &str| BuildHasherDefault::<FxHasher>::default().hash_one(s);
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("abcdefgh"), h("abcdefghi"));
        assert_eq!(h("same"), h("same"));
    }

    #[test]
    fn every_byte_of_the_tail_counts() {
        let h = |b: &[u8]| {
            let mut x = FxHasher::default();
            x.write(b);
            x.finish()
        };
        // Lengths 1 to 7 past whole words, with and without a word before: changing any one
        // byte changes the hash.
        for len in (1..=7).chain(9..=15) {
            let base = vec![b'a'; len];
            for i in 0..len {
                let mut other = base.clone();
                other[i] = b'b';
                assert_ne!(h(&base), h(&other), "length {len}, byte {i}");
            }
        }
    }
}
