//! The engine's HTTP API as most tests drive it: create a session, then send it a message.
//! Tests that look at one of these requests more closely (its headers, a `traceparent` it
//! carries) build that request themselves.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// `POST {base}/v1/sessions` with `{"agent": agent}`, or with no body (the default agent)
/// when `agent` is `None`; `base` is `http://host:port` or `https://host:port`. Returns the
/// new session's id.
///
/// # Panics
/// When the request fails, or the answer is not `201 Created` with a string `id`.
pub(crate) async fn new_session(http: &Client, base: &str, agent: Option<&str>) -> String {
    let mut request = http.post(format!("{base}/v1/sessions"));
    if let Some(agent) = agent {
        request = request.json(&json!({ "agent": agent }));
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no session id: {body}"))
        .to_owned()
}

/// `POST {base}/v1/sessions/{session}/messages` with `{"content": content}`: the answer's
/// status and JSON body (the turn, or an error).
///
/// # Panics
/// When the request fails or the body is not JSON.
pub(crate) async fn say(
    http: &Client,
    base: &str,
    session: &str,
    content: &str,
) -> (StatusCode, Value) {
    let r = http
        .post(format!("{base}/v1/sessions/{session}/messages"))
        .json(&json!({ "content": content }))
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}
