//! [`McpClient`]'s typed helpers: one per common request, each through
//! [`McpClient::request`], so each is one traced operation.

use rmcp::ServiceError;
use rmcp::model::{
    CallToolRequest, CallToolRequestParams, CallToolResult, ClientRequest, GetPromptRequest,
    GetPromptRequestParams, GetPromptResult, ListPromptsResult, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ReadResourceRequest, ReadResourceRequestParams,
    ReadResourceResult, RequestOptionalParam, ServerResult, Tool,
};

use super::McpClient;

impl McpClient {
    /// `tools/call`.
    ///
    /// # Errors
    /// rmcp's [`ServiceError`]: a JSON-RPC error, a timeout, a closed transport, or a
    /// response that is not a `CallToolResult`. A tool that ran and failed is `Ok` with
    /// `is_error: Some(true)`.
    pub async fn call_tool(
        &self,
        params: CallToolRequestParams,
    ) -> Result<CallToolResult, ServiceError> {
        match self
            .request(ClientRequest::CallToolRequest(CallToolRequest::new(params)))
            .await?
        {
            ServerResult::CallToolResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }

    /// `tools/list`, one page.
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn list_tools(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListToolsResult, ServiceError> {
        let request = ClientRequest::ListToolsRequest(RequestOptionalParam {
            method: Default::default(),
            params,
            extensions: Default::default(),
        });
        match self.request(request).await? {
            ServerResult::ListToolsResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }

    /// Every tool, following `nextCursor` (one `tools/list` span per page).
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn list_all_tools(&self) -> Result<Vec<Tool>, ServiceError> {
        let mut tools = Vec::new();
        let mut cursor = None;
        loop {
            let params = cursor.map(|c| PaginatedRequestParams::default().with_cursor(Some(c)));
            let page = self.list_tools(params).await?;
            tools.extend(page.tools);
            match page.next_cursor {
                Some(c) if !c.is_empty() => cursor = Some(c),
                _ => return Ok(tools),
            }
        }
    }

    /// `prompts/get`.
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn get_prompt(
        &self,
        params: GetPromptRequestParams,
    ) -> Result<GetPromptResult, ServiceError> {
        match self
            .request(ClientRequest::GetPromptRequest(GetPromptRequest::new(
                params,
            )))
            .await?
        {
            ServerResult::GetPromptResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }

    /// `prompts/list`, one page.
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn list_prompts(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListPromptsResult, ServiceError> {
        let request = ClientRequest::ListPromptsRequest(RequestOptionalParam {
            method: Default::default(),
            params,
            extensions: Default::default(),
        });
        match self.request(request).await? {
            ServerResult::ListPromptsResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }

    /// `resources/read` (`mcp.resource.uri` on the span).
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn read_resource(
        &self,
        params: ReadResourceRequestParams,
    ) -> Result<ReadResourceResult, ServiceError> {
        match self
            .request(ClientRequest::ReadResourceRequest(
                ReadResourceRequest::new(params),
            ))
            .await?
        {
            ServerResult::ReadResourceResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }

    /// `resources/list`, one page.
    ///
    /// # Errors
    /// rmcp's [`ServiceError`].
    pub async fn list_resources(
        &self,
        params: Option<PaginatedRequestParams>,
    ) -> Result<ListResourcesResult, ServiceError> {
        let request = ClientRequest::ListResourcesRequest(RequestOptionalParam {
            method: Default::default(),
            params,
            extensions: Default::default(),
        });
        match self.request(request).await? {
            ServerResult::ListResourcesResult(r) => Ok(r),
            _ => Err(ServiceError::UnexpectedResponse),
        }
    }
}
