//! Streamed inference: time to first chunk, accumulated chunks, usage when the provider sends
//! it, and a span that ends even when the consumer drops the stream early.

use std::time::Instant;

use serde_json::Value;
use telemetry_core::StringValue;

use crate::attributes as a;
use crate::inference::InferenceSpan;
use crate::message::{Message, Part};
use crate::usage::Usage;

impl InferenceSpan {
    /// Turns the span into a recorder of a streamed response. Sets `gen_ai.request.stream =
    /// true` if [`InferenceBuilder::streaming`](crate::InferenceBuilder::streaming) did not
    /// already at start.
    pub fn stream(mut self) -> StreamRecorder {
        if !self.op.stream {
            self.op.stream = true;
            self.core.set(a::GEN_AI_REQUEST_STREAM, true);
            self.op.start_attrs.push(telemetry_core::Attribute::new(
                a::GEN_AI_REQUEST_STREAM,
                true,
            ));
        }
        StreamRecorder::new(self)
    }
}

#[derive(Debug, Default)]
struct ToolCallAcc {
    id: Option<String>,
    name: String,
    arguments: String,
}

#[derive(Debug, Default)]
struct ChoiceAcc {
    text: String,
    reasoning: String,
    tool_calls: Vec<ToolCallAcc>,
    finish_reason: Option<String>,
}

/// Records a streamed response on its inference span (from [`InferenceSpan::stream`]).
///
/// Feed it every chunk as it arrives: the first call to any chunk method records the time to
/// first chunk (`gen_ai.client.operation.time_to_first_chunk` and the span attribute
/// `gen_ai.response.time_to_first_chunk`, seconds, from span start), every later one the time
/// since the previous chunk (`gen_ai.client.operation.time_per_output_chunk`, seconds).
/// Deltas are accumulated per choice into output messages (reasoning, text, tool calls with
/// their argument fragments joined and parsed as JSON when valid). [`finish`](Self::finish)
/// ends the span with the accumulated response; [`fail`](Self::fail) ends it as failed,
/// keeping what arrived. Dropped before either (the consumer stopped reading), it ends the span
/// with what arrived and the attribute `agent_telemetry.gen_ai.cancelled = true`; that is not
/// an error. A choice that got no finish reason reports `error` (see
/// [`InferenceSpan::finish_reasons`]).
///
/// ```
/// use telemetry_core::Telemetry;
/// use telemetry_genai::{GenAi, GenAiConfig, Usage};
/// let genai = GenAi::new(&Telemetry::noop(), GenAiConfig::default());
/// let mut stream = genai.chat("openai", "gpt-4o").start().stream();
/// for delta in ["Hel", "lo"] {
///     stream.text(0, delta);
/// }
/// stream.finish_reason(0, "stop").usage(Usage::new(12, 2));
/// assert_eq!(stream.accumulated_text(0), "Hello");
/// stream.finish();
/// ```
#[must_use = "the span ends when dropped"]
pub struct StreamRecorder {
    span: Option<InferenceSpan>,
    choices: Vec<ChoiceAcc>,
}

impl std::fmt::Debug for StreamRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamRecorder")
            .field("choices", &self.choices.len())
            .finish_non_exhaustive()
    }
}

impl StreamRecorder {
    fn new(span: InferenceSpan) -> Self {
        Self {
            span: Some(span),
            choices: Vec::new(),
        }
    }

    fn span(&mut self) -> &mut InferenceSpan {
        self.span
            .as_mut()
            .expect("the span is taken only when the recorder ends")
    }

    fn choice(&mut self, index: usize) -> &mut ChoiceAcc {
        // Bounded: a provider never sends thousands of choices; ignore absurd indexes.
        let index = index.min(127);
        if self.choices.len() <= index {
            self.choices.resize_with(index + 1, ChoiceAcc::default);
        }
        &mut self.choices[index]
    }

    /// Marks that a chunk arrived (the first one sets the time to first chunk). The other
    /// chunk methods call it; call it directly for chunks that carry nothing to accumulate.
    pub fn chunk(&mut self) -> &mut Self {
        let now = Instant::now();
        let span = self.span();
        match span.op.last_chunk {
            None => span.op.first_chunk = Some(now),
            Some(previous) => span
                .core
                .genai
                .metrics()
                .time_per_output_chunk(now.duration_since(previous), &span.core.metric_attrs),
        }
        span.op.last_chunk = Some(now);
        self
    }

    /// Appends a text delta to choice `choice`.
    pub fn text(&mut self, choice: usize, delta: &str) -> &mut Self {
        self.chunk();
        self.choice(choice).text.push_str(delta);
        self
    }

    /// Appends a reasoning delta to choice `choice`.
    pub fn reasoning(&mut self, choice: usize, delta: &str) -> &mut Self {
        self.chunk();
        self.choice(choice).reasoning.push_str(delta);
        self
    }

    /// A tool-call fragment: tool call number `index` of choice `choice`; `id` and `name` arrive
    /// with the first fragment, argument text in pieces.
    pub fn tool_call(
        &mut self,
        choice: usize,
        index: usize,
        id: Option<&str>,
        name: Option<&str>,
        arguments_delta: &str,
    ) -> &mut Self {
        self.chunk();
        let c = self.choice(choice);
        let index = index.min(127);
        if c.tool_calls.len() <= index {
            c.tool_calls.resize_with(index + 1, ToolCallAcc::default);
        }
        let t = &mut c.tool_calls[index];
        if let Some(id) = id {
            t.id = Some(id.to_owned());
        }
        if let Some(name) = name {
            t.name.push_str(name);
        }
        t.arguments.push_str(arguments_delta);
        self
    }

    /// The finish reason of choice `choice`.
    pub fn finish_reason(&mut self, choice: usize, reason: impl Into<String>) -> &mut Self {
        self.choice(choice).finish_reason = Some(reason.into());
        self
    }

    /// Usage, when the provider sends it (often in the last chunk, sometimes in pieces).
    pub fn usage(&mut self, usage: Usage) -> &mut Self {
        self.span().usage(usage);
        self
    }

    /// `gen_ai.response.id`.
    pub fn response_id(&mut self, id: impl Into<StringValue>) -> &mut Self {
        self.span().response_id(id);
        self
    }

    /// `gen_ai.response.model`.
    pub fn response_model(&mut self, model: impl Into<StringValue>) -> &mut Self {
        self.span().response_model(model);
        self
    }

    /// The text accumulated so far for choice `choice`.
    pub fn accumulated_text(&self, choice: usize) -> &str {
        self.choices.get(choice).map_or("", |c| c.text.as_str())
    }

    /// The span's scope snapshot.
    pub fn context(&self) -> &telemetry_core::Context {
        self.span
            .as_ref()
            .expect("the span is taken only when the recorder ends")
            .context()
    }

    /// Ends the span with the accumulated response.
    pub fn finish(mut self) {
        if let Some(mut span) = self.take() {
            span.finish();
        }
    }

    /// Ends the span as failed (see [`OperationSpan::fail`](crate::OperationSpan::fail)),
    /// keeping what arrived.
    pub fn fail(mut self, error_type: &str, message: &str) {
        if let Some(span) = self.take() {
            span.fail(error_type, message);
        }
    }

    fn take(&mut self) -> Option<InferenceSpan> {
        let mut span = self.span.take()?;
        let output: Vec<Message> = std::mem::take(&mut self.choices)
            .into_iter()
            .map(|c| {
                let mut parts = Vec::new();
                if !c.reasoning.is_empty() {
                    parts.push(Part::reasoning(c.reasoning));
                }
                if !c.text.is_empty() {
                    parts.push(Part::text(c.text));
                }
                for t in c.tool_calls {
                    let arguments = serde_json::from_str::<Value>(&t.arguments)
                        .unwrap_or(Value::String(t.arguments));
                    parts.push(Part::ToolCall {
                        id: t.id,
                        name: t.name,
                        arguments,
                    });
                }
                let m = Message::assistant_parts(parts);
                match c.finish_reason {
                    Some(r) => m.with_finish_reason(r),
                    None => m,
                }
            })
            .collect();
        if !output.is_empty() {
            span.output_messages(output);
        }
        Some(span)
    }
}

impl Drop for StreamRecorder {
    fn drop(&mut self) {
        if let Some(mut span) = self.take() {
            span.core.set(a::CANCELLED, true);
            span.finish();
        }
    }
}
