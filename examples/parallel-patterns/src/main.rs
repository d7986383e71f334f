//! `parallel-patterns [--open-telemetry] <pattern|all>`: runs the parallel-work patterns
//! (thread pool, fan-out/fan-in, map-reduce, streams, rate limits) with Basic telemetry (text logs on stdout) or OpenTelemetry (configured from the
//! `OTEL_*` environment).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use parallel_patterns::{Pattern, run};
use telemetry_basic::{BasicTelemetry, LogFormat};
use telemetry_core::{LogLevel, Telemetry};
use telemetry_otel::OpenTelemetry;

/// Runs parallel patterns with context propagation.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The pattern to run; all of them if omitted.
    pattern: Option<Pattern>,
    /// Use OpenTelemetry, configured from `OTEL_*` variables, instead of Basic.
    #[arg(long)]
    open_telemetry: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let telemetry: Telemetry = if args.open_telemetry {
        match OpenTelemetry::from_env("parallel-patterns") {
            Ok(otel) => otel.telemetry(),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        BasicTelemetry::stdout(LogFormat::Text, LogLevel::Info).telemetry
    };
    let patterns = args.pattern.map_or(Pattern::ALL.to_vec(), |p| vec![p]);
    let mut code = ExitCode::SUCCESS;
    for pattern in patterns {
        match run(pattern, &telemetry).await {
            Ok(o) => {
                let id = o.correlation_id.map_or("-".to_owned(), |id| id.to_string());
                println!("{pattern:?}: {} (correlation_id {id})", o.summary);
            }
            Err(e) => {
                eprintln!("{pattern:?} failed: {e}");
                code = ExitCode::FAILURE;
            }
        }
    }
    if let Err(e) = telemetry.shutdown(Duration::from_secs(10)).await {
        eprintln!("telemetry shutdown: {e}");
    }
    code
}
