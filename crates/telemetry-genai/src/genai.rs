//! [`GenAi`]: the entry point holding the telemetry, the configuration, the redactor and the
//! metric instruments. The span builders (`chat`, `invoke_agent`, …) are defined next to their
//! spans, one module per operation, so this module depends on none of them.

use std::fmt;
use std::sync::Arc;

use telemetry_core::Telemetry;

use crate::bounded::bounded_json;
use crate::config::{ConfigError, GenAiConfig};
use crate::metrics::Metrics;
use crate::redact::{DefaultRedactor, Redactor, redacted_value};

/// The GenAI layer over a [`Telemetry`] bundle. Cloning is one `Arc` increment; build one at
/// start-up and share it.
///
/// Works with every implementation of the core traits: NoOp (nothing recorded), Basic and
/// OpenTelemetry. See the [crate documentation](crate) for an example.
///
/// Provider, model, agent, tool and server names are
/// [`StringValue`](telemetry_core::StringValue)s. A literal or an `Arc<str>` (say, a model
/// name read from configuration once) goes on the span, its metrics and events, and to the
/// OpenTelemetry SDK without a copy; a `String` is copied once per span.
#[derive(Clone)]
pub struct GenAi {
    inner: Arc<Inner>,
}

struct Inner {
    telemetry: Telemetry,
    config: GenAiConfig,
    redactor: Arc<dyn Redactor>,
    metrics: Metrics,
}

impl fmt::Debug for GenAi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAi")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`GenAi`] with a custom redactor.
pub struct GenAiBuilder {
    telemetry: Telemetry,
    config: GenAiConfig,
    redactor: Arc<dyn Redactor>,
}

impl fmt::Debug for GenAiBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenAiBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl GenAiBuilder {
    /// Replaces the configuration.
    pub fn config(mut self, config: GenAiConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the [`DefaultRedactor`]. It runs on every content string before anything is
    /// recorded, and on error messages. To add to the default rather than replace it, chain:
    /// `.redactor(MyRedactor.then(DefaultRedactor))` ([`RedactorExt::then`](crate::RedactorExt::then)).
    pub fn redactor(mut self, redactor: impl Redactor + 'static) -> Self {
        self.redactor = Arc::new(redactor);
        self
    }

    /// Creates the metric instruments and returns the layer.
    pub fn build(self) -> GenAi {
        let metrics = Metrics::new(&self.telemetry.meter, self.config.latest());
        GenAi {
            inner: Arc::new(Inner {
                telemetry: self.telemetry,
                config: self.config,
                redactor: self.redactor,
                metrics,
            }),
        }
    }
}

impl GenAi {
    /// A builder over `telemetry` with the default configuration and redactor.
    pub fn builder(telemetry: &Telemetry) -> GenAiBuilder {
        GenAiBuilder {
            telemetry: telemetry.clone(),
            config: GenAiConfig::default(),
            redactor: Arc::new(DefaultRedactor),
        }
    }

    /// The layer with `config` and the [`DefaultRedactor`].
    pub fn new(telemetry: &Telemetry, config: GenAiConfig) -> Self {
        Self::builder(telemetry).config(config).build()
    }

    /// The layer configured from the process environment ([`GenAiConfig::from_env`]).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid variable and its accepted values.
    pub fn from_env(telemetry: &Telemetry) -> Result<Self, ConfigError> {
        Ok(Self::new(telemetry, GenAiConfig::from_env()?))
    }

    /// The telemetry bundle.
    pub fn telemetry(&self) -> &Telemetry {
        &self.inner.telemetry
    }

    /// The configuration.
    pub fn config(&self) -> &GenAiConfig {
        &self.inner.config
    }

    /// `value` as a content attribute on a span carries it: redacted by this layer's
    /// [`Redactor`], then cut to valid JSON within [`GenAiConfig::max_content_bytes`]; with
    /// whether it was cut. `None` unless the capture mode puts content on spans
    /// ([`CaptureMode::on_span`](crate::CaptureMode::on_span)). For instrumentation next to
    /// this layer (MCP tool arguments and results) that must capture exactly as it does.
    pub fn span_content<T: serde::Serialize + ?Sized>(&self, value: &T) -> Option<(String, bool)> {
        if !self.config().capture.on_span() {
            return None;
        }
        let v = redacted_value(value, self.redactor());
        Some(bounded_json(&v, self.config().max_content_bytes))
    }

    /// Redacts `text` (an error message, say) with this layer's [`Redactor`].
    pub fn redact_text(&self, text: &str) -> String {
        self.redactor().redact(text).into_owned()
    }

    pub(crate) fn redactor(&self) -> &dyn Redactor {
        &*self.inner.redactor
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}
