//! The OpenTelemetry implementation of Agent Telemetry: scopes become spans, log calls become
//! span events (and, when asked, log records), the meter becomes SDK instruments, and OTLP
//! export is configured by the usual `OTEL_*` variables.
//!
//! ```
//! use std::time::Duration;
//! use telemetry_core::{CorrelatorExt, Logger, Meter, attrs};
//! use telemetry_otel::OpenTelemetry;
//!
//! # let env = |k: &str| match k { "OTEL_TRACES_EXPORTER" | "OTEL_METRICS_EXPORTER" | "OTEL_LOGS_EXPORTER" => Some("none".to_owned()), _ => None };
//! // Production: `OpenTelemetry::from_env("my-agent")?`; here without a collector.
//! let otel = OpenTelemetry::builder("my-agent").with_env_source(env).build()?;
//! let t = otel.telemetry();
//! {
//!     let request = t.correlator.enter_scope("POST /v1/sessions", &attrs!["http.request.method" => "POST"]);
//!     t.logger.info("session created", &attrs!["session.kind" => "chat"]);
//!     t.meter.record_counter("sessions.created", 1, &[]);
//!     assert!(request.correlation_id().is_some());
//! }
//! # futures::executor::block_on(async {
//! t.shutdown(Duration::from_secs(5)).await?;
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Mapping
//!
//! - **Scope → span.** Named after the scope, with its attributes and span kind (default
//!   INTERNAL); nested scopes are child spans. The span's trace id *is* the scope's correlation
//!   id and its span id the scope's span id, through a custom `IdGenerator` (the SDK takes no
//!   ids from the caller since 0.32 removed `SpanBuilder::with_trace_id`); a root has no parent
//!   span. A root opened with
//!   [`ScopeOptions::remote_parent`](telemetry_core::ScopeOptions::remote_parent) continues
//!   the remote trace: remote parent span, sampled flag and `tracestate` as received. How
//!   panics, errors and cancellation end a span: see the table in [`span`](crate#ending).
//! - **Log call → span event** on the current scope's span: event name = the message,
//!   attributes `level` (severity text: `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR`, `FATAL`, as
//!   `tracing-opentelemetry` writes it, so existing queries work) and `severity_number` (1, 5,
//!   9, 13, 17, 21 from the OTel Logs data model, so `severity_number >= 13` selects warnings
//!   and worse), then the call's own attributes. Backends index event names and attributes
//!   (Tempo `event:name`, Jaeger log fields), so message and level are both searchable.
//!   A span keeps at most `OTEL_SPAN_EVENT_COUNT_LIMIT` (128) events; further log calls are
//!   counted ([`ExportFailures::span_events_over_limit`]) and warned about (rate-limited).
//!   Event names are interned: up to 4096 distinct messages of up to 128 bytes are copied once
//!   per process and shared, so a log call does not allocate its name; longer or further
//!   messages are copied per event.
//! - **Cost.** A scope and its SDK span share one allocation, the scope's attributes (up to 4)
//!   sit inline in it, and a log call borrows the current scope without reference-count
//!   traffic. Spans are counted for [`ExportFailures`] when they start, not by wrapping each
//!   span processor.
//! - **Log call → log record**, when `OTEL_LOGS_EXPORTER` is `otlp` or `console` (the spec
//!   default is `otlp`, kept here): severity number and text, body = message, attributes, and
//!   the trace id and span id of the current scope set explicitly. Log records leave the
//!   process on their own, so they survive a span that never ends (crash, hung task) and make a
//!   log backend searchable by correlation id. Set `OTEL_LOGS_EXPORTER=none` to keep only the
//!   span events. A log call outside any scope becomes a log record only; with no logs exporter
//!   it has nowhere to go and is counted
//!   ([`ExportFailures::log_calls_without_destination`]).
//! - **Meter.** Instruments are created once per (name, kind) and cached per `OpenTelemetry`
//!   value. Histograms with unit `s` get
//!   [`DURATION_BUCKETS_SECONDS`](telemetry_core::DURATION_BUCKETS_SECONDS). By-name calls hit
//!   the cache under a read lock without allocating.
//!
//! <a id="ending"></a>
//!
//! | scope ends | span |
//! | --- | --- |
//! | completed | ended; status UNSET unless an error was recorded |
//! | [`Scope::record_error`](telemetry_core::Scope::record_error)`(type, msg)` | status ERROR with `msg`, attribute `error.type = type`, an `exception` event with `exception.type` and `exception.message` |
//! | panicked | status ERROR `panicked`, `error.type = "panic"`, an `exception` event with `exception.type = "panic"` |
//! | cancelled (instrumented future dropped) | ended at once with attribute [`agent_telemetry.cancelled`](CANCELLED_ATTRIBUTE)` = true`; status stays UNSET (a losing `select!` branch is not a failure) unless an error was recorded |
//!
//! # Configuration
//!
//! [`OpenTelemetry::from_env`] reads the variables below; [`OpenTelemetry::builder`] sets the
//! same in code. Precedence: code, signal-specific variable, generic variable, default. Every
//! invalid value is a [`ConfigError`] at construction naming the variable, the value and the
//! accepted values; nothing falls back silently.
//!
//! | variables | accepted | default |
//! | --- | --- | --- |
//! | `OTEL_SDK_DISABLED` | `true`, `false` | `false`; `true` behaves exactly as NoOp: scopes carry no ids, nothing is recorded |
//! | `OTEL_SERVICE_NAME` | any | `service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else the caller's default |
//! | `OTEL_RESOURCE_ATTRIBUTES` | `k=v,k2=v%202` (string values); wins over detected attributes (see [Resource](#resource)) | none |
//! | `OTEL_{TRACES,METRICS,LOGS}_EXPORTER` | comma list of `otlp`, `console` (`logging`); or `none` | `otlp` |
//! | `OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}PROTOCOL` | `grpc`, `http/protobuf`, `http/json` | `http/protobuf` |
//! | `OTEL_EXPORTER_OTLP_{,…_}ENDPOINT` | `http://` or `https://host:port[/path]`; a generic HTTP endpoint gets `/v1/{signal}` appended, a per-signal one is used as is | `http://localhost:4318` (HTTP), `http://localhost:4317` (gRPC) |
//! | `OTEL_EXPORTER_OTLP_{,…_}HEADERS` | `k=v,k2=v2` (percent-encoded values) | none |
//! | `OTEL_EXPORTER_OTLP_{,…_}TIMEOUT` | milliseconds | 10000 |
//! | `OTEL_EXPORTER_OTLP_{,…_}COMPRESSION` | `gzip`, `none` | `none` |
//! | `OTEL_EXPORTER_OTLP_{,…_}INSECURE` | `true`, `false` (scheme of a scheme-less gRPC endpoint: `true` = `http://`) | `false` (`https://`) |
//! | `OTEL_EXPORTER_OTLP_{,…_}CERTIFICATE` | path of a PEM CA bundle trusted for `https://` instead of the default roots | platform + webpki roots |
//! | `OTEL_EXPORTER_OTLP_{,…_}CLIENT_CERTIFICATE`, `…_CLIENT_KEY` | paths of the PEM client certificate and its PEM private key (mutual TLS; both or neither) | none |
//! | `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` | `cumulative`, `delta`, `lowmemory` | `cumulative` |
//! | `OTEL_BSP_SCHEDULE_DELAY`, `OTEL_BLRP_SCHEDULE_DELAY` | milliseconds | 5000, 1000 |
//! | `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BLRP_MAX_QUEUE_SIZE` | positive integer | 2048 |
//! | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE` | positive integer ≤ queue size | 512 |
//! | `OTEL_BSP_EXPORT_TIMEOUT`, `OTEL_BLRP_EXPORT_TIMEOUT`, `OTEL_METRIC_EXPORT_TIMEOUT` | milliseconds (validated; SDK 0.33's thread-based processors bound exports by the exporter timeout) | |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | positive milliseconds | 60000 |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`, `agent_tail` (see [Tail sampling](#tail-sampling)); ratio in \[0, 1\] (checked whenever set) | `parentbased_always_on`, 1.0 |
//! | `AGENT_TELEMETRY_TAIL_*` | rules and bounds of `agent_tail`: see [Tail sampling](#tail-sampling) (checked whenever set) | |
//! | `OTEL_SPAN_{ATTRIBUTE,EVENT,LINK}_COUNT_LIMIT`, `OTEL_{EVENT,LINK}_ATTRIBUTE_COUNT_LIMIT` | non-negative integer | 128 |
//! | `OTEL_PROPAGATORS` | comma list of `tracecontext`, `baggage`; or `none` | `tracecontext,baggage` |
//! | `AGENT_TELEMETRY_SELF_OBSERVABILITY` | `true` or `false`: export the pipeline's own counts as `otel.sdk.*` metrics (see below) | `false` |
//! | `AGENT_TELEMETRY_EXPORT_QUEUE_BYTES` | bytes, `65536`, `512KiB`, `64MiB`, `1GiB`: each OTLP signal's export queue in memory (see [delivery](#delivery-through-outages)) | `64MiB` |
//! | `AGENT_TELEMETRY_EXPORT_RETRY_WINDOW` | milliseconds, or `300s`, `5m`, `1h`: how long a failing batch is retried | `5m` |
//! | `AGENT_TELEMETRY_SPOOL_DIR` | a directory (created if missing) keeping undelivered batches on disk across restarts and crashes | none |
//! | `AGENT_TELEMETRY_SPOOL_MAX_BYTES` | bytes, as above: each signal's spool on disk | `256MiB` |
//!
//! `console` prints each trace to stdout once, as one indented tree (name, kind, duration,
//! status, key and GenAI attributes, log calls under their span: the tree of
//! `telemetry_recorder::render_tree`, as the trace view shows it), and log records and metrics
//! as `opentelemetry-stdout` writes them. A trace prints when every span of it this process
//! started has been exported and its local root is among them, so a child that ends after its
//! root (in a later batch) is in the tree, and a span continuing an open span of this process
//! (the SERVER side of a call the process makes to itself, by its `traceparent`) sits under
//! that CLIENT span rather than starting a tree of its own (what is open is noted as each
//! span starts: one short lock on the application's thread; rendering and printing run on the
//! export thread and a timer thread of the exporter). Spans wait in memory, at most 500
//! traces and 16 MiB (oldest trace evicted first); at most 65,536 open spans are tracked. A
//! trace still incomplete 30 s (plus one `OTEL_BSP_SCHEDULE_DELAY`) after its first span was
//! exported prints anyway, followed by `… incomplete: root not ended after 35s` (or `N spans
//! not ended`), as does what still waits at shutdown (`… incomplete at shutdown: …`). Spans of
//! a trace already printed (they ended after that, or started after its root ended) print as
//! a tree of their own followed by `… continued: more spans of a trace printed earlier`.
//! Evictions are counted in a `… console: N traces evicted before printing …` line.
//!
//! `https://` endpoints use rustls with the `ring` provider (no C toolchain needed) for both
//! gRPC and HTTP, trusting the platform's and the webpki (Mozilla) roots, or only the CA bundle
//! of `OTEL_EXPORTER_OTLP_CERTIFICATE`. TLS files are read and checked at construction: a
//! missing or unreadable file, a file that is not PEM, or a key that does not match its
//! certificate is a [`ConfigError`] naming the variable and the path. The same `ring` becomes
//! rustls' process-wide default when the application has installed none, so reqwest clients
//! elsewhere in the program build (see [`ensure_crypto_provider`]).
//!
//! # Resource
//!
//! Every span, log record and metric leaves the process with one resource, which tells a
//! backend which service, instance, host and process sent it. Besides `service.name` and
//! `OTEL_RESOURCE_ATTRIBUTES`, these are detected once per process
//! ([`detect_resource`]); names and well-known values from semantic-conventions v1.44.0:
//!
//! | attribute | value | source | convention file |
//! | --- | --- | --- | --- |
//! | `service.instance.id` | a random UUID v4, one per process | `uuid` | `model/service/registry.yaml` |
//! | `host.name` | what `hostname` prints (else `/proc/sys/kernel/hostname`) | `opentelemetry-resource-detectors` | `model/host/registry.yaml` |
//! | `host.arch` | `amd64`, `arm64`, `arm32`, `x86`, `ppc32`, `ppc64`, `s390x`; else Rust's name | same, value mapped | `model/host/registry.yaml` |
//! | `os.type` | `linux`, `darwin`, `windows`, `freebsd`, `netbsd`, `openbsd`, `dragonflybsd`, `solaris`, `aix`; else Rust's name | same, value mapped | `model/os/registry.yaml` |
//! | `os.description` | Linux: os-release `PRETTY_NAME` and kernel release, `Debian GNU/Linux 13 (trixie) (Linux 6.12.48)` | this crate | `model/os/registry.yaml` |
//! | `process.pid` | integer | `opentelemetry-resource-detectors` | `model/process/registry.yaml` |
//! | `process.executable.name` | base name of `/proc/self/exe` (`std::env::current_exe`) | this crate | `model/process/registry.yaml` |
//! | `process.runtime.name`, `.version`, `.description` | `rustc`, `1.95.0`, `rustc 1.95.0 (59807616e 2026-04-14)`: the compiler that built the program | detectors (name), this crate's build script | `model/process/registry.yaml` |
//! | `telemetry.sdk.name`, `.language`, `.version` | `opentelemetry`, `rust`, the SDK version | the SDK | `model/telemetry/registry.yaml` |
//!
//! Never exported by default: `process.command_args` (the command line can carry secrets such
//! as `--api-key …`; the conventions say not to collect it without sanitization), which the
//! contrib process detector reports and this crate drops; and `host.id`, which the contrib host
//! detector reads from `/etc/machine-id`, a value machine-id(5) asks not to expose on the
//! network. Either can be set explicitly through `OTEL_RESOURCE_ATTRIBUTES` or code.
//!
//! **Precedence**, lowest first, the later winning on the same key: `telemetry.sdk.*` and the
//! detected attributes < `OTEL_RESOURCE_ATTRIBUTES` <
//! [`with_resource_attribute`](OpenTelemetryBuilder::with_resource_attribute) in code. For
//! `service.name`: [`with_service_name`](OpenTelemetryBuilder::with_service_name) >
//! `OTEL_SERVICE_NAME` > `service.name` in `OTEL_RESOURCE_ATTRIBUTES` (or code's resource
//! attributes) > the default given to [`OpenTelemetry::builder`].
//!
//! [`with_resource_detection(false)`](OpenTelemetryBuilder::with_resource_detection) switches
//! detection off (the resource is then `telemetry.sdk.*`, the configured attributes and
//! `service.name`). No environment variable does: the specification defines none for choosing
//! detectors, the names other SDKs use are their own (`OTEL_NODE_RESOURCE_DETECTORS`,
//! `OTEL_PYTHON_…`), and a made-up `OTEL_*` name would pass for a standard one. An application
//! that wants a switch offers its own flag, and any detected value can already be replaced
//! through `OTEL_RESOURCE_ATTRIBUTES`.
//!
//! [`OpenTelemetry::resource_attributes`] is the resource of a running pipeline and
//! [`OpenTelemetryBuilder::resource_attributes`] the one a builder would use, without
//! starting anything, as core [`Attribute`](telemetry_core::Attribute)s, so that an
//! application on Basic telemetry can print the same resource (`telemetry_basic::log_resource`).
//!
//! # Lifecycle
//!
//! Keep one [`OpenTelemetry`] (or its [`telemetry`](OpenTelemetry::telemetry) bundle) for the
//! life of the process and call [`Lifecycle::shutdown`](telemetry_core::Lifecycle::shutdown) once before exit; it exports what is
//! queued, waiting at most the given timeout, and later calls return `Ok` at once.
//! [`Lifecycle::force_flush`](telemetry_core::Lifecycle::force_flush) exports without shutting down. Both run the blocking SDK calls
//! on dedicated threads, so they never deadlock, whether awaited on a multi-thread or
//! `current_thread` tokio runtime or any other executor. Dropping the last handle without a
//! shutdown shuts down on a dedicated thread and waits at most the drop timeout (default 5 s,
//! [`OpenTelemetryBuilder::with_drop_timeout`]).
//!
//! Export failures (collector down, HTTP 4xx/5xx, TLS handshake failures, timeouts) never
//! panic and never block the application: queues are bounded (`OTEL_BSP_MAX_QUEUE_SIZE`, and
//! in bytes, see [delivery](#delivery-through-outages)), transient failures are retried, each
//! failed attempt is counted ([`OpenTelemetry::export_failures`])
//! and reported on stderr at most once per 10 s per signal, naming the signal, the endpoint and
//! the cause ("connection refused", "HTTP 401", "TLS: unknown CA"; the latest is
//! [`OpenTelemetry::last_export_error`]).
//!
//! A backend that does not accept a signal at all answers gRPC `UNIMPLEMENTED` or HTTP 404,
//! 405 or 415; traces-only backends such as Phoenix and MLflow answer logs and metrics so. That
//! answer is not an export failure: one warning on stderr names the signal, the endpoint and
//! the variable that turns the signal off (`OTEL_LOGS_EXPORTER=none`,
//! `OTEL_METRICS_EXPORTER=none`, `OTEL_TRACES_EXPORTER=none`), nothing more of that signal is
//! sent there (each later batch is dropped without a network call), the items are counted in
//! [`SignalFailures::refused_items`] with [`SignalFailures::refused_by_backend`] set, and
//! `force_flush` and `shutdown` do not return an error for it. Real failures (connection
//! refused, HTTP 500, timeouts) are counted and returned as before.
//!
//! With a metrics exporter and
//! `AGENT_TELEMETRY_SELF_OBSERVABILITY=true` (or
//! [`OpenTelemetryBuilder::with_self_observability`]), the same counts are also exported as
//! metrics named after the SDK self-observability conventions
//! (semantic-conventions v1.41.0, `model/otel/metrics.yaml`): `otel.sdk.span.started`,
//! `otel.sdk.exporter.span.exported` and `otel.sdk.exporter.log.exported` (with
//! `error.type=export_failed` for what a failed export lost and `error.type=refused_by_backend`
//! for what a backend that does not accept the signal never got), `otel.sdk.log.created`, and
//! `agent_telemetry.sdk.{span,log}.not_exported` (queued or dropped on a full queue) and
//! `agent_telemetry.sdk.span_event.over_limit` where the conventions have no name.
//!
//! # Delivery through outages
//!
//! The OTLP exporters keep what the collector has not taken yet, so that a collector restart,
//! an outage or (with a spool) a crash of the application loses nothing:
//!
//! - **Retry as the OTLP specification says** (`opentelemetry-proto` v1.11.0,
//!   `docs/specification.md`, *Failures*, *Retryable Response Codes*, *OTLP/gRPC Throttling*,
//!   *OTLP/HTTP Throttling*, *OTLP/HTTP Connection*; OpenTelemetry specification v1.60.0,
//!   `protocol/exporter.md`, *Retry*). Retried: no connection or no response, HTTP 429, 502,
//!   503, 504, gRPC `CANCELLED`, `DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE`,
//!   `UNAVAILABLE`, `DATA_LOSS`, and `RESOURCE_EXHAUSTED` when the server sent `RetryInfo`.
//!   The next attempt waits for `Retry-After` (seconds or HTTP-date) or `RetryInfo.retry_delay`
//!   when given (at most 10 minutes), else exponential backoff with jitter (1 s, 2 s, 4 s, …
//!   capped at 10 s, each drawn from its upper half). Every other answer (HTTP 400, 401, 403,
//!   413, 500, gRPC `INVALID_ARGUMENT`, …) drops the batch at once, counted
//!   ([`DroppedItems::rejected`]) with the reason; a backend that does not take the signal
//!   (HTTP 404/405/415, gRPC `UNIMPLEMENTED`) stops it, as above. A batch still failing after
//!   the retry window (`AGENT_TELEMETRY_EXPORT_RETRY_WINDOW`, default 5 minutes from its first
//!   failure, as the Collector's `retry_on_failure.max_elapsed_time`) is dropped
//!   ([`DroppedItems::retry_window`]), or with a spool kept on disk and retried.
//! - **A queue that never blocks the application.** The SDK's batch processors and metric
//!   reader hand each batch to the exporter, which encodes it as an OTLP export request and
//!   queues it for its signal's delivery thread, then returns: emitting stays a non-blocking
//!   hand-off, and the SDK's own queue (`OTEL_BSP_MAX_QUEUE_SIZE`) does not fill because the
//!   collector is away. New batches queue behind the one being retried, in order, up to
//!   `AGENT_TELEMETRY_EXPORT_QUEUE_BYTES` of encoded requests per signal (default 64 MiB);
//!   past it the oldest are dropped first ([`DroppedItems::queue_full`]).
//! - **A spool on disk, opt-in** (`AGENT_TELEMETRY_SPOOL_DIR`,
//!   [`OpenTelemetryBuilder::with_spool_dir`]). Each batch is written to
//!   `{dir}/{traces,metrics,logs}/` when the SDK hands it over, flushed to disk before the
//!   exporter returns, and deleted once delivered; batches over the memory bound stay queued on
//!   disk only. At shutdown's deadline what is undelivered stays there
//!   ([`SignalFailures::spooled_items`]), and a process that starts on the directory delivers
//!   it first, oldest first, without waiting for new telemetry
//!   ([`SignalFailures::replayed_items`]). **Crash bound:** a SIGKILL loses only what had not
//!   reached the exporter yet: spans that ended within the batch processor's schedule delay
//!   before the kill, which a spool makes 1 s by default (`OTEL_BSP_SCHEDULE_DELAY` still
//!   wins; log records: `OTEL_BLRP_SCHEDULE_DELAY`, 1 s), and spans still open. The spool is
//!   bounded by `AGENT_TELEMETRY_SPOOL_MAX_BYTES` per signal (default 256 MiB), oldest files
//!   deleted first ([`DroppedItems::spool_full`]). Files carry a CRC-32; a truncated or
//!   corrupt one is skipped with one warning naming it ([`DroppedItems::corrupt_spool_files`])
//!   and the rest is delivered. An exclusive lock on each signal's directory keeps a second
//!   process from delivering the same files: it runs without a spool and says so. A directory
//!   that cannot be created or written (read-only, disk full) is warned about and counted
//!   ([`SignalFailures::spool_errors`]); batches then stay in memory and the application goes
//!   on.
//! - **Flush and shutdown** wait for the queues, bounded by their timeout:
//!   [`Lifecycle::force_flush`](telemetry_core::Lifecycle::force_flush) returns an error
//!   naming what is still queued and why; `shutdown` delivers until its deadline, then keeps
//!   on disk (spool) or drops and counts ([`DroppedItems::shutdown`]) the rest.
//! - **Metrics delivered late keep their timestamps**: each export request is encoded when the
//!   reader collects, so a cumulative point arrives with the start and collection times it
//!   had, and a backend sees the series as it was, late; one that refuses samples older than
//!   its ingestion window (such as Prometheus' out-of-order limit) may reject points of a long
//!   outage. Delta points are each delivered once, in order.
//! - **At least once.** A request whose answer was lost (connection cut after the collector
//!   got it) is sent again, so a backend may see it twice (OTLP specification, *Duplicate
//!   Data*); nothing is deduplicated here.
//! - **Visible**: [`SignalFailures::retries`], [`SignalFailures::delivered_late`],
//!   [`DroppedItems`], [`OpenTelemetry::export_backlog`] (queued bytes, spool bytes, age of the
//!   oldest pending batch), and the self-observability metrics
//!   `agent_telemetry.sdk.export.{queue.size,spool.size,oldest_pending.age,retries,dropped}`.
//!
//! The exporters are this crate's own: `opentelemetry-proto`'s transforms encode (as
//! opentelemetry-otlp's do), reqwest and tonic send. opentelemetry-otlp's exporters retry
//! inside `export`, holding the SDK's thread, for at most their timeout (about 0.7 s of cover),
//! and take SDK batches rather than bytes, so a request could not be stored and replayed as it
//! was.

//! # Tail sampling
//!
//! `OTEL_TRACES_SAMPLER=agent_tail` (or [`SamplerConfig::AgentTail`] with [`TailSampling`])
//! holds the ended spans of each trace until the trace is done in this process (its local root
//! has ended and no span of it is still open), then keeps or drops the whole trace. Kept, first
//! match: a remote caller sampled it (never dropped here); a span has status ERROR or an
//! `error.type`; the latency, token (`gen_ai.usage.input_tokens` + `output_tokens`, summed) and
//! cost (`gen_ai.usage.cost`, summed) thresholds; an attribute rule; else the probability
//! `OTEL_TRACES_SAMPLER_ARG`, decided by consistent probability sampling on the trace id
//! (OpenTelemetry specification v1.60.0, *TraceState: Probability Sampling*): the trace's
//! randomness (the `rv` of its `ot` tracestate entry, else the trace id's low 56 bits) must meet
//! the threshold `(1 − p) · 2^56`. That part is known at the start, so spans and outgoing
//! `tracestate` carry `ot=th:<threshold>` when it keeps the trace, and outgoing calls say
//! `sampled` for it: callees that follow their parent keep the same traces. A trace started here
//! has the W3C Level 2 `random-trace-id` flag on its `traceparent`.
//!
//! | variable | [`TailSampling`] | accepted | default |
//! | --- | --- | --- | --- |
//! | `AGENT_TELEMETRY_TAIL_LATENCY_MS` | `keep_slower_than` | milliseconds | none |
//! | `AGENT_TELEMETRY_TAIL_TOKENS` | `keep_tokens_over` | positive integer | none |
//! | `AGENT_TELEMETRY_TAIL_COST` | `keep_cost_over` | positive number | none |
//! | `AGENT_TELEMETRY_TAIL_KEEP` | `keep_attribute` | `key=value,…` (values percent-encoded; a key may repeat) | none |
//! | `AGENT_TELEMETRY_TAIL_RATE_LIMIT` | `rate_limit` | kept traces per second, positive; errors first | none |
//! | `AGENT_TELEMETRY_TAIL_MAX_TRACES` | `max_traces` | positive integer | 10000 |
//! | `AGENT_TELEMETRY_TAIL_MAX_BYTES` | `max_bytes` | positive integer (estimated bytes of held spans) | 67108864 |
//! | `AGENT_TELEMETRY_TAIL_DECISION_TIMEOUT_MS` | `decision_timeout` | positive milliseconds | 30000 |
//!
//! Past a bound, or at the timeout, the oldest trace is decided on the spans that arrived and
//! they carry [`TAIL_DECIDED_EARLY_ATTRIBUTE`]. Decisions are counted
//! ([`OpenTelemetry::tail_sampling`], and as `agent_telemetry.sdk.tail_sampling.*` metrics with
//! self-observability on) and can be read per trace ([`OpenTelemetry::tail_decision`]). Dropped
//! spans are sampled out, not lost: they do not count in [`ExportFailures`]. Metrics are not
//! sampled. The repository's `docs/deploy.md` says what the decision can and cannot do for spans
//! other processes already have, and when a Collector tier is needed instead.
//!
//! # Interoperating with raw OpenTelemetry
//!
//! The current scope lives in the core's thread-local, not in OpenTelemetry's `Context`. To
//! start raw SDK spans under a scope, pass [`OpenTelemetry::otel_context`] as their parent.

// Layers, lowest first: `signal`, `cause`, `rate_limit`, `drops` and `failures` (what is
// exported, what waits and what was lost);
// `mapping` (core scopes, attributes and instruments as SDK values); `config` (`OTEL_*` and code
// settings resolved, nothing started); `export` (the running pipeline: exporters, processors,
// counting, console); `open_telemetry` (the value users hold, its builder and the three traits).
// `sampling` (consistent probability arithmetic, the `agent_tail` head sampler) sits between
// `mapping` and `config`.
mod cause;
mod config;
mod crypto;
mod drops;
mod export;
mod failures;
mod mapping;
mod open_telemetry;
mod rate_limit;
mod sampling;
mod signal;

pub use config::detect::detect_resource;
pub use config::env::EnvSource;
pub use config::error::ConfigError;
pub use config::exporter::ExporterKind;
pub use config::otlp::Protocol;
pub use config::propagators::Propagators;
pub use config::sampler::SamplerConfig;
pub use config::tail::{
    TAIL_COST, TAIL_DECISION_TIMEOUT_MS, TAIL_KEEP, TAIL_LATENCY_MS, TAIL_MAX_BYTES,
    TAIL_MAX_TRACES, TAIL_RATE_LIMIT, TAIL_TOKENS, TailSampling,
};
pub use crypto::ensure_crypto_provider;
pub use drops::{Backlog, DroppedItems};
pub use export::self_metrics::ENV as SELF_OBSERVABILITY;
pub use export::tail::TAIL_DECIDED_EARLY_ATTRIBUTE;
pub use export::tail::counts::TailSamplingCounts;
pub use failures::{ExportFailures, SignalFailures};
pub use mapping::span::CANCELLED_ATTRIBUTE;
pub use open_telemetry::OpenTelemetry;
pub use open_telemetry::builder::OpenTelemetryBuilder;
pub use signal::Signal;

/// The crate README's code blocks, run as doc tests so the example crates.io shows stays right.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
