//! A trace as a tree of spans ([`SpanTree`]), and its rendering as indented text
//! ([`render_tree`]) for a terminal.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use telemetry_core::{AttributeValue, ScopeEnd, SpanId, SpanKind};

use crate::model::{RecordedSpan, RecordedTrace, SpanStatus};

/// One span and its children, ordered by start.
#[derive(Clone, Debug)]
pub struct SpanNode<'a> {
    /// The span.
    pub span: &'a RecordedSpan,
    /// Nesting depth: 0 for the top.
    pub depth: usize,
    /// Its children, earliest start first.
    pub children: Vec<SpanNode<'a>>,
}

/// The spans of a trace as a forest: the local root (and any span whose parent is not held,
/// such as a late child whose parent was evicted, or the children of a still open span) at
/// the top, earliest start first.
#[derive(Clone, Debug)]
pub struct SpanTree<'a> {
    /// The top spans.
    pub roots: Vec<SpanNode<'a>>,
}

impl<'a> SpanTree<'a> {
    /// Builds the tree of `trace`. Every span appears exactly once.
    pub fn new(trace: &'a RecordedTrace) -> Self {
        let held: HashMap<SpanId, &RecordedSpan> =
            trace.spans.iter().map(|s| (s.span_id, s)).collect();
        let mut children: HashMap<SpanId, Vec<&RecordedSpan>> = HashMap::new();
        let mut tops = Vec::new();
        for span in &trace.spans {
            match span
                .parent_span_id
                .filter(|p| held.contains_key(p) && *p != span.span_id)
            {
                Some(parent) if !span.is_local_root => {
                    children.entry(parent).or_default().push(span)
                }
                _ => tops.push(span),
            }
        }
        fn build<'a>(
            span: &'a RecordedSpan,
            depth: usize,
            children: &mut HashMap<SpanId, Vec<&'a RecordedSpan>>,
        ) -> SpanNode<'a> {
            let mut mine = children.remove(&span.span_id).unwrap_or_default();
            mine.sort_by_key(|s| s.start);
            SpanNode {
                span,
                depth,
                children: mine
                    .into_iter()
                    .map(|c| build(c, depth + 1, children))
                    .collect(),
            }
        }
        tops.sort_by_key(|s| (!s.is_local_root, s.start));
        let mut roots: Vec<SpanNode<'a>> = tops
            .into_iter()
            .map(|s| build(s, 0, &mut children))
            .collect();
        // Parent cycles (ids reused by a buggy caller) leave spans unreached: show them on top.
        let mut rest: Vec<&RecordedSpan> = children.into_values().flatten().collect();
        rest.sort_by_key(|s| s.start);
        roots.extend(rest.into_iter().map(|s| SpanNode {
            span: s,
            depth: 0,
            children: Vec::new(),
        }));
        Self { roots }
    }

    /// Every node, depth first (parents before children), as the terminal tree prints them.
    pub fn walk(&self) -> Vec<&SpanNode<'a>> {
        fn go<'b, 'a>(n: &'b SpanNode<'a>, out: &mut Vec<&'b SpanNode<'a>>) {
            out.push(n);
            for c in &n.children {
                go(c, out);
            }
        }
        let mut out = Vec::new();
        for r in &self.roots {
            go(r, &mut out);
        }
        out
    }
}

/// How [`render_tree`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TreeStyle {
    /// ANSI colours (for a terminal).
    pub color: bool,
    /// Durations and start offsets as `…` (for golden tests).
    pub mask_timings: bool,
}

/// Attributes shown on a span's line, in this order, when present. GenAI ones follow the
/// semantic conventions v1.41.0 (model/gen-ai/registry.yaml).
const KEY_ATTRIBUTES: &[(&str, &str)] = &[
    ("http.request.method", "method"),
    ("http.route", "route"),
    ("url.full", "url"),
    ("http.response.status_code", "status"),
    ("gen_ai.agent.name", "agent"),
    ("gen_ai.tool.name", "tool"),
    ("gen_ai.tool.call.id", "call"),
    ("error.type", "error.type"),
];

/// The short GenAI summary of a span: model, tokens in → out, cost, finish reasons.
pub fn genai_summary(span: &RecordedSpan) -> Vec<String> {
    let mut out = Vec::new();
    let model = span
        .attribute("gen_ai.response.model")
        .or_else(|| span.attribute("gen_ai.request.model"));
    if let Some(m) = model {
        out.push(format!("model={m}"));
    }
    let get = |k: &str| span.attribute(k).and_then(AttributeValue::as_i64);
    match (
        get("gen_ai.usage.input_tokens"),
        get("gen_ai.usage.output_tokens"),
    ) {
        (None, None) => {}
        (i, o) => out.push(format!(
            "tokens={}→{}",
            i.map_or("?".into(), |v| v.to_string()),
            o.map_or("?".into(), |v| v.to_string())
        )),
    }
    if let Some(c) = span.cost() {
        out.push(format!("cost={}", format_usd(c)));
    }
    if let Some(f) = span.attribute("gen_ai.response.finish_reasons") {
        let f = match f {
            AttributeValue::StringArray(v) => {
                v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
            }
            other => other.to_string(),
        };
        out.push(format!("finish={f}"));
    }
    out
}

/// A cost in USD the way the tree and trace views show it: `$0.0123`, `$1.50`, with four
/// significant digits below a cent (`$0.0000375`).
pub fn format_usd(usd: f64) -> String {
    if usd == 0.0 || !usd.is_finite() {
        return format!("${usd}");
    }
    let decimals = if usd >= 0.01 {
        4
    } else {
        (-usd.log10().floor()) as usize + 3
    };
    let s = format!("${usd:.decimals$}");
    let trimmed = s.trim_end_matches('0');
    // Keep cents whole: `$1.50`, not `$1.5`.
    match trimmed.split_once('.') {
        Some((_, frac)) if frac.len() < 2 => format!("{trimmed}{}", "0".repeat(2 - frac.len())),
        _ => trimmed.to_owned(),
    }
}

/// A duration the way the tree shows it: `850µs`, `12.3ms`, `1.25s`.
pub fn format_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0}µs")
    } else if us < 1e6 {
        format!("{:.1}ms", us / 1e3)
    } else {
        format!("{:.2}s", us / 1e6)
    }
}

fn kind_label(kind: SpanKind) -> Option<&'static str> {
    match kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    }
}

struct Paint(bool);
impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
}

/// The trace as an indented tree, one line per span and one per log call under its span:
///
/// ```text
/// POST /v1/sessions/{id}/messages SERVER 12.3ms ok method=POST route=/v1/sessions/{id}/messages status=200
/// └─ invoke_agent assistant 11.9ms ok agent=assistant model=scripted tokens=64→21
///    ├─ chat scripted 0.8ms ok model=scripted tokens=32→12 finish=tool_calls
///    │  · INFO model answered
///    ├─ execute_tool calculator 0.2ms ok tool=calculator
///    └─ execute_tool clock 0.1ms ok tool=clock
/// ```
///
/// Spans of the trace that had not ended are not shown; their log calls are listed last.
pub fn render_tree(trace: &RecordedTrace, style: TreeStyle) -> String {
    let paint = Paint(style.color);
    let tree = SpanTree::new(trace);
    let mut out = String::new();
    fn node(
        out: &mut String,
        n: &SpanNode<'_>,
        prefix: &str,
        last: bool,
        top: bool,
        style: TreeStyle,
        paint: &Paint,
    ) {
        let s = n.span;
        let (branch, child_prefix) = if top {
            (String::new(), String::new())
        } else if last {
            (format!("{prefix}└─ "), format!("{prefix}   "))
        } else {
            (format!("{prefix}├─ "), format!("{prefix}│  "))
        };
        let _ = write!(
            out,
            "{}{}",
            paint.wrap("2", &branch),
            paint.wrap("1", &s.name)
        );
        if let Some(k) = kind_label(s.kind) {
            let _ = write!(out, " {}", paint.wrap("35", k));
        }
        let d = if style.mask_timings {
            "…".to_owned()
        } else {
            format_duration(s.duration)
        };
        let _ = write!(out, " {}", paint.wrap("36", &d));
        let status = match (&s.status, s.ended) {
            (
                SpanStatus::Error {
                    error_type,
                    message,
                },
                _,
            ) => paint.wrap("31", &format!("ERROR {error_type}: {message}")),
            (SpanStatus::Unset, ScopeEnd::Completed) => paint.wrap("32", "ok"),
            (SpanStatus::Unset, ScopeEnd::Cancelled) => paint.wrap("33", "cancelled"),
            (SpanStatus::Unset, ScopeEnd::Panicked) => paint.wrap("31", "panicked"),
        };
        let _ = write!(out, " {status}");
        for (key, label) in KEY_ATTRIBUTES {
            if let Some(v) = s.attribute(key) {
                let _ = write!(out, " {}", paint.wrap("2", &format!("{label}={v}")));
            }
        }
        for g in genai_summary(s) {
            let _ = write!(out, " {}", paint.wrap("34", &g));
        }
        out.push('\n');
        let event_prefix = if n.children.is_empty() {
            format!("{child_prefix}  ")
        } else {
            format!("{child_prefix}│ ")
        };
        for e in &s.events {
            let _ = write!(
                out,
                "{} {} {}",
                paint.wrap("2", &format!("{event_prefix}·")),
                paint.wrap(level_colour(e.level), e.level.severity_text()),
                e.message
            );
            for a in &e.attributes {
                let _ = write!(
                    out,
                    " {}",
                    paint.wrap("2", &format!("{}={}", a.key, a.value))
                );
            }
            out.push('\n');
        }
        let count = n.children.len();
        for (i, c) in n.children.iter().enumerate() {
            node(out, c, &child_prefix, i + 1 == count, false, style, paint);
        }
    }
    for r in &tree.roots {
        node(&mut out, r, "", true, true, style, &paint);
    }
    for (span, e) in &trace.pending_events {
        let _ = writeln!(
            out,
            "· {} {} (in open span {span})",
            e.level.severity_text(),
            e.message
        );
    }
    out
}

fn level_colour(level: telemetry_core::LogLevel) -> &'static str {
    use telemetry_core::LogLevel as L;
    match level {
        L::Trace | L::Debug => "2",
        L::Info => "32",
        L::Warning => "33",
        L::Error | L::Critical => "31",
    }
}

#[cfg(test)]
mod usd_tests {
    #[test]
    fn costs_show_four_significant_digits_below_a_cent_and_whole_cents_above() {
        use super::format_usd as f;
        assert_eq!(f(1.5), "$1.50");
        assert_eq!(f(0.0123), "$0.0123");
        assert_eq!(f(0.01), "$0.01");
        assert_eq!(f(3.75e-5), "$0.0000375");
        assert_eq!(f(0.0075), "$0.0075");
        assert_eq!(f(0.0), "$0");
        assert_eq!(f(12.0), "$12.00");
    }
}
