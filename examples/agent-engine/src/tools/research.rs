//! The `research_task` tool: a client for an asynchronous task REST API (the Parallel-style
//! `POST /v1/tasks/runs` + poll `GET /v1/tasks/runs/{run_id}` protocol), traced with the HTTP
//! client semantic conventions.

use reqwest_middleware::ClientWithMiddleware;
use serde_json::{Value, json};
use telemetry_core::{Attribute, Telemetry};
use telemetry_http::{ClientSpanAttributes, HttpClientMiddleware, UrlTemplate};

use super::{Tool, ToolError, string_argument};
use crate::config::{ConfigError, ResearchLimits, check_scheme};
use crate::semconv::{ERROR_TYPE, TASK_POLLS, TASK_PROCESSOR, TASK_RUN_ID};

/// How a research run ended: its id, final status and output.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRunOutcome {
    /// The API's run id.
    pub run_id: String,
    /// `completed`.
    pub status: String,
    /// The run's output object.
    pub output: Value,
    /// How many status polls it took.
    pub polls: u32,
}

/// A traced client of the task API.
///
/// Each HTTP request goes through `telemetry_http::HttpClientMiddleware`: a CLIENT scope named
/// `{method} {url template}` with the HTTP client conventions, `traceparent` injected, and
/// `http.client.request.duration` (s); this client adds the run's `task_api.processor` and,
/// once known, `task_api.run_id`. A request that fails is logged with its `error.type` (the
/// status code for ≥ 400, `timeout`, `connection_error`, `invalid_response`).
#[derive(Clone)]
pub struct TaskApiClient {
    http: ClientWithMiddleware,
    base: reqwest::Url,
    api_key: Option<String>,
    limits: ResearchLimits,
    telemetry: Telemetry,
}

impl std::fmt::Debug for TaskApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskApiClient")
            .field("base", &self.base.as_str())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

struct HttpOutcome {
    body: Value,
}

impl TaskApiClient {
    /// A client for the API at `base_url` (e.g. `http://127.0.0.1:8801`; `/v1/...` is
    /// appended).
    ///
    /// # Errors
    /// [`ConfigError`] for a URL that is not absolute `http(s)`, or `https` without `tls`.
    pub fn new(
        base_url: &str,
        api_key: Option<String>,
        limits: ResearchLimits,
        telemetry: Telemetry,
    ) -> Result<Self, ConfigError> {
        let trimmed = base_url.trim_end_matches('/');
        let base = reqwest::Url::parse(&format!("{trimmed}/")).map_err(|e| {
            ConfigError::new(format!(
                "invalid task API URL {base_url:?}: expected an absolute URL such as \
                 http://127.0.0.1:8801 ({e})"
            ))
        })?;
        check_scheme("task API URL", &base)?;
        let http = crate::tls::client_builder()?
            .timeout(limits.request_timeout)
            .build()
            .map_err(|e| ConfigError::new(format!("cannot build the HTTP client: {e}")))?;
        let http = reqwest_middleware::ClientBuilder::new(http)
            .with(HttpClientMiddleware::new(telemetry.clone()))
            .build();
        Ok(Self {
            http,
            base,
            api_key,
            limits,
            telemetry,
        })
    }

    /// Submits `input` to `processor` and polls until the run completes or fails, with the
    /// poll count and total time bounded by [`ResearchLimits`].
    ///
    /// # Errors
    /// [`ToolError`] with `error.type` `task_failed`, `timeout`, `poll_limit_exceeded`, the
    /// HTTP status code, `connection_error` or `invalid_response`.
    pub async fn run(&self, input: &str, processor: &str) -> Result<TaskRunOutcome, ToolError> {
        let limit = self.limits.timeout;
        match tokio::time::timeout(limit, self.run_unbounded(input, processor)).await {
            Ok(r) => r,
            Err(_) => Err(ToolError::new(
                "timeout",
                format!("research run for {input:?} did not finish within {limit:?}"),
            )),
        }
    }

    async fn run_unbounded(
        &self,
        input: &str,
        processor: &str,
    ) -> Result<TaskRunOutcome, ToolError> {
        let submitted = self
            .request(
                reqwest::Method::POST,
                "v1/tasks/runs",
                "/v1/tasks/runs",
                Some(json!({"input": input, "processor": processor})),
                vec![Attribute::new(TASK_PROCESSOR, processor.to_owned())],
            )
            .await?;
        let run_id = submitted
            .body
            .get("run_id")
            .and_then(Value::as_str)
            .filter(|id| {
                !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            })
            .ok_or_else(|| {
                ToolError::new(
                    "invalid_response",
                    format!(
                        "task API answered {} without a usable run_id",
                        submitted.body
                    ),
                )
            })?
            .to_owned();
        let mut interval = self.limits.poll_interval;
        for poll in 1..=self.limits.max_polls {
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(self.limits.max_poll_interval);
            let polled = self
                .request(
                    reqwest::Method::GET,
                    &format!("v1/tasks/runs/{run_id}"),
                    "/v1/tasks/runs/{run_id}",
                    None,
                    vec![
                        Attribute::new(TASK_PROCESSOR, processor.to_owned()),
                        Attribute::new(TASK_RUN_ID, run_id.clone()),
                    ],
                )
                .await?;
            let status = polled
                .body
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default();
            match status {
                "completed" => {
                    return Ok(TaskRunOutcome {
                        run_id,
                        status: status.to_owned(),
                        output: polled.body.get("output").cloned().unwrap_or(Value::Null),
                        polls: poll,
                    });
                }
                "failed" => {
                    let why = polled
                        .body
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("no reason given");
                    return Err(ToolError::new(
                        "task_failed",
                        format!("research run {run_id} failed: {why}"),
                    ));
                }
                "queued" | "running" => {}
                other => {
                    return Err(ToolError::new(
                        "invalid_response",
                        format!(
                            "research run {run_id} has status {other:?}: expected queued, \
                             running, completed or failed"
                        ),
                    ));
                }
            }
        }
        Err(ToolError::new(
            "poll_limit_exceeded",
            format!(
                "research run {run_id} did not finish after {} polls",
                self.limits.max_polls
            ),
        ))
    }

    /// One HTTP request through the traced client (its CLIENT span, `traceparent` and
    /// `http.client.request.duration` are `telemetry_http`'s, with this run's
    /// `task_api.processor` and, for polls, `task_api.run_id`); 2xx JSON bodies are returned,
    /// everything else is an error, logged with the status the API answered.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        template: &'static str,
        body: Option<Value>,
        run: Vec<Attribute>,
    ) -> Result<HttpOutcome, ToolError> {
        let url = self.base.join(path).map_err(|e| {
            ToolError::new(
                "invalid_request",
                format!("cannot build URL for {path:?}: {e}"),
            )
        })?;
        let mut request = self
            .http
            .request(method.clone(), url.clone())
            .with_extension(UrlTemplate::new(template))
            .with_extension(ClientSpanAttributes(run));
        if let Some(key) = &self.api_key {
            request = request.header("x-api-key", key);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let outcome = match send(request).await {
            Ok((status, Ok(body))) if (200..300).contains(&status) => Ok(HttpOutcome { body }),
            Ok((_, Err(e))) => Err(e),
            Ok((status, Ok(body))) => {
                let message = body
                    .get("error")
                    .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
                    .unwrap_or_else(|| body.to_string());
                Err(ToolError::new(
                    status.to_string(),
                    format!("task API answered HTTP {status} to {method} {url}: {message}"),
                ))
            }
            Err(e) => Err(e),
        };
        if let Err(e) = &outcome {
            self.telemetry.logger.warning(
                "task API request failed",
                &[
                    Attribute::new(ERROR_TYPE, e.error_type.clone()),
                    Attribute::new(crate::semconv::EXCEPTION_MESSAGE, e.message.clone()),
                ],
            );
        }
        outcome
    }
}

/// Sends `request`: `Err` when no response arrived; else the status code and the body as
/// JSON, or why it is not (a non-2xx status is the error type then, as for any failed HTTP
/// call; a 2xx one with a non-JSON body is `invalid_response`).
async fn send(
    request: reqwest_middleware::RequestBuilder,
) -> Result<(u16, Result<Value, ToolError>), ToolError> {
    let classify = |e: reqwest::Error| {
        if e.is_timeout() {
            ToolError::new("timeout", format!("task API request timed out: {e}"))
        } else {
            ToolError::new(
                "connection_error",
                format!("cannot reach the task API: {e}"),
            )
        }
    };
    let response = request.send().await.map_err(|e| match e {
        reqwest_middleware::Error::Reqwest(e) => classify(e),
        other => ToolError::new(
            "connection_error",
            format!("cannot reach the task API: {other}"),
        ),
    })?;
    let status = response.status().as_u16();
    let body = match response.text().await {
        Err(e) => Err(classify(e)),
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            let error_type = if (200..300).contains(&status) {
                "invalid_response".to_owned()
            } else {
                status.to_string()
            };
            ToolError::new(
                error_type,
                format!("task API answered HTTP {status} with a body that is not JSON ({e})"),
            )
        }),
    };
    Ok((status, body))
}

/// The `research_task` tool over a [`TaskApiClient`].
#[derive(Clone, Debug)]
pub struct ResearchTool {
    client: TaskApiClient,
}

impl ResearchTool {
    /// The tool over `client`.
    pub fn new(client: TaskApiClient) -> Self {
        Self { client }
    }
}

/// The processor tiers the tool accepts.
pub const PROCESSORS: [&str; 3] = ["core", "base", "ultra"];

#[async_trait::async_trait]
impl Tool for ResearchTool {
    fn name(&self) -> &'static str {
        "research_task"
    }

    fn description(&self) -> &'static str {
        "Researches a topic with the task API and returns a summary. Slow: seconds to minutes."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "input": {"type": "string", "description": "The topic or question."},
                "processor": {"type": "string", "enum": PROCESSORS, "default": "core"},
            },
            "required": ["input"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let input = string_argument(&arguments, "input")?;
        if input.trim().is_empty() {
            return Err(ToolError::invalid_arguments(
                "argument \"input\" is empty: expected a topic such as \"rust observability\"",
            ));
        }
        let processor = match arguments.get("processor") {
            None | Some(Value::Null) => "core",
            Some(Value::String(p)) if PROCESSORS.contains(&p.as_str()) => p.as_str(),
            Some(other) => {
                return Err(ToolError::invalid_arguments(format!(
                    "invalid processor {other}: expected one of core, base, ultra"
                )));
            }
        };
        let outcome = self.client.run(input, processor).await?;
        self.client.telemetry.logger.info(
            "research run completed",
            &[
                Attribute::new(TASK_RUN_ID, outcome.run_id.clone()),
                Attribute::new(TASK_PROCESSOR, processor.to_owned()),
                Attribute::new(TASK_POLLS, i64::from(outcome.polls)),
            ],
        );
        Ok(json!({
            "run_id": outcome.run_id,
            "status": outcome.status,
            "output": outcome.output,
        }))
    }
}
