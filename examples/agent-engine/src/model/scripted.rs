//! The offline, deterministic model: it picks tools from keywords and expressions in the
//! message, so the whole agent loop (fan-out included) runs without a provider.

use super::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ModelError, ToolCallRequest, Usage,
    whitespace_tokens,
};
use crate::semconv::PROVIDER_SCRIPTED;
use telemetry_core::StringValue;
use telemetry_genai::{ModelPrice, PriceTable};

/// The scripted model's name (`gen_ai.request.model` and `gen_ai.response.model`).
pub const SCRIPTED_MODEL_NAME: &str = "scripted-1";

/// The scripted model's price, so that the offline engine shows costs as a real model
/// would: gpt-4o-mini's rates ($0.15 per million input tokens, $0.60 per million output
/// tokens). A price file in `AGENT_TELEMETRY_GENAI_PRICES` with a `scripted-1` entry replaces
/// it.
pub fn scripted_prices() -> PriceTable {
    let mut t = PriceTable::new();
    t.insert(SCRIPTED_MODEL_NAME, ModelPrice::per_token(0.15e-6, 0.60e-6));
    t
}

/// A deterministic model that needs no network.
///
/// For the newest user message it plans tool calls, one per request it recognises, in the
/// order they appear (clauses are split at `;`, `, ` and the words `and`/`then`, outside
/// parentheses):
///
/// | the clause | tool call |
/// | --- | --- |
/// | starts with `calculate`, `calc`, `compute` or `evaluate` | `calculator {"expression": <rest>}` |
/// | contains an arithmetic expression (digits with `+ - * / % ^` and parentheses) | `calculator {"expression": <expr>}` |
/// | contains the word `time` or `date` | `clock {}` (once per message) |
/// | `research <topic>` | `research_task {"input": <topic>, "processor": "core"}` |
///
/// Several recognised requests become several tool calls in one response (the agent runs
/// them concurrently). Once tool results follow the user message it answers with a summary
/// of them (finish reason `stop`); a message with nothing to act on gets a direct reply.
///
/// **Tokens** are whitespace-separated words: input = the words of every message's text in
/// the request (tool results included, tool definitions not), output = the words of the
/// reply plus, per tool call, one for the name and the words of its JSON arguments. They are
/// stable across runs, which keeps tests exact, but are not a real tokenizer's counts.
#[derive(Clone, Debug, Default)]
pub struct ScriptedModel;

impl ScriptedModel {
    /// The scripted model.
    pub fn new() -> Self {
        Self
    }
}

#[async_trait::async_trait]
impl ChatModel for ScriptedModel {
    fn provider_name(&self) -> StringValue {
        StringValue::Static(PROVIDER_SCRIPTED)
    }

    fn model_name(&self) -> StringValue {
        StringValue::Static(SCRIPTED_MODEL_NAME)
    }

    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ModelError> {
        Ok(respond(&request))
    }
}

fn respond(request: &ChatRequest) -> ChatResponse {
    let input_tokens = request.messages.iter().map(message_tokens).sum();
    let last_user = request
        .messages
        .iter()
        .rposition(|m| matches!(m, ChatMessage::User(_)));
    let Some(user_index) = last_user else {
        return finish(
            "There is no user message to answer.".into(),
            "No user message in the conversation.".into(),
            input_tokens,
        );
    };
    let results: Vec<(&str, &str)> = request.messages[user_index + 1..]
        .iter()
        .filter_map(|m| match m {
            ChatMessage::Tool { name, content, .. } => Some((name.as_str(), content.as_str())),
            _ => None,
        })
        .collect();
    if !results.is_empty() {
        let summary = results
            .iter()
            .map(|(name, content)| format!("{name}: {content}"))
            .collect::<Vec<_>>()
            .join("; ");
        return finish(
            format!("Here is what I found. {summary}"),
            format!("{} tool result(s) are in; summarising them.", results.len()),
            input_tokens,
        );
    }
    let ChatMessage::User(text) = &request.messages[user_index] else {
        unreachable!("rposition matched a user message")
    };
    let available = |name: &str| request.tools.iter().any(|t| t.name == name);
    let planned: Vec<(String, serde_json::Value)> = plan(text)
        .into_iter()
        .filter(|(name, _)| available(name))
        .collect();
    if planned.is_empty() {
        return finish(
            direct_reply(text),
            "Nothing to calculate, look up or research; replying directly.".into(),
            input_tokens,
        );
    }
    let previous_calls = request
        .messages
        .iter()
        .map(|m| match m {
            ChatMessage::Assistant { tool_calls, .. } => tool_calls.len(),
            _ => 0,
        })
        .sum::<usize>();
    let reasoning = format!(
        "The message asks for {}; calling {} tool(s){}.",
        planned
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        planned.len(),
        if planned.len() > 1 {
            " concurrently"
        } else {
            ""
        }
    );
    let tool_calls: Vec<ToolCallRequest> = planned
        .into_iter()
        .enumerate()
        .map(|(i, (name, arguments))| ToolCallRequest {
            id: format!("call_{}", previous_calls + i + 1),
            name,
            arguments,
        })
        .collect();
    let output_tokens = tool_calls
        .iter()
        .map(|c| 1 + whitespace_tokens(&c.arguments.to_string()))
        .sum();
    ChatResponse {
        content: None,
        tool_calls,
        usage: Usage {
            input_tokens,
            output_tokens,
        },
        finish_reason: "tool_calls".into(),
        response_model: SCRIPTED_MODEL_NAME.into(),
        response_id: None,
        reasoning: Some(reasoning),
    }
}

fn finish(reply: String, reasoning: String, input_tokens: u64) -> ChatResponse {
    ChatResponse {
        usage: Usage {
            input_tokens,
            output_tokens: whitespace_tokens(&reply),
        },
        content: Some(reply),
        tool_calls: Vec::new(),
        finish_reason: "stop".into(),
        response_model: SCRIPTED_MODEL_NAME.into(),
        response_id: None,
        reasoning: Some(reasoning),
    }
}

fn message_tokens(message: &ChatMessage) -> u64 {
    match message {
        ChatMessage::System(t) | ChatMessage::User(t) => whitespace_tokens(t),
        ChatMessage::Assistant {
            content,
            tool_calls,
        } => {
            content.as_deref().map_or(0, whitespace_tokens)
                + tool_calls
                    .iter()
                    .map(|c| 1 + whitespace_tokens(&c.arguments.to_string()))
                    .sum::<u64>()
        }
        ChatMessage::Tool { content, .. } => whitespace_tokens(content),
    }
}

fn direct_reply(text: &str) -> String {
    let lower = text.to_lowercase();
    let greeting = ["hello", "hi", "hey"]
        .iter()
        .any(|g| lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == *g));
    if greeting {
        "Hello! I can calculate (\"what is 6*7\"), tell the time, or research a topic \
         (\"research rust observability\")."
            .into()
    } else {
        format!(
            "You said: \"{}\". I can calculate expressions, tell the time and date, and \
             research topics.",
            text.trim()
        )
    }
}

/// The tool calls the message asks for, in order: `(tool name, arguments)`.
pub(crate) fn plan(text: &str) -> Vec<(String, serde_json::Value)> {
    let mut calls = Vec::new();
    let mut clock = false;
    for clause in clauses(text) {
        let lower = clause.to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        if let Some(topic) = research_topic(clause) {
            calls.push((
                "research_task".to_owned(),
                serde_json::json!({"input": topic, "processor": "core"}),
            ));
            continue;
        }
        if let Some(expr) = explicit_expression(clause).or_else(|| find_expression(clause)) {
            calls.push((
                "calculator".to_owned(),
                serde_json::json!({ "expression": expr }),
            ));
        }
        if !clock && words.iter().any(|w| *w == "time" || *w == "date") {
            clock = true;
            calls.push(("clock".to_owned(), serde_json::json!({})));
        }
    }
    calls
}

/// Splits at `;`, `, `, ` and `, ` then ` outside parentheses.
fn clauses(text: &str) -> Vec<&str> {
    const SEPARATORS: [&str; 4] = [";", ", ", " and ", " then "];
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut skip_until = 0;
    for (i, c) in text.char_indices() {
        if i < skip_until {
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth > 0 {
            continue;
        }
        let rest = &text[i..];
        let sep = SEPARATORS.iter().find(|s| {
            rest.get(..s.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(s))
        });
        if let Some(sep) = sep {
            out.push(&text[start..i]);
            start = i + sep.len();
            skip_until = start;
        }
    }
    out.push(&text[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn research_topic(clause: &str) -> Option<String> {
    let lower = clause.to_ascii_lowercase();
    let at = lower.match_indices("research").find_map(|(i, _)| {
        let before_ok = i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphanumeric();
        let after = lower.as_bytes().get(i + "research".len());
        let after_ok = after.is_some_and(u8::is_ascii_whitespace);
        (before_ok && after_ok).then_some(i)
    })?;
    let rest = clause[at + "research".len()..].trim_start();
    // "research about X", "research on X".
    let rest = ["about ", "on "]
        .iter()
        .find_map(|p| {
            rest.get(..p.len())
                .filter(|h| h.eq_ignore_ascii_case(p))
                .map(|_| &rest[p.len()..])
        })
        .unwrap_or(rest);
    let topic = rest.trim().trim_end_matches(['?', '.', '!']).trim();
    (!topic.is_empty()).then(|| topic.to_owned())
}

fn explicit_expression(clause: &str) -> Option<String> {
    // ASCII lowercase keeps byte offsets, so slicing `clause` below stays on char boundaries.
    let lower = clause.to_ascii_lowercase();
    ["calculate ", "calc ", "compute ", "evaluate "]
        .iter()
        .find(|p| lower.starts_with(**p))
        .map(|p| {
            clause[p.len()..]
                .trim()
                .trim_end_matches(['?', '!'])
                .trim()
                .to_owned()
        })
        .filter(|e| !e.is_empty())
}

/// The longest run of arithmetic characters that holds a digit and an operator.
fn find_expression(clause: &str) -> Option<String> {
    let is_expr_char = |c: char| c.is_ascii_digit() || " .+-*/%^()".contains(c);
    let mut best: Option<&str> = None;
    for run in clause.split(|c: char| !is_expr_char(c)) {
        let run = run.trim();
        let has_digit = run.chars().any(|c| c.is_ascii_digit());
        let has_operator = run
            .char_indices()
            .any(|(i, c)| "+-*/%^".contains(c) && i > 0);
        let ends_well = run.ends_with(|c: char| c.is_ascii_digit() || c == ')');
        if has_digit && has_operator && ends_well && best.is_none_or(|b| b.len() < run.len()) {
            best = Some(run);
        }
    }
    best.map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ToolDefinition;

    fn names(text: &str) -> Vec<String> {
        plan(text).into_iter().map(|(n, _)| n).collect()
    }

    #[test]
    fn plans_tools_from_the_message() {
        assert_eq!(names("what is 2 + 2?"), ["calculator"]);
        assert_eq!(plan("what is 2 + 2?")[0].1["expression"], "2 + 2");
        assert_eq!(names("what time is it"), ["clock"]);
        assert_eq!(names("what's the date and the time"), ["clock"]);
        assert_eq!(
            plan("research rust async runtimes")[0].1["input"],
            "rust async runtimes"
        );
        assert_eq!(
            names("compute (1 + 2) * 3 and tell me the time"),
            ["calculator", "clock"]
        );
        assert_eq!(plan("calculate 2 +* 3")[0].1["expression"], "2 +* 3");
        assert_eq!(
            names("research otel, then calculate 6*7; what time is it?"),
            ["research_task", "calculator", "clock"]
        );
        assert!(names("hello there").is_empty());
        assert!(names("I have 3 cats").is_empty());
        assert!(names("researchers agree").is_empty());
    }

    #[test]
    fn answers_tool_results_with_a_summary_and_counts_words() {
        let tools = ["calculator", "clock"]
            .iter()
            .map(|n| ToolDefinition {
                name: (*n).into(),
                description: String::new(),
                parameters: serde_json::json!({}),
            })
            .collect::<Vec<_>>();
        let mut request = ChatRequest {
            messages: vec![ChatMessage::User("what is 6*7 and the time".into())],
            tools,
        };
        let first = respond(&request);
        assert_eq!(first.finish_reason, "tool_calls");
        assert_eq!(first.tool_calls.len(), 2);
        assert_eq!(first.usage.input_tokens, 6);
        assert_eq!(first.tool_calls[0].id, "call_1");
        request.messages.push(ChatMessage::Assistant {
            content: None,
            tool_calls: first.tool_calls.clone(),
        });
        request.messages.push(ChatMessage::Tool {
            call_id: "call_1".into(),
            name: "calculator".into(),
            content: "42".into(),
        });
        let second = respond(&request);
        assert_eq!(second.finish_reason, "stop");
        assert!(second.content.unwrap().contains("calculator: 42"));
    }
}
