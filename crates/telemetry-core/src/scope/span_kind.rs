//! [`SpanKind`]: the role of a scope in a remote or local operation.

/// The OpenTelemetry span kind of a scope (Trace API, *SpanKind*). Default `Internal`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// An operation inside the application.
    #[default]
    Internal,
    /// The server side of a synchronous remote call, such as an HTTP request.
    Server,
    /// The client side of a synchronous remote call.
    Client,
    /// The sender of an asynchronous message.
    Producer,
    /// The receiver of an asynchronous message.
    Consumer,
}
