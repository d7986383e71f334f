//! What a request says about itself, read once when it arrives: the attributes of its span,
//! of its metrics and of its log line.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use http::{HeaderMap, Request, Version, header};
use smallvec::SmallVec;
use telemetry_core::Attribute;

use super::Shared;
use crate::semconv::{
    CLIENT_ADDRESS, HTTP_REQUEST_METHOD, HTTP_REQUEST_METHOD_ORIGINAL, HTTP_ROUTE,
    NETWORK_PROTOCOL_VERSION, SERVER_ADDRESS, SERVER_PORT, URL_PATH, URL_QUERY, URL_SCHEME,
    USER_AGENT_ORIGINAL,
};
use crate::url::{SENSITIVE_QUERY_KEYS, redact_query};

/// The matched route template of a request, for frameworks other than axum: a router that
/// knows it inserts it into the request's extensions before this crate's layer sees the
/// request. With the `axum` feature, axum's `MatchedPath` is read as well.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRoute(pub Arc<str>);

/// The router's route templates as shared strings, so every request's span, metric and log
/// attributes share one copy of `http.route`. A route template is one of a router's few
/// patterns (never a raw path), so a short list scan finds it.
/// Only axum's `MatchedPath` is interned, so without the `axum` feature nothing reads it.
#[derive(Clone, Default)]
#[cfg_attr(not(feature = "axum"), allow(dead_code))]
pub(crate) struct RouteNames(Arc<RwLock<Vec<Arc<str>>>>);

impl RouteNames {
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    fn get(&self, route: &str) -> Arc<str> {
        let find = |routes: &[Arc<str>]| routes.iter().find(|r| ***r == *route).cloned();
        let known = find(&self.0.read().unwrap_or_else(|p| p.into_inner()));
        known.unwrap_or_else(|| {
            let mut routes = self.0.write().unwrap_or_else(|p| p.into_inner());
            find(&routes).unwrap_or_else(|| {
                let shared: Arc<str> = route.into();
                routes.push(shared.clone());
                shared
            })
        })
    }
}

/// The facts of one request that its span, metrics and log line share.
pub(crate) struct RequestFacts {
    /// `http.request.method` (`_OTHER` for an unknown method).
    pub(crate) method: Arc<str>,
    pub(crate) method_original: Option<Arc<str>>,
    pub(crate) route: Option<Arc<str>>,
    pub(crate) path: Arc<str>,
    pub(crate) scheme: &'static str,
    pub(crate) protocol_version: Option<&'static str>,
}

impl RequestFacts {
    pub(crate) fn read<B>(req: &Request<B>, shared: &Shared) -> Self {
        let (method, method_original) = shared.known_methods.classify(req.method());
        Self {
            method,
            method_original,
            route: route(req, &shared.routes),
            path: req.uri().path().into(),
            scheme: shared.scheme,
            protocol_version: protocol_version(req.version()),
        }
    }

    /// The span's attributes at its start (on the stack: the scope keeps its own copy).
    pub(crate) fn span_attributes<B>(
        &self,
        req: &Request<B>,
        shared: &Shared,
    ) -> SmallVec<[Attribute; 12]> {
        let mut a = SmallVec::new();
        a.push(Attribute::new(HTTP_REQUEST_METHOD, self.method.clone()));
        if let Some(original) = &self.method_original {
            a.push(Attribute::new(
                HTTP_REQUEST_METHOD_ORIGINAL,
                original.clone(),
            ));
        }
        a.push(Attribute::new(URL_PATH, self.path.clone()));
        if let Some(query) = req.uri().query() {
            let query = redact_query(query, SENSITIVE_QUERY_KEYS).into_owned();
            a.push(Attribute::new(URL_QUERY, query));
        }
        a.push(Attribute::new(URL_SCHEME, self.scheme));
        if let Some(route) = &self.route {
            a.push(Attribute::new(HTTP_ROUTE, route.clone()));
        }
        if let Some((host, port)) = server_address(req) {
            // Shared text: the scope's copy and the SDK's then share this one allocation
            // (an owned `String` is copied into shared text by the scope, and then dropped).
            a.push(Attribute::new(SERVER_ADDRESS, Arc::<str>::from(host)));
            if let Some(port) = port {
                a.push(Attribute::new(SERVER_PORT, i64::from(port)));
            }
        }
        if let Some(client) = client_address(req) {
            a.push(Attribute::new(CLIENT_ADDRESS, client));
        }
        if let Some(ua) = req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
        {
            a.push(Attribute::new(USER_AGENT_ORIGINAL, Arc::<str>::from(ua)));
        }
        if let Some(v) = self.protocol_version {
            a.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
        }
        shared.request_headers.record(req.headers(), &mut a);
        a
    }

    /// `http.server.active_requests`' attributes: method and scheme.
    pub(crate) fn active_attributes(&self) -> [Attribute; 2] {
        [
            Attribute::new(HTTP_REQUEST_METHOD, self.method.clone()),
            Attribute::new(URL_SCHEME, self.scheme),
        ]
    }

    /// `http.server.request.duration`'s attributes before the outcome is known, with room for
    /// the status code and `error.type`.
    pub(crate) fn metric_attributes(&self) -> SmallVec<[Attribute; 6]> {
        let mut a = SmallVec::new();
        a.push(Attribute::new(HTTP_REQUEST_METHOD, self.method.clone()));
        a.push(Attribute::new(URL_SCHEME, self.scheme));
        if let Some(route) = &self.route {
            a.push(Attribute::new(HTTP_ROUTE, route.clone()));
        }
        if let Some(v) = self.protocol_version {
            a.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v));
        }
        a
    }
}

fn route<B>(req: &Request<B>, routes: &RouteNames) -> Option<Arc<str>> {
    if let Some(HttpRoute(r)) = req.extensions().get::<HttpRoute>() {
        return Some(r.clone());
    }
    #[cfg(feature = "axum")]
    if let Some(m) = req.extensions().get::<axum::extract::MatchedPath>() {
        return Some(routes.get(m.as_str()));
    }
    let _ = routes;
    None
}

fn protocol_version(v: Version) -> Option<&'static str> {
    match v {
        Version::HTTP_09 => Some("0.9"),
        Version::HTTP_10 => Some("1.0"),
        Version::HTTP_11 => Some("1.1"),
        Version::HTTP_2 => Some("2"),
        Version::HTTP_3 => Some("3"),
        _ => None,
    }
}

/// `server.address` and `server.port` from the `Host` header (HTTP/1.1) or the URI's
/// authority (HTTP/2 `:authority`).
fn server_address<B>(req: &Request<B>) -> Option<(&str, Option<u16>)> {
    let authority = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))?;
    split_host_port(authority)
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; `None` for anything else.
fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        return Some((host, port));
    }
    match s.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => Some((host, Some(port.parse().ok()?))),
        Some(_) => None,
        None if s.is_empty() => None,
        None => Some((s, None)),
    }
}

/// The original client: the first `for=` of `Forwarded` (RFC 7239), else the first entry of
/// `X-Forwarded-For`, else the connection's peer (axum's `ConnectInfo<SocketAddr>`).
fn client_address<B>(req: &Request<B>) -> Option<String> {
    forwarded_for(req.headers()).or_else(|| peer(req).map(|p| p.ip().to_string()))
}

fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split([',', ';']).map(str::trim).find_map(|p| {
                p.get(..4)
                    .filter(|k| k.eq_ignore_ascii_case("for="))
                    .map(|_| &p[4..])
            })
        })
        .map(|v| {
            let v = v.trim_matches('"');
            match split_host_port(v) {
                Some((host, _)) => host.to_owned(),
                None => v.to_owned(),
            }
        });
    forwarded.or_else(|| {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

#[cfg(feature = "axum")]
fn peer<B>(req: &Request<B>) -> Option<SocketAddr> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
}

#[cfg(not(feature = "axum"))]
fn peer<B>(req: &Request<B>) -> Option<SocketAddr> {
    req.extensions().get::<SocketAddr>().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn host_and_port_are_split_for_names_v4_and_v6() {
        assert_eq!(split_host_port("example.com"), Some(("example.com", None)));
        assert_eq!(
            split_host_port("127.0.0.1:8080"),
            Some(("127.0.0.1", Some(8080)))
        );
        assert_eq!(split_host_port("[::1]:443"), Some(("::1", Some(443))));
        assert_eq!(split_host_port("[::1]"), Some(("::1", None)));
        assert_eq!(split_host_port("host:notaport"), None);
        assert_eq!(split_host_port(""), None);
    }

    #[test]
    fn the_original_client_comes_from_forwarded_then_x_forwarded_for() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.7, 10.0.0.1"),
        );
        assert_eq!(forwarded_for(&h).as_deref(), Some("203.0.113.7"));
        h.insert(
            header::FORWARDED,
            HeaderValue::from_static("proto=https;For=\"[2001:db8::17]:4711\", for=10.0.0.1"),
        );
        assert_eq!(forwarded_for(&h).as_deref(), Some("2001:db8::17"));
    }
}
