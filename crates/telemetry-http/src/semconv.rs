//! The HTTP, URL, server, client, network and user-agent attribute and metric names this
//! crate records, as the stable HTTP conventions name them (semantic-conventions v1.41.0,
//! `docs/http/http-spans.md`, `docs/http/http-metrics.md`, `model/http/registry.yaml`,
//! `model/url/registry.yaml`).

/// `http.request.method`: the method, or `_OTHER` for a method the instrumentation does not
/// know ([`KnownMethods`](crate::KnownMethods)).
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.request.method_original`: the method as received, set if and only if it differs
/// from `http.request.method`.
pub const HTTP_REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
/// `http.request.resend_count`: the ordinal number of a resent request (1 for the first
/// retry), absent on the first attempt.
pub const HTTP_REQUEST_RESEND_COUNT: &str = "http.request.resend_count";
/// `http.response.status_code`, an integer, set if and only if a response was sent or received.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `http.route`: the matched route template, for example `/v1/sessions/{id}`.
pub const HTTP_ROUTE: &str = "http.route";
/// Prefix of `http.request.header.<name>` (lower-case name, value a string array).
pub const HTTP_REQUEST_HEADER_PREFIX: &str = "http.request.header.";
/// Prefix of `http.response.header.<name>` (lower-case name, value a string array).
pub const HTTP_RESPONSE_HEADER_PREFIX: &str = "http.response.header.";
/// `url.full`: the absolute URL of a client request, credentials and sensitive query values
/// redacted.
pub const URL_FULL: &str = "url.full";
/// `url.path`: the request path as received.
pub const URL_PATH: &str = "url.path";
/// `url.query`: the query component as received, without the `?`.
pub const URL_QUERY: &str = "url.query";
/// `url.scheme`: `http` or `https`.
pub const URL_SCHEME: &str = "url.scheme";
/// `url.template`: the low-cardinality template of a client request's path.
pub const URL_TEMPLATE: &str = "url.template";
/// `server.address`: the server's host name or address.
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`: the server's port, an integer.
pub const SERVER_PORT: &str = "server.port";
/// `client.address`: the client's address, behind proxies when `Forwarded` or
/// `X-Forwarded-For` says so.
pub const CLIENT_ADDRESS: &str = "client.address";
/// `network.protocol.version`: `1.0`, `1.1`, `2` or `3`.
pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
/// `user_agent.original`: the `User-Agent` header.
pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
/// `error.type`: the failure class (a status code such as `500`, `panic`, `timeout`, …).
pub const ERROR_TYPE: &str = "error.type";

/// Histogram `http.server.request.duration`, unit `s`.
pub const METRIC_HTTP_SERVER_REQUEST_DURATION: &str = "http.server.request.duration";
/// UpDownCounter `http.server.active_requests`, unit `{request}`.
pub const METRIC_HTTP_SERVER_ACTIVE_REQUESTS: &str = "http.server.active_requests";
/// Histogram `http.client.request.duration`, unit `s`.
pub const METRIC_HTTP_CLIENT_REQUEST_DURATION: &str = "http.client.request.duration";

/// The advisory bucket boundaries of the request-duration histograms, in seconds
/// (`docs/http/http-metrics.md`, *Metric: `http.server.request.duration`*).
pub const HTTP_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];
