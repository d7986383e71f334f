//! The trace view in a real headless browser: runs `tests/browser/trace_view.mjs` (Debian's
//! Chromium driven by `playwright-core`) against this crate's `agent-engine` binary, and
//! keeps its screenshot at `target/tmp/trace-view.png`.
//!
//! Needs `node` (Node.js 20+), `/usr/bin/chromium` (or `CHROMIUM`) and `npm ci` run in
//! `tests/browser`; `cargo xtask test` installs all three where it can, and where it cannot it
//! skips this test by setting `AGENT_ENGINE_BROWSER_TEST=skip:<why>`. Run by hand without them,
//! the test fails saying what to install; `AGENT_ENGINE_BROWSER_TEST=skip` skips it. A skip
//! prints one `skipped: …` line, which `.config/nextest.toml` shows even when the test passes.

use std::path::Path;
use std::process::Command;

#[test]
fn the_trace_view_shows_a_two_tool_turn_in_headless_chromium() {
    match std::env::var("AGENT_ENGINE_BROWSER_TEST").as_deref() {
        Ok("skip") => {
            eprintln!("skipped: AGENT_ENGINE_BROWSER_TEST=skip");
            return;
        }
        Ok(value) if value.starts_with("skip:") => {
            eprintln!("skipped: {}", &value["skip:".len()..]);
            return;
        }
        _ => {}
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: run `cargo xtask test`, which installs Debian's chromium as root \
         or with passwordless sudo, or install it yourself (`sudo apt-get install -y chromium`), \
         or set CHROMIUM to a Chromium binary, or set AGENT_ENGINE_BROWSER_TEST=skip"
    );
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing: run `npm ci` in {} (`cargo xtask test` does), or set \
         AGENT_ENGINE_BROWSER_TEST=skip",
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
        .expect(
            "node runs (install Node.js 20 or newer: `cargo xtask test` installs Debian's nodejs)",
        );
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
