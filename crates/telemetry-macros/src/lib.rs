//! The procedural half of `telemetry_core::attrs!`. Use that macro; this crate is an
//! implementation detail and its items are hidden from `telemetry-core`'s docs.
//!
//! Why it exists: `attrs!["agent" => "planner"]` built from `Attribute::new` calls is a run-time
//! value whose drop glue (an owned attribute may hold a `String` or an `Arc`) costs a call per
//! attribute even when the logger it is handed to does nothing. Written as enum-variant
//! aggregates of literals instead, the same array is a constant: `&attrs![...]` is promoted to
//! a `'static` borrow, so a call site builds and drops nothing. Only `macro_rules!` cannot tell
//! a string literal from a number, so this macro sorts the literals and writes the aggregates.
//!
//! The first argument names the crate holding `Attribute`, `AttributeValue`, `StringValue`
//! and `Key` (`attrs!` passes `$crate`); a stand-in shows what a list of literals becomes:
//!
//! ```
//! mod types {
//!     pub type Key = std::borrow::Cow<'static, str>;
//!     #[derive(Debug, PartialEq)]
//!     pub struct Attribute { pub key: Key, pub value: AttributeValue }
//!     #[derive(Debug, PartialEq)]
//!     pub enum AttributeValue { String(StringValue), Bool(bool), I64(i64), F64(f64) }
//!     #[derive(Debug, PartialEq)]
//!     pub enum StringValue { Static(&'static str) }
//! }
//! use types::{AttributeValue, StringValue};
//!
//! let a: &'static [types::Attribute] =
//!     &telemetry_macros::attrs_impl!(types; "agent" => "planner", "attempt" => -1, "ok" => true);
//! assert_eq!(a[0].value, AttributeValue::String(StringValue::Static("planner")));
//! assert_eq!(a[1].value, AttributeValue::I64(-1));
//! ```

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// `attrs_impl!($crate; key => value, ...)`.
///
/// When every key is a string literal and every value a string, unsuffixed (or `i64` / `f64`)
/// number, or `true`/`false` literal, expands to an array of `Attribute` aggregates. Anything
/// else expands to `$crate::__attrs_exprs!(key => value, ...)`, the `Attribute::new` form, so
/// expressions are parsed by rustc and keep their exact meaning.
#[doc(hidden)]
#[proc_macro]
pub fn attrs_impl(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let krate = match tokens.next() {
        Some(TokenTree::Ident(krate)) => krate,
        _ => panic!("attrs_impl!: expected `$crate;` first"),
    };
    match tokens.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == ';' => {}
        _ => panic!("attrs_impl!: expected `$crate;` first"),
    }
    let rest: Vec<TokenTree> = tokens.collect();
    match literal_pairs(&rest) {
        Some(pairs) => constant_array(&krate, &pairs),
        None => fallback(&krate, rest),
    }
}

/// A value literal, sorted by the `AttributeValue` variant it becomes.
enum Value {
    String(Literal),
    I64(Option<Punct>, Literal),
    F64(Option<Punct>, Literal),
    Bool(Ident),
}

/// `key => value` pairs, if the input is nothing but literal pairs this macro can sort.
fn literal_pairs(tokens: &[TokenTree]) -> Option<Vec<(Literal, Value)>> {
    let mut flat = Vec::with_capacity(tokens.len());
    flatten_invisible(tokens, &mut flat);
    let tokens = flat;
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let key = match &tokens[i] {
            TokenTree::Literal(l) if is_str(&l.to_string()) => l.clone(),
            _ => return None,
        };
        i += 1;
        match (tokens.get(i), tokens.get(i + 1)) {
            (Some(TokenTree::Punct(eq)), Some(TokenTree::Punct(gt)))
                if eq.as_char() == '=' && gt.as_char() == '>' => {}
            _ => return None,
        }
        i += 2;
        let minus = match tokens.get(i) {
            Some(TokenTree::Punct(p)) if p.as_char() == '-' => {
                i += 1;
                Some(p.clone())
            }
            _ => None,
        };
        let value = match (tokens.get(i)?, &minus) {
            (TokenTree::Ident(b), None) if matches!(b.to_string().as_str(), "true" | "false") => {
                Value::Bool(b.clone())
            }
            (TokenTree::Literal(l), None) if is_str(&l.to_string()) => Value::String(l.clone()),
            (TokenTree::Literal(l), _) => match number_kind(&l.to_string())? {
                Number::Int => Value::I64(minus, l.clone()),
                Number::Float => Value::F64(minus, l.clone()),
            },
            _ => return None,
        };
        i += 1;
        pairs.push((key, value));
        match tokens.get(i) {
            None => {}
            Some(TokenTree::Punct(p)) if p.as_char() == ',' => i += 1,
            Some(_) => return None,
        }
    }
    (!pairs.is_empty()).then_some(pairs)
}

/// Fragments forwarded by another `macro_rules!` (`$value:expr`, as `info!` forwards them)
/// arrive wrapped in invisible groups; the literal check reads through them. (The fallback
/// keeps the groups, so precedence is untouched.)
fn flatten_invisible(tokens: &[TokenTree], out: &mut Vec<TokenTree>) {
    for tree in tokens {
        match tree {
            TokenTree::Group(g) if g.delimiter() == Delimiter::None => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                flatten_invisible(&inner, out);
            }
            other => out.push(other.clone()),
        }
    }
}

/// A string literal (plain or raw), not a byte or C string.
fn is_str(text: &str) -> bool {
    text.starts_with('"') || text.starts_with("r\"") || text.starts_with("r#")
}

enum Number {
    Int,
    Float,
}

/// Unsuffixed or `i64` integers and unsuffixed or `f64` floats. Other suffixes (`3u64`,
/// `1.5f32`) return `None`: their `From` conversions saturate or widen, which the fallback
/// keeps exact.
fn number_kind(text: &str) -> Option<Number> {
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if let Some(digits) = ["0x", "0o", "0b"].iter().find_map(|r| text.strip_prefix(r)) {
        // Checked first: a hex literal such as `0x1f64` is not a float.
        let hex = digits.chars().all(|c| c.is_ascii_hexdigit() || c == '_');
        return hex.then_some(Number::Int);
    }
    let body = text.strip_suffix("i64").unwrap_or(text);
    if body.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return Some(Number::Int);
    }
    let body = text.strip_suffix("f64").unwrap_or(text);
    let float = body
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '_' | '.' | 'e' | 'E' | '+' | '-'));
    float.then_some(Number::Float)
}

/// `[$crate::Attribute { key: $crate::Key::Borrowed(k), value: $crate::AttributeValue::V(v) }]`
fn constant_array(krate: &Ident, pairs: &[(Literal, Value)]) -> TokenStream {
    let mut items = TokenStream::new();
    for (key, value) in pairs {
        let (variant, payload) = match value {
            Value::String(l) => (
                "String",
                path(krate, &["StringValue", "Static"])
                    .chain([paren(TokenTree::Literal(l.clone()).into())])
                    .collect(),
            ),
            Value::I64(minus, l) => ("I64", signed(minus, l)),
            Value::F64(minus, l) => ("F64", signed(minus, l)),
            Value::Bool(b) => ("Bool", TokenTree::Ident(b.clone()).into()),
        };
        // `Key` is `Cow<'static, str>`; naming it through the crate avoids assuming `std`.
        let key_expr: TokenStream = path(krate, &["Key", "Borrowed"])
            .chain([paren(TokenTree::Literal(key.clone()).into())])
            .collect();
        let value_expr: TokenStream = path(krate, &["AttributeValue", variant])
            .chain([paren(payload)])
            .collect();
        let mut fields = TokenStream::new();
        fields.extend([ident("key"), punct(':')]);
        fields.extend(key_expr);
        fields.extend([punct(','), ident("value"), punct(':')]);
        fields.extend(value_expr);
        items.extend(path(krate, &["Attribute"]));
        items.extend([
            TokenTree::Group(Group::new(Delimiter::Brace, fields)),
            punct(','),
        ]);
    }
    TokenTree::Group(Group::new(Delimiter::Bracket, items)).into()
}

/// `$crate::__attrs_exprs!(tokens)`: the `Attribute::new` form, parsed by rustc.
fn fallback(krate: &Ident, tokens: Vec<TokenTree>) -> TokenStream {
    path(krate, &["__attrs_exprs"])
        .chain([
            punct('!'),
            TokenTree::Group(Group::new(
                Delimiter::Parenthesis,
                tokens.into_iter().collect(),
            )),
        ])
        .collect()
}

fn signed(minus: &Option<Punct>, l: &Literal) -> TokenStream {
    minus
        .iter()
        .map(|m| TokenTree::Punct(m.clone()))
        .chain([TokenTree::Literal(l.clone())])
        .collect()
}

/// `krate::a::b`.
fn path<'a>(krate: &Ident, segments: &'a [&'a str]) -> impl Iterator<Item = TokenTree> + 'a {
    let krate = TokenTree::Ident(krate.clone());
    std::iter::once(krate).chain(segments.iter().flat_map(|seg| {
        let mut t = colons();
        t.push(ident(seg));
        t
    }))
}

fn colons() -> Vec<TokenTree> {
    vec![
        TokenTree::Punct(Punct::new(':', Spacing::Joint)),
        punct(':'),
    ]
}

fn ident(name: &str) -> TokenTree {
    TokenTree::Ident(Ident::new(name, Span::call_site()))
}

fn punct(c: char) -> TokenTree {
    TokenTree::Punct(Punct::new(c, Spacing::Alone))
}

fn paren(inner: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(Delimiter::Parenthesis, inner))
}

#[cfg(test)]
mod tests {
    use super::{Number, number_kind};

    fn kind(text: &str) -> Option<&'static str> {
        number_kind(text).map(|n| match n {
            Number::Int => "int",
            Number::Float => "float",
        })
    }

    #[test]
    fn number_literals_are_sorted_by_the_variant_they_become() {
        for int in ["0", "7", "1_000", "9i64", "0x1f64", "0o17", "0b1010"] {
            assert_eq!(kind(int), Some("int"), "{int}");
        }
        for float in ["1.5", "2e3", "1E-3", "1f64", "0.25f64", "1_000.5"] {
            assert_eq!(kind(float), Some("float"), "{float}");
        }
        // Suffixes whose `From` conversion saturates or widens go to the `Attribute::new` form.
        for other in [
            "3u64", "3u8", "3i32", "1.5f32", "1f32", "0xffu8", "\"7\"", "'c'",
        ] {
            assert_eq!(kind(other), None, "{other}");
        }
    }
}
