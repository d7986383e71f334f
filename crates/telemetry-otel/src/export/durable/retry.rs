//! Which export outcomes are retried, and when the next attempt may start.
//!
//! Sources, each rule beside its section:
//! - OTLP specification (`opentelemetry-proto` v1.11.0, `docs/specification.md`):
//!   *OTLP/gRPC Response → Failures* (the retryable gRPC code table; `RESOURCE_EXHAUSTED`
//!   retryable only with `RetryInfo`), *OTLP/gRPC Throttling* (wait `RetryInfo.retry_delay`),
//!   *OTLP/HTTP Response → Retryable Response Codes* (429, 502, 503, 504; every other 4xx/5xx
//!   MUST NOT be retried), *OTLP/HTTP Throttling* (honour `Retry-After`, seconds or HTTP-date),
//!   *All Other Responses* and *OTLP/HTTP Connection* (no response or no connection: retry with
//!   exponential backoff and random jitter).
//! - OpenTelemetry specification v1.60.0, `specification/protocol/exporter.md`, *Retry*:
//!   transient errors MUST be retried with exponential back-off with jitter.
//!
//! A backend that does not take the signal at all (gRPC `UNIMPLEMENTED`, HTTP 404/405/415) is
//! told apart from a failure ([`Outcome::Refused`]): never retried, and the signal stops.

use std::time::{Duration, SystemTime};

use crate::cause;

/// What one export attempt came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Accepted; `rejected` items of it were refused by a partial success (not retried,
    /// *Partial Success* sections of the OTLP specification).
    Delivered { rejected: u64, message: String },
    /// Transient: try again, no earlier than `after` when the server said so.
    Retry {
        detail: String,
        after: Option<Duration>,
    },
    /// Permanent: the batch is dropped and counted.
    Rejected { detail: String },
    /// The backend does not accept the signal; `answer` names its answer for the warning
    /// (`HTTP 404`, `gRPC UNIMPLEMENTED`, …).
    Refused { answer: &'static str },
}

/// The longest a server-given delay is honoured; a longer one is treated as this (a
/// misconfigured `Retry-After: 86400` must not park a signal for a day).
pub(crate) const MAX_SERVER_DELAY: Duration = Duration::from_secs(600);

/// An OTLP/HTTP answer (`status` not 2xx), with its `Retry-After` header if any.
pub(crate) fn http(status: u16, retry_after: Option<&str>, now: SystemTime) -> Outcome {
    if let Some(answer) = cause::http_refusal(status) {
        return Outcome::Refused { answer };
    }
    let detail = format!("HTTP export failed with status code: {status}");
    match status {
        429 | 502 | 503 | 504 => Outcome::Retry {
            after: retry_after.and_then(|v| parse_retry_after(v, now)),
            detail,
        },
        _ => Outcome::Rejected { detail },
    }
}

/// `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3), capped at
/// [`MAX_SERVER_DELAY`]; `None` when it is neither.
pub(crate) fn parse_retry_after(v: &str, now: SystemTime) -> Option<Duration> {
    let v = v.trim();
    let delay = match v.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => httpdate::parse_http_date(v)
            .ok()?
            .duration_since(now)
            .unwrap_or(Duration::ZERO),
    };
    Some(delay.min(MAX_SERVER_DELAY))
}

/// A gRPC status other than OK, with the `RetryInfo.retry_delay` of its details if any.
pub(crate) fn grpc(code: tonic::Code, retry_info: Option<Duration>, detail: String) -> Outcome {
    use tonic::Code;
    let after = retry_info.map(|d| d.min(MAX_SERVER_DELAY));
    match code {
        Code::Unimplemented => Outcome::Refused {
            answer: cause::GRPC_REFUSAL,
        },
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => Outcome::Retry { detail, after },
        Code::ResourceExhausted if after.is_some() => Outcome::Retry { detail, after },
        _ => Outcome::Rejected { detail },
    }
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s, … capped at 10 s, each drawn uniformly
/// from its upper half (so attempts of many processes spread out, yet never come sooner than
/// half the step). A server-given delay is waited in full, plus up to 10 % jitter, never less.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
}

const INITIAL: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(10);

impl Backoff {
    /// The wait before the next attempt, after one more failure.
    pub(crate) fn next(&mut self, server: Option<Duration>) -> Duration {
        let step = INITIAL
            .saturating_mul(1u32 << self.failures.min(16))
            .min(MAX);
        self.failures = self.failures.saturating_add(1);
        match server {
            Some(d) => d + d.mul_f64(fastrand::f64() * 0.1),
            None => step.mul_f64(0.5 + fastrand::f64() * 0.5),
        }
    }

    /// After a success.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(o: &Outcome) -> Option<Duration> {
        match o {
            Outcome::Retry { after, .. } => *after,
            other => panic!("not retried: {other:?}"),
        }
    }

    #[test]
    fn http_codes_follow_the_otlp_table() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for status in [429, 502, 503, 504] {
            assert_eq!(retry_after(&http(status, None, now)), None, "{status}");
        }
        assert_eq!(
            retry_after(&http(429, Some("3"), now)),
            Some(Duration::from_secs(3))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&http(503, Some(&date), now)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&http(503, Some("86400"), now)),
            Some(MAX_SERVER_DELAY)
        );
        assert_eq!(retry_after(&http(503, Some("soon"), now)), None);
        for status in [400, 401, 403, 408, 413, 500, 501] {
            assert!(
                matches!(http(status, None, now), Outcome::Rejected { .. }),
                "{status}"
            );
        }
        for status in [404, 405, 415] {
            assert!(
                matches!(http(status, None, now), Outcome::Refused { .. }),
                "{status}"
            );
        }
    }

    #[test]
    fn grpc_codes_follow_the_otlp_table() {
        use tonic::Code::*;
        let d = || String::new();
        for code in [
            Cancelled,
            DeadlineExceeded,
            Aborted,
            OutOfRange,
            Unavailable,
            DataLoss,
        ] {
            assert_eq!(retry_after(&grpc(code, None, d())), None, "{code:?}");
        }
        let five = Some(Duration::from_secs(5));
        assert_eq!(retry_after(&grpc(Unavailable, five, d())), five);
        assert_eq!(retry_after(&grpc(ResourceExhausted, five, d())), five);
        for code in [
            ResourceExhausted,
            Unknown,
            InvalidArgument,
            NotFound,
            AlreadyExists,
            PermissionDenied,
            Unauthenticated,
            FailedPrecondition,
            Internal,
        ] {
            assert!(
                matches!(grpc(code, None, d()), Outcome::Rejected { .. }),
                "{code:?}"
            );
        }
        assert!(matches!(
            grpc(Unimplemented, None, d()),
            Outcome::Refused { .. }
        ));
    }

    #[test]
    fn backoff_grows_with_jitter_and_honours_the_server() {
        let mut b = Backoff::default();
        let waits: Vec<Duration> = (0..8).map(|_| b.next(None)).collect();
        for (i, w) in waits.iter().enumerate() {
            let step = INITIAL.saturating_mul(1 << i).min(MAX);
            assert!(*w >= step / 2 && *w <= step, "{i}: {w:?}");
        }
        let three = Duration::from_secs(3);
        let w = b.next(Some(three));
        assert!(w >= three && w <= three.mul_f64(1.1), "{w:?}");
        b.reset();
        assert!(b.next(None) <= INITIAL);
    }
}
