//! The agent's tools over the Model Context Protocol, traced with `telemetry-mcp`.
//!
//! By default the built-in tools (calculator, clock, research) are served by an in-process
//! rmcp server and the agent calls them through an rmcp client over an in-process byte
//! stream, so a turn's trace holds `execute_tool` (describing the MCP call, as the MCP
//! conventions ask) → the server's `tools/call` span → what the tool does. `--mcp-server URL`
//! (Streamable HTTP) and `--mcp-command CMD` (stdio) add an external server's tools;
//! `--no-mcp` calls the built-in tools directly.

mod remote;
mod server;

use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use telemetry_core::{Attribute, ScopeOptions};
use telemetry_genai::GenAi;
use telemetry_mcp::{Mcp, McpClient, TransportInfo};
use tokio::task::JoinHandle;

pub use remote::RemoteTool;
pub use server::ToolServer;

use crate::config::ConfigError;
use crate::tools::ToolRegistry;

/// Where the agent's tools come from.
#[derive(Clone, Debug)]
pub struct McpConfig {
    /// Serve the built-in tools over MCP (`true`, the default) or call them directly
    /// (`--no-mcp`). External servers are used either way.
    pub builtin_over_mcp: bool,
    /// Streamable HTTP MCP servers whose tools the agent may call (`--mcp-server`).
    pub servers: Vec<String>,
    /// Commands that start a stdio MCP server (`--mcp-command`, run with `sh -c`).
    pub commands: Vec<String>,
    /// How long one MCP call, or connecting to a server, may take.
    pub timeout: Duration,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            builtin_over_mcp: true,
            servers: Vec::new(),
            commands: Vec::new(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl McpConfig {
    /// Checks the server URLs and commands.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first invalid one and what was expected.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for url in &self.servers {
            TransportInfo::streamable_http(url)
                .map_err(|e| ConfigError::new(format!("invalid --mcp-server: {e}")))?;
        }
        if let Some(blank) = self.commands.iter().find(|c| c.trim().is_empty()) {
            return Err(ConfigError::new(format!(
                "invalid --mcp-command {blank:?}: expected a command that starts an MCP server on stdio"
            )));
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::new(
                "invalid --mcp-timeout 0: expected a positive number of seconds",
            ));
        }
        Ok(())
    }
}

/// The MCP connections the agent's tools use: kept open while the server runs, closed at
/// shutdown (which records each session's duration).
#[derive(Debug, Default)]
pub struct McpConnections {
    clients: Vec<McpClient>,
    server: Option<JoinHandle<()>>,
}

impl McpConnections {
    /// Closes every client; the in-process server ends with its connection.
    pub async fn close(self) {
        for c in &self.clients {
            c.close();
        }
        if let Some(server) = self.server {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
}

/// The registry the agent uses: `builtin` itself with `--no-mcp` and no external server;
/// else every tool reached through MCP, the built-in ones first (an external tool with the
/// same name as one already registered is skipped, with a warning).
///
/// # Errors
/// [`ConfigError`] when a server cannot be started, reached or listed within
/// [`McpConfig::timeout`], naming it.
pub async fn tools(
    config: &McpConfig,
    builtin: ToolRegistry,
    genai: &GenAi,
) -> Result<(ToolRegistry, McpConnections), ConfigError> {
    if !config.builtin_over_mcp && config.servers.is_empty() && config.commands.is_empty() {
        return Ok((builtin, McpConnections::default()));
    }
    // One trace for start-up: each server's handshake and tool listing under it.
    let scope = genai
        .telemetry()
        .correlator
        .open_scope(ScopeOptions::new(STARTUP_SCOPE).root());
    scope.instrument(connect_all(config, builtin, genai)).await
}

/// The name of the start-up scope the MCP handshakes and tool listings run in.
pub const STARTUP_SCOPE: &str = "connect MCP tool servers";

async fn connect_all(
    config: &McpConfig,
    builtin: ToolRegistry,
    genai: &GenAi,
) -> Result<(ToolRegistry, McpConnections), ConfigError> {
    let mut connections = McpConnections::default();
    let mcp = Mcp::new(genai);
    let mut registry = if config.builtin_over_mcp {
        let (client_io, server_io) = tokio::io::duplex(256 * 1024);
        let server = mcp.server(ToolServer::new(builtin), TransportInfo::in_process());
        connections.server = Some(tokio::spawn(async move {
            if let Ok(running) = server.serve(server_io).await {
                let _ = running.waiting().await;
            }
        }));
        let client = connect(config, "the built-in tool server", async {
            McpClient::connect(&mcp, (), client_io, TransportInfo::in_process()).await
        })
        .await?;
        let mut registry = ToolRegistry::new();
        add_tools(
            &mut registry,
            &client,
            config,
            "the built-in tool server",
            genai,
        )
        .await?;
        connections.clients.push(client);
        registry
    } else {
        builtin
    };
    for url in &config.servers {
        let info = TransportInfo::streamable_http(url)
            .map_err(|e| ConfigError::new(format!("invalid --mcp-server: {e}")))?;
        let what = format!("MCP server {url}");
        // The engine's TLS (rmcp's default client would need a process-wide crypto
        // provider); no pooled idle connections and no redirects, as rmcp's default client
        // (it follows only same-origin 307/308, which it keeps to itself).
        let http = crate::tls::client_builder()?
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                ConfigError::new(format!("cannot build the HTTP client for {what}: {e}"))
            })?;
        let transport = StreamableHttpClientTransport::with_client(
            http,
            StreamableHttpClientTransportConfig::with_uri(url.clone()),
        );
        let client = connect(config, &what, McpClient::connect(&mcp, (), transport, info)).await?;
        add_tools(&mut registry, &client, config, &what, genai).await?;
        connections.clients.push(client);
    }
    for command in &config.commands {
        let what = format!("MCP command {command:?}");
        let mut cmd = tokio::process::Command::new("sh");
        cmd.arg("-c").arg(command);
        let transport = TokioChildProcess::new(cmd)
            .map_err(|e| ConfigError::new(format!("cannot start {what}: {e}")))?;
        let client = connect(
            config,
            &what,
            McpClient::connect(&mcp, (), transport, TransportInfo::stdio()),
        )
        .await?;
        add_tools(&mut registry, &client, config, &what, genai).await?;
        connections.clients.push(client);
    }
    Ok((registry, connections))
}

/// Connects within the timeout; the client then times every call out after it too.
async fn connect<E: std::fmt::Display>(
    config: &McpConfig,
    what: &str,
    connecting: impl Future<Output = Result<McpClient, E>>,
) -> Result<McpClient, ConfigError> {
    match tokio::time::timeout(config.timeout, connecting).await {
        Ok(Ok(client)) => Ok(client.with_timeout(config.timeout)),
        Ok(Err(e)) => Err(ConfigError::new(format!("cannot connect to {what}: {e}"))),
        Err(_) => Err(ConfigError::new(format!(
            "cannot connect to {what}: no answer to initialize within {:?} (--mcp-timeout)",
            config.timeout
        ))),
    }
}

async fn add_tools(
    registry: &mut ToolRegistry,
    client: &McpClient,
    config: &McpConfig,
    what: &str,
    genai: &GenAi,
) -> Result<(), ConfigError> {
    let listed = tokio::time::timeout(config.timeout, client.list_all_tools())
        .await
        .map_err(|_| {
            ConfigError::new(format!(
                "{what} did not list its tools within {:?}",
                config.timeout
            ))
        })?
        .map_err(|e| ConfigError::new(format!("{what} did not list its tools: {e}")))?;
    for tool in &listed {
        if registry.get(&tool.name).is_some() {
            genai.telemetry().logger.warning(
                "MCP tool skipped: a tool of that name is already registered",
                &[
                    Attribute::new("gen_ai.tool.name", tool.name.to_string()),
                    Attribute::new("mcp.server", what.to_owned()),
                ],
            );
            continue;
        }
        let taken = std::mem::take(registry);
        *registry = taken.with(Arc::new(RemoteTool::new(client.clone(), tool)));
    }
    Ok(())
}
