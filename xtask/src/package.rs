//! `cargo xtask package`: checks that every publishable library crate packages for crates.io,
//! without uploading anything.
//!
//! The crates are the workspace members under `crates/` with a library (or proc-macro) target
//! whose `publish` allows some registry, read from `cargo metadata`, so a new crate is covered
//! as soon as it exists (one with `publish = false` is named as left out). They are packaged by
//! one `cargo package --no-verify` run: given several `-p`, cargo packages them in dependency
//! order and resolves each one's dependencies on its unpublished siblings against the packages
//! it has just made (a local-registry overlay), so nothing needs to be on crates.io yet.
//! `--offline` keeps the run to the local registry cache (the CI's earlier build has filled
//! it), and `--allow-dirty` lets it run on a work tree with changes.
//!
//! `--no-verify` skips building each package on its own, which would catch an `include_str!`
//! of a file the package leaves out; instead every string-literal `include_str!`,
//! `include_bytes!` and `include!` in the packaged sources is checked against the package's
//! file list (`cargo package --list`).

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::Value;

use crate::cargo_bin;

/// A crate to package: its name and its directory.
#[derive(Debug, PartialEq)]
struct Crate {
    name: String,
    dir: PathBuf,
}

/// Packages every publishable library crate; the error names the crate that failed.
pub(crate) fn run() -> Result<(), String> {
    let started = Instant::now();
    let metadata = cargo_output(&["metadata", "--format-version", "1", "--no-deps"])?;
    let metadata: Value = serde_json::from_str(&metadata)
        .map_err(|e| format!("`cargo metadata` printed something other than JSON: {e}"))?;
    let (crates, unpublished) = library_crates(&metadata)?;
    if !unpublished.is_empty() {
        eprintln!(
            "xtask: not packaged (publish = false): {}",
            unpublished.join(", ")
        );
    }
    if crates.is_empty() {
        return Err("no publishable library crate found under crates/".to_owned());
    }
    let names: Vec<&str> = crates.iter().map(|c| c.name.as_str()).collect();
    eprintln!("xtask: packaging {}", names.join(", "));

    let mut args = vec!["package", "--no-verify", "--allow-dirty", "--offline"];
    for name in &names {
        args.extend(["-p", name]);
    }
    package(&args, &crates)?;

    for c in &crates {
        let list = cargo_output(&[
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            &c.name,
        ])
        .map_err(|e| format!("{}: {e}", c.name))?;
        let files: BTreeSet<&str> = list.lines().map(str::trim).collect();
        check_includes(c, &files)?;
    }
    eprintln!(
        "xtask: packaged {} crates in {:.1} s",
        crates.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The workspace members under `<workspace_root>/crates/` that have a `lib` or `proc-macro`
/// target and may be published (`publish` absent, or a non-empty registry list), by name; and
/// the names of those that may not, to say they were left out.
fn library_crates(metadata: &Value) -> Result<(Vec<Crate>, Vec<String>), String> {
    let root = metadata["workspace_root"]
        .as_str()
        .ok_or("`cargo metadata` has no workspace_root")?;
    let crates_dir = Path::new(root).join("crates");
    let packages = metadata["packages"]
        .as_array()
        .ok_or("`cargo metadata` has no packages array")?;
    let mut crates = Vec::new();
    let mut unpublished = Vec::new();
    for p in packages {
        let name = p["name"].as_str().ok_or("a package without a name")?;
        let manifest = Path::new(
            p["manifest_path"]
                .as_str()
                .ok_or_else(|| format!("{name}: no manifest_path"))?,
        );
        let Some(dir) = manifest.parent() else {
            continue;
        };
        // `publish = false` is `[]`; absent is `null` (any registry).
        let publishable = match &p["publish"] {
            Value::Null => true,
            Value::Array(registries) => !registries.is_empty(),
            _ => false,
        };
        let library = p["targets"].as_array().is_some_and(|targets| {
            targets.iter().any(|t| {
                t["kind"].as_array().is_some_and(|kinds| {
                    kinds
                        .iter()
                        .any(|k| matches!(k.as_str(), Some("lib" | "rlib" | "proc-macro")))
                })
            })
        });
        if dir.parent() != Some(crates_dir.as_path()) || !library {
            continue;
        }
        if publishable {
            crates.push(Crate {
                name: name.to_owned(),
                dir: dir.to_owned(),
            });
        } else {
            unpublished.push(name.to_owned());
        }
    }
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    unpublished.sort();
    Ok((crates, unpublished))
}

/// Runs `cargo package`, passing its messages through except the expected "ignoring test"
/// warnings of crates that leave `tests/` out; on failure, names the crate it failed on.
fn package(args: &[&str], crates: &[Crate]) -> Result<(), String> {
    eprintln!("xtask: cargo {}", args.join(" "));
    let mut child = Command::new(cargo_bin())
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start cargo package: {e}"))?;
    let mut output = String::new();
    let mut ignored_tests = 0;
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.starts_with("warning: ignoring test `") {
                ignored_tests += 1;
            } else {
                eprintln!("{line}");
            }
            output.push_str(&line);
            output.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("cargo package did not finish: {e}"))?;
    if ignored_tests > 0 {
        eprintln!(
            "xtask: {ignored_tests} integration test targets are left out of the packages \
             (`exclude = [\"/tests\"]`)"
        );
    }
    if status.success() {
        return Ok(());
    }
    let failed = failed_crates(&output, crates);
    // Offline, a crates.io dependency missing from the local cache looks like a missing package.
    let hint = if output.contains("offline") {
        "\nxtask: if the package cargo could not find is on crates.io, the local registry cache \
         lacks it: run `cargo fetch`, then retry"
    } else {
        ""
    };
    Err(if failed.is_empty() {
        format!("cargo package failed ({status}) before naming a crate; see its error above{hint}")
    } else {
        format!(
            "cargo package failed for {}; see its error above{hint}",
            failed.join(", ")
        )
    })
}

/// The crates a failed `cargo package` run's messages blame: each crate whose manifest the
/// error names (`failed to verify manifest at .../crates/x/Cargo.toml`), else the crate it was
/// packaging when it stopped (`Packaging x v0.1.0`, or `required by package `x v0.1.0``).
fn failed_crates<'a>(output: &str, crates: &'a [Crate]) -> Vec<&'a str> {
    let Some(error_at) = output.find("error") else {
        return Vec::new();
    };
    let (before, error) = output.split_at(error_at);
    let by_manifest: Vec<&str> = crates
        .iter()
        .filter(|c| error.contains(&c.dir.join("Cargo.toml").display().to_string()))
        .map(|c| c.name.as_str())
        .collect();
    if !by_manifest.is_empty() {
        return by_manifest;
    }
    let named = |text: &str, prefix: &str| {
        crates
            .iter()
            .filter_map(|c| {
                text.rfind(&format!("{prefix}{} v", c.name))
                    .map(|at| (at, c.name.as_str()))
            })
            .max()
            .map(|(_, name)| name)
    };
    named(error, "package `")
        .or_else(|| named(before, "Packaging "))
        .into_iter()
        .collect()
}

/// Fails when a packaged `.rs` file includes (by string literal) a file the package lacks.
fn check_includes(c: &Crate, files: &BTreeSet<&str>) -> Result<(), String> {
    for file in files.iter().filter(|f| f.ends_with(".rs")) {
        let path = c.dir.join(file);
        let source = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: could not read {}: {e}", c.name, path.display()))?;
        let from = Path::new(file).parent().unwrap_or(Path::new(""));
        for included in included_paths(&source) {
            match normalize(&from.join(included)) {
                Some(target) if files.contains(target.as_str()) => {}
                Some(target) => {
                    return Err(format!(
                        "{}: {file} includes \"{included}\", but the package has no {target} \
                         (left out by `include`/`exclude`, or not in the crate directory)",
                        c.name
                    ));
                }
                None => {
                    return Err(format!(
                        "{}: {file} includes \"{included}\", which is outside the crate \
                         directory: move or copy the file into the crate",
                        c.name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The string-literal arguments of `include_str!`, `include_bytes!` and `include!` in Rust
/// source, skipping comment lines (doc examples).
fn included_paths(source: &str) -> Vec<&str> {
    let mut paths = Vec::new();
    for line in source.lines() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for mac in ["include_str!(", "include_bytes!(", "include!("] {
            let mut rest = line;
            while let Some(at) = rest.find(mac) {
                rest = &rest[at + mac.len()..];
                let arg = rest.trim_start();
                if let Some(literal) = arg.strip_prefix('"')
                    && let Some(end) = literal.find('"')
                {
                    paths.push(&literal[..end]);
                }
            }
        }
    }
    paths
}

/// `a/b/../c` as `a/c` with `/` separators; `None` when it climbs above the crate root.
fn normalize(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

/// Runs cargo and returns its stdout; its stderr goes to ours.
fn cargo_output(args: &[&str]) -> Result<String, String> {
    let out = Command::new(cargo_bin())
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start cargo {}: {e}", args.join(" ")))?;
    if !out.status.success() {
        return Err(format!(
            "cargo {} failed with {}",
            args.join(" "),
            out.status
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|e| format!("cargo {} printed invalid UTF-8: {e}", args.join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, dir: &str, publish: Value, kind: &str) -> Value {
        serde_json::json!({
            "name": name,
            "manifest_path": format!("/ws/{dir}/Cargo.toml"),
            "publish": publish,
            "targets": [{ "kind": [kind] }, { "kind": ["test"] }],
        })
    }

    #[test]
    fn selects_publishable_libraries_under_crates() {
        let metadata = serde_json::json!({
            "workspace_root": "/ws",
            "packages": [
                package("telemetry-otel", "crates/telemetry-otel", Value::Null, "lib"),
                package("telemetry-macros", "crates/telemetry-macros", Value::Null, "proc-macro"),
                package("agent-telemetry", "crates/agent-telemetry", serde_json::json!(["crates-io"]), "lib"),
                package("telemetry-testkit", "crates/telemetry-testkit", serde_json::json!([]), "lib"),
                package("agent-engine", "examples/agent-engine", Value::Null, "lib"),
                package("some-tool", "crates/some-tool", Value::Null, "bin"),
                package("nested", "crates/a/nested", Value::Null, "lib"),
            ],
        });
        let (crates, unpublished) = library_crates(&metadata).unwrap();
        let names: Vec<String> = crates.into_iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["agent-telemetry", "telemetry-macros", "telemetry-otel"]
        );
        assert_eq!(unpublished, ["telemetry-testkit"]);
    }

    fn crates() -> Vec<Crate> {
        ["telemetry-core", "telemetry-recorder"]
            .iter()
            .map(|n| Crate {
                name: (*n).to_owned(),
                dir: PathBuf::from(format!("/ws/crates/{n}")),
            })
            .collect()
    }

    #[test]
    fn blames_the_crate_named_by_the_error() {
        let crates = crates();
        let manifest = "   Packaging telemetry-core v0.1.0 (/ws/crates/telemetry-core)\n\
            error: failed to verify manifest at `/ws/crates/telemetry-recorder/Cargo.toml`\n";
        assert_eq!(failed_crates(manifest, &crates), ["telemetry-recorder"]);
        let resolve = "   Packaging telemetry-core v0.1.0 (/ws/crates/telemetry-core)\n\
            error: failed to prepare local package for uploading\n\
            Caused by:\n  no matching package named `telemetry-genai` found\n  \
            required by package `telemetry-recorder v0.1.0 (/ws/crates/telemetry-recorder)`\n";
        assert_eq!(failed_crates(resolve, &crates), ["telemetry-recorder"]);
        let last = "   Packaging telemetry-core v0.1.0 (/ws/crates/telemetry-core)\n\
               Packaging telemetry-recorder v0.1.0 (/ws/crates/telemetry-recorder)\n\
            error: something else\n";
        assert_eq!(failed_crates(last, &crates), ["telemetry-recorder"]);
        assert!(failed_crates("error: no crate named\n", &crates).is_empty());
    }

    #[test]
    fn finds_literal_includes_outside_comments() {
        let source = r#"
const A: &str = include_str!("gitleaks/rules.json");
const B: &[u8] = include_bytes!( "../data.bin" );
// include_str!("commented/out.json")
include!(concat!(env!("OUT_DIR"), "/gen.rs"));
"#;
        assert_eq!(
            included_paths(source),
            ["gitleaks/rules.json", "../data.bin"]
        );
    }

    #[test]
    fn include_check_names_missing_and_outside_files() {
        let dir = std::env::temp_dir().join(format!("xtask-package-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let c = Crate {
            name: "telemetry-genai".to_owned(),
            dir: dir.clone(),
        };
        let check = |source: &str, files: &[&str]| {
            std::fs::write(dir.join("src/lib.rs"), source).unwrap();
            check_includes(&c, &files.iter().copied().collect())
        };
        let inside = r#"const R: &str = include_str!("../data/rules.json");"#;
        assert_eq!(check(inside, &["src/lib.rs", "data/rules.json"]), Ok(()));
        let missing = check(inside, &["src/lib.rs"]).unwrap_err();
        assert!(
            missing.starts_with("telemetry-genai: src/lib.rs includes \"../data/rules.json\"")
                && missing.contains("has no data/rules.json"),
            "{missing}"
        );
        let outside = r#"const R: &str = include_str!("../../schemas/x.json");"#;
        let outside = check(outside, &["src/lib.rs"]).unwrap_err();
        assert!(outside.contains("outside the crate directory"), "{outside}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
