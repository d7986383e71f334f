//! [`TransportInfo`]: what the spans and metrics say about the transport (semantic-conventions
//! v1.41.0, `docs/gen-ai/mcp.md`, *Recording MCP transport*).

use std::fmt;

use telemetry_core::{Attribute, StringValue};

use crate::semconv::{
    NETWORK_PROTOCOL_NAME, NETWORK_PROTOCOL_VERSION, NETWORK_TRANSPORT, SERVER_ADDRESS, SERVER_PORT,
};

/// The transport an MCP session runs over, as its spans and metrics record it:
/// `network.transport`, `network.protocol.name` / `.version`, and on the client
/// `server.address` / `server.port`.
///
/// | transport | constructor | `network.transport` | `network.protocol.*` |
/// | --- | --- | --- | --- |
/// | stdio (a child process, or this process's stdin/stdout) | [`stdio`](Self::stdio) | `pipe` | none |
/// | an in-process byte stream (`tokio::io::duplex`) | [`in_process`](Self::in_process) | `pipe` | none |
/// | Streamable HTTP, client | [`streamable_http`](Self::streamable_http) (the server URL) | `tcp` | `http` (the server side adds the request's HTTP version) |
/// | Streamable HTTP, server | [`streamable_http_server`](Self::streamable_http_server) | `tcp` | `http` + version |
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransportInfo {
    network_transport: Option<&'static str>,
    protocol_name: Option<&'static str>,
    protocol_version: Option<StringValue>,
    server_address: Option<StringValue>,
    server_port: Option<u16>,
}

/// A Streamable HTTP URL that could not be read: the input and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidUrl {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl fmt::Display for InvalidUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid MCP server URL {:?}: {}; expected an absolute http:// or https:// URL such as http://127.0.0.1:8000/mcp",
            self.url, self.reason
        )
    }
}

impl std::error::Error for InvalidUrl {}

impl TransportInfo {
    /// stdio: `network.transport` = `pipe` (the conventions' value for stdio).
    pub fn stdio() -> Self {
        Self {
            network_transport: Some("pipe"),
            ..Self::default()
        }
    }

    /// An in-process byte stream (for example `tokio::io::duplex`): `pipe`, as stdio, since it
    /// is an anonymous pipe in all but name.
    pub fn in_process() -> Self {
        Self::stdio()
    }

    /// The client side of Streamable HTTP to `url`: `tcp`, `http`, and the server's address
    /// and port from the URL (the scheme's default port when it names none).
    ///
    /// # Errors
    /// [`InvalidUrl`] when `url` is not an absolute `http`/`https` URL with a host.
    pub fn streamable_http(url: &str) -> Result<Self, InvalidUrl> {
        let bad = |reason| InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        let uri: http::Uri = url.parse().map_err(|_| bad("not a URL"))?;
        let default_port = match uri.scheme_str() {
            Some("http") => 80,
            Some("https") => 443,
            _ => return Err(bad("the scheme is not http or https")),
        };
        let host = uri.host().ok_or_else(|| bad("no host"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Ok(Self {
            network_transport: Some("tcp"),
            protocol_name: Some("http"),
            protocol_version: None,
            server_address: Some(StringValue::from(host.to_owned()).into_shared()),
            server_port: Some(uri.port_u16().unwrap_or(default_port)),
        })
    }

    /// The server side of Streamable HTTP: `tcp` and `http`; each request's HTTP version is
    /// added from the request rmcp hands the handler.
    pub fn streamable_http_server() -> Self {
        Self {
            network_transport: Some("tcp"),
            protocol_name: Some("http"),
            ..Self::default()
        }
    }

    /// Sets `network.protocol.version` (for example `1.1` or `2`).
    pub fn protocol_version(mut self, version: impl Into<StringValue>) -> Self {
        self.protocol_version = Some(version.into().into_shared());
        self
    }

    /// Whether this is HTTP (the server side then reads the request's version).
    pub(crate) fn is_http(&self) -> bool {
        self.protocol_name == Some("http")
    }

    /// The attributes spans and operation metrics carry; `server.*` only with `server`.
    pub(crate) fn push_attributes(&self, out: &mut Vec<Attribute>, server: bool) {
        if let Some(t) = self.network_transport {
            out.push(Attribute::new(NETWORK_TRANSPORT, t));
        }
        if let Some(p) = self.protocol_name {
            out.push(Attribute::new(NETWORK_PROTOCOL_NAME, p));
        }
        if let Some(v) = &self.protocol_version {
            out.push(Attribute::new(NETWORK_PROTOCOL_VERSION, v.clone()));
        }
        if server {
            if let Some(a) = &self.server_address {
                out.push(Attribute::new(SERVER_ADDRESS, a.clone()));
            }
            if let Some(p) = self.server_port {
                out.push(Attribute::new(SERVER_PORT, i64::from(p)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamable_http_url_gives_address_and_port() {
        let t = TransportInfo::streamable_http("http://127.0.0.1:8931/mcp").unwrap();
        let mut a = Vec::new();
        t.push_attributes(&mut a, true);
        let get = |k: &str| a.iter().find(|x| x.key == k).map(|x| x.value.clone());
        assert_eq!(get("network.transport").unwrap().as_str(), Some("tcp"));
        assert_eq!(get("server.address").unwrap().as_str(), Some("127.0.0.1"));
        assert_eq!(get("server.port"), Some(8931i64.into()));
        let t = TransportInfo::streamable_http("https://[::1]/mcp").unwrap();
        assert_eq!(t.server_address.as_deref(), Some("::1"));
        assert_eq!(t.server_port, Some(443));
    }

    #[test]
    fn bad_urls_say_what_was_expected() {
        for (url, reason) in [
            ("ftp://h/x", "the scheme is not http or https"),
            ("/just/a/path", "the scheme is not http or https"),
            ("http://", "not a URL"),
        ] {
            let e = TransportInfo::streamable_http(url).unwrap_err();
            assert_eq!(e.reason, reason, "{url}");
            assert!(e.to_string().contains("expected an absolute http://"));
        }
    }
}
