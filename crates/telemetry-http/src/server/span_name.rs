//! Server span names, `{method} {http.route}` (semantic-conventions v1.41.0,
//! `docs/http/http-spans.md`, *Name*), made once per method and route for the process.
//!
//! A name built per request is a formatted `String` the span then owns, and an implementation
//! that keeps names interned looks it up again. Routes are a router's few templates and methods
//! a short list, so each pair's name is made once and kept for the life of the process as a
//! `&'static str`; past [`MAX_NAMES`] pairs (a router generating routes, or many methods
//! recorded as they are) names are formatted per request instead, so the memory kept is bounded.

use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use crate::method::span_name_method;

/// The most names kept (about 40 bytes each).
pub(crate) const MAX_NAMES: usize = 512;

struct Entry {
    method: Arc<str>,
    route: Option<Arc<str>>,
    name: &'static str,
}

static NAMES: RwLock<Vec<Entry>> = RwLock::new(Vec::new());

fn find(names: &[Entry], method: &str, route: Option<&str>) -> Option<&'static str> {
    names
        .iter()
        .find(|e| *e.method == *method && e.route.as_deref() == route)
        .map(|e| e.name)
}

fn format(method: &str, route: Option<&str>) -> String {
    let method = span_name_method(method);
    match route {
        Some(route) => format!("{method} {route}"),
        None => method.to_owned(),
    }
}

/// The span name of a request with `method` (as recorded: `_OTHER` for an unknown one) and
/// `route` (`None` when no route is known).
pub(crate) fn span_name(method: &Arc<str>, route: Option<&Arc<str>>) -> Cow<'static, str> {
    let route_str = route.map(|r| &**r);
    let full = {
        let names = NAMES.read().unwrap_or_else(|p| p.into_inner());
        if let Some(name) = find(&names, method, route_str) {
            return Cow::Borrowed(name);
        }
        names.len() >= MAX_NAMES
    };
    // A full table never grows again: format under no lock rather than take the write lock
    // (which every other request's read waits for) on each request with a new pair.
    if full {
        return Cow::Owned(format(method, route_str));
    }
    let mut names = NAMES.write().unwrap_or_else(|p| p.into_inner());
    if let Some(name) = find(&names, method, route_str) {
        return Cow::Borrowed(name);
    }
    let name = format(method, route_str);
    if names.len() >= MAX_NAMES {
        return Cow::Owned(name);
    }
    let name: &'static str = Box::leak(name.into_boxed_str());
    names.push(Entry {
        method: method.clone(),
        route: route.cloned(),
        name,
    });
    Cow::Borrowed(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_method_and_route_made_once_per_pair() {
        let get: Arc<str> = "GET".into();
        let route: Arc<str> = "/v1/span-name-test/{id}".into();
        let first = span_name(&get, Some(&route));
        assert_eq!(first, "GET /v1/span-name-test/{id}");
        let again = span_name(&get, Some(&"/v1/span-name-test/{id}".into()));
        // The same kept text, not a new copy.
        assert!(
            matches!((&first, &again), (Cow::Borrowed(a), Cow::Borrowed(b)) if a.as_ptr() == b.as_ptr())
        );
        assert_eq!(span_name(&get, None), "GET");
        assert_eq!(
            span_name(&"_OTHER".into(), Some(&route)),
            "HTTP /v1/span-name-test/{id}"
        );
    }
}
