//! Correlation ids (which are trace ids) and span ids.
//!
//! Shapes follow W3C Trace Context §3.2.2: a trace id is 16 bytes written as 32 lowercase hex
//! characters, a parent/span id is 8 bytes written as 16; all-zero ids are invalid.

use std::fmt;
use std::str::FromStr;

/// A 128-bit correlation id. With the OpenTelemetry implementation it *is* the trace id.
///
/// Never all zeros. Displays as 32 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorrelationId(std::num::NonZeroU128);

/// A 64-bit span id, never zero. Displays as 16 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(std::num::NonZeroU64);

/// Why a string or byte value is not a valid id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidIdError {
    what: &'static str,
    input: String,
    expected: &'static str,
}

impl fmt::Display for InvalidIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} {:?}: expected {}",
            self.what, self.input, self.expected
        )
    }
}

impl std::error::Error for InvalidIdError {}

/// The per-thread id generator: wyrand (the algorithm `fastrand` uses), seeded from `fastrand`
/// (OS randomness) on first use. Kept here instead of calling `fastrand::u64` because its
/// thread-local is lazily initialised and checked on every call; this one is a `const`
/// thread-local `Cell` and one id costs a multiply and a few adds. Ids need uniqueness, not
/// cryptographic strength (W3C Trace Context §3.2.2.3 asks for randomness, not secrecy).
mod random_bits {
    use std::cell::Cell;

    thread_local! {
        // 0 = not seeded yet.
        static STATE: Cell<u64> = const { Cell::new(0) };
    }

    #[inline]
    pub(super) fn u64() -> u64 {
        STATE
            .try_with(|state| {
                let mut s = state.get();
                if s == 0 {
                    s = fastrand::u64(..) | 1;
                }
                s = s.wrapping_add(0xa076_1d64_78bd_642f);
                state.set(s);
                let t = u128::from(s) * u128::from(s ^ 0xe703_7ed1_a0b4_28db);
                (t as u64) ^ ((t >> 64) as u64)
            })
            // During thread-local teardown.
            .unwrap_or_else(|_| fastrand::u64(..))
    }

    #[inline]
    pub(super) fn u128() -> u128 {
        (u128::from(u64()) << 64) | u128::from(u64())
    }
}

/// An id as lowercase hex on the stack: `N` ASCII characters, no allocation. W3C Trace
/// Context, OTLP/JSON and this crate's log lines write ids this way.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HexId<const N: usize>([u8; N]);

impl<const N: usize> HexId<N> {
    /// Encodes `bytes` (`N / 2` of them, big-endian) two characters a byte.
    fn encode<const B: usize>(bytes: [u8; B]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; N];
        for (i, b) in bytes.iter().enumerate() {
            out[2 * i] = DIGITS[usize::from(b >> 4)];
            out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
        }
        Self(out)
    }

    /// The characters.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl HexId<2> {
    /// One byte as two characters (a `traceparent`'s flags).
    pub(crate) fn encode_byte(b: u8) -> Self {
        Self::encode([b])
    }
}

impl<const N: usize> std::ops::Deref for HexId<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> fmt::Display for HexId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for HexId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

macro_rules! id_type {
    ($ty:ident, $int:ident, $nz:ty, $bytes:literal, $hex:literal, $what:literal) => {
        impl $ty {
            /// A fresh random id from a per-thread generator (wyrand, seeded from the OS).
            #[inline]
            pub fn random() -> Self {
                loop {
                    if let Some(v) = <$nz>::new(random_bits::$int()) {
                        return Self(v);
                    }
                }
            }

            /// The id with this integer value, or `None` for zero.
            pub const fn from_int(value: $int) -> Option<Self> {
                match <$nz>::new(value) {
                    Some(v) => Some(Self(v)),
                    None => None,
                }
            }

            /// The integer value (big-endian interpretation of the bytes).
            pub const fn to_int(self) -> $int {
                self.0.get()
            }

            /// The id from its big-endian bytes, or `None` for all zeros.
            pub const fn from_bytes(bytes: [u8; $bytes]) -> Option<Self> {
                Self::from_int(<$int>::from_be_bytes(bytes))
            }

            /// The big-endian bytes, as OTLP and W3C Trace Context carry them.
            pub const fn to_bytes(self) -> [u8; $bytes] {
                self.0.get().to_be_bytes()
            }

            /// The id as
            #[doc = concat!(stringify!($hex), " lowercase hex characters")]
            /// on the stack, the same text as `Display` without the formatting machinery.
            #[inline]
            pub fn to_hex(self) -> HexId<$hex> {
                HexId::encode(self.to_bytes())
            }

            /// Parses exactly
            #[doc = concat!(stringify!($hex), " hex characters")]
            /// (either case; rendered lowercase), not all zeros.
            ///
            /// # Errors
            /// [`InvalidIdError`] naming the input when the length, a character or the
            /// all-zero value is wrong.
            pub fn parse(s: &str) -> Result<Self, InvalidIdError> {
                let err = || InvalidIdError {
                    what: $what,
                    input: s.to_owned(),
                    expected: concat!(
                        stringify!($bytes),
                        "-byte hex (",
                        stringify!($hex),
                        " characters 0-9a-f), not all zeros"
                    ),
                };
                if s.len() != $hex || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(err());
                }
                let v = <$int>::from_str_radix(s, 16).map_err(|_| err())?;
                Self::from_int(v).ok_or_else(err)
            }
        }

        impl FromStr for $ty {
            type Err = InvalidIdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.to_hex().as_str())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }
    };
}

id_type!(
    CorrelationId,
    u128,
    std::num::NonZeroU128,
    16,
    32,
    "correlation id"
);
id_type!(SpanId, u64, std::num::NonZeroU64, 8, 16, "span id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lowercase_fixed_width_hex() {
        let id = CorrelationId::from_int(0xAB).unwrap();
        assert_eq!(id.to_string(), format!("{:030}ab", 0));
        assert_eq!(SpanId::from_int(1).unwrap().to_string(), "0000000000000001");
    }

    #[test]
    fn to_hex_matches_the_integer_formatting_for_random_and_edge_ids() {
        for _ in 0..1000 {
            let c = CorrelationId::random();
            assert_eq!(c.to_hex().as_str(), format!("{:032x}", c.to_int()));
            let s = SpanId::random();
            assert_eq!(&*s.to_hex(), format!("{:016x}", s.to_int()));
        }
        let max = CorrelationId::from_int(u128::MAX).unwrap();
        assert_eq!(max.to_hex().as_str(), "f".repeat(32));
        assert_eq!(
            format!("{:?}", SpanId::from_int(1).unwrap().to_hex()),
            "\"0000000000000001\""
        );
    }

    #[test]
    fn parse_round_trips_and_rejects_bad_input() {
        let id = CorrelationId::random();
        assert_eq!(id.to_string().parse::<CorrelationId>(), Ok(id));
        assert_eq!(
            "4BF92F3577B34DA6A3CE929D0E0E4736"
                .parse::<CorrelationId>()
                .unwrap()
                .to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        for bad in [
            "",
            "abc",
            &"0".repeat(32),
            &"g".repeat(32),
            &"a".repeat(33),
            "+bf92f3577b34da6a3ce929d0e0e473",
        ] {
            let e = bad.parse::<CorrelationId>().unwrap_err().to_string();
            assert!(
                e.contains("correlation id") && e.contains("expected 16-byte hex"),
                "{e}"
            );
        }
        assert!("0000000000000000".parse::<SpanId>().is_err());
    }

    #[test]
    fn random_ids_differ_across_calls_and_threads() {
        let here: std::collections::HashSet<_> = (0..1000).map(|_| SpanId::random()).collect();
        assert_eq!(here.len(), 1000);
        let there = std::thread::spawn(|| (CorrelationId::random(), SpanId::random()))
            .join()
            .unwrap();
        assert_ne!(there.0, CorrelationId::random());
        assert!(!here.contains(&there.1));
    }

    #[test]
    fn bytes_are_big_endian() {
        let id = CorrelationId::from_int(1).unwrap();
        assert_eq!(id.to_bytes()[15], 1);
        assert_eq!(CorrelationId::from_bytes(id.to_bytes()), Some(id));
        assert_eq!(CorrelationId::from_bytes([0; 16]), None);
    }
}
