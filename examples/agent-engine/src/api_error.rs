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

/// Longest piece of user input, in characters, that an error message or log line quotes.
pub const QUOTE_MAX_CHARS: usize = 64;

/// User input as error messages and log lines show it: at most [`QUOTE_MAX_CHARS`]
/// characters, then, when it was longer, an ellipsis and its full length in bytes
/// (`aaaa…(8000 bytes)`). Every message that repeats what a client sent goes through this (or
/// [`quote`]), so a hostile input cannot blow up responses or logs.
pub fn shorten(input: &str) -> std::borrow::Cow<'_, str> {
    match input.char_indices().nth(QUOTE_MAX_CHARS) {
        None => input.into(),
        Some((cut, _)) => format!("{}…({} bytes)", &input[..cut], input.len()).into(),
    }
}

/// [`shorten`] in double quotes with control characters escaped (Rust `Debug` quoting):
/// `"abc"`, or `"aaaa…"(8000 bytes)` when cut.
pub fn quote(input: &str) -> String {
    match input.char_indices().nth(QUOTE_MAX_CHARS) {
        None => format!("{input:?}"),
        Some((cut, _)) => {
            let q = format!("{:?}", &input[..cut]);
            format!("{}…\"({} bytes)", &q[..q.len() - 1], input.len())
        }
    }
}

/// An HTTP error answered as `{"error": message, ...details}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// What was wrong, naming the input and what was expected.
    pub message: String,
    /// More members of the error body, such as `accepted_fields`.
    pub details: Map<String, Value>,
    /// Sent as `Retry-After` (whole seconds) with 503.
    pub retry_after: Option<std::time::Duration>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            details: Map::new(),
            retry_after: None,
        }
    }
    /// Adds `key: value` to the error body.
    #[must_use]
    pub fn with_detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }
    /// Sends `Retry-After: <whole seconds, at least 1>`.
    #[must_use]
    pub fn with_retry_after(mut self, after: std::time::Duration) -> Self {
        self.retry_after = Some(after);
        self
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
            crate::semconv::EXCEPTION_MESSAGE,
            self.message.clone(),
        )]);
        let mut body = self.details;
        body.insert("error".into(), Value::String(self.message));
        let mut response = (self.status, Json(Value::Object(body))).into_response();
        if let Some(after) = self.retry_after {
            let secs = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.max(1).into());
        }
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
                format!(
                    "unsupported Content-Type {}: expected application/json",
                    quote(essence)
                ),
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

/// Reads `map` into `T`, a request body type with `#[serde(deny_unknown_fields)]` whose
/// members are `accepted`.
///
/// # Errors
/// 400 naming the first unknown member and listing the accepted ones, in the message and as
/// `unknown_field` and `accepted_fields` in the body.
pub fn known_fields<T: serde::de::DeserializeOwned>(
    map: Map<String, Value>,
    accepted: &[&str],
) -> Result<T, ApiError> {
    let unknown = map
        .keys()
        .find(|k| !accepted.contains(&k.as_str()))
        .cloned();
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        let list = accepted
            .iter()
            .map(|f| format!("{f:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        let error = match &unknown {
            Some(field) => ApiError::bad_request(format!(
                "unknown field {} in the request body: accepted fields are {list}",
                quote(field)
            ))
            .with_detail("unknown_field", shorten(field).into_owned()),
            None => ApiError::bad_request(format!(
                "invalid request body: {e}; accepted fields are {list}"
            )),
        };
        error.with_detail("accepted_fields", accepted.to_vec())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_cuts_after_64_characters_and_names_the_length() {
        assert_eq!(quote("abc"), "\"abc\"");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
        let exact = "é".repeat(64);
        assert_eq!(quote(&exact), format!("\"{exact}\""));
        let long = "é".repeat(65);
        assert_eq!(quote(&long), format!("\"{}…\"(130 bytes)", "é".repeat(64)));
        assert_eq!(shorten(&long), format!("{}…(130 bytes)", "é".repeat(64)));
        assert_eq!(shorten("short"), "short");
    }
}
