//! Configuration: content capture mode, conventions version, compatibility events and the
//! content size limit, from code or from the environment.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

use crate::prices::PriceTable;

/// Where opt-in content (messages, system instructions, tool definitions, tool arguments and
/// results) is recorded. Default [`NoContent`](Self::NoContent).
///
/// Source: `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` as the OpenTelemetry
/// GenAI instrumentations define it (`opentelemetry-util-genai`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CaptureMode {
    /// Nothing is captured.
    #[default]
    NoContent,
    /// Content goes on spans as JSON string attributes.
    SpanOnly,
    /// Content goes on the `gen_ai.client.inference.operation.details` event (and the
    /// compatibility events when on).
    EventOnly,
    /// Both.
    SpanAndEvent,
}

impl CaptureMode {
    /// Whether content goes on spans.
    pub fn on_span(self) -> bool {
        matches!(self, Self::SpanOnly | Self::SpanAndEvent)
    }
    /// Whether content goes on events.
    pub fn on_event(self) -> bool {
        matches!(self, Self::EventOnly | Self::SpanAndEvent)
    }
    /// The variable's spelling: `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoContent => "NO_CONTENT",
            Self::SpanOnly => "SPAN_ONLY",
            Self::EventOnly => "EVENT_ONLY",
            Self::SpanAndEvent => "SPAN_AND_EVENT",
        }
    }

    /// Parses the variable's value, ignoring case and surrounding white space. `false` and
    /// `true` (the pre-v1.37 boolean form) mean `NO_CONTENT` and `SPAN_AND_EVENT`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the variable, the value and the accepted values.
    pub fn parse(value: &str) -> Result<Self, ConfigError> {
        match value.trim().to_ascii_uppercase().as_str() {
            "NO_CONTENT" | "FALSE" => Ok(Self::NoContent),
            "SPAN_ONLY" => Ok(Self::SpanOnly),
            "EVENT_ONLY" => Ok(Self::EventOnly),
            "SPAN_AND_EVENT" | "TRUE" => Ok(Self::SpanAndEvent),
            _ => Err(ConfigError::new(
                CAPTURE_MESSAGE_CONTENT,
                value,
                "one of NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT (or false/true), \
                 case-insensitive",
            )),
        }
    }
}

/// Which version of the conventions to emit. Default [`V1_41`](Self::V1_41).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SemconvVersion {
    /// Semantic conventions v1.41.0, the latest release.
    #[default]
    V1_41,
    /// The newest experimental names (`OTEL_SEMCONV_STABILITY_OPT_IN` contains
    /// `gen_ai_latest_experimental`). See the crate docs for every difference.
    LatestExperimental,
}

/// The capture-mode variable.
pub const CAPTURE_MESSAGE_CONTENT: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
/// The stability opt-in variable (comma list; categories other than GenAI are ignored).
pub const SEMCONV_STABILITY_OPT_IN: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";
/// The opt-in value for the newest GenAI names.
pub const GEN_AI_LATEST_EXPERIMENTAL: &str = "gen_ai_latest_experimental";
/// Project variable: `true` also emits per-message events in the older, pre-v1.37 style (see
/// [`compat`](crate::compat)).
pub const COMPAT_EVENTS: &str = "AGENT_TELEMETRY_GENAI_COMPAT_EVENTS";
/// Project variable: `true` records the optional `description` and `parameters` of each tool
/// in `gen_ai.tool.definitions` (default: `type` and `name` only, as the conventions
/// recommend for this large attribute).
pub const TOOL_DEFINITION_DETAILS: &str = "AGENT_TELEMETRY_GENAI_TOOL_DEFINITION_DETAILS";
/// Project variable: the maximum size in bytes of one content attribute.
pub const MAX_CONTENT_BYTES: &str = "AGENT_TELEMETRY_GENAI_MAX_CONTENT_BYTES";

/// Project variable: a JSON file of prices in the format of LiteLLM's
/// `model_prices_and_context_window.json` ([`PriceTable`](crate::PriceTable)) whose entries
/// take precedence over the bundled table.
pub const PRICES: &str = "AGENT_TELEMETRY_GENAI_PRICES";
/// Project variable: a second attribute name to put each span's cost under, besides
/// [`GEN_AI_USAGE_COST`](crate::attributes::GEN_AI_USAGE_COST), for backends that read another
/// name (Langfuse reads `gen_ai.usage.cost`).
pub const COST_ALIAS: &str = "AGENT_TELEMETRY_GENAI_COST_ALIAS";

/// The default content size limit: 32 KiB per attribute (a JSON string), small enough for
/// every OTLP backend's attribute limit, large enough for a typical prompt.
pub const DEFAULT_MAX_CONTENT_BYTES: usize = 32 * 1024;
/// The smallest accepted limit: room for a truncated message and its marker.
pub const MIN_MAX_CONTENT_BYTES: usize = 256;

/// An invalid configuration value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    variable: &'static str,
    value: String,
    expected: Cow<'static, str>,
}

impl ConfigError {
    fn new(variable: &'static str, value: &str, expected: impl Into<Cow<'static, str>>) -> Self {
        Self {
            variable,
            value: value.to_owned(),
            expected: expected.into(),
        }
    }

    /// The variable (or setting) that was invalid.
    pub fn variable(&self) -> &str {
        self.variable
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

/// How the GenAI layer records. `Default` is v1.41, no content, no compatibility events,
/// [`DEFAULT_MAX_CONTENT_BYTES`].
///
/// ```
/// use telemetry_genai::{CaptureMode, GenAiConfig, SemconvVersion};
/// let env = |k: &str| match k {
///     "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT" => Some("span_only".to_owned()),
///     "OTEL_SEMCONV_STABILITY_OPT_IN" => Some("http,gen_ai_latest_experimental".to_owned()),
///     _ => None,
/// };
/// let config = GenAiConfig::from_env_source(env)?;
/// assert_eq!(config.capture, CaptureMode::SpanOnly);
/// assert_eq!(config.semconv, SemconvVersion::LatestExperimental);
/// # Ok::<(), telemetry_genai::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenAiConfig {
    /// Where content goes ([`CAPTURE_MESSAGE_CONTENT`]).
    pub capture: CaptureMode,
    /// Which names to emit ([`SEMCONV_STABILITY_OPT_IN`]).
    pub semconv: SemconvVersion,
    /// Whether to emit the pre-v1.37-style per-message events too ([`COMPAT_EVENTS`]). Their
    /// content still obeys `capture` (events).
    pub compat_events: bool,
    /// Maximum bytes of one content attribute ([`MAX_CONTENT_BYTES`], at least
    /// [`MIN_MAX_CONTENT_BYTES`]).
    pub max_content_bytes: usize,
    /// Whether `gen_ai.tool.definitions` (itself content, so recorded only when `capture`
    /// allows it) carries each tool's optional `description` and `parameters`
    /// ([`TOOL_DEFINITION_DETAILS`]); default `false`: `type` and `name` only ("it's NOT
    /// RECOMMENDED to populate non-required properties by default", semantic-conventions
    /// v1.41.0, `model/gen-ai/registry.yaml`).
    pub full_tool_definitions: bool,
    /// A price file whose entries win over the bundled table ([`PRICES`]); read when the
    /// [`GenAi`](crate::GenAi) is built. Builder prices
    /// ([`with_prices`](crate::GenAiBuilder::with_prices)) come below it.
    pub prices_file: Option<PathBuf>,
    /// A second attribute name for each span's cost ([`COST_ALIAS`]); `None` by default.
    pub cost_alias: Option<String>,
}

impl Default for GenAiConfig {
    fn default() -> Self {
        Self {
            capture: CaptureMode::NoContent,
            semconv: SemconvVersion::V1_41,
            compat_events: false,
            max_content_bytes: DEFAULT_MAX_CONTENT_BYTES,
            full_tool_definitions: false,
            prices_file: None,
            cost_alias: None,
        }
    }
}

impl GenAiConfig {
    /// Reads the process environment (see [`from_env_source`](Self::from_env_source)).
    ///
    /// # Errors
    /// As [`from_env_source`](Self::from_env_source).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_env_source(|k| std::env::var(k).ok())
    }

    /// Reads [`CAPTURE_MESSAGE_CONTENT`], [`SEMCONV_STABILITY_OPT_IN`], [`COMPAT_EVENTS`],
    /// [`TOOL_DEFINITION_DETAILS`], [`MAX_CONTENT_BYTES`], [`PRICES`] and [`COST_ALIAS`] from
    /// `env`; unset or empty variables keep the defaults.
    ///
    /// # Errors
    /// [`ConfigError`] for the first invalid value, naming the variable, the value and the
    /// accepted values; for [`PRICES`], a file that cannot be read or parsed (the message
    /// names the entry and field at fault). An invalid [`CAPTURE_MESSAGE_CONTENT`] is refused too, on purpose:
    /// the variable is not part of the semantic conventions, and the Python
    /// `opentelemetry-util-genai` warns and falls back to no content instead; refusing makes a
    /// misspelt value visible at start-up rather than silently capturing nothing.
    pub fn from_env_source(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let mut c = Self::default();
        if let Some(v) = get(CAPTURE_MESSAGE_CONTENT) {
            c.capture = CaptureMode::parse(&v)?;
        }
        if let Some(v) = get(SEMCONV_STABILITY_OPT_IN) {
            if v.split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(GEN_AI_LATEST_EXPERIMENTAL))
            {
                c.semconv = SemconvVersion::LatestExperimental;
            }
        }
        let flag = |name: &'static str, v: String| match v.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ConfigError::new(name, &v, "true or false")),
        };
        if let Some(v) = get(COMPAT_EVENTS) {
            c.compat_events = flag(COMPAT_EVENTS, v)?;
        }
        if let Some(v) = get(TOOL_DEFINITION_DETAILS) {
            c.full_tool_definitions = flag(TOOL_DEFINITION_DETAILS, v)?;
        }
        if let Some(v) = get(MAX_CONTENT_BYTES) {
            c.max_content_bytes = v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= MIN_MAX_CONTENT_BYTES)
                .ok_or_else(|| {
                    ConfigError::new(
                        MAX_CONTENT_BYTES,
                        &v,
                        "an integer number of bytes, at least 256",
                    )
                })?;
        }
        if let Some(v) = get(PRICES) {
            PriceTable::from_file(v.trim())
                .map_err(|e| ConfigError::new(PRICES, &v, format!("a readable price file: {e}")))?;
            c.prices_file = Some(PathBuf::from(v.trim()));
        }
        if let Some(v) = get(COST_ALIAS) {
            let name = v.trim();
            if name.chars().any(char::is_whitespace) {
                return Err(ConfigError::new(
                    COST_ALIAS,
                    &v,
                    "an attribute name without spaces, e.g. gen_ai.usage.cost",
                ));
            }
            c.cost_alias = Some(name.to_owned());
        }
        Ok(c)
    }

    /// Sets the capture mode.
    pub fn with_capture(mut self, capture: CaptureMode) -> Self {
        self.capture = capture;
        self
    }

    /// Sets the conventions version.
    pub fn with_semconv(mut self, semconv: SemconvVersion) -> Self {
        self.semconv = semconv;
        self
    }

    /// Turns the pre-v1.37-style compatibility events on or off.
    pub fn with_compat_events(mut self, on: bool) -> Self {
        self.compat_events = on;
        self
    }

    /// Records tools' `description` and `parameters` in `gen_ai.tool.definitions` too.
    pub fn with_full_tool_definitions(mut self, on: bool) -> Self {
        self.full_tool_definitions = on;
        self
    }

    /// Sets the content size limit in bytes; values below [`MIN_MAX_CONTENT_BYTES`] are
    /// raised to it.
    pub fn with_max_content_bytes(mut self, bytes: usize) -> Self {
        self.max_content_bytes = bytes.max(MIN_MAX_CONTENT_BYTES);
        self
    }

    /// Reads prices from `path` when the [`GenAi`](crate::GenAi) is built ([`PRICES`]).
    pub fn with_prices_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.prices_file = Some(path.into());
        self
    }

    /// Also records each span's cost under `name` ([`COST_ALIAS`]), e.g. `gen_ai.usage.cost`.
    pub fn with_cost_alias(mut self, name: impl Into<String>) -> Self {
        self.cost_alias = Some(name.into());
        self
    }

    pub(crate) fn latest(&self) -> bool {
        self.semconv == SemconvVersion::LatestExperimental
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn defaults_capture_nothing_and_emit_v1_41() {
        let c = GenAiConfig::from_env_source(env(&[])).unwrap();
        assert_eq!(c, GenAiConfig::default());
        assert_eq!(c.capture, CaptureMode::NoContent);
        assert!(!c.compat_events);
    }

    #[test]
    fn every_mode_parses_case_insensitively() {
        for (s, m) in [
            ("NO_CONTENT", CaptureMode::NoContent),
            ("span_only", CaptureMode::SpanOnly),
            (" Event_Only ", CaptureMode::EventOnly),
            ("SPAN_AND_EVENT", CaptureMode::SpanAndEvent),
            ("true", CaptureMode::SpanAndEvent),
            ("false", CaptureMode::NoContent),
        ] {
            assert_eq!(CaptureMode::parse(s).unwrap(), m, "{s}");
        }
    }

    #[test]
    fn invalid_values_name_the_variable_and_the_accepted_values() {
        let e = GenAiConfig::from_env_source(env(&[(CAPTURE_MESSAGE_CONTENT, "ALL")]))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=\"ALL\": expected one of \
             NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT (or false/true), case-insensitive"
        );
        let e = GenAiConfig::from_env_source(env(&[(COMPAT_EVENTS, "yes")])).unwrap_err();
        assert_eq!(e.variable(), COMPAT_EVENTS);
        assert!(e.to_string().contains("true or false"));
        let e = GenAiConfig::from_env_source(env(&[(MAX_CONTENT_BYTES, "10")])).unwrap_err();
        assert!(e.to_string().contains("at least 256"), "{e}");
    }

    #[test]
    fn opt_in_ignores_other_categories() {
        let c = GenAiConfig::from_env_source(env(&[(SEMCONV_STABILITY_OPT_IN, "http,database")]))
            .unwrap();
        assert_eq!(c.semconv, SemconvVersion::V1_41);
        let c = GenAiConfig::from_env_source(env(&[
            (SEMCONV_STABILITY_OPT_IN, "http, gen_ai_latest_experimental"),
            (COMPAT_EVENTS, "TRUE"),
            (MAX_CONTENT_BYTES, "4096"),
        ]))
        .unwrap();
        assert_eq!(c.semconv, SemconvVersion::LatestExperimental);
        assert!(c.compat_events);
        assert_eq!(c.max_content_bytes, 4096);
    }
}
