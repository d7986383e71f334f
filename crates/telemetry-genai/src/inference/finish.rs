//! What an inference span records when it ends, in this order: result attributes, usage,
//! content, the details event, compatibility records, metrics, agent totals.

use std::fmt;

use telemetry_core::{Attribute, AttributeValue, StringValue};

use crate::attributes as a;
use crate::compat;
use crate::inference::span::Inference;
use crate::message::{ERROR_REASON, Message, ToolDefinition, finish_reason};
use crate::operation::{OpCore, structured};
use crate::span::sealed::Hooks;

impl Hooks for Inference {
    const TYPE_NAME: &'static str = "InferenceSpan";

    fn finish(&mut self, core: &mut OpCore) {
        let g = core.genai.clone();
        let cfg = g.config();
        let latest = cfg.latest();
        let failed = core.error_type.is_some();

        // 1. Result attributes, each set on the span and kept for the details event: the event
        //    carries the span's attributes (semantic-conventions v1.41.0,
        //    model/gen-ai/events.yaml: the event extends attributes.gen_ai.inference.client).
        // Room for every result attribute (ids, model, reasons, first chunk, five usage
        // counts, the cost and its alias, error.type): no reallocation on the way.
        let mut end: Vec<Attribute> = Vec::with_capacity(13);
        // One finish reason per choice, in choice order; `error` for a choice without one
        // (the output-message schema requires it, and the list corresponds to each generation
        // received: v1.41.0 docs/gen-ai/gen-ai-output-messages.json, model/gen-ai/registry.yaml).
        let reasons: Vec<StringValue> = match &self.finish_reasons {
            Some(r) => r.iter().map(|r| finish_reason(r)).collect(),
            None => self
                .output
                .iter()
                .map(|m| {
                    m.finish_reason
                        .as_deref()
                        .map_or(ERROR_REASON, finish_reason)
                })
                .collect(),
        };
        // Shared once here: the span, the event and the metric attributes all carry these.
        self.response_id = self.response_id.take().map(StringValue::into_shared);
        self.response_model = self.response_model.take().map(|m| share_model(core, m));
        if let Some(id) = &self.response_id {
            end.push(Attribute::new(a::GEN_AI_RESPONSE_ID, id.clone()));
        }
        if let Some(m) = &self.response_model {
            end.push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
        }
        if !reasons.is_empty() {
            end.push(Attribute::new(
                a::GEN_AI_RESPONSE_FINISH_REASONS,
                reasons.clone(),
            ));
        }
        if let Some(t) = self.first_chunk {
            end.push(Attribute::new(
                a::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                t.duration_since(core.start).as_secs_f64(),
            ));
        }
        // 2. Usage and its cost, before any content (a count limit never drops them).
        end.extend(self.usage.attributes(latest, true));
        let cost = core.cost(self.response_model.as_ref(), &self.usage);
        if let Some(usd) = cost {
            end.extend(g.cost_attributes(usd));
        }
        for x in &end {
            core.set(x.key.clone(), x.value.clone());
        }
        if let Some(e) = &core.error_type {
            end.push(Attribute::new(a::ERROR_TYPE, e.clone()));
        }
        // 3. Content: JSON strings on the span, structured on the event.
        let mut content: Vec<(&'static str, String)> = Vec::new();
        if cfg.capture.on_span() || cfg.capture.on_event() {
            let output: Vec<Message> = self
                .output
                .iter()
                .zip(reasons.iter().map(Some).chain(std::iter::repeat(None)))
                .map(|(m, r)| {
                    let mut m = m.clone();
                    // *latest* (#363): finish_reason lives only in
                    // gen_ai.response.finish_reasons; v1.41 requires it on every message.
                    m.finish_reason = if latest {
                        None
                    } else {
                        Some(r.map_or("error", StringValue::as_str).to_owned())
                    };
                    m
                })
                .collect();
            if let Some(s) = &self.system {
                content.push((
                    a::GEN_AI_SYSTEM_INSTRUCTIONS,
                    core.content_json(a::GEN_AI_SYSTEM_INSTRUCTIONS, s),
                ));
            }
            if !self.input.is_empty() {
                content.push((
                    a::GEN_AI_INPUT_MESSAGES,
                    core.content_json(a::GEN_AI_INPUT_MESSAGES, &self.input),
                ));
            }
            if !output.is_empty() {
                content.push((
                    a::GEN_AI_OUTPUT_MESSAGES,
                    core.content_json(a::GEN_AI_OUTPUT_MESSAGES, &output),
                ));
            }
            if let Some(t) = &self.tools {
                let t = tool_definitions(t, cfg.full_tool_definitions);
                content.push((
                    a::GEN_AI_TOOL_DEFINITIONS,
                    core.content_json(a::GEN_AI_TOOL_DEFINITIONS, &t),
                ));
            }
        }
        if cfg.capture.on_span() {
            for (k, v) in &content {
                core.set(*k, v.clone());
            }
            core.flush_truncated();
        }
        // 4. The details event, with the span current: the span's own attribute list plus
        //    the content in structured form ("when recorded on events, it MUST be recorded in
        //    structured form", v1.41.0 model/gen-ai/registry.yaml, gen_ai.input.messages).
        if cfg.capture.on_event() && core.events_enabled() {
            let mut attrs = std::mem::take(&mut self.start_attrs);
            attrs.extend(end);
            for (k, v) in content {
                attrs.push(Attribute::new(k, structured(&v)));
            }
            if !core.truncated.is_empty() {
                attrs.push(Attribute::new(a::CONTENT_TRUNCATED, core.truncated.clone()));
            }
            core.emit(a::EVENT_INFERENCE_OPERATION_DETAILS, None, &attrs);
        }
        if cfg.compat_events && !failed {
            compat::response(core, &self.compat_common, &self.output);
        }
        // 5. Metrics: response model joins the attributes; no ids.
        if let Some(m) = &self.response_model {
            core.metric_attrs
                .push(Attribute::new(a::GEN_AI_RESPONSE_MODEL, m.clone()));
        }
        if let Some(t) = self.first_chunk {
            g.metrics()
                .time_to_first_chunk(t.duration_since(core.start), &core.metric_attrs);
        }
        let error = core.error_type.clone();
        g.metrics()
            .tokens(&self.usage, &mut core.metric_attrs, error.as_deref());
        if let Some(usd) = cost {
            let agent_name = self.agent.as_ref().and_then(|a| a.name());
            g.metrics().cost(usd, &mut core.metric_attrs, agent_name);
        }
        // 6. Agent totals.
        if let Some(agent) = &self.agent {
            agent.add_usage(&self.usage);
            if self.usage.input_tokens.is_some() || self.usage.output_tokens.is_some() {
                agent.add_cost(cost);
            }
        }
    }

    fn debug_fields(&self, core: &OpCore, f: &mut fmt::DebugStruct<'_, '_>) {
        f.field("operation", &core.op)
            .field("context", core.scope.context());
    }
}

/// The response model as a shared value: the request model's own when the text is the
/// same (the common case: no copy at all), else the text shared once.
fn share_model(core: &OpCore, model: StringValue) -> StringValue {
    let requested = core
        .metric_attrs
        .iter()
        .find(|x| x.key == a::GEN_AI_REQUEST_MODEL)
        .and_then(|x| match &x.value {
            AttributeValue::String(s) if s.as_str() == model.as_str() => Some(s.clone()),
            _ => None,
        });
    requested.unwrap_or_else(|| model.into_shared())
}

/// Tool definitions as recorded: `type` and `name` only unless `full` (the optional
/// `description` and `parameters` are large: "NOT RECOMMENDED to populate non-required
/// properties by default", v1.41.0 model/gen-ai/registry.yaml, gen_ai.tool.definitions).
fn tool_definitions(tools: &[ToolDefinition], full: bool) -> Vec<ToolDefinition> {
    tools
        .iter()
        .map(|t| {
            if full {
                t.clone()
            } else {
                ToolDefinition {
                    kind: t.kind.clone(),
                    name: t.name.clone(),
                    description: None,
                    parameters: serde_json::Value::Null,
                }
            }
        })
        .collect()
}
