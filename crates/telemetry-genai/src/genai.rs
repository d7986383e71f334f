//! [`GenAi`]: the entry point holding the telemetry, the configuration, the redactor and the
//! metric instruments. The span builders (`chat`, `invoke_agent`, …) are defined next to their
//! spans, one module per operation, so this module depends on none of them.

use std::fmt;
use std::sync::Arc;

use telemetry_core::{Attribute, Context, Key, LogLevel, Telemetry};

use crate::attributes as a;
use crate::bounded::bounded_json;
use crate::config::{ConfigError, GenAiConfig, PRICES};
use crate::metrics::Metrics;
use crate::prices::{PriceTable, Prices};
use crate::redact::{DefaultRedactor, Redactor, redacted_value};
use crate::usage::Usage;

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
    prices: Prices,
    cost_alias: Option<Key>,
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
    prices: PriceTable,
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

    /// Prices that win over the bundled table (LiteLLM's format: [`PriceTable`]); the
    /// configuration's [`prices_file`](GenAiConfig::prices_file) wins over these. Calls add
    /// up, later entries replacing earlier ones of the same name.
    pub fn with_prices(mut self, prices: &PriceTable) -> Self {
        self.prices.extend(prices);
        self
    }

    /// Creates the metric instruments, reads the configuration's price file and returns the
    /// layer. A price file that cannot be read now (it was checked by
    /// [`GenAiConfig::from_env`]) is left out with a warning on stderr: telemetry does not
    /// stop the application.
    pub fn build(self) -> GenAi {
        let metrics = Metrics::new(&self.telemetry.meter, self.config.latest());
        let mut prices = self.prices;
        if let Some(path) = &self.config.prices_file {
            match PriceTable::from_file(path) {
                Ok(file) => prices.extend(&file),
                Err(e) => eprintln!("agent-telemetry: {PRICES}: {e}; using the other prices"),
            }
        }
        let cost_alias = self
            .config
            .cost_alias
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty() && *n != a::GEN_AI_USAGE_COST)
            .map(|n| Key::from(n.to_owned()));
        GenAi {
            inner: Arc::new(Inner {
                telemetry: self.telemetry,
                config: self.config,
                redactor: self.redactor,
                metrics,
                prices: Prices::new(prices),
                cost_alias,
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
            prices: PriceTable::new(),
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

    /// How many operations with token usage got no cost because their model had no price
    /// (each such model name is also warned about once, through the logger).
    pub fn unpriced_operations(&self) -> u64 {
        self.inner.prices.unpriced()
    }

    /// The cost in USD of `usage` on `model` from `provider`; `None` when nothing was used or
    /// the model has no price (warned about once per name).
    // Not inlined: one call per span, and it stays a symbol of its own for instruction
    // profiles of the span's cost.
    #[inline(never)]
    pub(crate) fn cost(&self, provider: &str, model: &str, usage: &Usage) -> Option<f64> {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            return None;
        }
        let price = self
            .inner
            .prices
            .price(provider, model, || self.warn_unpriced(provider, model))?;
        price.cost(usage)
    }

    /// The cost attributes: [`GEN_AI_USAGE_COST`](a::GEN_AI_USAGE_COST) and the alias, if any
    /// (no list is allocated for them).
    pub(crate) fn cost_attributes(&self, usd: f64) -> impl Iterator<Item = Attribute> + '_ {
        let alias = self.inner.cost_alias.iter();
        std::iter::once(Attribute::new(a::GEN_AI_USAGE_COST, usd))
            .chain(alias.map(move |k| Attribute::new(k.clone(), usd)))
    }

    #[cold]
    fn warn_unpriced(&self, provider: &str, model: &str) {
        let logger = &self.inner.telemetry.logger;
        if !logger.enabled(LogLevel::Warning) {
            return;
        }
        let body = format!(
            "no price for GenAI model {model:?} (provider {provider:?}): its operations get no \
             cost; add it with {PRICES} or GenAiBuilder::with_prices (warned once per model)"
        );
        // Outside any span: the warning is about the configuration, not the operation.
        let _outside = Context::none().attach();
        logger.log_event(
            LogLevel::Warning,
            a::EVENT_PRICE_MISSING,
            Some(&body),
            &[
                Attribute::new(a::GEN_AI_PROVIDER_NAME, provider.to_owned()),
                Attribute::new(a::GEN_AI_REQUEST_MODEL, model.to_owned()),
            ],
        );
    }
}
