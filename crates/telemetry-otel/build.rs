//! Records the version of the compiler building this crate, for the `process.runtime.version`
//! and `process.runtime.description` resource attributes (src/config/detect.rs). Rust has no runtime
//! to ask at run time, so the compiler that built the program stands in for it, as in
//! `opentelemetry-resource-detectors`' process detector (which reads it from a variable that
//! nothing sets in an ordinary build).

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    // `rustc 1.95.0 (59807616e 2026-04-14)`; no output (an unusual toolchain) leaves both
    // attributes out rather than failing the build.
    let description = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    println!("cargo:rustc-env=TELEMETRY_OTEL_RUSTC_DESCRIPTION={description}");
}
