//! The sampler: [`SamplerConfig`] from code or `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`,
//! and the SDK sampler it becomes.
//!
//! Source: OpenTelemetry specification, *SDK Environment Variables*, *General SDK
//! Configuration* (default `parentbased_always_on`; the argument of the ratio samplers is a
//! probability, default 1.0). `agent_tail` is this crate's own value (the variable's list is
//! open: "xray" and others are third-party values), for in-process tail sampling; its
//! argument is the probability for traces no rule keeps.

use opentelemetry_sdk::trace::{Sampler, ShouldSample};

use crate::sampling::head::AgentTailHead;
use crate::sampling::probability::Threshold;

use crate::config::env::Env;
use crate::config::error::ConfigError;

/// A sampler (`OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SamplerConfig {
    /// `always_on`.
    AlwaysOn,
    /// `always_off`.
    AlwaysOff,
    /// `traceidratio` with the ratio in `[0, 1]`.
    TraceIdRatio(f64),
    /// `parentbased_always_on`, the default.
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio` with the root ratio in `[0, 1]`.
    ParentBasedTraceIdRatio(f64),
    /// `agent_tail`: in-process tail sampling. Every span is recorded and held until its trace
    /// ends; then the whole trace is kept (errors, slow or expensive traces, attribute rules,
    /// a caller that sampled it) or else kept with this probability in `[0, 1]`, decided from
    /// the trace id by consistent probability sampling so that every process agrees. Rules
    /// and bounds: [`TailSampling`](crate::TailSampling).
    AgentTail(f64),
}

impl SamplerConfig {
    /// The sampler code chose (its ratio checked), else `OTEL_TRACES_SAMPLER{,_ARG}`'s.
    /// `OTEL_TRACES_SAMPLER_ARG` is checked whenever it is set, whatever the sampler: a bad
    /// value is a mistake even where the chosen sampler takes no argument.
    pub(crate) fn resolve(code: Option<SamplerConfig>, env: &Env<'_>) -> Result<Self, ConfigError> {
        let ratio = sampler_arg(env)?;
        match code {
            Some(s) => validate_sampler(s),
            None => parse_sampler(env, ratio.unwrap_or(1.0)),
        }
    }

    /// Whether a span is dropped whenever its local parent was (the `parentbased_*` samplers).
    pub(crate) fn follows_parent(self) -> bool {
        matches!(
            self,
            SamplerConfig::ParentBasedAlwaysOn
                | SamplerConfig::ParentBasedAlwaysOff
                | SamplerConfig::ParentBasedTraceIdRatio(_)
        )
    }

    /// Whether every span is dropped (`always_off`).
    pub(crate) fn drops_all(self) -> bool {
        self == SamplerConfig::AlwaysOff
    }

    /// The probability of `agent_tail`, `None` for the other samplers.
    pub(crate) fn tail_probability(self) -> Option<f64> {
        match self {
            SamplerConfig::AgentTail(p) => Some(p),
            _ => None,
        }
    }

    /// The SDK sampler.
    pub(crate) fn sdk(self) -> Box<dyn ShouldSample> {
        Box::new(match self {
            SamplerConfig::AgentTail(p) => {
                return Box::new(AgentTailHead {
                    threshold: Threshold::from_probability(p),
                });
            }
            SamplerConfig::AlwaysOn => Sampler::AlwaysOn,
            SamplerConfig::AlwaysOff => Sampler::AlwaysOff,
            SamplerConfig::TraceIdRatio(r) => Sampler::TraceIdRatioBased(r),
            SamplerConfig::ParentBasedAlwaysOn => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            SamplerConfig::ParentBasedAlwaysOff => {
                Sampler::ParentBased(Box::new(Sampler::AlwaysOff))
            }
            SamplerConfig::ParentBasedTraceIdRatio(r) => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(r)))
            }
        })
    }
}

const SAMPLERS: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off, parentbased_traceidratio, agent_tail";

/// `OTEL_TRACES_SAMPLER_ARG`, if set: a probability in `[0, 1]`.
fn sampler_arg(env: &Env<'_>) -> Result<Option<f64>, ConfigError> {
    let Some(a) = env.get("OTEL_TRACES_SAMPLER_ARG") else {
        return Ok(None);
    };
    match a.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
        _ => Err(ConfigError::new(
            "OTEL_TRACES_SAMPLER_ARG",
            a,
            "a probability between 0 and 1, e.g. 0.25 (checked whatever the sampler; unset it \
             for samplers without an argument)",
        )),
    }
}

fn parse_sampler(env: &Env<'_>, ratio: f64) -> Result<SamplerConfig, ConfigError> {
    let Some(v) = env.get("OTEL_TRACES_SAMPLER") else {
        return Ok(SamplerConfig::ParentBasedAlwaysOn);
    };
    Ok(match v.to_ascii_lowercase().as_str() {
        "always_on" => SamplerConfig::AlwaysOn,
        "always_off" => SamplerConfig::AlwaysOff,
        "traceidratio" => SamplerConfig::TraceIdRatio(ratio),
        "parentbased_always_on" => SamplerConfig::ParentBasedAlwaysOn,
        "parentbased_always_off" => SamplerConfig::ParentBasedAlwaysOff,
        "parentbased_traceidratio" => SamplerConfig::ParentBasedTraceIdRatio(ratio),
        "agent_tail" => SamplerConfig::AgentTail(ratio),
        _ => return Err(ConfigError::new("OTEL_TRACES_SAMPLER", v, SAMPLERS)),
    })
}

fn validate_sampler(s: SamplerConfig) -> Result<SamplerConfig, ConfigError> {
    match s {
        SamplerConfig::TraceIdRatio(r)
        | SamplerConfig::ParentBasedTraceIdRatio(r)
        | SamplerConfig::AgentTail(r)
            if !(0.0..=1.0).contains(&r) =>
        {
            Err(ConfigError::new(
                "OpenTelemetryBuilder::with_sampler",
                r.to_string(),
                "a ratio between 0 and 1",
            ))
        }
        s => Ok(s),
    }
}
