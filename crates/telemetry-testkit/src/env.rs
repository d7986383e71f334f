//! Configuration given in code instead of the process environment.

use std::collections::HashMap;

/// An environment lookup that answers only from `vars` (`name`, `value`) and ignores the
/// process environment, so a test's `OTEL_*` configuration is exactly what it lists. Pass it
/// where an implementation takes an env source, e.g. telemetry-otel's
/// `OpenTelemetryBuilder::with_env_source`.
///
/// # Panics
/// When a name is listed twice (a real environment cannot hold both values).
pub fn env_source(
    vars: &[(&str, &str)],
) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let mut map = HashMap::with_capacity(vars.len());
    for (name, value) in vars {
        let old = map.insert((*name).to_owned(), (*value).to_owned());
        assert!(old.is_none(), "env_source: {name} is listed twice");
    }
    move |name| map.get(name).cloned()
}
