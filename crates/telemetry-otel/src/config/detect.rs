//! Resource detection: what the process can tell about itself (host, operating system,
//! process, service instance), detected once per process.
//!
//! Names and well-known values: semantic-conventions v1.44.0, `model/host/registry.yaml`,
//! `model/os/registry.yaml`, `model/process/registry.yaml`, `model/service/registry.yaml`.
//! `host.name`, `host.arch`, `os.type`, `process.pid` and `process.runtime.name` come from the
//! `opentelemetry-resource-detectors` detectors; this module maps their `host.arch` and
//! `os.type` values (Rust's `std::env::consts` names) to the conventions' values, drops what
//! must not leave the process by default, and fills in the rest.

use std::borrow::Cow;
use std::sync::OnceLock;

use opentelemetry::{Array, Value};
use opentelemetry_resource_detectors::{
    HostResourceDetector, OsResourceDetector, ProcessResourceDetector,
};
use opentelemetry_sdk::resource::ResourceDetector;
use telemetry_core::{Attribute, AttributeValue, StringValue};

/// Detector output that is never exported:
/// - `process.command_args`: the whole command line, which can carry secrets (`--api-key …`);
///   the conventions say it "SHOULD NOT be collected by default unless there is sanitization
///   that excludes sensitive data" (`model/process/registry.yaml`).
/// - `host.id`: the raw `/etc/machine-id`, which machine-id(5) asks never to expose on the
///   network unhashed. Set it through `OTEL_RESOURCE_ATTRIBUTES` or code where wanted.
const DROPPED: [&str; 2] = ["process.command_args", "host.id"];

/// The compiler that built this crate (`rustc 1.95.0 (59807616e 2026-04-14)`), or empty;
/// recorded by build.rs.
const RUSTC_DESCRIPTION: &str = env!("TELEMETRY_OTEL_RUSTC_DESCRIPTION");

/// The resource attributes detected for this process: `service.instance.id`, `host.name`,
/// `host.arch`, `os.type`, `os.description`, `process.pid`, `process.executable.name` and
/// `process.runtime.{name,version,description}`, each where known, sorted by key.
///
/// Detection runs once per process (on the first call, or the first
/// [`OpenTelemetryBuilder::build`](crate::OpenTelemetryBuilder::build) that detects); later
/// calls return the same values. It reads a few files under `/proc` and `/etc` on Linux and
/// runs the `hostname` command once (what `opentelemetry-resource-detectors` does), a few
/// milliseconds in all. Nothing here reads the environment: for the resource a pipeline would
/// export, with `OTEL_RESOURCE_ATTRIBUTES`, `service.name` and `telemetry.sdk.*`, see
/// [`OpenTelemetryBuilder::resource_attributes`](crate::OpenTelemetryBuilder::resource_attributes).
///
/// - `service.instance.id` is a random UUID v4, one per process (the conventions recommend a
///   random v1 or v4 UUID), so two instances of one service never share it;
/// - `host.arch` and `os.type` use the conventions' values (`amd64`, `arm64`, `linux`,
///   `darwin`, …) and Rust's name where the conventions list none (`riscv64`);
/// - `os.description` is Linux only: `PRETTY_NAME` of os-release and the kernel release, e.g.
///   `Debian GNU/Linux 13 (trixie) (Linux 6.12.48)`;
/// - `process.runtime.name` is `rustc` and the version and description are those of the
///   compiler that built this crate;
/// - `process.command_args` and `host.id` are never included (see the crate docs).
///
/// ```
/// let detected = telemetry_otel::detect_resource();
/// let pid = detected.iter().find(|a| a.key == "process.pid").map(|a| &a.value);
/// assert_eq!(pid, Some(&telemetry_core::AttributeValue::I64(std::process::id().into())));
/// assert!(detected.iter().all(|a| a.key != "process.command_args"));
/// ```
pub fn detect_resource() -> Vec<Attribute> {
    detected().to_vec()
}

/// [`detect_resource`]'s attributes, detected on the first call.
pub(crate) fn detected() -> &'static [Attribute] {
    static DETECTED: OnceLock<Vec<Attribute>> = OnceLock::new();
    DETECTED.get_or_init(detect)
}

fn detect() -> Vec<Attribute> {
    let mut out = vec![Attribute::new(
        "service.instance.id",
        uuid::Uuid::new_v4().to_string(),
    )];
    let host = HostResourceDetector::default();
    let detectors: [&dyn ResourceDetector; 3] =
        [&host, &OsResourceDetector, &ProcessResourceDetector];
    for detector in detectors {
        for (key, value) in detector.detect().iter() {
            let key = key.as_str();
            if DROPPED.contains(&key) {
                continue;
            }
            let value = match (key, value) {
                ("host.arch", Value::String(s)) => host_arch(s.as_str()),
                ("os.type", Value::String(s)) => os_type(s.as_str()),
                _ => from_otel(value),
            };
            out.push(Attribute::new(key.to_owned(), value));
        }
    }
    let has = |out: &[Attribute], key: &str| out.iter().any(|a| a.key == key);
    // No `hostname` command (a distroless container): the kernel knows the name too.
    if !has(&out, "host.name") {
        if let Some(name) = host_name_fallback() {
            out.push(Attribute::new("host.name", name));
        }
    }
    if let Some(description) = os_description() {
        out.push(Attribute::new("os.description", description));
    }
    if let Some(name) = executable_name() {
        out.push(Attribute::new("process.executable.name", name));
    }
    if has(&out, "process.runtime.name") && !RUSTC_DESCRIPTION.is_empty() {
        if !has(&out, "process.runtime.version") {
            if let Some(version) = rustc_version(RUSTC_DESCRIPTION) {
                out.push(Attribute::new("process.runtime.version", version));
            }
        }
        if !has(&out, "process.runtime.description") {
            out.push(Attribute::new(
                "process.runtime.description",
                RUSTC_DESCRIPTION,
            ));
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// A detector's value as a core value.
pub(crate) fn from_otel(v: &Value) -> AttributeValue {
    let s = |s: &opentelemetry::StringValue| StringValue::from(s.as_str().to_owned());
    match v {
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::I64(i) => AttributeValue::I64(*i),
        Value::F64(f) => AttributeValue::F64(*f),
        Value::String(v) => AttributeValue::String(s(v)),
        Value::Array(Array::Bool(a)) => AttributeValue::BoolArray(a.clone()),
        Value::Array(Array::I64(a)) => AttributeValue::I64Array(a.clone()),
        Value::Array(Array::F64(a)) => AttributeValue::F64Array(a.clone()),
        Value::Array(Array::String(a)) => AttributeValue::StringArray(a.iter().map(s).collect()),
        // Both enums are non-exhaustive; a future kind is kept as its text.
        other => AttributeValue::from(other.to_string()),
    }
}

/// `host.arch` from Rust's `std::env::consts::ARCH`: the conventions' value where they list
/// one (`model/host/registry.yaml`), else Rust's name.
fn host_arch(rust: &str) -> AttributeValue {
    let v = match rust {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "arm" => "arm32",
        "x86" => "x86",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        "s390x" => "s390x",
        other => return AttributeValue::from(other.to_owned()),
    };
    AttributeValue::from(v)
}

/// `os.type` from Rust's `std::env::consts::OS`: the conventions' value where they list one
/// (`model/os/registry.yaml`), else Rust's name.
fn os_type(rust: &str) -> AttributeValue {
    let v = match rust {
        "linux" | "android" => "linux",
        "macos" | "ios" | "tvos" | "watchos" | "visionos" => "darwin",
        "windows" => "windows",
        "freebsd" => "freebsd",
        "netbsd" => "netbsd",
        "openbsd" => "openbsd",
        "dragonfly" => "dragonflybsd",
        "solaris" | "illumos" => "solaris",
        "aix" => "aix",
        other => return AttributeValue::from(other.to_owned()),
    };
    AttributeValue::from(v)
}

/// The first line of a file, trimmed, if it is readable and not empty.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn read_trimmed(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

fn host_name_fallback() -> Option<String> {
    #[cfg(target_os = "linux")]
    return read_trimmed("/proc/sys/kernel/hostname");
    #[cfg(not(target_os = "linux"))]
    None
}

/// Linux: os-release's `PRETTY_NAME` (`/etc/os-release`, else `/usr/lib/os-release`, as
/// os-release(5) says) and the kernel release. Other systems: none.
fn os_description() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let pretty = ["/etc/os-release", "/usr/lib/os-release"]
            .into_iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
            .and_then(|text| os_release_pretty_name(&text));
        let kernel = read_trimmed("/proc/sys/kernel/osrelease").map(|r| format!("Linux {r}"));
        match (pretty, kernel) {
            (Some(p), Some(k)) => Some(format!("{p} ({k})")),
            (p, k) => p.or(k),
        }
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// `PRETTY_NAME` (else `NAME`) of an os-release file: `KEY=value` lines, values optionally in
/// single or double quotes with `\` escapes (os-release(5)).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn os_release_pretty_name(text: &str) -> Option<String> {
    let field = |name: &str| {
        text.lines().find_map(|line| {
            let value = line.trim().strip_prefix(name)?.strip_prefix('=')?;
            let value = unquote(value.trim());
            (!value.is_empty()).then_some(value)
        })
    };
    field("PRETTY_NAME").or_else(|| field("NAME"))
}

fn unquote(v: &str) -> String {
    let inner = match v.as_bytes() {
        [q @ (b'"' | b'\''), .., last] if last == q && v.len() >= 2 => &v[1..v.len() - 1],
        _ => v,
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// The base name of the running executable (`/proc/self/exe` on Linux, as the conventions
/// say for `process.executable.name`).
fn executable_name() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let name: Cow<'_, str> = exe.file_name()?.to_string_lossy();
    (!name.is_empty()).then(|| name.into_owned())
}

/// `1.95.0` from `rustc 1.95.0 (59807616e 2026-04-14)`.
fn rustc_version(description: &str) -> Option<&str> {
    description
        .strip_prefix("rustc ")?
        .split_whitespace()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(attrs: &'a [Attribute], key: &str) -> Option<&'a AttributeValue> {
        attrs.iter().find(|a| a.key == key).map(|a| &a.value)
    }

    #[test]
    fn values_follow_the_conventions() {
        assert_eq!(host_arch("x86_64"), AttributeValue::from("amd64"));
        assert_eq!(host_arch("aarch64"), AttributeValue::from("arm64"));
        assert_eq!(host_arch("arm"), AttributeValue::from("arm32"));
        assert_eq!(host_arch("powerpc64"), AttributeValue::from("ppc64"));
        assert_eq!(host_arch("riscv64"), AttributeValue::from("riscv64"));
        assert_eq!(os_type("macos"), AttributeValue::from("darwin"));
        assert_eq!(os_type("dragonfly"), AttributeValue::from("dragonflybsd"));
        assert_eq!(os_type("linux"), AttributeValue::from("linux"));
        assert_eq!(os_type("redox"), AttributeValue::from("redox"));
    }

    #[test]
    fn os_release_is_read_as_os_release_5_says() {
        let debian = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\n";
        assert_eq!(
            os_release_pretty_name(debian).as_deref(),
            Some("Debian GNU/Linux 13 (trixie)")
        );
        assert_eq!(
            os_release_pretty_name("NAME='Alpine \\\"edge\\\"'\nID=alpine").as_deref(),
            Some("Alpine \"edge\"")
        );
        assert_eq!(os_release_pretty_name("ID=x\nPRETTY_NAME=\n"), None);
        assert_eq!(os_release_pretty_name("PRETTY_NAME_X=no"), None);
    }

    #[test]
    fn rustc_version_is_the_second_word() {
        assert_eq!(
            rustc_version("rustc 1.95.0 (59807616e 2026-04-14)"),
            Some("1.95.0")
        );
        assert_eq!(rustc_version("something else"), None);
    }

    #[test]
    fn detection_keeps_the_listed_attributes_and_drops_the_sensitive_ones() {
        let d = detected();
        for key in DROPPED {
            assert!(get(d, key).is_none(), "{key} must not be detected: {d:?}");
        }
        let id = get(d, "service.instance.id").and_then(AttributeValue::as_str);
        let id = uuid::Uuid::parse_str(id.expect("service.instance.id")).unwrap();
        assert_eq!(id.get_version_num(), 4);
        assert_eq!(
            get(d, "process.pid"),
            Some(&AttributeValue::I64(std::process::id().into()))
        );
        assert!(
            get(d, "host.name")
                .and_then(AttributeValue::as_str)
                .is_some_and(|h| !h.is_empty())
        );
        #[cfg(target_arch = "x86_64")]
        assert_eq!(get(d, "host.arch"), Some(&AttributeValue::from("amd64")));
        #[cfg(target_os = "linux")]
        {
            assert_eq!(get(d, "os.type"), Some(&AttributeValue::from("linux")));
            let description = get(d, "os.description").and_then(AttributeValue::as_str);
            assert!(
                description.is_some_and(|s| s.contains("Linux ")),
                "{description:?}"
            );
        }
        assert_eq!(
            get(d, "process.runtime.name"),
            Some(&AttributeValue::from("rustc"))
        );
        assert!(get(d, "process.runtime.version").is_some());
        // Detected once: a second call gives the same instance id.
        assert_eq!(detect_resource(), d);
        assert!(
            d.windows(2).all(|w| w[0].key < w[1].key),
            "sorted, unique keys"
        );
    }
}
