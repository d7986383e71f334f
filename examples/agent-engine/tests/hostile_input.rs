//! Random and malformed requests against the engine over raw TCP (so that what a client
//! library would refuse to send gets through too): random methods, paths (valid routes,
//! random bytes, long ids), headers (`content-type`, `traceparent`, `tracestate`, `baggage`)
//! and bodies (random bytes, truncated and deeply nested JSON, unknown fields, wrong types).
//! Never a 5xx, never a panic, and the server still serves afterwards.

use std::time::Duration;

use agent_engine::{ServerConfig, ServerTelemetry, SessionLimits, spawn_server};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Clone, Debug)]
struct RawRequest {
    method: String,
    path: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        "[ -~]{0,200}".prop_map(String::into_bytes),
        Just(br#"{"content": "what is 2 + 2?"}"#.to_vec()),
        Just(br#"{"content": "hi", "extra": true}"#.to_vec()),
        Just(br#"{"agent": 7}"#.to_vec()),
        Just(br#"{"content": ["x"]}"#.to_vec()),
        Just(br#"{"content": "\ud800"}"#.to_vec()),
        Just(br#"{"content": 1e999}"#.to_vec()),
        (1usize..5000).prop_map(|n| "[".repeat(n).into_bytes()),
        (1usize..3000).prop_map(|n| format!("{}1{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        "[a-z]{0,20}".prop_map(|s| format!("{{\"content\": \"{s}").into_bytes()),
        (0usize..200_000)
            .prop_map(|n| format!("{{\"content\": \"{}\"}}", "x".repeat(n)).into_bytes()),
    ]
}

fn path(session: String) -> impl Strategy<Value = Vec<u8>> {
    let s1 = session.clone();
    let s2 = session;
    prop_oneof![
        Just(b"/v1/sessions".to_vec()),
        Just(b"/healthz".to_vec()),
        Just(b"/metrics".to_vec()),
        Just(format!("/v1/sessions/{s1}").into_bytes()),
        Just(format!("/v1/sessions/{s2}/messages").into_bytes()),
        "[a-zA-Z0-9%._~/-]{0,80}".prop_map(|p| format!("/v1/sessions/{p}/messages").into_bytes()),
        "[ -~]{0,60}".prop_map(|p| format!("/{p}").into_bytes()),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| [b"/".to_vec(), b].concat()),
        (1usize..9000).prop_map(|n| format!("/v1/sessions/{}", "a".repeat(n)).into_bytes()),
        Just(b"/v1/sessions/%00%ff%fe/messages".to_vec()),
        Just(b"/../../etc/passwd".to_vec()),
        Just(b"*".to_vec()),
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..80),
        "[ -~]{0,120}".prop_map(String::into_bytes),
        Just(b"application/json".to_vec()),
        Just(b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_vec()),
        Just(b"00-00000000000000000000000000000000-0000000000000000-01".to_vec()),
        (0usize..9000).prop_map(|n| "k=v,".repeat(n).into_bytes()),
    ]
}

fn request(session: String) -> impl Strategy<Value = RawRequest> {
    (
        prop::sample::select(vec![
            "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW",
        ]),
        path(session),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "content-type",
                    "traceparent",
                    "tracestate",
                    "baggage",
                    "user-agent",
                    "x-correlation-id",
                    "accept",
                    "x-random",
                ]),
                header_value(),
            ),
            0..5,
        ),
        json_ish(),
    )
        .prop_map(|(method, path, headers, body)| RawRequest {
            method: method.to_owned(),
            path,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            body,
        })
}

/// Sends `r` on a fresh connection; the status code, or `None` when the server closed the
/// connection without an answer (what HTTP/1 servers may do with an unparseable request).
async fn send(addr: std::net::SocketAddr, r: &RawRequest) -> Option<u16> {
    let mut wire = Vec::new();
    wire.extend_from_slice(r.method.as_bytes());
    wire.push(b' ');
    wire.extend_from_slice(&r.path);
    wire.extend_from_slice(b" HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n");
    for (k, v) in &r.headers {
        wire.extend_from_slice(k.as_bytes());
        wire.extend_from_slice(b": ");
        // A bare CR or LF would end the header early: keep the header one line.
        wire.extend(
            v.iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }),
        );
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(format!("content-length: {}\r\n\r\n", r.body.len()).as_bytes());
    wire.extend_from_slice(&r.body);
    let mut stream = TcpStream::connect(addr).await.expect("the server accepts");
    // The server may answer (413, 400) and close before reading the whole body.
    let _ = stream.write_all(&wire).await;
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 60 s to {r:?}");
    let head = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    head.strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
}

#[test]
fn random_and_malformed_requests_never_get_a_5xx_and_the_server_keeps_serving() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let config = ServerConfig {
        limits: SessionLimits {
            max_sessions: 50,
            ..SessionLimits::default()
        },
        ..ServerConfig::default()
    };
    let server = rt
        .block_on(spawn_server(config, ServerTelemetry::noop()))
        .unwrap();
    let addr = server.addr();
    let http = agent_engine::tls::client().unwrap();
    let base = server.base_url();
    let session: serde_json::Value = rt.block_on(async {
        http.post(format!("{base}/v1/sessions"))
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let session = session["id"].as_str().unwrap().to_owned();

    let mut runner = TestRunner::new(Config {
        cases: 400,
        failure_persistence: None,
        ..Config::default()
    });
    let statuses = std::cell::RefCell::new(std::collections::BTreeMap::<Option<u16>, u32>::new());
    runner
        .run(&request(session.clone()), |r| {
            let status = rt.block_on(send(addr, &r));
            *statuses.borrow_mut().entry(status).or_default() += 1;
            prop_assert!(status.is_none_or(|s| s < 500), "{status:?} for {r:?}");
            Ok(())
        })
        .unwrap();
    let statuses = statuses.into_inner();
    eprintln!("statuses (None: closed without an answer): {statuses:?}");
    // Most requests were answered (not merely dropped), with 4xx among them.
    let answered: u32 = statuses
        .iter()
        .filter(|(s, _)| s.is_some())
        .map(|(_, n)| n)
        .sum();
    assert!(answered > 300, "{statuses:?}");
    assert!(
        statuses
            .keys()
            .any(|s| s.is_some_and(|s| (400..500).contains(&s))),
        "{statuses:?}"
    );

    // Still serving: health, and a real turn in the session made before.
    rt.block_on(async {
        let health = http.get(format!("{base}/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let turn = http
            .post(format!("{base}/v1/sessions/{session}/messages"))
            .json(&serde_json::json!({"content": "what is 6 * 7?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(turn.status(), 200);
        server.shutdown().await.unwrap();
    });
}
