//! Project automation, run as `cargo xtask <command>`.
//!
//! - `test`: the test suite (what README's quickstart and CI run): every workspace test with
//!   cargo-nextest, then the doc tests (nextest does not run those). It first installs what is
//!   missing, saying so on stderr: cargo-nextest (`cargo install cargo-nextest --locked`), and
//!   for the trace view's browser test Debian's `chromium`, `nodejs` and `npm` (`apt-get`, as
//!   root or with passwordless `sudo -n`) and `playwright-core` (`npm ci` in
//!   `examples/agent-engine/tests/browser`); see [`browser_deps`]; and for the real-collector
//!   test the `rotel-agent` collector (`pip install rotel==0.0.1a15` in a venv under the target
//!   directory); see [`collector_deps`]. Where those cannot be installed, that one test is
//!   skipped with a line saying why and how to run it, and the rest run; under `CI` such a
//!   skip is an error instead.
//! - `ci`: formatting, clippy with `-D warnings`, `package`, then `test`.
//! - `package`: `cargo package` of every publishable library crate, nothing uploaded (see
//!   [`package`](mod@package)).
//! - `bench [--quick]`: the benchmark suite (`tests/benches`), then README's Performance
//!   table (see [`bench`](mod@bench)).
//! - `iai [--update-baselines]`: the instruction-count regression guard (see [`iai`](mod@iai)).
//! - `load`: the long load run with the collector down (see [`load`](mod@load)).

mod apt;
mod bench;
mod browser_deps;
mod collector_deps;
mod external;
mod iai;
mod load;
mod package;
mod readme_table;
mod skip;

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
    /// Run every test: `cargo nextest run --workspace`, `cargo test --workspace --doc`, then
    /// README's service example built and run outside the workspace, then the instruction-count
    /// guard (`iai`), after installing what is missing (cargo-nextest; for the browser test
    /// Debian's chromium, nodejs and npm, and `npm ci`; for the real-collector test PyPI's
    /// rotel in a venv; Valgrind and gungraun-runner).
    Test,
    /// `cargo fmt --all --check`, `cargo clippy --workspace --all-targets -- -D warnings`,
    /// `package`, then `test`.
    Ci,
    /// Package every publishable library crate in crates/ (`cargo package --no-verify`,
    /// offline, nothing uploaded) and check the packages hold every file their sources include.
    Package,
    /// Only the last step of `test`: README's service example built and run outside the workspace.
    Quickstart,
    /// Run the benchmark suite and rewrite README's Performance table.
    Bench {
        /// Short warm-up and measurement: a few minutes on 2 cores, indicative figures.
        #[arg(long)]
        quick: bool,
    },
    /// The instruction-count regression guard: the hot paths under Callgrind (tests/iai),
    /// failing when a row grows by more than 3 % over tests/iai/baselines.json.
    Iai {
        /// Write this run's counts as the new baselines (a deliberate commit saying why).
        #[arg(long)]
        update_baselines: bool,
    },
    /// Drive the release agent engine with `simulate --open-telemetry` while every OTLP
    /// exporter points at a closed port; report RSS (start, peak, end) and the loss counts.
    Load {
        /// Sessions (each: one create, --turns messages, and about one bad request in ten).
        #[arg(long, default_value_t = 10_000)]
        sessions: usize,
        /// Messages per session (10,000 × (1 + 9) = 100,000 requests and more).
        #[arg(long, default_value_t = 9)]
        turns: usize,
        /// Sessions in flight.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// OTLP endpoint (default: a closed port on 127.0.0.1).
        #[arg(long)]
        endpoint: Option<String>,
        /// Control run: the same load with Basic telemetry (no exporter), to tell the
        /// application's own memory from telemetry's.
        #[arg(long)]
        basic: bool,
    },
}

/// The workspace root (xtask's parent directory).
pub(crate) fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

/// The target directory cargo builds into: `CARGO_TARGET_DIR` (a relative one taken from the
/// workspace root), else `target` under the workspace root.
pub(crate) fn target_dir() -> std::path::PathBuf {
    let root = workspace_root();
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |d| root.join(d))
}

/// The cargo that runs xtask (`CARGO`), else `cargo` from `PATH`.
pub(crate) fn cargo_bin() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    cargo_with_env(args, &[])
}

fn cargo_with_env(args: &[&str], env: &[(&str, String)]) -> Result<(), String> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let status = Command::new(cargo_bin())
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .status()
        .map_err(|e| format!("could not start cargo {}: {e}", args.join(" ")))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed with {status}", args.join(" ")))
    }
}

/// Whether `cargo nextest` runs here.
fn has_nextest() -> bool {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Installs cargo-nextest when it is missing, saying so; on failure, says what to run instead.
fn ensure_nextest() -> Result<(), String> {
    if has_nextest() {
        return Ok(());
    }
    eprintln!(
        "xtask: cargo-nextest is not installed; installing it once with \
         `cargo install cargo-nextest --locked` (a few minutes)"
    );
    cargo(&["install", "cargo-nextest", "--locked"]).map_err(|e| {
        format!(
            "{e}\nxtask: could not install cargo-nextest. Install it yourself \
             (`cargo install cargo-nextest --locked`, or see https://nexte.st), or run the \
             tests without it: `cargo test --workspace`"
        )
    })
}

/// Whether this runs under CI (`CI` set, and not to `false` or `0`), where a test must not be
/// skipped for want of something CI should have installed.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn test() -> Result<(), String> {
    ensure_nextest()?;
    let root = &workspace_root();
    let mut skips = Vec::new();
    let mut env = Vec::new();
    if let Err(skip) = browser_deps::prepare(root) {
        let chosen = browser_deps::skip_requested();
        browser_deps::TEST.skip(&skip, chosen, in_ci(), &mut env, &mut skips)?;
    }
    match collector_deps::prepare(&target_dir()) {
        Ok(binary) => env.push((collector_deps::BINARY_VAR, binary.display().to_string())),
        Err(skip) => {
            let chosen = collector_deps::skip_requested();
            collector_deps::TEST.skip(&skip, chosen, in_ci(), &mut env, &mut skips)?;
        }
    }
    let result = cargo_with_env(&["nextest", "run", "--workspace", "--no-fail-fast"], &env)
        .and_then(|()| cargo(&["test", "--workspace", "--doc"]))
        .and_then(|()| external::run(cargo_with_env))
        // The instruction-count guard: it installs Valgrind and gungraun-runner when missing.
        .and_then(|()| iai::run(false));
    // Again at the end, where it is not buried under the test output.
    for skip in &skips {
        eprintln!("xtask: {skip}");
    }
    result
}

/// Variables `cargo run` sets for the xtask binary itself. Inherited by the cargo commands
/// xtask starts, they change the build-script environment that crates such as ring watch, so
/// every switch between plain `cargo` and `cargo xtask` would rebuild those crates and all above.
const RUN_ENV: &[&str] = &[
    "CARGO_BIN_NAME",
    "CARGO_CRATE_NAME",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_PKG_AUTHORS",
    "CARGO_PKG_DESCRIPTION",
    "CARGO_PKG_HOMEPAGE",
    "CARGO_PKG_LICENSE",
    "CARGO_PKG_LICENSE_FILE",
    "CARGO_PKG_NAME",
    "CARGO_PKG_README",
    "CARGO_PKG_REPOSITORY",
    "CARGO_PKG_RUST_VERSION",
    "CARGO_PKG_VERSION",
    "CARGO_PKG_VERSION_MAJOR",
    "CARGO_PKG_VERSION_MINOR",
    "CARGO_PKG_VERSION_PATCH",
    "CARGO_PKG_VERSION_PRE",
    "CARGO_PRIMARY_PACKAGE",
];

fn main() -> ExitCode {
    for var in RUN_ENV {
        // SAFETY: first thing in `main`, before xtask starts any thread, so nothing reads the
        // environment concurrently.
        unsafe { std::env::remove_var(var) };
    }
    let result = match Cli::parse().command {
        Task::Test => test(),
        Task::Package => package::run(),
        Task::Quickstart => external::run(cargo_with_env),
        Task::Bench { quick } => bench::run(quick, cargo_with_env),
        Task::Iai { update_baselines } => iai::run(update_baselines),
        Task::Load {
            sessions,
            turns,
            concurrency,
            endpoint,
            basic,
        } => endpoint
            .map_or_else(load::default_endpoint, Ok)
            .and_then(|endpoint| {
                load::run(
                    &load::LoadConfig {
                        sessions,
                        turns,
                        concurrency,
                        endpoint,
                        basic,
                    },
                    cargo_with_env,
                )
            }),
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
            .and_then(|()| package::run())
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
