//! [`ToolSpanSlot`]: how instrumentation below a tool call adds to the `execute_tool` span
//! instead of opening a second span.
//!
//! The MCP conventions ask exactly this (semantic-conventions v1.41.0, `docs/gen-ai/mcp.md`,
//! *Client*: "If the MCP instrumentation can reliably detect that outer GenAI instrumentation
//! is already tracing the tool execution, it SHOULD NOT create a separate span. Instead, it
//! SHOULD add MCP-specific attributes to the existing tool execution span."). A core
//! [`Context`](telemetry_core::Context) snapshot cannot change its span, so the span's owner
//! keeps this slot in its scope's extensions and applies what was put there when it ends.

use std::sync::Mutex;

use telemetry_core::Attribute;

/// In every open `execute_tool` span's scope extensions: attributes and an outcome that a
/// layer below the tool (an MCP client) puts on that span. They are applied when the span
/// ends, before its duration metric; an error recorded here fails the span unless its owner
/// failed it already (the owner's error wins).
///
/// ```
/// use telemetry_core::{Attribute, Context};
/// use telemetry_genai::ToolSpanSlot;
///
/// // Inside a tool call, where the `execute_tool` span is current:
/// if let Some(slot) = Context::current().extension::<ToolSpanSlot>() {
///     if slot.claim() {
///         slot.set_attribute(Attribute::new("mcp.method.name", "tools/call"));
///     }
/// }
/// ```
#[derive(Debug, Default)]
pub struct ToolSpanSlot {
    state: Mutex<SlotState>,
}

#[derive(Debug, Default)]
struct SlotState {
    claimed: bool,
    attributes: Vec<Attribute>,
    error: Option<(String, String)>,
}

impl ToolSpanSlot {
    fn state(&self) -> std::sync::MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the span for one caller: `true` the first time only. A tool that makes several
    /// calls below it lets the first describe the span; the others open their own spans.
    pub fn claim(&self) -> bool {
        !std::mem::replace(&mut self.state().claimed, true)
    }

    /// Puts `attribute` on the span when it ends (a later value of the same key wins).
    pub fn set_attribute(&self, attribute: Attribute) {
        self.state().attributes.push(attribute);
    }

    /// Fails the span when it ends, with `error.type` = `error_type` and `message` (redacted
    /// like every error message), unless its owner fails it first.
    pub fn fail(&self, error_type: &str, message: &str) {
        self.state().error = Some((error_type.to_owned(), message.to_owned()));
    }

    /// What was put here, emptied: the attributes and the error.
    pub(crate) fn take(&self) -> (Vec<Attribute>, Option<(String, String)>) {
        let mut s = self.state();
        (std::mem::take(&mut s.attributes), s.error.take())
    }
}
