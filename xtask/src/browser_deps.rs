//! What the trace view's browser test (`examples/agent-engine/tests/browser.rs`) needs, installed
//! before `cargo xtask test` runs it:
//!
//! - Chromium at `/usr/bin/chromium` (or wherever `CHROMIUM` points), Node.js (`node`) and npm:
//!   the missing ones come from Debian (`chromium`, `nodejs`, `npm`) through `apt-get update` and
//!   `apt-get install -y`, as root or with passwordless `sudo -n`;
//! - `playwright-core` in the test's `node_modules`, at the version `package-lock.json` pins:
//!   `npm ci --no-audit --no-fund` in the test's folder when it is missing or another version.
//!
//! Where that cannot happen (no apt-get, neither root nor passwordless sudo, a failed install, no
//! network), [`prepare`] says why and how to get the test running; the caller then skips that one
//! test by handing it `AGENT_ENGINE_BROWSER_TEST=skip:<why>`.

use crate::apt::{self, on_path};
use crate::skip::{Installing, Skip};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable the browser test reads: `skip` or `skip:<why>` skips it, saying so.
pub(crate) const SKIP_VAR: &str = "AGENT_ENGINE_BROWSER_TEST";

/// The test's npm project, relative to the workspace root.
const TEST_DIR: &str = "examples/agent-engine/tests/browser";

/// What to install by hand when xtask cannot.
fn by_hand() -> String {
    format!(
        "install Chromium (set CHROMIUM to its binary unless it is {DEFAULT_CHROMIUM}) and \
         Node.js 20 or newer with npm, then run `cargo xtask test` again"
    )
}

/// The Chromium the test drives unless `CHROMIUM` names another.
const DEFAULT_CHROMIUM: &str = "/usr/bin/chromium";

/// This test, for `cargo xtask test`: its skip line and its variable.
pub(crate) const TEST: Installing = Installing {
    test: "the browser test (examples/agent-engine/tests/browser.rs)",
    var: SKIP_VAR,
};

/// Whether the user skips the browser test themselves (`AGENT_ENGINE_BROWSER_TEST=skip` or
/// `skip:<why>`).
pub(crate) fn skip_requested() -> bool {
    std::env::var(SKIP_VAR).is_ok_and(|v| v == "skip" || v.starts_with("skip:"))
}

/// Installs what the browser test lacks, saying on stderr what and why; `Err` when the test
/// cannot run here. `root` is the workspace root.
pub(crate) fn prepare(root: &Path) -> Result<(), Skip> {
    if skip_requested() {
        return Err(Skip {
            why: format!(
                "{SKIP_VAR}={} is set",
                std::env::var(SKIP_VAR).unwrap_or_default()
            ),
            how: format!("unset {SKIP_VAR}"),
        });
    }
    let chromium = match std::env::var_os("CHROMIUM") {
        Some(path) if !Path::new(&path).exists() => {
            return Err(Skip {
                why: format!("CHROMIUM={} does not exist", Path::new(&path).display()),
                how: format!(
                    "point CHROMIUM at a Chromium binary, or unset it to use Debian's \
                     {DEFAULT_CHROMIUM} (installed here when missing)"
                ),
            });
        }
        Some(_) => true,
        None => Path::new(DEFAULT_CHROMIUM).exists(),
    };
    let missing = missing_packages(chromium, on_path("node"), on_path("npm"));
    if !missing.is_empty() {
        let list = missing.join(" ");
        apt::install("the browser test", &missing)?;
        // A package can install without providing the path or command the test uses.
        let chromium =
            std::env::var_os("CHROMIUM").is_some() || Path::new(DEFAULT_CHROMIUM).exists();
        let still = missing_packages(chromium, on_path("node"), on_path("npm"));
        if !still.is_empty() {
            return Err(Skip {
                why: format!(
                    "{} still missing after `apt-get install -y {list}`",
                    still.join(" ")
                ),
                how: by_hand(),
            });
        }
    }
    npm_ci(&root.join(TEST_DIR))
}

/// The Debian packages to install, given which pieces are present.
fn missing_packages(chromium: bool, node: bool, npm: bool) -> Vec<&'static str> {
    [(chromium, "chromium"), (node, "nodejs"), (npm, "npm")]
        .into_iter()
        .filter(|(present, _)| !present)
        .map(|(_, package)| package)
        .collect()
}

/// Whether `node_modules` holds the pinned playwright-core: `Ok(())`, or why `npm ci` is due.
fn playwright_state(dir: &Path) -> Result<(), String> {
    let version = |path: PathBuf, pointer: &str| -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json.pointer(pointer)?.as_str().map(str::to_owned)
    };
    let locked = version(
        dir.join("package-lock.json"),
        "/packages/node_modules~1playwright-core/version",
    );
    let installed = version(
        dir.join("node_modules/playwright-core/package.json"),
        "/version",
    );
    match (installed, locked) {
        (None, _) => Err("node_modules/playwright-core is missing".into()),
        (Some(installed), Some(locked)) if installed != locked => Err(format!(
            "node_modules holds playwright-core {installed}, package-lock.json pins {locked}"
        )),
        _ => Ok(()),
    }
}

fn npm_ci(dir: &Path) -> Result<(), Skip> {
    let Err(why) = playwright_state(dir) else {
        return Ok(());
    };
    let how = format!("run `npm ci` in {TEST_DIR}, then `cargo xtask test` again");
    eprintln!(
        "xtask: the browser test needs playwright-core ({why}); running `npm ci --no-audit --no-fund` in {TEST_DIR}"
    );
    match Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
    {
        Ok(status) if status.success() => playwright_state(dir).map_err(|why| Skip {
            why: format!("after `npm ci`, {why}"),
            how,
        }),
        Ok(status) => Err(Skip {
            why: format!(
                "`npm ci` in {TEST_DIR} failed ({status}; is the npm registry reachable?)"
            ),
            how,
        }),
        Err(e) => Err(Skip {
            why: format!("could not start `npm ci`: {e}"),
            how,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_absent_pieces_are_installed() {
        assert_eq!(missing_packages(true, true, true), Vec::<&str>::new());
        assert_eq!(missing_packages(false, true, true), ["chromium"]);
        assert_eq!(
            missing_packages(false, false, false),
            ["chromium", "nodejs", "npm"]
        );
        assert_eq!(missing_packages(true, true, false), ["npm"]);
    }

    #[test]
    fn npm_ci_is_due_when_playwright_core_is_missing_or_not_the_pinned_version() {
        let dir = std::env::temp_dir().join(format!("xtask-browser-deps-{}", std::process::id()));
        let module = dir.join("node_modules/playwright-core");
        std::fs::create_dir_all(&module).unwrap();
        std::fs::write(
            dir.join("package-lock.json"),
            r#"{"packages":{"node_modules/playwright-core":{"version":"1.65.1"}}}"#,
        )
        .unwrap();
        let missing = playwright_state(&dir).unwrap_err();
        assert!(missing.contains("missing"), "{missing}");
        std::fs::write(module.join("package.json"), r#"{"version":"1.60.0"}"#).unwrap();
        let stale = playwright_state(&dir).unwrap_err();
        assert!(
            stale.contains("1.60.0") && stale.contains("1.65.1"),
            "{stale}"
        );
        std::fs::write(module.join("package.json"), r#"{"version":"1.65.1"}"#).unwrap();
        assert_eq!(playwright_state(&dir), Ok(()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_real_lockfile_pins_playwright_core() {
        // The pointer above must keep matching the lockfile's layout (lockfileVersion 3).
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(TEST_DIR);
        let text = std::fs::read_to_string(dir.join("package-lock.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(
            json.pointer("/packages/node_modules~1playwright-core/version")
                .and_then(serde_json::Value::as_str)
                .is_some(),
            "package-lock.json pins playwright-core"
        );
    }
}
