//! [`ScopePath`]: the names of the scopes from the root down to one scope.

use std::fmt;

use crate::scope::context::Context;

use crate::scope::context::ScopeData;

impl Context {
    /// The scope names from the root down to this scope.
    pub fn path(&self) -> ScopePath<'_> {
        ScopePath(self.data())
    }
}

/// The names of the scopes from the root down to one scope.
///
/// Displays as `root > child > leaf`. Does not allocate unless collected.
#[derive(Clone, Copy)]
pub struct ScopePath<'a>(Option<&'a ScopeData>);

impl<'a> ScopePath<'a> {
    /// Calls `f` with each name, root first, without allocating.
    pub fn for_each(&self, mut f: impl FnMut(&'a str)) {
        fn walk<'a>(d: &'a ScopeData, f: &mut dyn FnMut(&'a str)) {
            if let Some(p) = d.parent.data() {
                walk(p, f);
            }
            f(&d.name);
        }
        if let Some(d) = self.0 {
            walk(d, &mut f);
        }
    }

    /// The names, root first.
    pub fn to_vec(&self) -> Vec<&'a str> {
        let mut v = Vec::new();
        self.for_each(|n| v.push(n));
        v
    }

    /// Whether there is no scope.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

impl fmt::Display for ScopePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut result = Ok(());
        self.for_each(|name| {
            if result.is_ok() {
                result = if first {
                    f.write_str(name)
                } else {
                    write!(f, " > {name}")
                };
                first = false;
            }
        });
        result
    }
}

impl fmt::Debug for ScopePath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.to_vec()).finish()
    }
}
