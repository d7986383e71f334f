//! What an instrument is: [`InstrumentDescriptor`] (name, unit, description, buckets), the
//! name rules, and the default bucket boundaries.
//!
//! Units follow UCUM as OpenTelemetry uses them: durations are always seconds (`s`, f64).
//! Source: OpenTelemetry Metrics API, *Instrument* (names, kinds, units) and the semantic
//! conventions' general metrics guidance (durations in seconds).

use std::borrow::Cow;
use std::fmt;

/// Histogram boundaries for durations in seconds: the GenAI operation-duration buckets
/// (semantic conventions v1.41, `gen_ai.client.operation.duration`). The default for every
/// seconds histogram, because OpenTelemetry's default buckets (0 … 10000) suit milliseconds.
pub const DURATION_BUCKETS_SECONDS: &[f64] = &[
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// OpenTelemetry's default explicit bucket boundaries, for histograms that are not durations
/// (Metrics SDK, *Explicit Bucket Histogram Aggregation*).
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
    10000.0,
];

/// A rejected instrument name, unit or bucket list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricError {
    input: String,
    expected: &'static str,
}

impl fmt::Display for MetricError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: expected {}", self.input, self.expected)
    }
}

impl std::error::Error for MetricError {}

/// Checks OpenTelemetry's instrument-name syntax: 1–255 characters, a letter first, then
/// letters, digits, `_`, `.`, `-` or `/` (Metrics API, *Instrument name syntax*).
///
/// # Errors
/// [`MetricError`] naming the input and the rule.
pub fn validate_instrument_name(name: &str) -> Result<(), MetricError> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'));
    if ok {
        Ok(())
    } else {
        Err(MetricError {
            input: format!("instrument name {name:?}"),
            expected: "1 to 255 characters, starting with a letter, then letters, digits, \
                       '_', '.', '-' or '/'",
        })
    }
}

/// What an instrument is: name, description, unit and, for histograms, bucket boundaries.
///
/// ```
/// use telemetry_core::InstrumentDescriptor;
/// let d = InstrumentDescriptor::new("http.server.request.duration")?.seconds();
/// assert_eq!(d.unit(), "s");
/// assert!(InstrumentDescriptor::new("1bad").is_err());
/// # Ok::<(), telemetry_core::MetricError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InstrumentDescriptor {
    name: Cow<'static, str>,
    description: Cow<'static, str>,
    unit: Cow<'static, str>,
    boundaries: Option<Cow<'static, [f64]>>,
}

impl InstrumentDescriptor {
    /// A descriptor with no unit or description.
    ///
    /// # Errors
    /// [`MetricError`] when the name breaks the instrument-name syntax.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Result<Self, MetricError> {
        let name = name.into();
        validate_instrument_name(&name)?;
        Ok(Self {
            name,
            description: Cow::Borrowed(""),
            unit: Cow::Borrowed(""),
            boundaries: None,
        })
    }

    /// Sets the UCUM unit, for example `s`, `By`, `{token}`.
    pub fn with_unit(mut self, unit: impl Into<Cow<'static, str>>) -> Self {
        self.unit = unit.into();
        self
    }

    /// Sets the description.
    pub fn with_description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.description = description.into();
        self
    }

    /// Marks this a duration in seconds: unit `s` and, unless set already,
    /// [`DURATION_BUCKETS_SECONDS`].
    pub fn seconds(mut self) -> Self {
        self.unit = Cow::Borrowed("s");
        if self.boundaries.is_none() {
            self.boundaries = Some(Cow::Borrowed(DURATION_BUCKETS_SECONDS));
        }
        self
    }

    /// Sets explicit histogram bucket boundaries.
    ///
    /// # Errors
    /// [`MetricError`] unless the boundaries are finite and strictly increasing.
    pub fn with_boundaries(
        mut self,
        boundaries: impl Into<Cow<'static, [f64]>>,
    ) -> Result<Self, MetricError> {
        let b = boundaries.into();
        if !b.iter().all(|v| v.is_finite()) || !b.windows(2).all(|w| w[0] < w[1]) {
            return Err(MetricError {
                input: format!("bucket boundaries {b:?} for instrument {:?}", self.name),
                expected: "finite values in strictly increasing order",
            });
        }
        self.boundaries = Some(b);
        Ok(self)
    }

    /// The instrument name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The description (may be empty).
    pub fn description(&self) -> &str {
        &self.description
    }
    /// The unit (may be empty).
    pub fn unit(&self) -> &str {
        &self.unit
    }
    /// The explicit bucket boundaries, if any: seconds histograms get
    /// [`DURATION_BUCKETS_SECONDS`], others the implementation's default.
    pub fn boundaries(&self) -> Option<&[f64]> {
        self.boundaries.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instrument_names_follow_the_otel_syntax() {
        for ok in [
            "a",
            "http.server.request.duration",
            "a/b-c_d.e",
            &"x".repeat(255),
        ] {
            assert!(validate_instrument_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "1abc", "_a", "a b", "a:b", "ü", &"x".repeat(256)] {
            let e = validate_instrument_name(bad).unwrap_err().to_string();
            assert!(
                e.starts_with("invalid instrument name") && e.contains("starting with a letter"),
                "{e}"
            );
        }
    }

    #[test]
    fn boundaries_must_increase() {
        let d = InstrumentDescriptor::new("h").unwrap();
        assert!(d.clone().with_boundaries(vec![1.0, 1.0]).is_err());
        assert!(d.clone().with_boundaries(vec![1.0, f64::NAN]).is_err());
        assert!(d.seconds().boundaries() == Some(DURATION_BUCKETS_SECONDS));
    }
}
