//! An OpenAI-compatible `/chat/completions` client with tool calling.
//!
//! Works with OpenAI and any server that speaks the same API (vLLM, Ollama, LM Studio,
//! LiteLLM, …), over `https://` (see [`crate::tls`]) or plain `http://`.

use std::sync::Arc;
use std::time::Duration;

use reqwest_middleware::ClientWithMiddleware;
use serde::Deserialize;
use serde_json::{Value, json};
use telemetry_core::{StringValue, Telemetry};
use telemetry_genai::provider::OPENAI as PROVIDER_OPENAI;
use telemetry_http::{HttpClientMiddleware, UrlTemplate};

use super::{
    ChatMessage, ChatModel, ChatRequest, ChatResponse, ModelError, ToolCallRequest, Usage,
    whitespace_tokens,
};
use crate::config::ConfigError;

/// Settings of [`OpenAiModel`].
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    /// The API base, ending before `/chat/completions`, e.g. `https://api.openai.com/v1`
    /// (env `OPENAI_BASE_URL`).
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when set (env `OPENAI_API_KEY`).
    pub api_key: Option<String>,
    /// The model to request, e.g. `gpt-4o-mini` (env `OPENAI_MODEL`).
    pub model: String,
    /// Limit for one whole call, connect to last byte.
    pub timeout: Duration,
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: None,
            model: "gpt-4o-mini".into(),
            timeout: Duration::from_secs(60),
        }
    }
}

/// The OpenAI-compatible model client.
#[derive(Clone, Debug)]
pub struct OpenAiModel {
    config: OpenAiConfig,
    endpoint: reqwest::Url,
    /// Traced by `telemetry_http`: each call is an HTTP CLIENT span under the `chat` span,
    /// with `traceparent` injected.
    client: ClientWithMiddleware,
    /// `config.model`, shared by every call's span and metrics.
    model_name: Arc<str>,
    /// `server.address` and `server.port` of the endpoint, shared likewise.
    server: Option<(Arc<str>, u16)>,
}

impl OpenAiModel {
    /// A client for `config`.
    ///
    /// # Errors
    /// [`ConfigError`] when the base URL is not an absolute `http(s)` URL with a host, the
    /// model name or the API key is empty, the default OpenAI URL has no API key, or
    /// `AGENT_ENGINE_CA_CERTIFICATE` is not a readable PEM file.
    pub fn new(config: OpenAiConfig, telemetry: Telemetry) -> Result<Self, ConfigError> {
        let base = config.base_url.trim_end_matches('/');
        let endpoint = reqwest::Url::parse(&format!("{base}/chat/completions")).map_err(|e| {
            ConfigError::new(format!(
                "invalid OPENAI_BASE_URL {:?}: expected an absolute URL such as \
                 https://api.openai.com/v1 ({e})",
                config.base_url
            ))
        })?;
        crate::config::check_scheme("OPENAI_BASE_URL", &endpoint)?;
        if config.model.trim().is_empty() {
            return Err(ConfigError::new(
                "invalid OPENAI_MODEL \"\": expected a model name such as gpt-4o-mini",
            ));
        }
        if config
            .api_key
            .as_deref()
            .is_some_and(|k| k.trim().is_empty())
        {
            return Err(ConfigError::new(
                "invalid OPENAI_API_KEY \"\": expected the provider's API key, or leave it unset",
            ));
        }
        if config.api_key.is_none() && endpoint.host_str() == Some("api.openai.com") {
            return Err(ConfigError::new(
                "missing OPENAI_API_KEY: https://api.openai.com needs an API key (set \
                 OPENAI_API_KEY, or OPENAI_BASE_URL for a local OpenAI-compatible server)",
            ));
        }
        let client = crate::tls::client_builder()?
            .timeout(config.timeout)
            .build()
            .map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        let client = reqwest_middleware::ClientBuilder::new(client)
            .with(HttpClientMiddleware::new(telemetry))
            .build();
        let server = endpoint
            .host_str()
            .zip(endpoint.port_or_known_default())
            .map(|(host, port)| (Arc::from(host), port));
        Ok(Self {
            model_name: Arc::from(config.model.as_str()),
            server,
            config,
            endpoint,
            client,
        })
    }

    fn body(&self, request: &ChatRequest) -> Value {
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|m| match m {
                ChatMessage::System(t) => json!({"role": "system", "content": t}),
                ChatMessage::User(t) => json!({"role": "user", "content": t}),
                ChatMessage::Assistant {
                    content,
                    tool_calls,
                } => {
                    let mut v = json!({"role": "assistant", "content": content});
                    if !tool_calls.is_empty() {
                        v["tool_calls"] = tool_calls
                            .iter()
                            .map(|c| {
                                json!({
                                    "id": c.id,
                                    "type": "function",
                                    "function": {"name": c.name, "arguments": c.arguments.to_string()},
                                })
                            })
                            .collect();
                    }
                    v
                }
                ChatMessage::Tool {
                    call_id, content, ..
                } => json!({"role": "tool", "tool_call_id": call_id, "content": content}),
            })
            .collect();
        let mut body = json!({"model": self.config.model, "messages": messages});
        if !request.tools.is_empty() {
            body["tools"] = request
                .tools
                .iter()
                .map(|t| {
                    json!({
                        "type": "function",
                        "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                    })
                })
                .collect();
        }
        body
    }
}

#[derive(Deserialize)]
struct CompletionBody {
    id: Option<String>,
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<UsageBody>,
}

#[derive(Deserialize)]
struct Choice {
    message: MessageBody,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct MessageBody {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<ToolCallBody>,
    /// DeepSeek-style reasoning text, when the server sends one.
    reasoning_content: Option<String>,
}

#[derive(Deserialize)]
struct ToolCallBody {
    id: String,
    function: FunctionBody,
}

#[derive(Deserialize)]
struct FunctionBody {
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize)]
struct UsageBody {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: Option<String>,
    code: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn classify_status(status: u16, body: &str) -> ModelError {
    let parsed = serde_json::from_str::<ErrorEnvelope>(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|e| e.error.message.clone())
        .unwrap_or_else(|| body.chars().take(300).collect());
    let code = parsed
        .as_ref()
        .and_then(|e| e.error.code.as_ref())
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind = parsed
        .as_ref()
        .and_then(|e| e.error.kind.as_deref())
        .unwrap_or_default();
    let lower = message.to_lowercase();
    if status == 429 {
        ModelError::RateLimited(message)
    } else if code == "context_length_exceeded"
        || kind == "context_length_exceeded"
        || lower.contains("context length")
        || lower.contains("context window")
    {
        ModelError::ContextWindowExceeded(message)
    } else {
        ModelError::Status { status, message }
    }
}

#[async_trait::async_trait]
impl ChatModel for OpenAiModel {
    fn provider_name(&self) -> StringValue {
        StringValue::Static(PROVIDER_OPENAI)
    }

    fn model_name(&self) -> StringValue {
        StringValue::Shared(self.model_name.clone())
    }

    fn server(&self) -> Option<(StringValue, u16)> {
        let (host, port) = self.server.as_ref()?;
        Some((StringValue::Shared(host.clone()), *port))
    }

    async fn chat(&self, request: ChatRequest) -> Result<ChatResponse, ModelError> {
        let mut http = self
            .client
            .post(self.endpoint.clone())
            .with_extension(UrlTemplate::new(self.endpoint.path().to_owned()))
            .json(&self.body(&request));
        if let Some(key) = &self.config.api_key {
            http = http.bearer_auth(key);
        }
        let send_error = |e: reqwest::Error| {
            if e.is_timeout() {
                ModelError::Timeout(format!(
                    "no answer from {} within {:?}",
                    self.endpoint, self.config.timeout
                ))
            } else {
                ModelError::Connection(format!("{}: {e}", self.endpoint))
            }
        };
        let response = http.send().await.map_err(|e| match e {
            reqwest_middleware::Error::Reqwest(e) => send_error(e),
            other => ModelError::Connection(format!("{}: {other}", self.endpoint)),
        })?;
        let status = response.status();
        let text = response.text().await.map_err(send_error)?;
        if !status.is_success() {
            return Err(classify_status(status.as_u16(), &text));
        }
        let body: CompletionBody = serde_json::from_str(&text).map_err(|e| {
            ModelError::InvalidResponse(format!("expected a chat.completion JSON object: {e}"))
        })?;
        let Some(choice) = body.choices.into_iter().next() else {
            return Err(ModelError::InvalidResponse(
                "expected at least one choice, got none".into(),
            ));
        };
        let tool_calls: Vec<ToolCallRequest> = choice
            .message
            .tool_calls
            .into_iter()
            .map(|c| ToolCallRequest {
                id: c.id,
                name: c.function.name,
                // Models sometimes send invalid JSON; the tool then reports it as an error.
                arguments: serde_json::from_str(&c.function.arguments)
                    .unwrap_or(Value::String(c.function.arguments)),
            })
            .collect();
        let content = choice.message.content.filter(|c| !c.is_empty());
        let usage = match body.usage {
            Some(UsageBody {
                prompt_tokens: Some(i),
                completion_tokens: Some(o),
            }) => Usage {
                input_tokens: i,
                output_tokens: o,
            },
            // Some compatible servers omit usage: fall back to word counts, as documented.
            _ => Usage {
                input_tokens: 0,
                output_tokens: content.as_deref().map_or(0, whitespace_tokens),
            },
        };
        let finish_reason = choice.finish_reason.unwrap_or_else(|| {
            if tool_calls.is_empty() {
                "stop"
            } else {
                "tool_calls"
            }
            .into()
        });
        Ok(ChatResponse {
            content,
            tool_calls,
            usage,
            finish_reason,
            response_model: body.model.unwrap_or_else(|| self.config.model.clone()),
            response_id: body.id,
            reasoning: choice.message.reasoning_content,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_provider_errors() {
        let ctx = r#"{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}"#;
        assert_eq!(
            classify_status(400, ctx).error_type(),
            "context_length_exceeded"
        );
        assert_eq!(
            classify_status(429, r#"{"error":{"message":"slow down"}}"#).error_type(),
            "rate_limit_exceeded"
        );
        assert_eq!(classify_status(503, "upstream down").error_type(), "503");
    }

    #[test]
    fn rejects_bad_base_urls() {
        let e = OpenAiModel::new(
            OpenAiConfig {
                base_url: "not a url".into(),
                ..OpenAiConfig::default()
            },
            Telemetry::noop(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("OPENAI_BASE_URL"), "{e}");
    }
}
