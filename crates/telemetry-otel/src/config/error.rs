//! The [`ConfigError`] every invalid configuration value becomes: construction fails with the
//! variable, the value and what is accepted, rather than falling back silently.

use std::borrow::Cow;
use std::fmt;

/// An invalid configuration value: which variable (or builder method), the value, and what is
/// accepted.
///
/// ```
/// use telemetry_otel::OpenTelemetry;
/// let err = OpenTelemetry::builder("svc")
///     .with_env_source(|k| (k == "OTEL_TRACES_SAMPLER").then(|| "sometimes".to_owned()))
///     .build()
///     .unwrap_err();
/// assert_eq!(err.variable(), "OTEL_TRACES_SAMPLER");
/// assert_eq!(err.value(), "sometimes");
/// assert!(err.to_string().contains("always_on"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    variable: Cow<'static, str>,
    value: String,
    expected: Cow<'static, str>,
}

impl ConfigError {
    pub(crate) fn new(
        variable: impl Into<Cow<'static, str>>,
        value: impl Into<String>,
        expected: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            variable: variable.into(),
            value: value.into(),
            expected: expected.into(),
        }
    }

    /// The environment variable (or builder method) that held the value.
    pub fn variable(&self) -> &str {
        &self.variable
    }

    /// The rejected value, as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What would have been accepted.
    pub fn expected(&self) -> &str {
        &self.expected
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {}={:?}: expected {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}
