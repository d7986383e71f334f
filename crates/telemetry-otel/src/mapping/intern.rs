//! Span names and span event names, interned.
//!
//! The SDK takes both names as `Cow<'static, str>`. A log message is borrowed, and a span name
//! built at run time (`chat gpt-4o`, `execute_tool calculator`) is owned by the scope, so each
//! span or event would allocate and later free (on the export thread) a copy of its name. Both
//! kinds are low-cardinality by convention (span names per the specification's *Span* naming
//! rule; variable parts of a log message belong in attributes), so names are interned instead:
//! copied and leaked once per process, then shared by every span and event.
//!
//! Interning is bounded: at most [`MAX_NAMES`] names of at most [`MAX_NAME_LEN`] bytes each
//! (under 600 KiB in all). Longer messages, and new ones once the bound is reached, are copied
//! per event as before, so a message with variable text costs memory per event, never for
//! ever. Lookups go to a per-thread memo by address, then a per-thread set (neither takes a
//! lock or an atomic); a name new to the thread is looked up in, or added to, the
//! process-wide set under a mutex, once per thread.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use telemetry_core::implement::FxHasher;

/// At most this many distinct names are interned per process.
pub(crate) const MAX_NAMES: usize = 4096;
/// Messages longer than this (bytes) are never interned.
pub(crate) const MAX_NAME_LEN: usize = 128;

type Names = HashSet<&'static str, BuildHasherDefault<FxHasher>>;

static GLOBAL: OnceLock<Mutex<Names>> = OnceLock::new();
static FULL: AtomicBool = AtomicBool::new(false);

thread_local! {
    static LOCAL: RefCell<Names> = RefCell::new(Names::default());
    /// In front of `LOCAL`: the interned name last seen for a message at an address, in 16
    /// slots picked by the message's address and length. A log call site passes the same
    /// literal every time, so this usually hits with one comparison of the bytes (always made:
    /// a borrowed message's memory may since hold other text).
    static RECENT: [Cell<(usize, &'static str)>; 16] =
        const { [const { Cell::new((0, "")) }; 16] };
}

/// The SDK name for `message` (a span name or span event name): interned when it is (or can
/// become) one of the process's interned names, a copy per span or event otherwise.
#[inline]
pub(crate) fn name(message: &str) -> Cow<'static, str> {
    if message.len() <= MAX_NAME_LEN {
        let address = message.as_ptr() as usize;
        let slot = (address ^ (address >> 7) ^ message.len()) & 15;
        let recent = RECENT.try_with(|r| {
            let (at, name) = r[slot].get();
            (at == address && name == message).then_some(name)
        });
        if let Ok(Some(name)) = recent {
            return Cow::Borrowed(name);
        }
        let local = LOCAL
            .try_with(|l| l.try_borrow().ok().and_then(|l| l.get(message).copied()))
            .ok()
            .flatten();
        let name = match local {
            Some(name) => Some(name),
            None if !FULL.load(Ordering::Relaxed) => intern(message),
            None => None,
        };
        if let Some(name) = name {
            let _ = RECENT.try_with(|r| r[slot].set((address, name)));
            return Cow::Borrowed(name);
        }
    }
    Cow::Owned(message.to_owned())
}

#[cold]
fn intern(message: &str) -> Option<&'static str> {
    let mut global = GLOBAL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let name = intern_into(&mut global, message, MAX_NAMES);
    if global.len() >= MAX_NAMES {
        FULL.store(true, Ordering::Relaxed);
    }
    drop(global);
    let name = name?;
    let _ = LOCAL.try_with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            l.insert(name);
        }
    });
    Some(name)
}

/// `message`'s name in `names`, added (leaked) if new and `names` has fewer than `max`.
fn intern_into(names: &mut Names, message: &str, max: usize) -> Option<&'static str> {
    if let Some(name) = names.get(message) {
        return Some(name);
    }
    if names.len() >= max {
        return None;
    }
    let name: &'static str = Box::leak(Box::from(message));
    names.insert(name);
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_messages_share_one_interned_name() {
        let owned = String::from("session created");
        let (a, b) = (name(&owned), name("session created"));
        let (Cow::Borrowed(a), Cow::Borrowed(b)) = (a, b) else {
            panic!("short messages are interned");
        };
        assert_eq!(a, "session created");
        assert!(std::ptr::eq(a, b), "one copy per process");
        // Another thread finds the same copy through the process-wide set.
        let c = std::thread::spawn(|| match name("session created") {
            Cow::Borrowed(c) => c as *const str as *const u8 as usize,
            Cow::Owned(_) => 0,
        })
        .join()
        .unwrap();
        assert_eq!(c, a.as_ptr() as usize);
    }

    #[test]
    fn new_text_at_a_remembered_address_gets_its_own_name() {
        let mut buf = String::from("alpha");
        let address = buf.as_ptr();
        assert_eq!(name(&buf), "alpha");
        assert_eq!(name(&buf), "alpha");
        buf.replace_range(.., "bravo");
        assert_eq!(buf.as_ptr(), address, "same memory, same length");
        assert_eq!(name(&buf), "bravo");
    }

    #[test]
    fn interning_stops_at_the_bound_and_keeps_what_it_has() {
        let mut names = Names::default();
        assert!(intern_into(&mut names, "a", 2).is_some());
        assert!(intern_into(&mut names, "b", 2).is_some());
        assert_eq!(
            intern_into(&mut names, "c", 2),
            None,
            "full: copied per event"
        );
        assert_eq!(
            intern_into(&mut names, "a", 2),
            Some("a"),
            "known names still found"
        );
        assert_eq!(names.len(), 2);
    }

    #[test]
    fn long_messages_are_copied_per_event() {
        let long = "x".repeat(MAX_NAME_LEN + 1);
        assert!(matches!(name(&long), Cow::Owned(s) if s == long));
    }
}
