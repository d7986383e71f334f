//! Assertions on the shape of received traces: parent links by name, one trace id per tree,
//! no orphans.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Display;

use crate::RSpan;

/// Asserts one trace tree exactly and returns its spans by name.
///
/// `trace_id` is the tree's trace id (anything whose `Display` is the hex id, such as a
/// correlation id). `edges` lists every span of that trace as `(name, parent name)`, the root
/// as `(name, "")`. Checked: the number of spans in the trace, each span's parent by name,
/// that every parent id is a span of the same trace, and that names are unique in the tree.
///
/// # Panics
/// On the first check that fails, naming the span and showing what was received.
pub fn assert_tree(
    spans: &[RSpan],
    trace_id: impl Display,
    edges: &[(&str, &str)],
) -> BTreeMap<String, RSpan> {
    let trace = trace_id.to_string();
    let tree: Vec<&RSpan> = spans.iter().filter(|s| s.trace_id == trace).collect();
    assert_eq!(
        tree.len(),
        edges.len(),
        "span count of trace {trace}: got {:?}",
        tree.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let by_id: HashMap<&str, &RSpan> = tree.iter().map(|s| (s.span_id.as_str(), *s)).collect();
    let mut by_name = BTreeMap::new();
    let mut got: Vec<(String, String)> = Vec::new();
    for s in &tree {
        let parent_name = match s.parent() {
            None => String::new(),
            Some(p) => by_id
                .get(p)
                .unwrap_or_else(|| panic!("orphan span {:?}: parent {p} not received", s.name))
                .name
                .clone(),
        };
        got.push((s.name.clone(), parent_name));
        assert!(
            by_name.insert(s.name.clone(), (*s).clone()).is_none(),
            "span names are unique within the tree of trace {trace}: {:?}",
            s.name
        );
    }
    let mut want: Vec<(String, String)> = edges
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "the tree (span, parent) of trace {trace}");
    by_name
}

/// Asserts that every span's parent id is a span in `spans` (no orphans, across all traces).
///
/// # Panics
/// Naming the first span whose parent is missing.
pub fn assert_no_orphans(spans: &[RSpan]) {
    let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    for s in spans {
        if let Some(p) = s.parent() {
            assert!(ids.contains(p), "orphan span {:?} (parent {p})", s.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

    fn span(name: &str, id: &str, parent: &str) -> RSpan {
        RSpan {
            trace_id: TRACE.to_owned(),
            span_id: id.to_owned(),
            parent_span_id: parent.to_owned(),
            name: name.to_owned(),
            kind: "SPAN_KIND_INTERNAL".to_owned(),
            attributes: BTreeMap::new(),
            events: Vec::new(),
            links: Vec::new(),
            status_code: "STATUS_CODE_UNSET".to_owned(),
            status_message: String::new(),
        }
    }

    fn spans() -> Vec<RSpan> {
        vec![
            span("child", "0000000000000002", "0000000000000001"),
            span("root", "0000000000000001", ""),
            span("grandchild", "0000000000000003", "0000000000000002"),
        ]
    }

    #[test]
    fn a_matching_tree_gives_its_spans_by_name() {
        let all = spans();
        assert_no_orphans(&all);
        let tree = assert_tree(
            &all,
            TRACE,
            &[("root", ""), ("child", "root"), ("grandchild", "child")],
        );
        assert_eq!(tree.len(), 3);
        assert_eq!(tree["grandchild"].span_id, "0000000000000003");
    }

    #[test]
    #[should_panic(expected = "the tree (span, parent)")]
    fn a_wrong_parent_fails() {
        assert_tree(
            &spans(),
            TRACE,
            &[("root", ""), ("child", "root"), ("grandchild", "root")],
        );
    }

    #[test]
    #[should_panic(expected = "span count of trace")]
    fn spans_of_another_trace_do_not_count() {
        let mut all = spans();
        all[2].trace_id = "0af7651916cd43dd8448eb211c80319c".to_owned();
        assert_tree(
            &all,
            TRACE,
            &[("root", ""), ("child", "root"), ("grandchild", "child")],
        );
    }

    #[test]
    #[should_panic(expected = "orphan span \"grandchild\"")]
    fn a_missing_parent_is_an_orphan() {
        let mut all = spans();
        all.remove(0);
        assert_no_orphans(&all);
    }

    #[test]
    #[should_panic(expected = "span names are unique")]
    fn duplicate_names_fail() {
        let mut all = spans();
        all[2].name = "child".to_owned();
        assert_tree(
            &all,
            TRACE,
            &[("root", ""), ("child", "root"), ("child", "child")],
        );
    }
}
