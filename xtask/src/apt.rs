//! Installing Debian packages for a test that needs them (Chromium and Node.js for the browser
//! test, Valgrind for the instruction-count guard, the Python venv module for the
//! real-collector test): `apt-get update` and `apt-get install -y`, as root or through
//! passwordless `sudo -n`, never prompting. Each caller checks afterwards that what it needs
//! is there, since a package can install without providing the command a test runs.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::skip::Skip;

/// Installs the Debian `packages` that `what` needs, saying so on stderr. `Err` when there is
/// no apt-get, no root and no passwordless sudo, or apt-get fails (with what to run by hand).
pub(crate) fn install(what: &str, packages: &[&str]) -> Result<(), Skip> {
    let list = packages.join(" ");
    let privilege = installer(on_path("apt-get"), is_root(), sudo_works(), &list)?;
    eprintln!(
        "xtask: {what} needs Debian's {list} (missing); installing with \
         `apt-get update` and `apt-get install -y {list}`"
    );
    let apt = |args: &[&str]| -> Result<(), Skip> {
        let mut command = match privilege {
            Privilege::Root => Command::new("apt-get"),
            Privilege::Sudo => {
                let mut sudo = Command::new("sudo");
                // sudo resets the environment; `env` carries the one variable apt needs.
                sudo.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
                sudo
            }
        };
        // No prompts (tzdata and the like) on an unattended machine.
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        let shown = format!("apt-get {}", args.join(" "));
        match command.status() {
            Ok(status) if status.success() => Ok(()),
            Ok(status) => Err(Skip {
                why: format!("`{shown}` failed ({status}; is the Debian mirror reachable?)"),
                how: retry(&list),
            }),
            Err(e) => Err(Skip {
                why: format!("could not start `{shown}`: {e}"),
                how: retry(&list),
            }),
        }
    };
    apt(&["update"])?;
    let mut install = vec!["install", "-y"];
    install.extend_from_slice(packages);
    apt(&install)
}

/// How this process may run apt-get.
#[derive(Debug, PartialEq, Eq)]
enum Privilege {
    Root,
    Sudo,
}

/// Whether and how packages can be installed, given the facts about this machine.
fn installer(apt_get: bool, root: bool, sudo: bool, packages: &str) -> Result<Privilege, Skip> {
    if !apt_get {
        return Err(Skip {
            why: format!("{packages} missing and no apt-get here to install them"),
            how: format!("install {packages} another way, then run `cargo xtask test` again"),
        });
    }
    if root {
        Ok(Privilege::Root)
    } else if sudo {
        Ok(Privilege::Sudo)
    } else {
        Err(Skip {
            why: format!(
                "{packages} missing, and installing needs root (this is not root, and \
                 `sudo -n` is absent or asks for a password)"
            ),
            how: retry(packages),
        })
    }
}

/// What to run by hand after a failed install of `packages`.
fn retry(packages: &str) -> String {
    format!(
        "install them as root (`apt-get update && apt-get install -y {packages}`, or the same \
         through sudo), then run `cargo xtask test` again"
    )
}

/// Whether an executable `name` is on `PATH`.
pub(crate) fn on_path(name: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| is_executable(&dir.join(name)))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Whether this process runs as root (`id -u` prints 0).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0")
}

/// Whether `sudo -n` runs a command without asking for a password.
fn sudo_works() -> bool {
    on_path("sudo")
        && Command::new("sudo")
            .args(["-n", "true"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installing_needs_apt_get_and_root_or_passwordless_sudo() {
        assert_eq!(
            installer(true, true, false, "chromium"),
            Ok(Privilege::Root)
        );
        assert_eq!(
            installer(true, false, true, "chromium"),
            Ok(Privilege::Sudo)
        );
        let no_root = installer(true, false, false, "chromium").unwrap_err();
        assert!(no_root.why.contains("needs root"), "{no_root:?}");
        assert!(
            no_root.how.contains("apt-get install -y chromium"),
            "{no_root:?}"
        );
        let no_apt = installer(false, true, true, "chromium nodejs").unwrap_err();
        assert!(no_apt.why.contains("no apt-get"), "{no_apt:?}");
        assert!(
            no_apt.why.starts_with("chromium nodejs missing"),
            "{no_apt:?}"
        );
    }
}
