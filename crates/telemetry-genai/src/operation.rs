//! What every GenAI span shares: the operation name, the span name, and [`OpCore`] (the scope,
//! timing, failure, content limits, metric attributes, and emitting events inside the scope).
//! The guard around it is [`OperationSpan`](crate::OperationSpan).

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant};

use serde::Serialize;
use telemetry_core::{
    Attribute, AttributeValue, Context, Key, LogLevel, Scope, ScopeOptions, SpanKind, StringValue,
};

use crate::attributes as a;
use crate::bounded::bounded_json;
use crate::genai::GenAi;
use crate::metrics::DurationKind;
use crate::redact::redacted_value;
use crate::usage::Usage;

/// `gen_ai.operation.name` values this crate emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperationName {
    /// `chat`: chat completion.
    Chat,
    /// `text_completion`: legacy completion.
    TextCompletion,
    /// `generate_content`: multimodal generation (Gemini).
    GenerateContent,
    /// `embeddings`.
    Embeddings,
    /// `invoke_agent`.
    InvokeAgent,
    /// `create_agent`.
    CreateAgent,
    /// `execute_tool`.
    ExecuteTool,
}

impl OperationName {
    /// The attribute value, e.g. `chat`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::TextCompletion => "text_completion",
            Self::GenerateContent => "generate_content",
            Self::Embeddings => "embeddings",
            Self::InvokeAgent => "invoke_agent",
            Self::CreateAgent => "create_agent",
            Self::ExecuteTool => "execute_tool",
        }
    }

    pub(crate) fn duration_kind(self) -> DurationKind {
        match self {
            Self::Chat | Self::TextCompletion | Self::GenerateContent => DurationKind::Inference,
            Self::Embeddings => DurationKind::Embeddings,
            Self::CreateAgent => DurationKind::Client,
            Self::InvokeAgent => DurationKind::Agent,
            Self::ExecuteTool => DurationKind::Tool,
        }
    }
}

impl fmt::Display for OperationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `server.address` and, when known, `server.port` (semantic conventions v1.41, *server*
/// attributes), as every remote operation sets them on its span and its metrics.
pub(crate) fn server_attributes(address: StringValue, port: Option<u16>) -> Vec<Attribute> {
    let mut server = vec![Attribute::new(a::SERVER_ADDRESS, address.into_shared())];
    if let Some(p) = port {
        server.push(Attribute::new(a::SERVER_PORT, p));
    }
    server
}

/// The span name: `{operation} {target}` (target = model, agent or tool name), or the bare
/// operation when the target is unknown (v1.41 span naming).
pub(crate) fn span_name(op: OperationName, target: Option<&str>) -> Cow<'static, str> {
    match target.filter(|t| !t.trim().is_empty()) {
        Some(t) => Cow::Owned(format!("{} {t}", op.as_str())),
        None => Cow::Borrowed(op.as_str()),
    }
}

/// The scope, timing and failure state of one GenAI operation. Nominally `pub` only because
/// the sealed operation hooks take it; the module is private, so no user can name it.
pub struct OpCore {
    pub(crate) genai: GenAi,
    pub(crate) op: OperationName,
    pub(crate) scope: Scope,
    pub(crate) start: Instant,
    /// Low-cardinality attributes for metrics (operation, provider, models, server).
    pub(crate) metric_attrs: Vec<Attribute>,
    pub(crate) error_type: Option<String>,
    /// Content attributes cut to the size limit, for [`a::CONTENT_TRUNCATED`].
    pub(crate) truncated: Vec<&'static str>,
}

impl OpCore {
    /// Opens the span with every sampler-relevant attribute present at start.
    pub(crate) fn open(
        genai: &GenAi,
        op: OperationName,
        name: Cow<'static, str>,
        kind: SpanKind,
        attrs: &[Attribute],
        parent: Option<&Context>,
        metric_attrs: Vec<Attribute>,
    ) -> Self {
        let mut options = ScopeOptions::new(name).kind(kind).attributes(attrs);
        if let Some(p) = parent {
            options = options.child_of(p);
        }
        let scope = genai.telemetry().correlator.open_scope(options);
        Self {
            genai: genai.clone(),
            op,
            scope,
            start: Instant::now(),
            metric_attrs,
            error_type: None,
            truncated: Vec::new(),
        }
    }

    pub(crate) fn set(&self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        self.scope.set_attribute(key, value);
    }

    /// The cost in USD of `usage`, priced by the model that answered (`response_model`), else
    /// the request model, of the span's provider; `None` without usage, provider, model or
    /// price (see [`GenAi::cost`]).
    pub(crate) fn cost(&self, response_model: Option<&StringValue>, usage: &Usage) -> Option<f64> {
        let provider = attribute_str(&self.metric_attrs, a::GEN_AI_PROVIDER_NAME)?;
        let model = match response_model {
            Some(m) => m.as_str(),
            None => attribute_str(&self.metric_attrs, a::GEN_AI_REQUEST_MODEL)?,
        };
        self.genai.cost(provider, model, usage)
    }

    /// Marks the operation failed: `error.type` on the span (and the scope's error status) and
    /// on the duration metric; for client operations (all but `execute_tool`) also the
    /// `gen_ai.client.operation.exception` event at WARN (semantic-conventions v1.41.0,
    /// `model/gen-ai/events.yaml`), next to the generic `exception` event the scope records.
    ///
    /// A message that says nothing beyond the error type (blank, or the type itself) is not
    /// passed on as the status description: the ERROR status and `error.type` already say it.
    pub(crate) fn fail(&mut self, error_type: &str, message: &str) {
        let error_type = if error_type.trim().is_empty() {
            "_OTHER"
        } else {
            error_type
        };
        self.set(a::ERROR_TYPE, error_type.to_owned());
        let message = if message.trim().is_empty() || message.trim() == error_type {
            String::new()
        } else {
            self.genai.redactor().redact(message).into_owned()
        };
        self.scope.record_error(error_type, &message);
        if self.op != OperationName::ExecuteTool {
            let mut attrs = vec![Attribute::new(a::EXCEPTION_TYPE, error_type.to_owned())];
            if !message.is_empty() {
                attrs.push(Attribute::new(a::EXCEPTION_MESSAGE, message));
            }
            self.emit_at(
                LogLevel::Warning,
                a::EVENT_CLIENT_OPERATION_EXCEPTION,
                None,
                &attrs,
            );
        }
        self.error_type = Some(error_type.to_owned());
    }

    /// Sets a content attribute: redacted, bounded, as a JSON string.
    pub(crate) fn set_content<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        let json = self.content_json(key, value);
        self.set(key, json);
    }

    /// Redacted, bounded JSON for `value`; remembers when it was cut.
    pub(crate) fn content_json<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> String {
        let v = redacted_value(value, self.genai.redactor());
        let (json, cut) = bounded_json(&v, self.genai.config().max_content_bytes);
        if cut && !self.truncated.contains(&key) {
            self.truncated.push(key);
        }
        json
    }

    /// Sets [`a::CONTENT_TRUNCATED`] when any content was cut.
    pub(crate) fn flush_truncated(&self) {
        if !self.truncated.is_empty() {
            self.set(a::CONTENT_TRUNCATED, self.truncated.clone());
        }
    }

    /// Runs `f` with the metric attributes plus `error.type` when failed. The attribute is
    /// pushed and popped in place: cloning the list would copy every owned string in it.
    pub(crate) fn with_duration_attrs(&mut self, f: impl FnOnce(&Self, &[Attribute])) {
        let failed = self.error_type.is_some();
        if let Some(e) = &self.error_type {
            let error = Attribute::new(a::ERROR_TYPE, e.clone());
            self.metric_attrs.push(error);
        }
        f(self, &self.metric_attrs);
        if failed {
            self.metric_attrs.pop();
        }
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Records the duration metric (once: the guard calls it when the span finishes).
    pub(crate) fn record_duration(&mut self) {
        self.with_duration_attrs(|core, attrs| {
            core.genai
                .metrics()
                .duration(core.op.duration_kind(), core.elapsed(), attrs);
        });
    }

    /// Emits a named event ([`Logger::log_event`](telemetry_core::Logger::log_event)) with
    /// this scope current, so it becomes a span event on this span and a log record with
    /// `EventName = name`, `Body = body` and this span's ids.
    pub(crate) fn emit(&self, name: &'static str, body: Option<&str>, attrs: &[Attribute]) {
        self.emit_at(LogLevel::Info, name, body, attrs);
    }

    /// [`emit`](Self::emit) at another severity.
    pub(crate) fn emit_at(
        &self,
        level: LogLevel,
        name: &'static str,
        body: Option<&str>,
        attrs: &[Attribute],
    ) {
        let logger = &self.genai.telemetry().logger;
        if !logger.enabled(level) {
            return;
        }
        let _current = self.scope.enter();
        logger.log_event(level, name, body, attrs);
    }

    pub(crate) fn events_enabled(&self) -> bool {
        self.genai.telemetry().logger.enabled(LogLevel::Info)
    }
}

/// Bounded content JSON (from [`OpCore::content_json`]) in the structured form events carry:
/// objects as [`AttributeValue::Map`], arrays as [`AttributeValue::Array`], so that OTLP
/// receives a kvlist/array `AnyValue` ("when recorded on events, it MUST be recorded in
/// structured form", semantic-conventions v1.41.0, `model/gen-ai/registry.yaml`). A JSON
/// `null` member is left out of its object (the schemas' optional fields mean the same when
/// absent; `AnyValue` in the opentelemetry API has no null); a `null` array element, which
/// no schema field holds, becomes the string `"null"` so that positions are kept.
pub(crate) fn structured(json: &str) -> AttributeValue {
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(v) => structured_value(v),
        // Bounded JSON always parses; keep the text if it ever did not.
        Err(_) => AttributeValue::from(json.to_owned()),
    }
}

fn structured_value(v: serde_json::Value) -> AttributeValue {
    use serde_json::Value as J;
    match v {
        J::Null => AttributeValue::String(StringValue::Static("null")),
        J::Bool(b) => AttributeValue::Bool(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => AttributeValue::I64(i),
            None => AttributeValue::F64(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => AttributeValue::from(s),
        J::Array(items) => AttributeValue::Array(items.into_iter().map(structured_value).collect()),
        J::Object(map) => AttributeValue::Map(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| Attribute::new(k, structured_value(v)))
                .collect(),
        ),
    }
}

/// The string value of `key` in `attrs`.
pub(crate) fn attribute_str<'a>(attrs: &'a [Attribute], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|x| x.key == key)
        .and_then(|x| match &x.value {
            AttributeValue::String(s) => Some(s.as_str()),
            _ => None,
        })
}
