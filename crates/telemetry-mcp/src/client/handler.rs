//! The client's own handler, wrapped so that the `initialize` request rmcp builds from it
//! carries the `initialize` span's trace context in its `_meta`.

use std::future::Future;

use rmcp::model::{ClientConfig, ClientResult, ServerNotification, ServerRequest};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{ErrorData, RoleClient, Service};
use telemetry_core::Context;

use crate::mcp::Mcp;
use crate::meta::MetaInjector;

/// The user's client handler, unchanged except for [`get_info`](Service::get_info): rmcp
/// sends what it returns as the `initialize` request's parameters, so its `_meta` is the one
/// place the handshake can carry trace context. Requests the server sends the client go to
/// the user's handler untraced.
pub(crate) struct InitializingHandler<S> {
    pub(crate) inner: S,
    pub(crate) mcp: Mcp,
    /// The `initialize` CLIENT span.
    pub(crate) initialize: Context,
}

impl<S: Service<RoleClient>> Service<RoleClient> for InitializingHandler<S> {
    fn handle_request(
        &self,
        request: ServerRequest,
        context: RequestContext<RoleClient>,
    ) -> impl Future<Output = Result<ClientResult, ErrorData>> + Send + '_ {
        self.inner.handle_request(request, context)
    }

    fn handle_notification(
        &self,
        notification: ServerNotification,
        context: NotificationContext<RoleClient>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        self.inner.handle_notification(notification, context)
    }

    fn get_info(&self) -> ClientConfig {
        let mut info = self.inner.get_info();
        let meta = info.meta.get_or_insert_default();
        self.mcp
            .telemetry()
            .correlator
            .inject(&self.initialize, &mut MetaInjector(&mut meta.0.0));
        info
    }

    fn supported_protocol_versions(
        &self,
    ) -> std::borrow::Cow<'static, [rmcp::model::ProtocolVersion]> {
        self.inner.supported_protocol_versions()
    }
}
