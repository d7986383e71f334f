//! The trace view in a real headless browser: runs `tests/browser/trace_view.mjs` (Debian's
//! Chromium driven by `playwright-core`) against this crate's `agent-engine` binary, and
//! keeps its screenshot at `target/tmp/trace-view.png`.
//!
//! Needs `node`, `/usr/bin/chromium` (or `CHROMIUM`) and `npm ci` run in `tests/browser`;
//! `.ci/run` installs all three. Missing, the test fails saying what to install; set
//! `AGENT_ENGINE_BROWSER_TEST=skip` to skip it on a machine without a browser.

use std::path::Path;
use std::process::Command;

#[test]
fn the_trace_view_shows_a_two_tool_turn_in_headless_chromium() {
    if std::env::var("AGENT_ENGINE_BROWSER_TEST").is_ok_and(|v| v == "skip") {
        eprintln!("skipped: AGENT_ENGINE_BROWSER_TEST=skip");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: install Debian's chromium (apt-get install -y chromium), set \
         CHROMIUM, or set AGENT_ENGINE_BROWSER_TEST=skip"
    );
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci` in {}",
        dir.display()
    );
    let screenshot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("trace-view.png");
    let _ = std::fs::remove_file(&screenshot);
    let out = Command::new("node")
        .arg("trace_view.mjs")
        .current_dir(&dir)
        .env("ENGINE_BIN", env!("CARGO_BIN_EXE_agent-engine"))
        .env("SCREENSHOT", &screenshot)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("node runs (install Node.js 18 or newer)");
    assert!(
        out.status.success(),
        "trace_view.mjs failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The 500-span rendering time, for the record (`--no-capture` shows it).
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    let png = std::fs::read(&screenshot).expect("the screenshot was saved");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
}
