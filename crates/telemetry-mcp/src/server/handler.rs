//! `ServerHandler` for [`TracedServer`]: every method of rmcp 3.11's `ServerHandler`,
//! delegated to the wrapped handler (the list rmcp's own `Box` and `Arc` wrappers delegate),
//! each request and notification method inside its SERVER span.
//!
//! Delegating every method matters: one left to its default would bypass the user's
//! handler. The workspace pins rmcp to 3.11.x for that reason; a new minor version must be
//! checked against this list.

#![allow(deprecated)] // `resources/subscribe` and `resources/unsubscribe` are legacy in rmcp.

use std::borrow::Cow;
use std::future::Future;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, CancelledNotificationParam,
    CompleteRequestParams, CompleteResult, CustomNotification, CustomRequest, CustomResult,
    DiscoverResult, GetPromptRequestParams, GetPromptResponse, GetSkillRequestParams,
    GetSkillResult, GetTaskParams, GetTaskResult, InitializeRequestParams, InitializeResult,
    ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListSkillsResult,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ProtocolVersion,
    ReadResourceDirectoryRequestParams, ReadResourceDirectoryResult, ReadResourceRequestParams,
    ReadResourceResponse, ServerConfig, SetLevelRequestParams, SubscribeRequestParams,
    SubscriptionFilter, Tool, UnsubscribeRequestParams, UpdateTaskParams,
};
use rmcp::service::{MaybeSendFuture, NotificationContext, RequestContext, SubscriptionContext};
use rmcp::{ErrorData, RoleServer, ServerHandler};

use super::TracedServer;
use crate::request::{self, Facts, method};

/// A request method, traced: `$method` the MCP method name, `$facts` the facts from the
/// parameters (evaluated before they move into the handler).
macro_rules! traced {
    ($self:ident, $facts:expr, $context:ident, $call:expr) => {{
        let op = $self.open_request(&$facts, &$context, None);
        $self.run(op, $context, $call)
    }};
}

impl<S: ServerHandler> ServerHandler for TracedServer<S> {
    fn ping(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("ping"), context, |c| self.inner.ping(c))
    }

    fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<InitializeResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("initialize"), context, |c| self
            .inner
            .initialize(request, c))
    }

    fn negotiate_initialize(
        &self,
        request: &InitializeRequestParams,
    ) -> Result<InitializeResult, ErrorData> {
        self.inner.negotiate_initialize(request)
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }

    fn discover(
        &self,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<DiscoverResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("server/discover"), context, |c| self
            .inner
            .discover(c))
    }

    fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("completion/complete"), context, |c| self
            .inner
            .complete(request, c))
    }

    fn set_level(
        &self,
        request: SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("logging/setLevel"), context, |c| self
            .inner
            .set_level(request, c))
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, ErrorData>> + MaybeSendFuture + '_ {
        let facts = Facts {
            prompt: Some(request::shared(&request.name)),
            ..method("prompts/get")
        };
        traced!(self, facts, context, |c| self.inner.get_prompt(request, c))
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("prompts/list"), context, |c| self
            .inner
            .list_prompts(request, c))
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("resources/list"), context, |c| self
            .inner
            .list_resources(request, c))
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, ErrorData>> + MaybeSendFuture + '_
    {
        traced!(self, method("resources/templates/list"), context, |c| self
            .inner
            .list_resource_templates(request, c))
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, ErrorData>> + MaybeSendFuture + '_ {
        let facts = Facts {
            resource_uri: Some(request.uri.clone()),
            ..method("resources/read")
        };
        traced!(self, facts, context, |c| self
            .inner
            .read_resource(request, c))
    }

    fn accepted_subscription_filter(
        &self,
        requested: &SubscriptionFilter,
    ) -> Option<SubscriptionFilter> {
        self.inner.accepted_subscription_filter(requested)
    }

    /// A long-lived subscription stream, not one operation: not traced.
    fn listen(
        &self,
        context: SubscriptionContext,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        self.inner.listen(context)
    }

    fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        let facts = Facts {
            resource_uri: Some(request.uri.clone()),
            ..method("resources/subscribe")
        };
        traced!(self, facts, context, |c| self.inner.subscribe(request, c))
    }

    fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        let facts = Facts {
            resource_uri: Some(request.uri.clone()),
            ..method("resources/unsubscribe")
        };
        traced!(self, facts, context, |c| self.inner.unsubscribe(request, c))
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + MaybeSendFuture + '_ {
        let facts = Facts {
            tool: Some(request::name(&request.name)),
            ..method("tools/call")
        };
        let op = self.open_request(&facts, &context, request.arguments.as_ref());
        self.run(op, context, |c| self.inner.call_tool(request, c))
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("tools/list"), context, |c| self
            .inner
            .list_tools(request, c))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.get_tool(name)
    }

    fn on_custom_request(
        &self,
        request: CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CustomResult, ErrorData>> + MaybeSendFuture + '_ {
        let facts = method(request.method.clone());
        traced!(self, facts, context, |c| self
            .inner
            .on_custom_request(request, c))
    }

    fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.notified(method("notifications/cancelled"), context, |c| {
            self.inner.on_cancelled(notification, c)
        })
    }

    fn on_progress(
        &self,
        notification: ProgressNotificationParam,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.notified(method("notifications/progress"), context, |c| {
            self.inner.on_progress(notification, c)
        })
    }

    fn on_initialized(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.notified(method("notifications/initialized"), context, |c| {
            self.inner.on_initialized(c)
        })
    }

    fn on_roots_list_changed(
        &self,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        self.notified(method("notifications/roots/list_changed"), context, |c| {
            self.inner.on_roots_list_changed(c)
        })
    }

    fn on_custom_notification(
        &self,
        notification: CustomNotification,
        context: NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + MaybeSendFuture + '_ {
        let facts = method(notification.method.clone());
        self.notified(facts, context, |c| {
            self.inner.on_custom_notification(notification, c)
        })
    }

    fn get_info(&self) -> ServerConfig {
        self.inner.get_info()
    }

    fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetTaskResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("tasks/get"), context, |c| self
            .inner
            .get_task(request, c))
    }

    fn update_task(
        &self,
        request: UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("tasks/update"), context, |c| self
            .inner
            .update_task(request, c))
    }

    fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("tasks/cancel"), context, |c| self
            .inner
            .cancel_task(request, c))
    }

    fn list_skills(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListSkillsResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("skills/list"), context, |c| self
            .inner
            .list_skills(request, c))
    }

    fn get_skill(
        &self,
        request: GetSkillRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetSkillResult, ErrorData>> + MaybeSendFuture + '_ {
        traced!(self, method("skills/get"), context, |c| self
            .inner
            .get_skill(request, c))
    }

    fn read_resource_directory(
        &self,
        request: ReadResourceDirectoryRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceDirectoryResult, ErrorData>> + MaybeSendFuture + '_
    {
        traced!(self, method("resources/directory/read"), context, |c| self
            .inner
            .read_resource_directory(request, c))
    }
}
