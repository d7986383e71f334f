//! Consistent probability sampling: the rejection threshold `T`, the randomness value `R`
//! and their encoding in the OpenTelemetry `tracestate` entry `ot`.
//!
//! Sources, OpenTelemetry specification v1.60.0:
//! - *Trace › TraceState: Probability Sampling* (`trace/tracestate-probability-sampling.md`),
//!   §Definitions (`T` = (1 − p) · 2^56; `R` = the trace id's least-significant 56 bits or
//!   the explicit `rv`), §Decision algorithm (keep when `R >= T`), §Algorithms ("Converting
//!   floating-point probability to threshold value": 4 digits of precision by default, more
//!   for probabilities near zero; trailing zeros removed).
//! - *Trace › TraceState Handling* (`trace/tracestate-handling.md`), §Setting values (sub-keys
//!   `k:v` joined by `;` inside the `ot` member, other sub-keys preserved), §Sampling threshold
//!   value `th` (1–14 lowercase hex digits, right-padded with zeros), §Explicit randomness
//!   value `rv` (exactly 14 lowercase hex digits).
//! - *Trace SDK* (`trace/sdk.md`), §ProbabilitySampler sampler algorithm (when `R >= T`, set
//!   `th:T`), §Presumption of TraceID randomness (presume the trace id random unless `rv` is
//!   present).

/// 2^56, the number of distinct 56-bit values (`MaxAdjustedCount` in the specification).
pub(crate) const MAX_ADJUSTED_COUNT: u64 = 1 << 56;

/// The `tracestate` member OpenTelemetry owns.
pub(crate) const OT: &str = "ot";

/// Hex digits in a 56-bit value.
const DIGITS: u32 = 14;

/// The default precision, in hex digits ("OpenTelemetry SDKs are recommended to use 4 digits
/// of precision by default").
const PRECISION: u32 = 4;

/// A rejection threshold `T` in `[0, 2^56)`: spans whose randomness is below it are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Threshold(u64);

impl Threshold {
    /// The threshold of `probability` with the default precision; `None` for 0, which is not
    /// a probability sampling rate ("the zero value is not defined and … "never" sampling is
    /// not a form of probability sampling"). Probabilities below 2^-56 are treated as 2^-56,
    /// above 1 as 1.
    pub(crate) fn from_probability(probability: f64) -> Option<Self> {
        if probability.is_nan() || probability <= 0.0 {
            return None;
        }
        if probability >= 1.0 {
            return Some(Self(0));
        }
        let p = probability.max(1.0 / MAX_ADJUSTED_COUNT as f64);
        // More digits where the probability has leading zeros in hex (`frexp` exponent / -4).
        let exponent = frexp_exponent(p);
        // Python's `exp // -4` for `exp <= 0`.
        let extra = u32::try_from(-exponent).unwrap_or(0) / 4;
        let precision = (PRECISION + extra).clamp(1, 12);
        let kept = (p * MAX_ADJUSTED_COUNT as f64).round() as u64;
        let exact = MAX_ADJUSTED_COUNT - kept.min(MAX_ADJUSTED_COUNT);
        let shift = 4 * (DIGITS - precision);
        let rounded = ((exact + (1 << (shift - 1))) >> shift) << shift;
        Some(Self(rounded.min(MAX_ADJUSTED_COUNT - 1)))
    }

    /// The threshold's value.
    #[cfg(test)]
    pub(crate) fn value(self) -> u64 {
        self.0
    }

    /// The sampling probability it stands for: (2^56 − T) / 2^56.
    #[cfg(test)]
    pub(crate) fn probability(self) -> f64 {
        (MAX_ADJUSTED_COUNT - self.0) as f64 / MAX_ADJUSTED_COUNT as f64
    }

    /// Whether a trace with randomness `r` is kept: `R >= T`.
    #[inline]
    pub(crate) fn keeps(self, r: u64) -> bool {
        r >= self.0
    }

    /// The `th` value: 14 hex digits, trailing zeros removed; `0` for a threshold of zero.
    pub(crate) fn encode(self) -> String {
        if self.0 == 0 {
            return "0".to_owned();
        }
        let digits = format!("{:014x}", self.0);
        digits.trim_end_matches('0').to_owned()
    }

    /// Parses a `th` value: 1 to 14 lowercase hex digits, right-padded with zeros.
    pub(crate) fn decode(th: &str) -> Option<Self> {
        if th.is_empty() || th.len() > DIGITS as usize || !is_lower_hex(th) {
            return None;
        }
        let v = u64::from_str_radix(th, 16).ok()?;
        Some(Self(v << (4 * (DIGITS as usize - th.len()))))
    }
}

/// `frexp`'s exponent: `p = m · 2^e` with `m` in `[0.5, 1)`, for `p` in `(0, 1)`.
fn frexp_exponent(p: f64) -> i32 {
    // A normal f64: the biased exponent gives p = 1.f · 2^(E − 1023) = 0.1f · 2^(E − 1022).
    let biased = ((p.to_bits() >> 52) & 0x7ff) as i32;
    biased - 1022
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The randomness value `R` of a trace: the explicit `rv` of its `ot` entry when present and
/// valid, else the trace id's least-significant 56 bits.
pub(crate) fn randomness(trace_id: u128, ot: Option<&str>) -> u64 {
    ot.and_then(|ot| sub_key(ot, "rv"))
        .filter(|rv| rv.len() == DIGITS as usize && is_lower_hex(rv))
        .and_then(|rv| u64::from_str_radix(rv, 16).ok())
        .unwrap_or((trace_id as u64) & (MAX_ADJUSTED_COUNT - 1))
}

/// The value of sub-key `key` in an `ot` member value (`th:c;rv:…`).
pub(crate) fn sub_key<'a>(ot: &'a str, key: &str) -> Option<&'a str> {
    ot.split(';').find_map(|kv| {
        let (k, v) = kv.split_once(':')?;
        (k == key).then_some(v)
    })
}

/// The `ot` value with sub-key `th` set to `threshold`, or removed (`None`), other sub-keys
/// kept in order; `None` when nothing is left. A result over 256 characters (the member value
/// limit) keeps the entry as it was, as *Setting values* advises.
pub(crate) fn with_threshold(ot: Option<&str>, threshold: Option<Threshold>) -> Option<String> {
    let mut parts: Vec<String> = ot
        .into_iter()
        .flat_map(|ot| ot.split(';'))
        .filter(|kv| !kv.is_empty() && !kv.starts_with("th:"))
        .map(str::to_owned)
        .collect();
    if let Some(t) = threshold {
        parts.insert(0, format!("th:{}", t.encode()));
    }
    let joined = parts.join(";");
    if joined.len() > 256 {
        return ot.map(str::to_owned);
    }
    (!joined.is_empty()).then_some(joined)
}

/// The decision a consistent probability sampler makes for a trace: `Some(T)` kept at
/// threshold `T`, `None` not kept.
pub(crate) fn decide(
    threshold: Option<Threshold>,
    trace_id: u128,
    ot: Option<&str>,
) -> Option<Threshold> {
    threshold.filter(|t| t.keeps(randomness(trace_id, ot)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table of *Converting floating-point probability to threshold value* (v1.60.0),
    /// precision 4.
    #[test]
    fn thresholds_match_the_specification_table_at_precision_4() {
        for (p, th) in [
            (1.0, "0"),
            (0.5, "8"),
            (1.0 / 3.0, "aaab"),
            (0.25, "c"),
            (0.2, "cccd"),
            (0.125, "e"),
            (0.1, "e666"),
            (0.0625, "f"),
            (0.01, "fd70a"),
            (0.001, "ffbe77"),
            (0.0001, "fff9724"),
            (0.00001, "ffff583a"),
            (0.000001, "ffffef39"),
        ] {
            let t = Threshold::from_probability(p).unwrap();
            assert_eq!(t.encode(), th, "p = {p}");
            assert_eq!(Threshold::decode(th), Some(t), "{th}");
        }
        // "A span sampled at 1% … will have … `ot=th:fd70a4`" at precision 5; 0.25 is `c`.
        assert_eq!(Threshold::decode("c").unwrap().probability(), 0.25);
        assert_eq!(Threshold::from_probability(0.0), None);
        assert_eq!(
            Threshold::from_probability(1e-30).unwrap().value(),
            MAX_ADJUSTED_COUNT - 1
        );
    }

    #[test]
    fn th_values_are_1_to_14_lowercase_hex_digits() {
        assert_eq!(Threshold::decode("c").unwrap().value(), 0xc0_0000_0000_0000);
        assert_eq!(Threshold::decode("0").unwrap().value(), 0);
        assert_eq!(
            Threshold::decode("ffffffffffffff").unwrap().value(),
            MAX_ADJUSTED_COUNT - 1
        );
        for bad in ["", "C", "x1", "fffffffffffffff", "-1"] {
            assert_eq!(Threshold::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn randomness_is_the_low_56_bits_unless_rv_is_given() {
        let id = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736_u128;
        assert_eq!(randomness(id, None), 0xce_929d_0e0e_4736);
        assert_eq!(randomness(id, Some("th:c")), 0xce_929d_0e0e_4736);
        assert_eq!(
            randomness(id, Some("th:c;rv:6e6d1a75832a2f")),
            0x6e6d1a75832a2f
        );
        // An invalid rv is ignored.
        assert_eq!(randomness(id, Some("rv:6E6D")), 0xce_929d_0e0e_4736);
        // The specification's example: rv 0x6e6d1a75832a2f is kept from 56.9% up.
        let t = |p| Threshold::from_probability(p);
        assert!(decide(t(0.57), 1, Some("rv:6e6d1a75832a2f")).is_some());
        assert!(decide(t(0.56), 1, Some("rv:6e6d1a75832a2f")).is_none());
    }

    #[test]
    fn setting_th_keeps_other_sub_keys() {
        let c = Threshold::decode("c");
        assert_eq!(with_threshold(None, c).as_deref(), Some("th:c"));
        assert_eq!(
            with_threshold(Some("rv:6e6d1a75832a2f;th:8"), c).as_deref(),
            Some("th:c;rv:6e6d1a75832a2f")
        );
        assert_eq!(with_threshold(Some("th:8"), None), None);
        assert_eq!(
            with_threshold(Some("p:8;th:8;k1:13"), None).as_deref(),
            Some("p:8;k1:13")
        );
    }

    /// "A positive sampling decision made … with probability p1 necessarily implies a positive
    /// sampling decision … with probability p2 >= p1."
    #[test]
    fn decisions_are_consistent_across_probabilities() {
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = u128::from(rng) << 64 | u128::from(rng.rotate_left(17));
            let kept = |p| decide(Threshold::from_probability(p), id, None).is_some();
            assert!(!kept(0.1) || kept(0.25));
            assert!(!kept(0.25) || kept(0.5));
        }
    }
}
