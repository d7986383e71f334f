//! The real binary with `--open-telemetry` and `OTEL_TRACES_EXPORTER=console`: one research
//! turn (its tool calls the engine's own task API over HTTP) prints as exactly one tree, with
//! the task API's SERVER spans under the CLIENT spans that called them, as the trace view
//! shows it. Spans are exported every millisecond, so the turn's spans reach the exporter in
//! many batches; the process is stopped with SIGTERM and its whole stdout is read after exit.
#![cfg(unix)]

mod common;

use std::process::Stdio;

/// One span line of the printed trees.
#[derive(Debug)]
struct Line {
    depth: usize,
    text: String,
    parent: Option<usize>,
}

/// The span lines of the console's trees (log lines, `·`, skipped), each with its depth and
/// the index of its parent line. Marker lines (`… incomplete`, `… console:`) are top-level.
fn parse(stdout: &str) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    for raw in stdout.lines() {
        let plain = strip_ansi(raw);
        let rest = plain.trim_start_matches([' ', '│', '├', '└', '─']);
        if rest.is_empty() || rest.starts_with('·') {
            continue;
        }
        // Each level of the tree is three characters wide: "│  ", "   ", "├─ " or "└─ ".
        let indent = plain.chars().count() - rest.chars().count();
        assert_eq!(indent % 3, 0, "unexpected indentation: {plain:?}");
        let depth = indent / 3;
        stack.truncate(depth);
        assert_eq!(
            stack.len(),
            depth,
            "a line deeper than its parent: {plain:?}"
        );
        let parent = stack.last().copied();
        stack.push(lines.len());
        lines.push(Line {
            depth,
            text: rest.to_owned(),
            parent,
        });
    }
    lines
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The span name and kind of a line: `POST /v1/tasks/runs CLIENT 1.2ms ok …` →
/// (`POST /v1/tasks/runs`, `CLIENT`).
fn name_and_kind(text: &str) -> (String, Option<&'static str>) {
    for kind in ["SERVER", "CLIENT", "PRODUCER", "CONSUMER"] {
        if let Some(i) = text.find(&format!(" {kind} ")) {
            return (text[..i].to_owned(), Some(kind));
        }
    }
    (text.split(' ').take(2).collect::<Vec<_>>().join(" "), None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_research_turn_prints_as_one_tree_with_self_calls_nested() {
    let env: Vec<(String, String)> = [
        ("OTEL_TRACES_EXPORTER", "console"),
        ("OTEL_METRICS_EXPORTER", "none"),
        ("OTEL_LOGS_EXPORTER", "none"),
        ("OTEL_BSP_SCHEDULE_DELAY", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    // The console exporter prints to stdout: kept whole.
    let engine = common::engine::Engine::start_with(std::iter::empty::<&str>(), &env, |c| {
        c.stdout(Stdio::piped());
    });
    let http = agent_engine::tls::client().unwrap();
    let base = format!("http://{}", engine.addr);
    let id = common::api::new_session(&http, &base, Some("demo")).await;
    let (status, reply) = common::api::say(
        &http,
        &base,
        &id,
        "research rust observability and what is 2^10?",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        reply["reply"].as_str().unwrap().contains("research_task"),
        "the research tool ran: {reply}"
    );

    let stdout = engine.stop_timed().stdout;

    let lines = parse(&stdout);
    // The start-up trace (the built-in MCP tool server's handshake) comes first.
    let tops: Vec<&str> = lines
        .iter()
        .filter(|l| l.depth == 0 && !l.text.starts_with(agent_engine::mcp::STARTUP_SCOPE))
        .map(|l| l.text.as_str())
        .collect();
    // One tree per request: the session's and the turn's; no fragment, no marker.
    assert_eq!(tops.len(), 2, "top-level lines: {tops:#?}\n{stdout}");
    assert!(
        tops[0].starts_with("POST /v1/sessions SERVER "),
        "{tops:#?}"
    );
    assert!(
        tops[1].starts_with("POST /v1/sessions/{id}/messages SERVER "),
        "{tops:#?}"
    );

    // The turn's tree: the task API's SERVER spans sit under the CLIENT spans that called
    // them, which sit under the MCP server's span of the research tool, under the tool's.
    let turn_root = lines
        .iter()
        .position(|l| l.depth == 0 && l.text == tops[1])
        .unwrap();
    let in_turn = |i: usize| {
        let mut at = i;
        while let Some(p) = lines[at].parent {
            at = p;
        }
        at == turn_root
    };
    let task_servers: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let (name, kind) = name_and_kind(&lines[i].text);
            kind == Some("SERVER") && name.contains("/v1/tasks/")
        })
        .collect();
    assert!(
        task_servers.len() >= 2,
        "the task run was created and polled: {stdout}"
    );
    for &i in &task_servers {
        assert!(in_turn(i), "{:?} is outside the turn's tree", lines[i]);
        let client = lines[i].parent.expect("a task API span has a parent");
        let (server_name, _) = name_and_kind(&lines[i].text);
        let (client_name, client_kind) = name_and_kind(&lines[client].text);
        assert_eq!(client_kind, Some("CLIENT"), "{:?}", lines[client]);
        assert_eq!(client_name, server_name);
        // The tool runs in the in-process MCP server's span, under the tool's span.
        let served = lines[client].parent.expect("the CLIENT span has a parent");
        assert!(
            lines[served]
                .text
                .starts_with("tools/call research_task SERVER "),
            "{:?}",
            lines[served]
        );
        let tool = lines[served]
            .parent
            .expect("the MCP server span has a parent");
        assert!(
            lines[tool].text.starts_with("execute_tool research_task "),
            "{:?}",
            lines[tool]
        );
    }
    let task_clients = lines
        .iter()
        .filter(|l| {
            let (name, kind) = name_and_kind(&l.text);
            kind == Some("CLIENT") && name.contains("/v1/tasks/")
        })
        .count();
    assert_eq!(task_clients, task_servers.len(), "{stdout}");
    for name in [
        "invoke_agent demo",
        "chat scripted-1",
        "execute_tool calculator",
    ] {
        let i = lines
            .iter()
            .position(|l| l.text.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} span: {stdout}"));
        assert!(in_turn(i), "{name} is outside the turn's tree");
    }
}
