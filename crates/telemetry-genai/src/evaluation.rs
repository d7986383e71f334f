//! Evaluations: the `gen_ai.evaluation.result` event on the span it judges, now or after
//! that span has ended.
//!
//! Source: semantic-conventions v1.41.0, `docs/gen-ai/gen-ai-events.md` and
//! `model/gen-ai/events.yaml`, *Event: `gen_ai.evaluation.result`*: "SHOULD be parented to
//! GenAI operation span being evaluated when possible or set `gen_ai.response.id` when span id
//! is not available"; attributes `gen_ai.evaluation.name` (required), `gen_ai.evaluation.score.value`
//! (double) and `gen_ai.evaluation.score.label` (conditionally required, "if applicable"),
//! `gen_ai.evaluation.explanation` and `gen_ai.response.id` (recommended), `error.type` (if the
//! evaluation itself failed).

use std::fmt;

use telemetry_core::{Attribute, Context, LogLevel, StringValue};

use crate::attributes as a;
use crate::bounded::prefix_within;
use crate::genai::GenAi;

impl GenAi {
    /// An evaluation result named `name` (`gen_ai.evaluation.name`, e.g. `Relevance`,
    /// `user_feedback`), to [`record`](EvaluationBuilder::record) on the span it judges.
    ///
    /// ```
    /// use telemetry_basic::{BasicTelemetry, LogFormat};
    /// use telemetry_core::LogLevel;
    /// use telemetry_genai::{GenAi, GenAiConfig, provider};
    /// let t = BasicTelemetry::stdout(LogFormat::Text, LogLevel::Info).telemetry;
    /// let genai = GenAi::new(&t, GenAiConfig::default());
    /// let chat = genai.chat(provider::OPENAI, "gpt-4o").start();
    /// let judged = chat.context().clone();
    /// chat.end();
    /// // Later (a judge model's verdict, a user's thumbs-up): the span context is enough.
    /// genai.evaluation("Relevance").score(4.0).label("relevant").explanation("On topic.").record(&judged)?;
    /// # Ok::<(), telemetry_genai::EvaluationError>(())
    /// ```
    pub fn evaluation(&self, name: impl Into<StringValue>) -> EvaluationBuilder {
        EvaluationBuilder {
            genai: self.clone(),
            name: name.into(),
            score: None,
            label: None,
            explanation: None,
            error_type: None,
            response_id: None,
        }
    }
}

/// One evaluation result; from [`GenAi::evaluation`].
#[derive(Debug)]
#[must_use = "call record() to emit the evaluation"]
pub struct EvaluationBuilder {
    genai: GenAi,
    name: StringValue,
    score: Option<f64>,
    label: Option<StringValue>,
    explanation: Option<String>,
    error_type: Option<StringValue>,
    response_id: Option<StringValue>,
}

impl EvaluationBuilder {
    /// `gen_ai.evaluation.score.value` (double): the evaluator's score, on its own scale.
    pub fn score(mut self, value: f64) -> Self {
        self.score = Some(value);
        self
    }

    /// `gen_ai.evaluation.score.label`: a low-cardinality reading of the score (`pass`,
    /// `fail`, `relevant`, `thumbs_up`).
    pub fn label(mut self, label: impl Into<StringValue>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// `gen_ai.evaluation.explanation`: the evaluator's free-form reason. It passes the
    /// [`Redactor`](crate::Redactor) and is cut to [`GenAiConfig::max_content_bytes`](crate::GenAiConfig::max_content_bytes).
    pub fn explanation(mut self, text: impl Into<String>) -> Self {
        self.explanation = Some(text.into());
        self
    }

    /// `error.type`: the evaluation itself failed (the judge timed out, say).
    pub fn error_type(mut self, error_type: impl Into<StringValue>) -> Self {
        self.error_type = Some(error_type.into());
        self
    }

    /// `gen_ai.response.id` of the judged completion: correlates the result when no span
    /// context is at hand.
    pub fn response_id(mut self, id: impl Into<StringValue>) -> Self {
        self.response_id = Some(id.into());
        self
    }

    /// Emits `gen_ai.evaluation.result` (INFO) on the span of `judged`: with
    /// `telemetry-otel`, a log record carrying that span's trace id and span id (and a span
    /// event while the span is still open); with Basic, a log line in that span's context;
    /// the recorder attaches it to the span, ended or not. `judged` may be a span that has
    /// ended long ago: a [`Context`] snapshot keeps its ids. [`Context::none`] is accepted
    /// when a [`response_id`](Self::response_id) correlates the result instead.
    ///
    /// # Errors
    /// [`EvaluationError`] naming the input at fault, and nothing is emitted: an empty or blank
    /// name, a NaN or infinite score, or neither a span nor a response id to correlate with;
    /// also when the logger is off at INFO (with NoOp telemetry, or a level of WARN or above),
    /// since the event would be dropped.
    pub fn record(self, judged: &Context) -> Result<(), EvaluationError> {
        if self.name.as_str().trim().is_empty() {
            return Err(EvaluationError("gen_ai.evaluation.name must not be empty"));
        }
        if self.score.is_some_and(|s| !s.is_finite()) {
            return Err(EvaluationError(
                "gen_ai.evaluation.score.value must be a finite number",
            ));
        }
        if judged.span_id().is_none() && self.response_id.is_none() {
            return Err(EvaluationError(
                "an evaluation needs the judged span's context or a gen_ai.response.id",
            ));
        }
        let g = &self.genai;
        let logger = &g.telemetry().logger;
        if !logger.enabled(LogLevel::Info) {
            // Not silently: the caller may tell its user the feedback was not kept.
            return Err(EvaluationError(
                "the logger records nothing at INFO, the level of evaluation events",
            ));
        }
        let mut attrs = vec![Attribute::new(a::GEN_AI_EVALUATION_NAME, self.name)];
        if let Some(s) = self.score {
            attrs.push(Attribute::new(a::GEN_AI_EVALUATION_SCORE_VALUE, s));
        }
        if let Some(l) = self.label {
            attrs.push(Attribute::new(a::GEN_AI_EVALUATION_SCORE_LABEL, l));
        }
        if let Some(text) = self.explanation {
            let redacted = g.redactor().redact(&text);
            let cut = prefix_within(&redacted, g.config().max_content_bytes);
            attrs.push(Attribute::new(
                a::GEN_AI_EVALUATION_EXPLANATION,
                cut.to_owned(),
            ));
        }
        if let Some(id) = self.response_id {
            attrs.push(Attribute::new(a::GEN_AI_RESPONSE_ID, id));
        }
        if let Some(e) = self.error_type {
            attrs.push(Attribute::new(a::ERROR_TYPE, e));
        }
        let _judged = judged.attach();
        logger.log_event(LogLevel::Info, a::EVENT_EVALUATION_RESULT, None, &attrs);
        Ok(())
    }
}

/// An evaluation that was not recorded, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EvaluationError(&'static str);

impl fmt::Display for EvaluationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "evaluation not recorded: {}", self.0)
    }
}

impl std::error::Error for EvaluationError {}
