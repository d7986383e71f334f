//! [`InferenceSpan`], an open inference span, and [`Inference`], the request and result it
//! records when it ends (in the sibling module `finish`).

use std::sync::Arc;
use std::time::Instant;

use telemetry_core::{Attribute, StringValue};

use crate::agent_state::AgentState;
use crate::message::{Message, Part, ToolDefinition};
use crate::span::OperationSpan;
use crate::usage::Usage;

/// An inference operation's request and result, recorded when the span ends.
pub struct Inference {
    pub(super) agent: Option<Arc<AgentState>>,
    pub(super) compat_common: Vec<Attribute>,
    /// Every attribute the span got at start: with what it gets at the end, the one list
    /// the details event is built from too.
    pub(crate) start_attrs: Vec<Attribute>,
    pub(crate) stream: bool,
    pub(super) system: Option<Vec<Part>>,
    pub(super) input: Vec<Message>,
    pub(super) tools: Option<Vec<ToolDefinition>>,
    pub(super) response_id: Option<StringValue>,
    pub(super) response_model: Option<StringValue>,
    pub(super) finish_reasons: Option<Vec<String>>,
    pub(crate) usage: Usage,
    pub(crate) output: Vec<Message>,
    pub(crate) first_chunk: Option<Instant>,
    pub(crate) last_chunk: Option<Instant>,
}

/// An open inference span. Record the result with [`response_id`](Self::response_id),
/// [`response_model`](Self::response_model), [`usage`](Self::usage),
/// [`output_messages`](Self::output_messages) (and optionally
/// [`finish_reasons`](Self::finish_reasons)), then [`end`](OperationSpan::end); or
/// [`fail`](OperationSpan::fail). Dropping it ends it like `end`. For streams, turn it into a
/// [`StreamRecorder`](crate::StreamRecorder) with [`stream`](Self::stream).
///
/// Each retry attempt is its own `InferenceSpan` (start one per attempt): failed attempts carry
/// `error.type` and ERROR status, the successful one does not.
pub type InferenceSpan = OperationSpan<Inference>;

impl InferenceSpan {
    /// `gen_ai.response.id`.
    pub fn response_id(&mut self, id: impl Into<StringValue>) -> &mut Self {
        self.op.response_id = Some(id.into());
        self
    }

    /// `gen_ai.response.model`. Text equal to the request model's reuses that shared string
    /// (no copy); other text is shared once for the span, event and metric attributes.
    pub fn response_model(&mut self, model: impl Into<StringValue>) -> &mut Self {
        self.op.response_model = Some(model.into());
        self
    }

    /// `gen_ai.response.finish_reasons`; by default taken from the output messages, one per
    /// message, `error` for a message without one. Provider spellings of a tool call
    /// (`tool_calls`, `function_call`, `tool_use`) are recorded as `tool_call`.
    pub fn finish_reasons<S: Into<String>>(
        &mut self,
        reasons: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.op.finish_reasons = Some(reasons.into_iter().map(Into::into).collect());
        self
    }

    /// Token usage; later calls merge field by field (see [`Usage::merge`]).
    pub fn usage(&mut self, usage: Usage) -> &mut Self {
        self.op.usage.merge(usage);
        self
    }

    /// The response's messages (one per choice). Always pass them: finish
    /// reasons and compatibility records come from them; their content is recorded only when
    /// the capture mode allows it.
    pub fn output_messages(&mut self, messages: Vec<Message>) -> &mut Self {
        self.op.output = messages;
        self
    }

    /// The usage recorded so far.
    pub fn recorded_usage(&self) -> Usage {
        self.op.usage
    }
}
