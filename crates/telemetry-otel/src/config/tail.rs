//! The rules and bounds of `agent_tail` sampling: [`TailSampling`] from code, the
//! `AGENT_TELEMETRY_TAIL_*` variables wherever code is silent, resolved into
//! [`TailSettings`].
//!
//! The OpenTelemetry specification defines no variables for tail sampling, so these carry
//! this project's prefix; the shapes follow *SDK Environment Variables* (durations in
//! milliseconds, empty values unset).

use std::time::Duration;

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// Milliseconds: keep a trace whose spans cover longer than this.
pub const TAIL_LATENCY_MS: &str = "AGENT_TELEMETRY_TAIL_LATENCY_MS";
/// Keep a trace whose spans' `gen_ai.usage.input_tokens` + `gen_ai.usage.output_tokens`
/// add up to at least this.
pub const TAIL_TOKENS: &str = "AGENT_TELEMETRY_TAIL_TOKENS";
/// Keep a trace whose spans' `gen_ai.usage.cost` adds up to at least this.
pub const TAIL_COST: &str = "AGENT_TELEMETRY_TAIL_COST";
/// `key=value` rules, comma-separated, values percent-encoded: keep a trace with a span
/// whose attribute `key` equals `value` (e.g. `gen_ai.agent.name=planner`).
pub const TAIL_KEEP: &str = "AGENT_TELEMETRY_TAIL_KEEP";
/// Kept traces per second at most (errors first); unset = no limit.
pub const TAIL_RATE_LIMIT: &str = "AGENT_TELEMETRY_TAIL_RATE_LIMIT";
/// Traces held at once at most (default 10000).
pub const TAIL_MAX_TRACES: &str = "AGENT_TELEMETRY_TAIL_MAX_TRACES";
/// Bytes of held spans at most (estimated; default 67108864, 64 MiB).
pub const TAIL_MAX_BYTES: &str = "AGENT_TELEMETRY_TAIL_MAX_BYTES";
/// Milliseconds a trace is held at most before it is decided on what arrived (default 30000).
pub const TAIL_DECISION_TIMEOUT_MS: &str = "AGENT_TELEMETRY_TAIL_DECISION_TIMEOUT_MS";

const DEFAULT_MAX_TRACES: usize = 10_000;
const DEFAULT_MAX_BYTES: usize = 64 << 20;
const DEFAULT_DECISION_TIMEOUT: Duration = Duration::from_secs(30);

/// Rules and bounds of `agent_tail` sampling
/// ([`SamplerConfig::AgentTail`](crate::SamplerConfig::AgentTail)), set in code with
/// [`OpenTelemetryBuilder::with_tail_sampling`](crate::OpenTelemetryBuilder::with_tail_sampling).
/// Each setting left alone comes from its `AGENT_TELEMETRY_TAIL_*` variable, else the default.
///
/// Always kept, whatever is set: a trace with a span of status ERROR or with an `error.type`
/// attribute, and a trace whose remote caller sampled it.
///
/// ```
/// use std::time::Duration;
/// use telemetry_otel::TailSampling;
/// let rules = TailSampling::new()
///     .keep_slower_than(Duration::from_secs(20))
///     .keep_tokens_over(50_000)
///     .keep_attribute("gen_ai.agent.name", "planner")
///     .rate_limit(100.0);
/// # let _ = rules;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TailSampling {
    latency: Option<Duration>,
    tokens: Option<u64>,
    cost: Option<f64>,
    keep: Option<Vec<(String, String)>>,
    rate_limit: Option<f64>,
    max_traces: Option<usize>,
    max_bytes: Option<usize>,
    decision_timeout: Option<Duration>,
}

impl TailSampling {
    /// Nothing set: every setting from the environment or its default.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps traces whose spans cover more than `latency` (first start to last end);
    /// overrides `AGENT_TELEMETRY_TAIL_LATENCY_MS`.
    pub fn keep_slower_than(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// Keeps traces whose GenAI spans used at least `tokens` input + output tokens in all
    /// (`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`, semantic conventions
    /// v1.41); overrides `AGENT_TELEMETRY_TAIL_TOKENS`. Must be positive.
    pub fn keep_tokens_over(mut self, tokens: u64) -> Self {
        self.tokens = Some(tokens);
        self
    }

    /// Keeps traces whose spans' `gen_ai.usage.cost` adds up to at least `cost` (in the
    /// currency the spans use); overrides `AGENT_TELEMETRY_TAIL_COST`. Must be positive and
    /// finite.
    pub fn keep_cost_over(mut self, cost: f64) -> Self {
        self.cost = Some(cost);
        self
    }

    /// Keeps traces with a span whose attribute `key` equals `value` (compared as text);
    /// rules given in code replace `AGENT_TELEMETRY_TAIL_KEEP`'s.
    pub fn keep_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.keep
            .get_or_insert_with(Vec::new)
            .push((key.into(), value.into()));
        self
    }

    /// At most `per_second` kept traces per second on average: a token bucket refilled at
    /// that rate and holding two seconds' worth (at least 2 tokens), whose lower half only
    /// traces with an error may take. Overrides `AGENT_TELEMETRY_TAIL_RATE_LIMIT`. Must be
    /// positive and finite.
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Traces held at once at most; the oldest is decided on what arrived when one more
    /// starts. Overrides `AGENT_TELEMETRY_TAIL_MAX_TRACES` (default 10000). Must be positive.
    pub fn max_traces(mut self, traces: usize) -> Self {
        self.max_traces = Some(traces);
        self
    }

    /// Estimated bytes of held spans at most; the oldest traces are decided on what arrived
    /// to stay under it. Overrides `AGENT_TELEMETRY_TAIL_MAX_BYTES` (default 64 MiB). Must be
    /// positive.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = Some(bytes);
        self
    }

    /// How long a trace is held at most: a trace whose spans have not all ended by then
    /// (a root that never ends) is decided on what arrived, and its spans are marked.
    /// Overrides `AGENT_TELEMETRY_TAIL_DECISION_TIMEOUT_MS` (default 30 s). Must be positive.
    pub fn decision_timeout(mut self, timeout: Duration) -> Self {
        self.decision_timeout = Some(timeout);
        self
    }

    /// Validated settings: code's, else the environment's, else the defaults.
    pub(crate) fn resolve(
        &self,
        env: &Env<'_>,
        probability: f64,
    ) -> Result<TailSettings, ConfigError> {
        let positive_number = |what: &'static str, v: f64| -> Result<f64, ConfigError> {
            if v.is_finite() && v > 0.0 {
                Ok(v)
            } else {
                Err(ConfigError::new(what, v.to_string(), "a positive number"))
            }
        };
        let latency = match self.latency {
            Some(d) => Some(d),
            None => env.millis(TAIL_LATENCY_MS)?,
        };
        let tokens = match self.tokens {
            Some(0) => {
                return Err(ConfigError::new(
                    "TailSampling::keep_tokens_over",
                    "0",
                    "a positive number of tokens",
                ));
            }
            Some(t) => Some(t),
            None => env
                .positive(TAIL_TOKENS)?
                .map(|t| u64::try_from(t).unwrap_or(u64::MAX)),
        };
        let cost = match self.cost {
            Some(c) => Some(positive_number("TailSampling::keep_cost_over", c)?),
            None => env_number(env, TAIL_COST)?,
        };
        let keep = match &self.keep {
            Some(rules) => {
                if let Some((k, v)) = rules.iter().find(|(k, _)| k.trim().is_empty()) {
                    return Err(ConfigError::new(
                        "TailSampling::keep_attribute",
                        format!("{k}={v}"),
                        "a non-empty attribute key",
                    ));
                }
                rules.clone()
            }
            None => env
                .get(TAIL_KEEP)
                .map(|v| parse_rules(&v))
                .transpose()?
                .unwrap_or_default(),
        };
        let rate_limit = match self.rate_limit {
            Some(r) => Some(positive_number("TailSampling::rate_limit", r)?),
            None => env_number(env, TAIL_RATE_LIMIT)?,
        };
        let positive_count = |what: &'static str, v: usize| {
            if v == 0 {
                Err(ConfigError::new(what, "0", "a positive integer"))
            } else {
                Ok(v)
            }
        };
        let max_traces = match self.max_traces {
            Some(n) => positive_count("TailSampling::max_traces", n)?,
            None => env.positive(TAIL_MAX_TRACES)?.unwrap_or(DEFAULT_MAX_TRACES),
        };
        let max_bytes = match self.max_bytes {
            Some(n) => positive_count("TailSampling::max_bytes", n)?,
            None => env.positive(TAIL_MAX_BYTES)?.unwrap_or(DEFAULT_MAX_BYTES),
        };
        let decision_timeout = match self.decision_timeout {
            Some(d) if d.is_zero() => {
                return Err(ConfigError::new(
                    "TailSampling::decision_timeout",
                    "0",
                    "a positive duration",
                ));
            }
            Some(d) => d,
            None => match env.millis(TAIL_DECISION_TIMEOUT_MS)? {
                Some(d) if d.is_zero() => {
                    return Err(ConfigError::new(
                        TAIL_DECISION_TIMEOUT_MS,
                        "0",
                        "a positive number of milliseconds",
                    ));
                }
                Some(d) => d,
                None => DEFAULT_DECISION_TIMEOUT,
            },
        };
        Ok(TailSettings {
            probability,
            latency,
            tokens,
            cost,
            keep,
            rate_limit,
            max_traces,
            max_bytes,
            decision_timeout,
        })
    }
}

fn env_number(env: &Env<'_>, name: &'static str) -> Result<Option<f64>, ConfigError> {
    env.get(name)
        .map(|v| match v.parse::<f64>() {
            Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
            _ => Err(ConfigError::new(
                name,
                v,
                "a positive number, e.g. 0.5 or 20",
            )),
        })
        .transpose()
}

/// `key=value,key2=value2`, values percent-encoded; a key may repeat (any rule keeps).
fn parse_rules(v: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut rules = Vec::new();
    for item in v.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        // One pair at a time through the shared parser (it merges repeated keys).
        let pair = crate::config::env::parse_key_values(
            TAIL_KEEP,
            item,
            "attribute rules such as gen_ai.agent.name=planner",
        )?;
        rules.extend(pair);
    }
    Ok(rules)
}

/// The resolved `agent_tail` settings the pipeline runs with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TailSettings {
    /// The probability for traces no rule keeps.
    pub(crate) probability: f64,
    pub(crate) latency: Option<Duration>,
    pub(crate) tokens: Option<u64>,
    pub(crate) cost: Option<f64>,
    pub(crate) keep: Vec<(String, String)>,
    pub(crate) rate_limit: Option<f64>,
    pub(crate) max_traces: usize,
    pub(crate) max_bytes: usize,
    pub(crate) decision_timeout: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(code: &TailSampling, vars: &[(&str, &str)]) -> Result<TailSettings, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let f = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        code.resolve(&Env(&f), 0.1)
    }

    #[test]
    fn defaults_then_variables_then_code() {
        let d = resolve(&TailSampling::new(), &[]).unwrap();
        assert_eq!(d.max_traces, 10_000);
        assert_eq!(d.max_bytes, 64 << 20);
        assert_eq!(d.decision_timeout, Duration::from_secs(30));
        assert_eq!(
            (d.latency, d.tokens, d.cost, d.rate_limit),
            (None, None, None, None)
        );
        let vars = [
            (TAIL_LATENCY_MS, "20000"),
            (TAIL_TOKENS, "5000"),
            (TAIL_COST, "0.5"),
            (
                TAIL_KEEP,
                "gen_ai.agent.name=planner, gen_ai.agent.name=critic,x=a%20b",
            ),
            (TAIL_RATE_LIMIT, "25"),
            (TAIL_MAX_TRACES, "100"),
            (TAIL_MAX_BYTES, "1048576"),
            (TAIL_DECISION_TIMEOUT_MS, "500"),
        ];
        let e = resolve(&TailSampling::new(), &vars).unwrap();
        assert_eq!(e.latency, Some(Duration::from_secs(20)));
        assert_eq!(e.tokens, Some(5000));
        assert_eq!(e.cost, Some(0.5));
        assert_eq!(
            e.keep,
            [
                ("gen_ai.agent.name".to_owned(), "planner".to_owned()),
                ("gen_ai.agent.name".to_owned(), "critic".to_owned()),
                ("x".to_owned(), "a b".to_owned()),
            ]
        );
        assert_eq!(e.rate_limit, Some(25.0));
        assert_eq!((e.max_traces, e.max_bytes), (100, 1 << 20));
        assert_eq!(e.decision_timeout, Duration::from_millis(500));
        let c = resolve(
            &TailSampling::new()
                .keep_tokens_over(7)
                .keep_attribute("k", "v")
                .max_traces(3),
            &vars,
        )
        .unwrap();
        assert_eq!((c.tokens, c.max_traces), (Some(7), 3));
        assert_eq!(c.keep, [("k".to_owned(), "v".to_owned())]);
        assert_eq!(c.cost, Some(0.5), "code silent: the variable applies");
    }

    #[test]
    fn every_bad_value_is_refused_by_name() {
        for (var, value) in [
            (TAIL_LATENCY_MS, "soon"),
            (TAIL_TOKENS, "0"),
            (TAIL_TOKENS, "-5"),
            (TAIL_COST, "free"),
            (TAIL_COST, "-1"),
            (TAIL_KEEP, "gen_ai.agent.name"),
            (TAIL_KEEP, "=planner"),
            (TAIL_RATE_LIMIT, "0"),
            (TAIL_RATE_LIMIT, "inf"),
            (TAIL_MAX_TRACES, "0"),
            (TAIL_MAX_BYTES, "64MiB"),
            (TAIL_DECISION_TIMEOUT_MS, "0"),
        ] {
            let err = resolve(&TailSampling::new(), &[(var, value)]).unwrap_err();
            assert_eq!(err.variable(), var, "{value}");
        }
        for (code, method) in [
            (TailSampling::new().keep_tokens_over(0), "keep_tokens_over"),
            (
                TailSampling::new().keep_cost_over(f64::NAN),
                "keep_cost_over",
            ),
            (
                TailSampling::new().keep_attribute(" ", "v"),
                "keep_attribute",
            ),
            (TailSampling::new().rate_limit(0.0), "rate_limit"),
            (TailSampling::new().max_traces(0), "max_traces"),
            (TailSampling::new().max_bytes(0), "max_bytes"),
            (
                TailSampling::new().decision_timeout(Duration::ZERO),
                "decision_timeout",
            ),
        ] {
            let err = resolve(&code, &[]).unwrap_err();
            assert_eq!(err.variable(), format!("TailSampling::{method}"));
        }
    }
}
