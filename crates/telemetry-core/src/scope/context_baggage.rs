//! Baggage on scopes (W3C Baggage): entries a scope sets are seen by it and by the scopes
//! opened under it, over the baggage its trace's remote caller sent; `inject` sends them all.

use std::sync::Mutex;

use crate::propagation::{Baggage, BaggageEntry, InvalidBaggage};
use crate::scope::context::Context;
use crate::scope::context::ScopeData;

/// The entries a scope set, in its [`Extensions`](crate::Extensions): scopes that set none
/// carry nothing for baggage.
struct ScopeBaggage(Mutex<Baggage>);

impl ScopeData {
    /// This scope's own baggage value for `key`, else the remote caller's (on a root).
    fn baggage_value(&self, key: &str) -> Option<String> {
        if let Some(own) = self.extensions.get::<ScopeBaggage>() {
            let own = own.0.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(v) = own.get(key) {
                return Some(v.to_owned());
            }
        }
        self.remote_parent
            .as_ref()
            .and_then(|r| r.baggage.get(key))
            .map(str::to_owned)
    }
}

impl Context {
    /// Whether any baggage is in effect here (set by a scope of the chain or sent by the
    /// remote caller): a walk up the chain that allocates nothing.
    pub fn has_baggage(&self) -> bool {
        self.ancestors().any(|d| {
            d.extensions.get::<ScopeBaggage>().is_some()
                || d.remote_parent
                    .as_ref()
                    .is_some_and(|r| !r.baggage.is_empty())
        })
    }

    /// The baggage value of `key` in effect here: set on this scope or the nearest ancestor,
    /// else sent by the trace's remote caller. `None` outside any scope (always for NoOp).
    pub fn baggage_value(&self, key: &str) -> Option<String> {
        self.ancestors().find_map(|d| d.baggage_value(key))
    }

    /// All baggage in effect here: the remote caller's, then what each scope from the root
    /// down set, a nearer scope replacing a key's value. What `inject` sends.
    pub fn baggage(&self) -> Baggage {
        let chain: Vec<&ScopeData> = self.ancestors().collect();
        let mut all = Baggage::new();
        for d in chain.into_iter().rev() {
            if let Some(r) = &d.remote_parent {
                for e in r.baggage.iter() {
                    all.insert_entry(e.clone());
                }
            }
            if let Some(own) = d.extensions.get::<ScopeBaggage>() {
                let own = own.0.lock().unwrap_or_else(|p| p.into_inner());
                for e in own.iter() {
                    all.insert_entry(e.clone());
                }
            }
        }
        all
    }

    /// Sets baggage `key` to `value` on this scope: seen here and in scopes opened under it,
    /// and sent by `inject`. Does nothing outside any scope (NoOp).
    ///
    /// ```
    /// use telemetry_core::{ScopeOptions, propagation::Baggage};
    /// let edge = ScopeOptions::new("POST /v1/chat").resolve().into_scope(None);
    /// edge.context().set_baggage("session.id", "s-42").unwrap();
    /// let child = ScopeOptions::new("tool").child_of(edge.context()).resolve().into_scope(None);
    /// assert_eq!(child.context().baggage_value("session.id").as_deref(), Some("s-42"));
    /// assert_eq!(child.context().baggage().encode(), "session.id=s-42");
    /// ```
    ///
    /// # Errors
    /// [`InvalidBaggage`] when `key` is not a `token`.
    pub fn set_baggage(&self, key: &str, value: &str) -> Result<(), InvalidBaggage> {
        self.set_baggage_entry(BaggageEntry::new(key, value)?);
        Ok(())
    }

    /// Sets a baggage entry with its properties on this scope (see
    /// [`set_baggage`](Self::set_baggage)); false when outside any scope or when the entry
    /// would take this scope's baggage past the W3C Baggage limits.
    pub fn set_baggage_entry(&self, entry: BaggageEntry) -> bool {
        let Some(extensions) = self.extensions() else {
            return false;
        };
        let own = extensions.get_or_insert_with(|| ScopeBaggage(Mutex::new(Baggage::new())));
        own.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert_entry(entry)
    }
}
