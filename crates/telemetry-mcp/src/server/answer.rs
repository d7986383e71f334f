//! What each kind of handler answer says about the outcome: a tool that failed inside a
//! successful response (`isError`), the tool's result for opt-in content, the protocol
//! version `initialize` agreed.

use rmcp::model::{
    CallToolResponse, CallToolResult, CompleteResult, CustomResult, DiscoverResult,
    GetPromptResponse, GetSkillResult, GetTaskResult, InitializeResult, ListPromptsResult,
    ListResourceTemplatesResult, ListResourcesResult, ListSkillsResult, ListToolsResult,
    ProtocolVersion, ReadResourceResponse,
};

use crate::request::tool_error;

/// A handler's successful answer, as the span sees it.
pub(crate) trait Answer {
    /// The error text of a tool result with `isError: true` (`error.type` = `tool_error`).
    fn tool_error(&self) -> Option<String> {
        None
    }
    /// A successful tool result, for `gen_ai.tool.call.result`.
    fn tool_result(&self) -> Option<&CallToolResult> {
        None
    }
    /// The protocol version an `initialize` answer agreed.
    fn protocol_version(&self) -> Option<&ProtocolVersion> {
        None
    }
}

macro_rules! plain_answers {
    ($($t:ty),* $(,)?) => { $(impl Answer for $t {})* };
}

plain_answers!(
    (),
    DiscoverResult,
    CompleteResult,
    GetPromptResponse,
    ListPromptsResult,
    ListResourcesResult,
    ReadResourceResponse,
    ListToolsResult,
    CustomResult,
    GetTaskResult,
    ListSkillsResult,
    GetSkillResult,
    ListResourceTemplatesResult,
);

// `ReadResourceDirectoryResult` is `ListResourcesResult` under another name.

impl Answer for InitializeResult {
    fn protocol_version(&self) -> Option<&ProtocolVersion> {
        Some(&self.protocol_version)
    }
}

impl Answer for CallToolResponse {
    fn tool_error(&self) -> Option<String> {
        match self {
            CallToolResponse::Complete(r) => tool_error(r),
            _ => None,
        }
    }

    fn tool_result(&self) -> Option<&CallToolResult> {
        match self {
            CallToolResponse::Complete(r) if r.is_error != Some(true) => Some(r),
            _ => None,
        }
    }
}
