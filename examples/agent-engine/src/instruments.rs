//! The server's own metric instruments, created once per [`Meter`]. The GenAI metrics
//! (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`, …) are created and
//! recorded by `telemetry_genai::GenAi`, the HTTP ones (`http.server.request.duration`,
//! `http.client.request.duration`, …) by `telemetry_http`.

use telemetry_core::{Counter, Histogram, InstrumentDescriptor, Meter};

use crate::semconv::{METRIC_TOOL_CALLS, METRIC_TOOL_DURATION};

/// Handles to every instrument the server records. Attributes never carry session, request
/// or correlation ids (one time series per id would explode cardinality).
#[derive(Clone, Debug)]
pub struct Instruments {
    /// `agent_engine.tool.calls`: tool name and outcome.
    pub tool_calls: Counter,
    /// `agent_engine.tool.duration` (s): tool name and outcome.
    pub tool_duration: Histogram,
}

impl Instruments {
    /// Creates the instruments on `meter`.
    pub fn new(meter: &dyn Meter) -> Self {
        // The names and buckets are constants checked by the test below, so these cannot fail.
        let d = |name: &'static str| {
            InstrumentDescriptor::new(name).expect("instrument names in semconv.rs are valid")
        };
        Self {
            tool_calls: meter.counter(
                &d(METRIC_TOOL_CALLS)
                    .with_unit("{call}")
                    .with_description("Tool calls by tool and outcome."),
            ),
            tool_duration: meter.histogram(
                &d(METRIC_TOOL_DURATION)
                    .with_description("Duration of tool calls.")
                    .seconds(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruments_build_on_any_meter() {
        let i = Instruments::new(&telemetry_core::NoOpMeter);
        assert!(i.tool_calls.is_noop());
    }
}
