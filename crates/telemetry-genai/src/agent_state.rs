//! The running state of one `invoke_agent` span, and how the spans below it find it.
//!
//! The state lives in the agent scope's [`Extensions`](telemetry_core::Extensions), so an
//! inference or tool span finds its agent by walking its own scope's ancestors
//! ([`Context::find_extension`]): on any thread or task its scope was carried to, with no
//! registry and no lock. NoOp scopes have no extensions, so nothing is found there; spans
//! opened with `AgentSpan::chat` or `AgentSpan::execute_tool` get the state handed over
//! instead, which works everywhere.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use telemetry_core::{Context, StringValue};

use crate::usage::{CostTotal, Usage, UsageTotals};

/// Shared by an agent span and the spans that report to it. Extensions values are never
/// replaced, so everything that changes is atomic.
#[derive(Debug, Default)]
pub(crate) struct AgentState {
    totals: UsageTotals,
    cost: CostTotal,
    inference_calls: AtomicU64,
    tool_calls: AtomicU64,
    /// `gen_ai.agent.name`, for the cost metric of the operations below it.
    name: Option<StringValue>,
    /// Set when the agent span finishes: later spans skip this agent.
    ended: AtomicBool,
    /// The nearest running agent above this one when it started. Its totals roll up there,
    /// and once this agent has ended, look-ups continue there (as if walking the scope
    /// chain past this agent: an agent that had ended before this one started stays ended).
    outer: Option<Arc<AgentState>>,
}

impl AgentState {
    /// The state of the agent whose scope is `context`, stored on that scope (when it has
    /// extensions) for the spans below it to find.
    pub(crate) fn start(context: &Context, name: Option<StringValue>) -> Arc<Self> {
        let state = Arc::new(Self {
            outer: Self::running(context),
            name,
            ..Self::default()
        });
        if let Some(extensions) = context.extensions() {
            // A scope opened just now holds no state of ours, so this cannot be refused.
            let _ = extensions.insert(Arc::clone(&state));
        }
        state
    }

    /// The nearest agent at or above `context` that has not ended.
    pub(crate) fn running(context: &Context) -> Option<Arc<Self>> {
        let mut agent = context.find_extension::<Arc<Self>>()?;
        while agent.ended.load(Ordering::Acquire) {
            agent = agent.outer.as_ref()?;
        }
        Some(Arc::clone(agent))
    }

    /// Marks the agent ended and returns its totals; spans started from now on skip it.
    pub(crate) fn end(&self) -> Usage {
        self.ended.store(true, Ordering::Release);
        self.totals.snapshot()
    }

    /// The agent's name, if it has one.
    pub(crate) fn name(&self) -> Option<&StringValue> {
        self.name.as_ref()
    }

    pub(crate) fn outer(&self) -> Option<&AgentState> {
        self.outer.as_deref()
    }

    pub(crate) fn add_usage(&self, usage: &Usage) {
        self.totals.add(usage);
    }

    pub(crate) fn usage(&self) -> Usage {
        self.totals.snapshot()
    }

    /// Adds an operation's cost: `Some(usd)`, or `None` for one that used tokens of a model
    /// without a price (the total is then incomplete).
    pub(crate) fn add_cost(&self, usd: Option<f64>) {
        self.cost.add(usd);
    }

    /// The summed cost in USD (`None` until a cost is added) and whether some operation's
    /// cost was unknown.
    pub(crate) fn cost(&self) -> (Option<f64>, bool) {
        self.cost.snapshot()
    }

    pub(crate) fn inference_started(&self) {
        self.inference_calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn tool_started(&self) {
        self.tool_calls.fetch_add(1, Ordering::Relaxed);
    }

    /// Inference and tool calls started under the agent.
    pub(crate) fn calls(&self) -> (u64, u64) {
        (
            self.inference_calls.load(Ordering::Relaxed),
            self.tool_calls.load(Ordering::Relaxed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use telemetry_core::ScopeOptions;

    #[test]
    fn look_ups_skip_ended_agents_and_stop_at_the_root() {
        let outer_scope = ScopeOptions::new("invoke_agent outer")
            .resolve()
            .into_scope(None);
        let outer = AgentState::start(outer_scope.context(), None);
        let inner_scope = {
            let _in_outer = outer_scope.enter();
            ScopeOptions::new("invoke_agent inner")
                .resolve()
                .into_scope(None)
        };
        let inner = AgentState::start(inner_scope.context(), None);
        assert!(Arc::ptr_eq(inner.outer.as_ref().unwrap(), &outer));
        let chat_scope = {
            let _in_inner = inner_scope.enter();
            ScopeOptions::new("chat").resolve().into_scope(None)
        };
        let found = |cx: &Context| AgentState::running(cx);
        assert!(Arc::ptr_eq(&found(chat_scope.context()).unwrap(), &inner));

        inner.end();
        assert!(Arc::ptr_eq(&found(chat_scope.context()).unwrap(), &outer));
        outer.end();
        assert!(found(chat_scope.context()).is_none());
        assert!(found(&Context::none()).is_none());
    }
}
