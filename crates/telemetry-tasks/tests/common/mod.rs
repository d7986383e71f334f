//! Test helpers: a correlator that records every scope it ends, and counts live ones.

#![allow(dead_code, unreachable_pub)]

pub mod otlp;

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use telemetry_core::implement::ScopeExtension;
use telemetry_core::{ContextualCorrelator, CorrelationId, Scope, ScopeEnd, ScopeOptions, SpanId};

/// One ended scope, as the recording correlator saw it.
#[derive(Clone, Debug)]
pub struct Ended {
    pub name: String,
    pub correlation_id: CorrelationId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub how: ScopeEnd,
    pub errors: Vec<(String, String)>,
}

#[derive(Default)]
pub struct Shared {
    pub ended: Mutex<Vec<Ended>>,
    /// Scope extensions alive (opened and not yet freed), i.e. scope data still referenced.
    pub live: AtomicUsize,
    pub opened: AtomicUsize,
}

/// A correlator that records every scope's end and counts how many scopes are still alive.
#[derive(Clone, Default)]
pub struct Recording(pub Arc<Shared>);

impl Recording {
    pub fn ended(&self) -> Vec<Ended> {
        self.0.ended.lock().clone()
    }
    pub fn named(&self, name: &str) -> Vec<Ended> {
        self.ended()
            .into_iter()
            .filter(|e| e.name == name)
            .collect()
    }
    pub fn one(&self, name: &str) -> Ended {
        let all = self.named(name);
        assert_eq!(
            all.len(),
            1,
            "expected exactly one scope {name:?}, got {all:?}"
        );
        all.into_iter().next().unwrap()
    }
    pub fn live(&self) -> usize {
        self.0.live.load(Ordering::SeqCst)
    }
}

struct Ext {
    shared: Arc<Shared>,
    name: String,
    correlation_id: CorrelationId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    errors: Mutex<Vec<(String, String)>>,
}

impl ScopeExtension for Ext {
    fn record_error(&self, error_type: &str, message: &str) {
        self.errors
            .lock()
            .push((error_type.to_owned(), message.to_owned()));
    }
    fn end(&self, how: ScopeEnd) {
        self.shared.ended.lock().push(Ended {
            name: self.name.clone(),
            correlation_id: self.correlation_id,
            span_id: self.span_id,
            parent_span_id: self.parent_span_id,
            how,
            errors: self.errors.lock().clone(),
        });
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Drop for Ext {
    fn drop(&mut self) {
        self.shared.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ContextualCorrelator for Recording {
    fn open_scope(&self, options: ScopeOptions<'_>) -> Scope {
        let r = options.resolve();
        self.0.live.fetch_add(1, Ordering::SeqCst);
        self.0.opened.fetch_add(1, Ordering::SeqCst);
        let ext = Ext {
            shared: self.0.clone(),
            name: r.name.to_string(),
            correlation_id: r.correlation_id,
            span_id: r.span_id,
            parent_span_id: r.parent.span_id(),
            errors: Mutex::new(Vec::new()),
        };
        r.into_scope(Some(Box::new(ext)))
    }
}
