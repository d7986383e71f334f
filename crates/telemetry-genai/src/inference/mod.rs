//! Inference spans: `chat`, `text_completion`, `generate_content`.
//!
//! Source: semantic conventions v1.41, *gen-ai-spans.md › Inference*. Name
//! `{gen_ai.operation.name} {gen_ai.request.model}`, kind CLIENT (INTERNAL for an in-process
//! model via [`InferenceBuilder::in_process`]). Operation, provider, request model, request
//! parameters, `gen_ai.request.stream`, server address and port and conversation id are set at
//! start, so samplers see them. At the end the span gets, in this order: response id, response
//! model, finish reasons, time to first chunk, usage, `error.type`, then content (so a size or
//! count limit never drops usage). The `gen_ai.client.inference.operation.details` event is
//! built from the same list (start plus end attributes) with the content in structured form.

//!
//! Here the entry points on [`GenAi`]; in `builder` the request before the span opens, in
//! `span` the open span and the state it records, in `finish` what the span, its details
//! event, the compatibility records and the metrics get when it ends.

mod builder;
mod finish;
mod span;

use telemetry_core::StringValue;

use crate::genai::GenAi;
use crate::operation::OperationName;

pub use builder::InferenceBuilder;
pub use span::InferenceSpan;

impl GenAi {
    /// A `chat` inference span builder (`chat {model}`, CLIENT).
    pub fn chat(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(self, OperationName::Chat, provider, model)
    }

    /// A `text_completion` inference span builder.
    pub fn text_completion(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(self, OperationName::TextCompletion, provider, model)
    }

    /// A `generate_content` inference span builder.
    pub fn generate_content(
        &self,
        provider: impl Into<StringValue>,
        model: impl Into<StringValue>,
    ) -> InferenceBuilder {
        InferenceBuilder::new(self, OperationName::GenerateContent, provider, model)
    }
}
