//! Project automation, run as `cargo xtask <command>`.
//!
//! - `test`: the test suite (what README's quickstart and CI run): every workspace test with
//!   cargo-nextest, then the doc tests (nextest does not run those).
//! - `ci`: formatting, clippy with `-D warnings`, then `test`.

use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Agent Telemetry project automation")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Run every test: `cargo nextest run --workspace`, then `cargo test --workspace --doc`.
    Test,
    /// `cargo fmt --all --check`, `cargo clippy --workspace --all-targets -- -D warnings`, then `test`.
    Ci,
}

fn cargo(args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .status()
        .map_err(|e| format!("could not start cargo {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed with {status}", args.join(" ")))
    }
}

fn test() -> Result<(), String> {
    cargo(&["nextest", "run", "--workspace", "--no-fail-fast"])?;
    cargo(&["test", "--workspace", "--doc"])
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Task::Test => test(),
        Task::Ci => cargo(&["fmt", "--all", "--check"])
            .and_then(|()| {
                cargo(&[
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ])
            })
            .and_then(|()| test()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
