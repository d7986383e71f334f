//! What a failed export's error text means for the person reading the warning: "connection
//! refused", "HTTP 401", "TLS: unknown CA", …, with what to check, followed by the exporter's
//! own text; and which answers say that the backend does not accept a signal at all.

/// The answer that means "this backend does not take this signal" over gRPC: the service is
/// not registered, as on a traces-only server.
pub(crate) const GRPC_REFUSAL: &str = "gRPC UNIMPLEMENTED";

/// The HTTP answers that mean "this backend does not take this signal": 404 (no such path),
/// 405 (method not allowed on it) and 415 (its content type not accepted).
pub(crate) fn http_refusal(status: u16) -> Option<&'static str> {
    match status {
        404 => Some("HTTP 404 Not Found"),
        405 => Some("HTTP 405 Method Not Allowed"),
        415 => Some("HTTP 415 Unsupported Media Type"),
        _ => None,
    }
}

/// A short cause for an export error's text (the exporter's message plus, for HTTP, the
/// transport error's source chain), then the text itself in brackets.
pub(crate) fn describe(detail: &str) -> String {
    let has = |needle: &str| detail.contains(needle);
    let cause = if has("UnknownIssuer") || has("unknown issuer") {
        "TLS: unknown CA (the collector's certificate is not signed by a trusted CA; name its CA \
         bundle in OTEL_EXPORTER_OTLP_CERTIFICATE)"
            .to_owned()
    } else if has("Expired") || has("expired") {
        "TLS: certificate expired".to_owned()
    } else if has("NotValidForName") || has("not valid for name") {
        "TLS: certificate not valid for the endpoint's host name".to_owned()
    } else if has("CertificateRequired") || has("certificate required") {
        "TLS: the collector requires a client certificate (mutual TLS: set \
         OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and OTEL_EXPORTER_OTLP_CLIENT_KEY)"
            .to_owned()
    } else if has("BadCertificate") || has("UnknownCA") || has("DecryptError") {
        "TLS: the collector rejected the client certificate".to_owned()
    } else if has("InvalidCertificate") || has("fatal alert") || has("tls handshake") {
        "TLS: handshake failed".to_owned()
    } else if has("broken pipe") || has("connection reset") || has("Connection reset") {
        "connection closed by the collector (over TLS, how a missing or refused client \
         certificate shows: mutual TLS needs OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and \
         OTEL_EXPORTER_OTLP_CLIENT_KEY)"
            .to_owned()
    } else if has("Connection refused") || has("connection refused") {
        "connection refused (is the collector running at this endpoint?)".to_owned()
    } else if let Some(code) = http_status(detail) {
        let hint = match code {
            401 | 403 => " (check the credentials in OTEL_EXPORTER_OTLP_HEADERS)",
            404 => " (check the endpoint's path, e.g. /v1/traces)",
            413 => " (batch too large: lower OTEL_BSP_MAX_EXPORT_BATCH_SIZE)",
            429 | 503 => " (the collector is overloaded or rate-limiting)",
            _ => "",
        };
        format!("HTTP {code}{hint}")
    } else if has("Unauthenticated") {
        "gRPC Unauthenticated (check the credentials in OTEL_EXPORTER_OTLP_HEADERS)".to_owned()
    } else if has("timed out") || has("DeadlineExceeded") || has("Timeout") {
        "timed out (collector slow or unreachable; OTEL_EXPORTER_OTLP_TIMEOUT)".to_owned()
    } else if has("dns error") || has("failed to lookup address") {
        "host name not found".to_owned()
    } else {
        "export error".to_owned()
    };
    format!("{cause} [{detail}]")
}

/// The status of "HTTP export failed with status code: 401".
fn http_status(detail: &str) -> Option<u16> {
    let rest = &detail[detail.find("status code: ")? + "status code: ".len()..];
    rest.get(..3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::{describe, http_refusal};

    #[test]
    fn refusals_are_told_from_failures() {
        assert_eq!(http_refusal(404), Some("HTTP 404 Not Found"));
        assert_eq!(http_refusal(405), Some("HTTP 405 Method Not Allowed"));
        assert_eq!(http_refusal(415), Some("HTTP 415 Unsupported Media Type"));
        for status in [400, 401, 403, 413, 429, 500, 501, 503] {
            assert_eq!(http_refusal(status), None, "{status}");
        }
    }

    #[test]
    fn causes_are_named() {
        assert!(describe("HTTP export failed with status code: 401").starts_with("HTTP 401 ("));
        assert!(
            describe("error sending request: client error (Connect): tcp connect error: Connection refused (os error 111)")
                .starts_with("connection refused")
        );
        assert!(describe("invalid peer certificate: UnknownIssuer").starts_with("TLS: unknown CA"));
        assert!(
            describe("received fatal alert: CertificateRequired")
                .starts_with("TLS: the collector requires a client certificate")
        );
        assert!(describe("something else").starts_with("export error [something else]"));
    }
}
