//! The JSON error shape `{"error": "..."}` and request-body parsing that maps every kind of
//! bad input to it with the right status.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use telemetry_core::Attribute;
use telemetry_http::{HandlerPanicked, RequestLogAttributes};

/// Largest request body accepted: 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An HTTP error answered as `{"error": message}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// What was wrong, naming the input and what was expected.
    pub message: String,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    /// 400: malformed or missing input.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 404: no such resource.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    /// 422: well-formed JSON with a value of the wrong type or range.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    /// `{"error": message}` with the status; the message also goes on the request's log line
    /// as `exception.message` ([`RequestLogAttributes`]), so the log says why a request was
    /// rejected with the same text the client got.
    fn into_response(self) -> Response {
        let reason = RequestLogAttributes(vec![Attribute::new(
            "exception.message",
            self.message.clone(),
        )]);
        let mut response = (
            self.status,
            Json(serde_json::json!({ "error": self.message })),
        )
            .into_response();
        response.extensions_mut().insert(reason);
        response
    }
}

/// The JSON 500 for a handler that panicked: `HttpServerLayer` caught the panic, failed the
/// request's span (`error.type = "panic"`) and answered an empty 500 marked
/// [`HandlerPanicked`]; this gives it the API's error shape. Install it outside that layer.
pub async fn panic_as_json(response: Response) -> Response {
    if response.extensions().get::<HandlerPanicked>().is_none() {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let mut json = ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error: the handler failed; the failure was logged",
    )
    .into_response();
    parts.headers.extend(json.headers_mut().drain());
    Response::from_parts(parts, json.into_body())
}

/// Reads a JSON object body.
///
/// - body over [`MAX_BODY_BYTES`] → 413;
/// - a `Content-Type` that is not JSON → 415 (a missing one is accepted);
/// - empty body → an empty object if `allow_empty`, else 400;
/// - malformed JSON → 400 with line and column;
/// - JSON that is not an object → 422.
///
/// # Errors
/// [`ApiError`] as listed.
pub fn json_object(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    allow_empty: bool,
    example: &str,
) -> Result<Map<String, Value>, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request body too large: expected at most {MAX_BODY_BYTES} bytes (1 MiB)"),
            )
        } else {
            ApiError::bad_request(format!(
                "cannot read the request body: {}",
                rejection.body_text()
            ))
        }
    })?;
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or_default().trim();
        if essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("unsupported Content-Type {essence:?}: expected application/json"),
            ));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return if allow_empty {
            Ok(Map::new())
        } else {
            Err(ApiError::bad_request(format!(
                "request body is empty: expected a JSON object such as {example}"
            )))
        };
    }
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::unprocessable(format!(
            "request body is {}: expected a JSON object such as {example}",
            json_kind(&other)
        ))),
        Err(e) => Err(ApiError::bad_request(format!(
            "malformed JSON at line {} column {}: {e}; expected a JSON object such as {example}",
            e.line(),
            e.column()
        ))),
    }
}

/// `"a string"`, `"a number"`, …, for error messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
