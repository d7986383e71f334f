//! Scopes, lowest layer first: the implementation's per-scope hooks ([`scope_extension`]) and
//! the type map layers keep ([`extensions`]); span kinds and links; the current-scope
//! [`Context`](context::Context) and the data of a scope ([`context`]); owning, entering and
//! instrumenting one ([`guard`]); resolving options into a scope ([`resolved`]) and the options
//! themselves ([`options`]); baggage on scopes, names from the root, carriers; and the
//! [`ContextualCorrelator`](correlator::ContextualCorrelator) trait on top.

pub(crate) mod baggage_attributes;
pub(crate) mod context;
pub(crate) mod context_baggage;
pub(crate) mod correlator;
pub(crate) mod extensions;
pub(crate) mod guard;
pub(crate) mod link;
pub(crate) mod options;
pub(crate) mod path;
pub(crate) mod resolved;
pub(crate) mod scope_extension;
pub(crate) mod span_kind;
pub(crate) mod with_context;
