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

/// Runs `agent-engine serve --addr 127.0.0.1:0 ARGS` with `envs` (and the OpenAI and task API
/// variables cleared), returning the exit code and stderr. A server that got past its checks
/// is killed after a guard interval, so the test fails instead of hanging.
fn serve(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String) {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_agent-engine"));
    cmd.args(["serve", "--addr", "127.0.0.1:0"]).args(args);
    for var in [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_MODEL",
        "TASK_API_URL",
        "TASK_API_KEY",
        "AGENT_ENGINE_MODEL",
        "AGENT_ENGINE_CA_CERTIFICATE",
    ] {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let guard = Instant::now() + Duration::from_secs(60);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > guard {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (code, stderr)
}

#[test]
fn a_bad_configuration_exits_2_before_listening() {
    let pem = std::env::temp_dir().join(format!("agent-engine-not-pem-{}.txt", std::process::id()));
    std::fs::write(&pem, "not a certificate\n").unwrap();
    let pem = pem.to_str().unwrap().to_owned();
    // (arguments, variables, words the message must hold)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case<'_>] = &[
        (
            &["--model", "openai"],
            &[],
            &["missing OPENAI_API_KEY", "api.openai.com"],
        ),
        (
            &[
                "--model",
                "openai",
                "--openai-base-url",
                "ftp://models.example/v1",
            ],
            &[("OPENAI_API_KEY", "sk-test")],
            &["OPENAI_BASE_URL", "http:// or https://"],
        ),
        (
            &["--model", "openai", "--openai-model", " "],
            &[("OPENAI_API_KEY", "sk-test")],
            &["OPENAI_MODEL", "model name"],
        ),
        (
            &["--task-api-url", "localhost:8801"],
            &[],
            &["task API URL", "http:// or https://"],
        ),
        (&[], &[("TASK_API_KEY", " ")], &["TASK_API_KEY"]),
        (
            &[],
            &[("AGENT_ENGINE_CA_CERTIFICATE", "/nonexistent/ca.pem")],
            &[
                "AGENT_ENGINE_CA_CERTIFICATE",
                "/nonexistent/ca.pem",
                "readable PEM",
            ],
        ),
        (
            &[],
            &[("AGENT_ENGINE_CA_CERTIFICATE", &pem)],
            &["AGENT_ENGINE_CA_CERTIFICATE", "X.509 CA certificate"],
        ),
        (
            &["--open-telemetry"],
            &[("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/otlp-ca.pem")],
            &["OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/otlp-ca.pem"],
        ),
        // Any --tail-* flag, not only --tail-sampling, needs the OpenTelemetry implementation.
        (
            &["--tail-latency-ms", "100"],
            &[],
            &["--tail-* flags need --open-telemetry"],
        ),
        (
            &["--tail-keep", "gen_ai.agent.name=planner"],
            &[],
            &["--tail-* flags need --open-telemetry"],
        ),
        (
            &["--open-telemetry", "--tail-sampling", "2"],
            &[],
            &["invalid --tail-sampling 2", "between 0 and 1"],
        ),
        (
            &[
                "--open-telemetry",
                "--tail-sampling",
                "0.1",
                "--tail-keep",
                "=x",
            ],
            &[],
            &["invalid --tail-keep \"=x\"", "KEY=VALUE"],
        ),
    ];
    for (args, envs, words) in cases {
        let (code, stderr) = serve(args, envs);
        assert_eq!(code, Some(2), "{args:?} {envs:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        for word in *words {
            assert!(
                stderr.contains(word),
                "{args:?} {envs:?}: {word:?} missing: {stderr}"
            );
        }
        assert!(!stderr.contains("listening"), "{stderr}");
    }
}
