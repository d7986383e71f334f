//! The binary's start-up checks: an invalid GenAI variable stops it with a clear error and a
//! non-zero exit, before it listens or exports anything.

use std::process::Command;

#[test]
fn an_invalid_genai_variable_stops_start_up_naming_it() {
    for (variable, value, expected) in [
        (
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "ALL",
            "NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT",
        ),
        (
            "AGENT_TELEMETRY_GENAI_MAX_CONTENT_BYTES",
            "10",
            "at least 256",
        ),
        (
            "AGENT_TELEMETRY_GENAI_COMPAT_EVENTS",
            "yes",
            "true or false",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_agent-engine"))
            // Port 0: should it ever get past the check, it still cannot clash with anything.
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env(variable, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{variable}: {stderr}");
        assert!(
            stderr.contains(&format!("error: invalid {variable}=\"{value}\""))
                && stderr.contains(expected),
            "{variable}: {stderr}"
        );
        assert!(!stderr.contains("listening"), "{stderr}");
    }
}
