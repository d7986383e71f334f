//! Two processes agree under consistent probability sampling (OpenTelemetry specification
//! v1.60.0, *TraceState: Probability Sampling*): a caller on `agent_tail` at 0.25 calls two
//! callees over HTTP for 2,000 trace ids, one callee on `agent_tail` at 0.25 as well, one on
//! the default `parentbased_always_on`; each pipeline exports to its own OTLP receiver, and
//! the three receive exactly the same traces, those whose randomness meets the 25% threshold.
//!
//! The trace ids come from a fixed seed (roots opened with `root_with_id`), so the test is
//! deterministic; the share kept is checked against 25% ± 3σ all the same, as a check on the
//! threshold arithmetic.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use common::traces_only;
use telemetry_core::{ContextualCorrelator, CorrelationId, Lifecycle, ScopeOptions, SpanKind};
use telemetry_otel::OpenTelemetry;
use telemetry_testkit::mock;

const TRACES: usize = 2000;
const WAIT: Duration = Duration::from_secs(20);

fn pipeline(
    addr: impl std::fmt::Display,
    service: &str,
    sampler: &[(&str, &str)],
) -> OpenTelemetry {
    traces_only(service, format!("http://{addr}"), sampler)
        .with_batch_schedule_delay(Duration::from_millis(50))
        .build()
        .unwrap()
}

/// A minimal HTTP/1.1 server on 127.0.0.1 (keep-alive, requests without bodies): each request
/// is a SERVER scope continuing the caller's `traceparent`, with one child. Stops when the
/// connection closes.
fn serve(otel: OpenTelemetry) -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut served = 0;
        loop {
            let mut headers: Vec<(String, String)> = Vec::new();
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                return served;
            }
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let l = line.trim_end();
                if l.is_empty() {
                    break;
                }
                if let Some((k, v)) = l.split_once(':') {
                    headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                }
            }
            let remote = otel.extract(&headers);
            assert!(remote.is_some(), "no traceparent in {headers:?}");
            let server = otel.open_scope(
                ScopeOptions::new("GET /work")
                    .kind(SpanKind::Server)
                    .remote_parent(remote),
            );
            drop(otel.open_scope(ScopeOptions::new("work").child_of(server.context())));
            drop(server);
            writer
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .unwrap();
            served += 1;
        }
    });
    (port, handle)
}

/// One request on a kept-alive connection; waits for the response head.
fn call(stream: &mut BufReader<TcpStream>, headers: &HashMap<String, String>) {
    let mut request = String::from("GET /work HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.get_mut().write_all(request.as_bytes()).unwrap();
    let mut line = String::new();
    loop {
        line.clear();
        stream.read_line(&mut line).unwrap();
        if line.trim_end().is_empty() {
            return;
        }
    }
}

/// Trace ids from a fixed seed (splitmix64), never zero.
fn trace_ids() -> Vec<CorrelationId> {
    let mut state = 0x5eed_u64;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    (0..TRACES)
        .map(|_| {
            let id = u128::from(next()) << 64 | u128::from(next());
            CorrelationId::from_int(id).unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_and_callees_keep_the_same_traces_at_a_quarter() {
    let receivers = [
        mock::receiver().await,
        mock::receiver().await,
        mock::receiver().await,
    ];
    let tail = [
        ("OTEL_TRACES_SAMPLER", "agent_tail"),
        ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
    ];
    let caller = pipeline(receivers[0].addr(), "caller", &tail);
    let callee_tail = pipeline(receivers[1].addr(), "callee-tail", &tail);
    let callee_parent = pipeline(receivers[2].addr(), "callee-parent", &[]);
    let (port_tail, server_tail) = serve(callee_tail.clone());
    let (port_parent, server_parent) = serve(callee_parent.clone());

    let ids = trace_ids();
    let client = caller.clone();
    let ids_sent = ids.clone();
    tokio::task::spawn_blocking(move || {
        let connect = |port| BufReader::new(TcpStream::connect(("127.0.0.1", port)).unwrap());
        let (mut to_tail, mut to_parent) = (connect(port_tail), connect(port_parent));
        for id in ids_sent {
            let root = client.open_scope(ScopeOptions::new("turn").root_with_id(id));
            let call_scope = client.open_scope(
                ScopeOptions::new("GET")
                    .kind(SpanKind::Client)
                    .child_of(root.context()),
            );
            let mut headers = HashMap::new();
            client.inject(call_scope.context(), &mut headers);
            call(&mut to_tail, &headers);
            call(&mut to_parent, &headers);
        }
    })
    .await
    .unwrap();
    assert_eq!(server_tail.join().unwrap(), TRACES);
    assert_eq!(server_parent.join().unwrap(), TRACES);

    // Randomness = the trace id's low 56 bits; 25% keeps those >= 0xc0000000000000.
    let expected: BTreeSet<String> = ids
        .iter()
        .filter(|id| id.to_int() & ((1 << 56) - 1) >= 0xc0_0000_0000_0000)
        .map(|id| id.to_string())
        .collect();
    let n = TRACES as f64;
    let sigma = (n * 0.25 * 0.75).sqrt();
    let share = expected.len() as f64;
    assert!(
        (share - n * 0.25).abs() <= 3.0 * sigma,
        "{share} kept of {n}, expected {} ± {}",
        n * 0.25,
        3.0 * sigma
    );

    let mut arrived = Vec::new();
    for (otel, receiver) in [&caller, &callee_tail, &callee_parent]
        .into_iter()
        .zip(&receivers)
    {
        otel.shutdown(WAIT).await.unwrap();
        receiver
            .wait_for_spans(2 * expected.len(), WAIT)
            .await
            .unwrap();
        let received = receiver.with_collector(mock::received).await;
        assert_eq!(received.spans.len(), 2 * expected.len());
        let traces: BTreeSet<String> = received.spans.iter().map(|s| s.trace_id.clone()).collect();
        arrived.push(traces);
    }
    assert_eq!(
        arrived[0], expected,
        "the caller keeps the traces the threshold selects"
    );
    assert_eq!(arrived[1], expected, "a tail-sampling callee agrees");
    assert_eq!(arrived[2], expected, "a parent-based callee agrees");
    let c = callee_tail.tail_sampling().unwrap();
    assert_eq!(c.kept_remote_sampled as usize, expected.len());
    assert_eq!(c.dropped_probability as usize, TRACES - expected.len());
    for r in receivers {
        r.shutdown().await.unwrap();
    }
}
