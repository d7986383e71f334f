//! The console exporter driven through the SDK as the pipeline builds it: scopes of an
//! OpenTelemetry bundle, a batch processor that exports only on flush (so "a later batch" is
//! "after another flush"), text captured instead of stdout.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::BatchConfigBuilder;
use telemetry_core::propagation::RemoteParent;
use telemetry_core::{CorrelatorExt, LogLevel, Scope, ScopeOptions, SpanKind, Telemetry, attrs};
use telemetry_recorder::RecorderConfig;

use super::*;
use crate::failures::Stats;

#[derive(Clone, Default)]
struct Out(Arc<parking_lot::Mutex<String>>);

impl Out {
    fn text(&self) -> String {
        self.0.lock().clone()
    }
    /// Lines at the left margin: trees' top spans and marker lines.
    fn tops(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| !l.starts_with([' ', '│', '├', '└']))
            .map(str::to_owned)
            .collect()
    }
}

struct Pipeline {
    otel: crate::OpenTelemetry,
    t: Telemetry,
    out: Out,
    expire: tree_exporter::Expire,
}

impl Pipeline {
    fn new(adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = Settings::new(TreeStyle {
            color: false,
            mask_timings: true,
        });
        adjust(&mut settings);
        let out = Out::default();
        let sink = out.clone();
        let exporter = TreeExporter::new(settings, move |text| sink.0.lock().push_str(text));
        let expire = exporter.expire_handle();
        // Exports only when flushed.
        let batch = BatchConfigBuilder::default()
            .with_scheduled_delay(Duration::from_secs(3600))
            .build();
        let otel = crate::OpenTelemetry::builder("console-test")
            .with_env_source(|_| None)
            .with_exporters(crate::Signal::Logs, &[])
            .with_exporters(crate::Signal::Metrics, &[])
            .with_exporters(crate::Signal::Traces, &[])
            .with_span_processor(ConsoleSpanProcessor::new(
                exporter,
                Arc::new(Stats::default()),
                batch,
            ))
            .with_level(Some(LogLevel::Info))
            .build()
            .unwrap();
        let t = otel.telemetry();
        Self {
            otel,
            t,
            out,
            expire,
        }
    }

    /// One export of everything ended so far.
    fn flush(&self) {
        futures::executor::block_on(self.t.force_flush(Duration::from_secs(5))).unwrap();
    }

    fn scope(&self, name: &'static str, kind: SpanKind, parent: Option<&Scope>) -> Scope {
        let mut options = ScopeOptions::new(name).kind(kind);
        options = match parent {
            Some(p) => options.child_of(p.context()),
            None => options.root(),
        };
        self.t.correlator.open_scope(options)
    }
}

#[test]
fn a_trace_prints_as_a_tree_when_its_root_is_exported() {
    let p = Pipeline::new(|_| {});
    let t = &p.t;
    {
        let _root = t
            .correlator
            .enter_scope("request", &attrs!["http.request.method" => "GET"]);
        t.correlator.in_scope(
            "execute_tool clock",
            &attrs!["gen_ai.tool.name" => "clock"],
            || {
                t.logger.warning("clock skew", &[]);
            },
        );
    }
    p.flush();
    assert_eq!(
        p.out.text(),
        "request … ok method=GET\n└─ execute_tool clock … ok tool=clock\n     · WARN clock skew\n"
    );
}

#[test]
fn a_child_ending_after_its_root_in_a_later_batch_is_in_the_one_tree() {
    let p = Pipeline::new(|_| {});
    let root = p.scope("request", SpanKind::Server, None);
    let early = p.scope("early", SpanKind::Internal, Some(&root));
    // Outlives its parent, as a detached task does.
    let detached = p.scope("detached", SpanKind::Internal, Some(&root));
    drop(early);
    drop(root);
    p.flush();
    assert_eq!(p.out.text(), "", "the detached child has not ended yet");
    drop(detached);
    p.flush();
    assert_eq!(
        p.out.text(),
        "request SERVER … ok\n├─ early … ok\n└─ detached … ok\n"
    );
    p.flush();
    assert_eq!(p.out.tops(), ["request SERVER … ok"], "printed once");
}

#[test]
fn a_call_the_process_makes_to_itself_nests_under_its_client_span() {
    let p = Pipeline::new(|_| {});
    let root = p.scope("POST /run", SpanKind::Server, None);
    let trace = root.correlation_id().unwrap();
    let call = p.scope("GET /items", SpanKind::Client, Some(&root));
    let mut headers = HashMap::new();
    p.t.correlator.inject(call.context(), &mut headers);
    // The callee, in this process, continues the CLIENT span's traceparent.
    let remote = p.t.correlator.extract(&headers).expect("a traceparent");
    let callee = p.t.correlator.open_scope(
        ScopeOptions::new("GET /items")
            .kind(SpanKind::Server)
            .remote_parent(Some(remote)),
    );
    let work = p.scope("load items", SpanKind::Internal, Some(&callee));
    drop(work);
    drop(callee);
    // The callee's SERVER span is exported before its CLIENT span ends: not a root.
    p.flush();
    assert_eq!(p.out.text(), "");
    drop(call);
    p.flush();
    assert_eq!(p.out.text(), "", "the root is still open");
    drop(root);
    p.flush();
    assert_eq!(
        p.out.text(),
        concat!(
            "POST /run SERVER … ok\n",
            "└─ GET /items CLIENT … ok\n",
            "   └─ GET /items SERVER … ok\n",
            "      └─ load items … ok\n",
        )
    );

    // A caller elsewhere (not a span of this process) continuing the same trace is a root
    // of its own.
    let outside = p.t.correlator.open_scope(
        ScopeOptions::new("GET /other")
            .kind(SpanKind::Server)
            .remote_parent(Some(RemoteParent::new(
                trace,
                telemetry_core::SpanId::from_int(7).unwrap(),
            ))),
    );
    drop(outside);
    p.flush();
    assert_eq!(
        p.out.tops(),
        [
            "POST /run SERVER … ok",
            "GET /other SERVER … ok",
            "… continued: more spans of a trace printed earlier"
        ]
    );
}

#[test]
fn waiting_traces_are_bounded_by_count_and_bytes_and_evictions_are_counted() {
    let p = Pipeline::new(|s| s.waiting = RecorderConfig::default().max_traces(2));
    // Three traces wait for their roots; the first is evicted when the third arrives.
    let roots: Vec<Scope> = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let root = p.scope(name, SpanKind::Server, None);
            drop(p.scope("child", SpanKind::Internal, Some(&root)));
            root
        })
        .collect();
    p.flush();
    let evicted = "… console: 1 trace evicted before printing (over 2 traces or 16 MiB waiting)\n";
    assert_eq!(p.out.text(), evicted);
    for root in roots.into_iter().rev() {
        drop(root);
    }
    p.flush();
    // `a` lost its child; `b` and `c` are whole.
    assert_eq!(
        p.out.text(),
        [
            evicted,
            "c SERVER … ok\n└─ child … ok\n",
            "b SERVER … ok\n└─ child … ok\n",
            "a SERVER … ok\n",
        ]
        .concat()
    );

    // By bytes: a span larger than the bound alone is dropped, and one that needs the room
    // of another trace evicts it.
    let p = Pipeline::new(|s| s.waiting = RecorderConfig::default().max_bytes(4096));
    let blob = |scope: Scope, bytes: usize| {
        scope.set_attribute("blob", "x".repeat(bytes));
        drop(scope);
    };
    let a = p.scope("a", SpanKind::Server, None);
    blob(p.scope("child", SpanKind::Internal, Some(&a)), 3000);
    let b = p.scope("b", SpanKind::Server, None);
    blob(p.scope("huge", SpanKind::Internal, Some(&b)), 5000);
    blob(p.scope("child", SpanKind::Internal, Some(&b)), 3000);
    p.flush();
    let lost = "… console: 1 trace evicted before printing (over 500 traces or 4096 bytes waiting); \
                1 span dropped (larger than 4096 bytes alone)\n";
    assert_eq!(p.out.text(), lost);
    drop(b);
    p.flush();
    assert_eq!(
        p.out.text(),
        [lost, "b SERVER … ok\n└─ child … ok\n"].concat()
    );
    drop(a);

    // Open spans tracked: a span over the bound is left out, and counted.
    let p = Pipeline::new(|s| s.max_open_spans = 1);
    let root = p.scope("request", SpanKind::Server, None);
    drop(p.scope("child", SpanKind::Internal, Some(&root)));
    p.flush();
    let untracked = "… console: open-span bookkeeping dropped 1 time (over 1 open spans), so \
                     traces may print in parts\n";
    assert_eq!(p.out.text(), untracked);
    drop(root);
    p.flush();
    assert_eq!(
        p.out.text(),
        [untracked, "request SERVER … ok\n└─ child … ok\n"].concat()
    );
}

#[test]
fn a_trace_whose_root_never_ends_prints_after_the_timeout_marked() {
    let p = Pipeline::new(|_| {});
    let root = p.scope("stuck", SpanKind::Server, None);
    drop(p.scope("child", SpanKind::Internal, Some(&root)));
    p.flush();
    p.expire
        .print_expired(Instant::now() + Duration::from_secs(29));
    assert_eq!(p.out.text(), "");
    p.expire
        .print_expired(Instant::now() + Duration::from_secs(31));
    assert_eq!(
        p.out.text(),
        "child … ok\n… incomplete: root not ended after 30s\n"
    );
    // The root ends at last: printed on its own, marked as the rest of that trace.
    drop(root);
    p.flush();
    assert_eq!(
        p.out.tops(),
        [
            "child … ok",
            "… incomplete: root not ended after 30s",
            "stuck SERVER … ok",
            "… continued: more spans of a trace printed earlier",
        ]
    );

    // A root that ended with a child still open.
    let p = Pipeline::new(|_| {});
    let root = p.scope("request", SpanKind::Server, None);
    let open = p.scope("open", SpanKind::Internal, Some(&root));
    drop(root);
    p.flush();
    p.expire
        .print_expired(Instant::now() + Duration::from_secs(31));
    assert_eq!(
        p.out.text(),
        "request SERVER … ok\n… incomplete: 1 span not ended after 30s\n"
    );
    drop(open);
}

#[test]
fn the_timer_prints_a_stuck_trace_without_another_batch() {
    let p = Pipeline::new(|s| s.incomplete_after = Duration::ZERO);
    let root = p.scope("stuck", SpanKind::Server, None);
    drop(p.scope("child", SpanKind::Internal, Some(&root)));
    p.flush();
    // No more exports: only the timer thread can print it. The bound only turns a hang
    // into a failure.
    let waited = Instant::now();
    while p.out.text().is_empty() && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(
        p.out.text(),
        "child … ok\n… incomplete: root not ended after 0s\n"
    );
    drop(root);
}

#[test]
fn shutdown_prints_what_still_waits_marked() {
    let p = Pipeline::new(|_| {});
    let root = p.scope("request", SpanKind::Server, None);
    drop(p.scope("child", SpanKind::Internal, Some(&root)));
    futures::executor::block_on(p.t.shutdown(Duration::from_secs(5))).unwrap();
    assert_eq!(
        p.out.text(),
        "child … ok\n… incomplete at shutdown: root not ended\n"
    );
    drop(root);
    drop(p.otel);
}
