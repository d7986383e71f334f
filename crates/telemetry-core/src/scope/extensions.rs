//! [`Extensions`]: a small type map on every scope, where a layer above the core traits keeps
//! its own data for the life of the scope.
//!
//! Modelled on tracing-subscriber's per-span `Extensions`, with one difference, chosen so
//! that a descendant on any thread can read an ancestor's data without a lock: values are
//! inserted once and never replaced or removed while the scope lives. State that changes
//! (token totals, counters) lives inside the value, behind atomics or a mutex of its own.

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

/// One entry of the list: the value and the link to the next entry.
trait Entry: Send + Sync {
    fn value(&self) -> &(dyn Any + Send + Sync);
    fn next(&self) -> &Link;
}

type Link = OnceLock<Box<dyn Entry>>;

struct Node<T> {
    value: T,
    next: Link,
}

impl<T: Any + Send + Sync> Entry for Node<T> {
    fn value(&self) -> &(dyn Any + Send + Sync) {
        &self.value
    }
    fn next(&self) -> &Link {
        &self.next
    }
}

/// Typed values attached to one scope, at most one per type, readable from any thread that
/// holds the scope or a [`Context`](crate::Context) of it or of a descendant.
///
/// - **Insert once.** [`insert`](Self::insert) and [`get_or_insert_with`](Self::get_or_insert_with)
///   add a value of a type the scope does not hold yet; a value is never replaced or removed,
///   so a `&T` stays valid as long as the scope's data (its [`Context`](crate::Context)
///   snapshots keep it alive). Two threads racing to insert the same type both get the one
///   value that won.
/// - **Cost.** Nothing until the first insert; then one allocation per value. Reads walk a
///   short list and take no lock.
/// - **Who writes.** Implementations and layers (the GenAI layer keeps its running agent on
///   the `invoke_agent` scope). Use a private type of your own as the key, as with
///   `http::Extensions`, so layers never collide.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use telemetry_core::ScopeOptions;
///
/// struct Tokens(AtomicU64);
///
/// let agent = ScopeOptions::new("invoke_agent planner").resolve().into_scope(None);
/// let tokens = agent.context().extensions().unwrap().get_or_insert_with(|| Tokens(AtomicU64::new(0)));
/// tokens.0.fetch_add(25, Ordering::Relaxed);
///
/// // A descendant finds it through its context, on any thread.
/// let _entered = agent.enter();
/// let chat = ScopeOptions::new("chat gpt-4o").resolve().into_scope(None);
/// let found = chat.context().find_extension::<Tokens>().unwrap();
/// assert_eq!(found.0.load(Ordering::Relaxed), 25);
/// ```
#[derive(Default)]
pub struct Extensions {
    head: Link,
}

impl Extensions {
    /// No values. `const`, allocation-free.
    pub const fn new() -> Self {
        Self {
            head: OnceLock::new(),
        }
    }

    /// The value of type `T`, if one was inserted.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.entries().find_map(|e| e.value().downcast_ref::<T>())
    }

    /// Adds `value` unless a value of type `T` is there already.
    ///
    /// # Errors
    /// `Err(value)`, handing it back, when the scope already holds a `T` (read it with
    /// [`get`](Self::get)).
    pub fn insert<T: Any + Send + Sync>(&self, value: T) -> Result<&T, T> {
        let mut value = Some(value);
        let stored = self.get_or_insert_with(|| value.take().expect("taken once"));
        match value {
            None => Ok(stored),
            Some(value) => Err(value),
        }
    }

    /// The value of type `T`, inserting `make()` first if there is none. `make` runs at most
    /// once, and not at all when a value is there; under a race, its result may be dropped in
    /// favour of the value another thread inserted first.
    pub fn get_or_insert_with<T: Any + Send + Sync>(&self, make: impl FnOnce() -> T) -> &T {
        let mut make = Some(make);
        let mut node: Option<Box<dyn Entry>> = None;
        let mut link = &self.head;
        loop {
            if let Some(entry) = link.get() {
                if let Some(v) = entry.value().downcast_ref::<T>() {
                    return v;
                }
                link = entry.next();
                continue;
            }
            let new = node.take().unwrap_or_else(|| {
                let make = make.take().expect("made once");
                Box::new(Node {
                    value: make(),
                    next: OnceLock::new(),
                })
            });
            // Another thread may have appended here meanwhile: then keep walking, and either
            // find its value of this type or append after it.
            if let Err(new) = link.set(new) {
                node = Some(new);
            }
        }
    }

    /// Whether no value was inserted.
    pub fn is_empty(&self) -> bool {
        self.head.get().is_none()
    }

    fn entries(&self) -> impl Iterator<Item = &dyn Entry> {
        std::iter::successors(self.head.get().map(|b| &**b), |e| {
            e.next().get().map(|b| &**b)
        })
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions")
            .field("values", &self.entries().count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn one_value_per_type_inserted_once() {
        let x = Extensions::new();
        assert!(x.is_empty() && x.get::<u32>().is_none());
        assert_eq!(x.insert(7u32), Ok(&7));
        assert_eq!(x.insert(8u32), Err(8));
        assert_eq!(x.insert("text"), Ok(&"text"));
        assert_eq!(x.get::<u32>(), Some(&7));
        assert_eq!(x.get::<&str>(), Some(&"text"));
        assert_eq!(*x.get_or_insert_with(|| 9u32), 7);
        assert_eq!(*x.get_or_insert_with(|| 1u8), 1);
        assert_eq!(format!("{x:?}"), "Extensions { values: 3 }");
    }

    #[test]
    fn racing_inserts_agree_on_one_value_and_drop_the_rest() {
        struct Counted(usize, Arc<AtomicUsize>);
        impl Drop for Counted {
            fn drop(&mut self) {
                self.1.fetch_add(1, Ordering::Relaxed);
            }
        }
        let drops = Arc::new(AtomicUsize::new(0));
        let x = Extensions::new();
        let winners: Vec<usize> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let (x, drops) = (&x, drops.clone());
                    s.spawn(move || {
                        let _ = x.get_or_insert_with(|| i as u64);
                        x.get_or_insert_with(|| Counted(i, drops)).0
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(winners.windows(2).all(|w| w[0] == w[1]), "{winners:?}");
        // Every value that lost was dropped; the winner lives until the map drops.
        let made = drops.load(Ordering::Relaxed);
        drop(x);
        assert_eq!(drops.load(Ordering::Relaxed), made + 1);
    }
}
