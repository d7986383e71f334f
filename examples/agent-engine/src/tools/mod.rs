//! Tools the agent can run: [`Calculator`], [`Clock`] and [`ResearchTool`].

mod calculator;
mod clock;
mod research;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

pub use calculator::{Calculator, MAX_EXPRESSION_LEN};
pub use clock::Clock;
pub use research::{PROCESSORS, ResearchTool, TaskApiClient, TaskRunOutcome};

use crate::model::ToolDefinition;

/// Why a tool call failed. The agent sends the message back to the model as the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolError {
    /// Low-cardinality `error.type`, e.g. `invalid_expression`, `timeout`, `task_failed`.
    pub error_type: String,
    /// What went wrong, naming the input.
    pub message: String,
}

impl ToolError {
    /// An error of `error_type` with `message`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// The arguments were not what the tool's schema asks for.
    pub fn invalid_arguments(message: impl Into<String>) -> Self {
        Self::new("invalid_arguments", message)
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.error_type)
    }
}

impl std::error::Error for ToolError {}

/// A tool. Object-safe; the registry holds `Arc<dyn Tool>`.
#[async_trait::async_trait]
pub trait Tool: Send + Sync {
    /// The name models call it by (`gen_ai.tool.name`).
    fn name(&self) -> &'static str;
    /// What it does, for the model.
    fn description(&self) -> &'static str;
    /// JSON Schema of the arguments object.
    fn parameters(&self) -> serde_json::Value;
    /// Runs the tool.
    ///
    /// # Errors
    /// [`ToolError`] for bad arguments or a failed run; never panics on bad input.
    async fn call(&self, arguments: serde_json::Value) -> Result<serde_json::Value, ToolError>;
}

/// The tools by name.
#[derive(Clone, Default)]
pub struct ToolRegistry {
    tools: BTreeMap<&'static str, Arc<dyn Tool>>,
}

impl ToolRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `tool`, replacing one of the same name.
    pub fn with(mut self, tool: Arc<dyn Tool>) -> Self {
        self.tools.insert(tool.name(), tool);
        self
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<dyn Tool>> {
        self.tools.get(name)
    }

    /// The definitions to offer the model, sorted by name.
    pub fn definitions(&self) -> Vec<ToolDefinition> {
        self.tools
            .values()
            .map(|t| ToolDefinition {
                name: t.name().into(),
                description: t.description().into(),
                parameters: t.parameters(),
            })
            .collect()
    }
}

impl fmt::Debug for ToolRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.tools.keys()).finish()
    }
}

/// The string field `key` of an arguments object.
pub(crate) fn string_argument<'a>(
    arguments: &'a serde_json::Value,
    key: &str,
) -> Result<&'a str, ToolError> {
    let object = arguments.as_object().ok_or_else(|| {
        ToolError::invalid_arguments(format!(
            "invalid arguments {arguments}: expected a JSON object"
        ))
    })?;
    match object.get(key) {
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(other) => Err(ToolError::invalid_arguments(format!(
            "invalid argument {key:?} = {other}: expected a string"
        ))),
        None => Err(ToolError::invalid_arguments(format!(
            "missing argument {key:?} in {arguments}"
        ))),
    }
}
