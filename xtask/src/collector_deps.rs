//! What the real-collector test (`examples/agent-engine/tests/real_collector.rs`) needs,
//! installed before `cargo xtask test` runs it: the `rotel-agent` collector binary, which the
//! PyPI package `rotel` ships inside its Python package (`site-packages/rotel/rotel-agent`).
//!
//! [`prepare`] creates a venv at `<target dir>/rotel-venv` (`python3 -m venv`) and runs
//! `pip install rotel==0.0.1a15` in it unless that version is installed already, then hands
//! the binary's path to the test as `ROTEL_AGENT`. A `ROTEL_AGENT` already set to a binary is
//! used as it is. A `python3 -m venv` that fails is answered by installing Debian's `python3`,
//! `python3-venv` and `python3-pip` (as the browser test's packages are), then tried once more.
//! Where the install cannot happen (no `python3`, no venv module, no network), it says why and
//! how to get the test running; the caller then skips that one test by handing
//! it `ROTEL_AGENT=skip:<why>`.

use crate::skip::{Installing, Skip};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable the test reads: the binary's path, or `skip` / `skip:<why>`.
pub(crate) const BINARY_VAR: &str = "ROTEL_AGENT";

/// The pinned package: an alpha, so an unpinned install could change the collector under the
/// test.
const PACKAGE: &str = "rotel";
const VERSION: &str = "0.0.1a15";

/// The venv, relative to the target directory.
const VENV: &str = "rotel-venv";

/// This test, for `cargo xtask test`: its skip line and its variable.
pub(crate) const TEST: Installing = Installing {
    test: "the real-collector test (examples/agent-engine/tests/real_collector.rs)",
    var: BINARY_VAR,
};

/// Whether the user skips the test themselves (`ROTEL_AGENT=skip` or `skip:<why>`).
pub(crate) fn skip_requested() -> bool {
    std::env::var(BINARY_VAR).is_ok_and(|v| v == "skip" || v.starts_with("skip:"))
}

/// Installs the collector where it is missing, saying on stderr what and why; the binary's
/// path, or `Err` when the test cannot run here. `target` is the target directory.
pub(crate) fn prepare(target: &Path) -> Result<PathBuf, Skip> {
    match std::env::var_os(BINARY_VAR) {
        _ if skip_requested() => {
            return Err(Skip {
                why: format!(
                    "{BINARY_VAR}={} is set",
                    std::env::var(BINARY_VAR).unwrap_or_default()
                ),
                how: format!("unset {BINARY_VAR}"),
            });
        }
        Some(path) if Path::new(&path).is_file() => return Ok(PathBuf::from(path)),
        Some(path) => {
            return Err(Skip {
                why: format!("{BINARY_VAR}={} is not a file", Path::new(&path).display()),
                how: format!(
                    "point {BINARY_VAR} at a rotel-agent binary, or unset it to have \
                     `cargo xtask test` install {PACKAGE}=={VERSION} from PyPI"
                ),
            });
        }
        None => {}
    }
    let venv = target.join(VENV);
    if let Some(binary) = installed(&venv) {
        return Ok(binary);
    }
    let how = format!(
        "make `python3 -m venv` work (Debian: `apt-get install -y python3-venv`) and PyPI \
         reachable, then run `cargo xtask test` again; or install {PACKAGE}=={VERSION} \
         yourself and set {BINARY_VAR} to its site-packages/rotel/rotel-agent"
    );
    let python = venv.join("bin/python");
    if !python.exists() {
        eprintln!(
            "xtask: the real-collector test needs the rotel collector; creating a venv with \
             `python3 -m venv {}`",
            venv.display()
        );
        let make_venv = || {
            run(Command::new("python3").args(["-m", "venv"]).arg(&venv)).inspect_err(|_| {
                // A half-made venv (Debian without python3-venv leaves one without pip)
                // would be taken as made next time.
                let _ = std::fs::remove_dir_all(&venv);
            })
        };
        if let Err(first) = make_venv() {
            // Debian splits the venv module (and pip) out of python3: install them the way
            // the browser test's packages are, then try once more.
            crate::apt::install(
                "the real-collector test",
                &["python3", "python3-venv", "python3-pip"],
            )
            .map_err(|skip| Skip {
                why: format!(
                    "`python3 -m venv` failed ({first}) and Debian's python3-venv could not \
                     be installed: {}",
                    skip.why
                ),
                how: how.clone(),
            })?;
            make_venv().map_err(|e| Skip {
                why: format!("`python3 -m venv` failed ({e}), also after installing python3-venv"),
                how: how.clone(),
            })?;
        }
    }
    let requirement = format!("{PACKAGE}=={VERSION}");
    eprintln!(
        "xtask: installing the rotel collector with `pip install {requirement}` in {}",
        venv.display()
    );
    run(Command::new(&python).args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        &requirement,
    ]))
    .map_err(|e| Skip {
        why: format!("`pip install {requirement}` failed ({e}; is PyPI reachable?)"),
        how: how.clone(),
    })?;
    installed(&venv).ok_or_else(|| Skip {
        why: format!(
            "after `pip install {requirement}`, no rotel-agent binary in {}",
            venv.display()
        ),
        how,
    })
}

/// The pinned version's `rotel-agent` in `venv`, if both are there.
fn installed(venv: &Path) -> Option<PathBuf> {
    let site = site_packages(venv)?;
    let dist_info = site.join(format!("{PACKAGE}-{VERSION}.dist-info"));
    let binary = site.join("rotel").join("rotel-agent");
    (dist_info.is_dir() && binary.is_file()).then_some(binary)
}

/// `lib/python3.X/site-packages` of a POSIX venv (the one holding `rotel` when several
/// Python versions left one each).
fn site_packages(venv: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(venv.join("lib"))
        .ok()?
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .map(|e| e.path().join("site-packages"))
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
        .iter()
        .find(|p| p.join("rotel").is_dir())
        .or(found.first())
        .cloned()
}

/// Runs `command` with its output shown; `Err` says how it failed.
fn run(command: &mut Command) -> Result<(), String> {
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(status.to_string()),
        Err(e) => Err(format!("could not start it: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "xtask-collector-deps-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn the_binary_is_found_in_a_venv_holding_the_pinned_version() {
        let venv = scratch("layout");
        assert_eq!(installed(&venv), None, "no venv");
        let site = venv.join("lib/python3.11/site-packages");
        std::fs::create_dir_all(site.join("rotel")).unwrap();
        std::fs::write(site.join("rotel/rotel-agent"), b"").unwrap();
        assert_eq!(installed(&venv), None, "no dist-info: not installed by pip");
        std::fs::create_dir_all(site.join("rotel-0.0.1a14.dist-info")).unwrap();
        assert_eq!(installed(&venv), None, "another version");
        std::fs::create_dir_all(site.join(format!("rotel-{VERSION}.dist-info"))).unwrap();
        assert_eq!(installed(&venv), Some(site.join("rotel/rotel-agent")));
        // A venv once made with another Python keeps its old lib folder beside the new one.
        std::fs::create_dir_all(venv.join("lib/python3.9/site-packages")).unwrap();
        assert_eq!(installed(&venv), Some(site.join("rotel/rotel-agent")));
        std::fs::remove_dir_all(&venv).unwrap();
    }
}
