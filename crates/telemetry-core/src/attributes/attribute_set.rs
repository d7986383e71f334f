//! [`AttributeSet`]: attributes with unique keys, the one set type of the workspace.
//!
//! The rules, chosen once and used by the scope context, both meters, the Basic formatter and
//! the OpenTelemetry conversion (OpenTelemetry specification, *Common › Attribute
//! Collections*: keys are unique, and setting an existing key overwrites its value; *Metrics
//! Data Model*: a time series is identified by its attribute *set*):
//!
//! - **Last key wins.** A key appears once, with the value it was given last, at the place
//!   where it first appeared.
//! - **Identity ignores order.** Two sets are equal when they hold the same keys with the same
//!   values, in any order. Floats compare by bit pattern, so a set holding NaN equals itself
//!   and `0.0` differs from `-0.0`. [`AttributeSet::hash_code`] agrees with that equality,
//!   and so does [`AttributeSet::hash_of`] on any list that repeats no key.
//!
//! A plain `&[Attribute]` (what every call takes) may repeat a key; [`AttributeSet::effective`]
//! reads it under the same rules without allocating, so a call site never pays for a set it
//! does not keep.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use smallvec::SmallVec;

use crate::attributes::attribute::Attribute;
use crate::attributes::attribute::AttributeValue;
use crate::attributes::attribute::Key;
use crate::attributes::string_value::StringValue;
use crate::fxhash::FxHasher;

/// An owned set of attributes with unique keys: the last value given for a key wins, and two
/// sets are equal whatever their order (OpenTelemetry specification, *Common › Attribute
/// Collections*).
///
/// Up to 4 attributes are stored inline, so copying a short set usually costs no allocation.
/// Lookups are linear: sets on scopes, log calls and metric series are short, and a vector
/// beats a map below a few dozen entries.
///
/// ```
/// use telemetry_core::{AttributeSet, attrs};
/// let set = AttributeSet::from(&attrs!["route" => "/a", "code" => 200, "route" => "/b"][..]);
/// assert_eq!(set.len(), 2);
/// assert_eq!(set.get("route").and_then(|v| v.as_str()), Some("/b"));
/// // Identity ignores order and repeated keys.
/// assert!(set.matches(&attrs!["code" => 200, "route" => "/b"]));
/// assert_eq!(AttributeSet::hash_of(&attrs!["code" => 200, "route" => "/b"]), set.hash_code());
/// assert!(AttributeSet::repeats_a_key(&attrs!["route" => "/a", "route" => "/b"]));
/// ```
#[derive(Clone, Debug, Default)]
pub struct AttributeSet(SmallVec<[Attribute; 4]>);

impl AttributeSet {
    /// An empty set. Does not allocate.
    #[inline]
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// The value for `key`, if present.
    pub fn get(&self, key: &str) -> Option<&AttributeValue> {
        self.0.iter().find(|a| a.key == key).map(|a| &a.value)
    }

    /// Sets `key` to `value`, replacing the value of an existing `key` in its place.
    pub fn insert(&mut self, key: impl Into<Key>, value: impl Into<AttributeValue>) {
        self.push(Attribute::new(key, value));
    }

    /// Adds `attribute`, replacing the value of an existing attribute with its key in place.
    pub fn push(&mut self, attribute: Attribute) {
        match self.0.iter_mut().find(|a| same_key(&a.key, &attribute.key)) {
            Some(existing) => existing.value = attribute.value,
            None => self.0.push(attribute),
        }
    }

    /// Adds copies of `attributes`, later keys replacing earlier ones.
    ///
    /// An owned string is copied once into an `Arc<str>` (the same one allocation as copying
    /// the `String`), so that later copies of the set, such as the attributes an OpenTelemetry
    /// span keeps, share the text instead of copying it again.
    pub fn extend_from_slice(&mut self, attributes: &[Attribute]) {
        for a in attributes {
            let value = match &a.value {
                AttributeValue::String(StringValue::Owned(s)) => {
                    AttributeValue::String(StringValue::Shared(Arc::from(s.as_str())))
                }
                other => other.clone(),
            };
            self.push(Attribute {
                key: a.key.clone(),
                value,
            });
        }
    }

    /// The attributes, in the order their keys first appeared.
    #[inline]
    pub fn as_slice(&self) -> &[Attribute] {
        &self.0
    }

    /// Iterates in the order the keys first appeared.
    pub fn iter(&self) -> std::slice::Iter<'_, Attribute> {
        self.0.iter()
    }

    /// The number of attributes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `attributes`, read under the set rules (last key wins, order ignored), is this
    /// set. The common case, the same attributes in the same order (one call site recording
    /// again), is settled by one pass without lookups.
    #[inline]
    pub fn matches(&self, attributes: &[Attribute]) -> bool {
        // The same order settles it: the set's keys are unique, so such a slice repeats none.
        if self.0.len() == attributes.len()
            && self
                .0
                .iter()
                .zip(attributes)
                .all(|(s, a)| same_key(&s.key, &a.key) && same_value(&s.value, &a.value))
        {
            return true;
        }
        self.matches_unordered(attributes)
    }

    #[cold]
    fn matches_unordered(&self, attributes: &[Attribute]) -> bool {
        let mut count = 0;
        for a in Self::effective(attributes) {
            count += 1;
            match self.get(&a.key) {
                Some(v) if same_value(v, &a.value) => {}
                _ => return false,
            }
        }
        count == self.0.len()
    }

    /// An order-insensitive hash of `attributes`, for tables keyed by attribute set: equal for
    /// any order of the same attributes, and equal to the set's [`hash_code`](Self::hash_code)
    /// whenever no key repeats (the common case, and the only case it is cheap to compute in:
    /// a repeated key is found by [`matches`](Self::matches) missing, then the caller looks
    /// the set up again by `AttributeSet::from(attributes).hash_code()`).
    ///
    /// It covers each key's length, not its bytes, and each value: the sets one instrument sees
    /// differ in their values (the keys come from the same call sites), and [`matches`]
    /// settles the rare collision. Computed without allocating, in a few ns for short sets.
    ///
    /// [`matches`]: Self::matches
    #[inline]
    pub fn hash_of(attributes: &[Attribute]) -> u64 {
        attributes
            .iter()
            .fold(0u64, |sum, a| sum.wrapping_add(attribute_hash(a)))
    }

    /// Whether `attributes` repeats a key (so that [`hash_of`](Self::hash_of) is not its set's
    /// hash, and [`effective`](Self::effective) reads it as a shorter set).
    #[inline]
    pub fn repeats_a_key(attributes: &[Attribute]) -> bool {
        attributes
            .iter()
            .enumerate()
            .any(|(i, a)| attributes[i + 1..].iter().any(|b| same_key(&a.key, &b.key)))
    }

    /// [`hash_of`](Self::hash_of) this set.
    #[inline]
    pub fn hash_code(&self) -> u64 {
        Self::hash_of(&self.0)
    }

    /// The attributes of `attributes` under the set rules, without allocating: each key once,
    /// with its last value, at the place where it first appeared.
    ///
    /// ```
    /// use telemetry_core::{AttributeSet, attrs};
    /// let given = attrs!["a" => 1, "b" => 2, "a" => 3];
    /// let seen: Vec<String> = AttributeSet::effective(&given).map(|a| format!("{}={}", a.key, a.value)).collect();
    /// assert_eq!(seen, ["a=3", "b=2"]);
    /// ```
    pub fn effective(attributes: &[Attribute]) -> impl Iterator<Item = &Attribute> {
        attributes.iter().enumerate().filter_map(|(i, a)| {
            if attributes[..i].iter().any(|b| same_key(&a.key, &b.key)) {
                return None;
            }
            attributes[i + 1..]
                .iter()
                .rev()
                .find(|b| same_key(&a.key, &b.key))
                .or(Some(a))
        })
    }
}

/// Equal keys. A key is usually the very literal it is compared with, so equal addresses
/// settle most comparisons without reading bytes.
#[inline]
fn same_key(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.as_ptr() == b.as_ptr() || a == b)
}

/// Value equality with floats compared by bit pattern, so that it agrees with the hash.
#[inline]
fn same_value(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::F64(x), V::F64(y)) => x.to_bits() == y.to_bits(),
        (V::F64Array(x), V::F64Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits())
        }
        (V::Array(x), V::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (V::Map(x), V::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| p.key == q.key && same_value(&p.value, &q.value))
        }
        _ => a == b,
    }
}

/// One attribute's term of the set hash: the key's length and the value (each word one
/// multiply-rotate, so terms keep their bits apart when summed).
#[inline]
fn attribute_hash(a: &Attribute) -> u64 {
    let mut h = FxHasher::default();
    h.write_usize(a.key.len());
    hash_value(&mut h, &a.value);
    h.finish()
}

/// One value into the hasher: a tag byte, then its content (structured values recursively).
#[inline]
fn hash_value(h: &mut FxHasher, value: &AttributeValue) {
    use AttributeValue as V;
    match value {
        V::String(s) => {
            h.write_u8(0);
            h.write(s.as_bytes());
        }
        V::Bool(b) => h.write_u64(1 | (u64::from(*b) << 8)),
        V::I64(i) => {
            h.write_u8(2);
            h.write_u64(*i as u64);
        }
        V::F64(f) => {
            h.write_u8(3);
            h.write_u64(f.to_bits());
        }
        V::StringArray(v) => {
            h.write_u8(4);
            v.iter().for_each(|s| h.write(s.as_bytes()));
        }
        V::BoolArray(v) => {
            h.write_u8(5);
            v.iter().for_each(|b| h.write_u8(u8::from(*b)));
        }
        V::I64Array(v) => {
            h.write_u8(6);
            v.iter().for_each(|i| h.write_u64(*i as u64));
        }
        V::F64Array(v) => {
            h.write_u8(7);
            v.iter().for_each(|f| h.write_u64(f.to_bits()));
        }
        V::Array(v) => {
            h.write_u8(8);
            h.write_usize(v.len());
            v.iter().for_each(|x| hash_value(h, x));
        }
        V::Map(m) => {
            h.write_u8(9);
            h.write_usize(m.len());
            for a in m {
                h.write(a.key.as_bytes());
                hash_value(h, &a.value);
            }
        }
    }
}

/// Order-insensitive, as the set rules say.
impl PartialEq for AttributeSet {
    fn eq(&self, other: &Self) -> bool {
        self.matches(&other.0)
    }
}

impl Eq for AttributeSet {}

/// Whether the slice, read under the set rules, is this set ([`AttributeSet::matches`]).
impl PartialEq<[Attribute]> for AttributeSet {
    fn eq(&self, other: &[Attribute]) -> bool {
        self.matches(other)
    }
}

/// Whether the array, read under the set rules, is this set ([`AttributeSet::matches`]).
impl<const N: usize> PartialEq<[Attribute; N]> for AttributeSet {
    fn eq(&self, other: &[Attribute; N]) -> bool {
        self.matches(other)
    }
}

/// Agrees with equality: [`AttributeSet::hash_code`].
impl Hash for AttributeSet {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash_code());
    }
}

/// Copies `attributes` under the set rules (see [`AttributeSet::extend_from_slice`]).
impl From<&[Attribute]> for AttributeSet {
    fn from(attributes: &[Attribute]) -> Self {
        let mut set = Self(SmallVec::with_capacity(attributes.len()));
        set.extend_from_slice(attributes);
        set
    }
}

impl From<Vec<Attribute>> for AttributeSet {
    fn from(attributes: Vec<Attribute>) -> Self {
        attributes.into_iter().collect()
    }
}

impl FromIterator<Attribute> for AttributeSet {
    fn from_iter<I: IntoIterator<Item = Attribute>>(iter: I) -> Self {
        let mut set = Self::new();
        for a in iter {
            set.push(a);
        }
        set
    }
}

impl<'a> IntoIterator for &'a AttributeSet {
    type Item = &'a Attribute;
    type IntoIter = std::slice::Iter<'a, Attribute>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::ops::Deref for AttributeSet {
    type Target = [Attribute];
    fn deref(&self) -> &[Attribute] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_value_wins_in_the_first_place() {
        let mut set = AttributeSet::new();
        set.insert("k", 1);
        set.insert("other", true);
        set.insert("k", "two");
        assert_eq!(set.len(), 2);
        assert_eq!(set.get("k").and_then(|v| v.as_str()), Some("two"));
        assert_eq!(set[0].key, "k");
    }

    #[test]
    fn copies_share_owned_strings_and_keep_keys_unique() {
        let given = [
            Attribute::new("url.path", String::from("/v1/sessions")),
            Attribute::new("http.request.method", "POST"),
            Attribute::new("url.path", String::from("/v1/sessions/1")),
        ];
        let set = AttributeSet::from(&given[..]);
        assert_eq!(set.len(), 2);
        // The copy is shared (later copies are reference-count increments), the text intact.
        assert!(matches!(
            &set[0].value,
            AttributeValue::String(StringValue::Shared(s)) if &**s == "/v1/sessions/1"
        ));
        assert!(matches!(
            &set[1].value,
            AttributeValue::String(StringValue::Static("POST"))
        ));
    }

    #[test]
    fn identity_and_hash_ignore_order_and_overwritten_keys() {
        let a = attrs!["a" => 1, "b" => "x"];
        let b = attrs!["b" => "x", "a" => 1];
        let c = attrs!["a" => 0, "b" => "x", "a" => 1];
        assert_eq!(AttributeSet::hash_of(&a), AttributeSet::hash_of(&b));
        // A repeated key: the list's hash is not the set's, and the caller can tell.
        assert!(AttributeSet::repeats_a_key(&c) && !AttributeSet::repeats_a_key(&a));
        assert_eq!(
            AttributeSet::hash_of(&a),
            AttributeSet::from(&c[..]).hash_code()
        );
        assert_ne!(
            AttributeSet::hash_of(&a),
            AttributeSet::hash_of(&attrs!["a" => 2, "b" => "x"])
        );
        assert_ne!(
            AttributeSet::hash_of(&attrs!["a" => 1]),
            AttributeSet::hash_of(&attrs!["a" => 1.0])
        );
        let set = AttributeSet::from(&c[..]);
        assert!(set.matches(&a) && set.matches(&b) && set.matches(&c));
        assert!(!set.matches(&attrs!["a" => 1]));
        assert!(!set.matches(&attrs!["a" => 1, "b" => "x", "c" => true]));
        assert!(!set.matches(&attrs!["a" => 1, "b" => "y"]));
        // Same lengths and values under another key: a collision `matches` settles.
        assert!(!set.matches(&attrs!["z" => 1, "b" => "x"]));
        assert_eq!(AttributeSet::from(&a[..]), AttributeSet::from(&b[..]));
    }

    #[test]
    fn floats_compare_by_bits() {
        let nan = AttributeSet::from(&[Attribute::new("f", f64::NAN)][..]);
        assert!(nan.matches(&[Attribute::new("f", f64::NAN)]));
        let zero = AttributeSet::from(&[Attribute::new("f", 0.0)][..]);
        assert!(!zero.matches(&[Attribute::new("f", -0.0)]));
    }

    #[test]
    fn effective_reads_a_slice_as_a_set() {
        let given = attrs!["a" => 1, "b" => 2, "a" => 3, "c" => 4, "b" => 5];
        let keys: Vec<(&str, i64)> = AttributeSet::effective(&given)
            .map(|a| (&*a.key, a.value.as_i64().unwrap()))
            .collect();
        assert_eq!(keys, [("a", 3), ("b", 5), ("c", 4)]);
    }
}
