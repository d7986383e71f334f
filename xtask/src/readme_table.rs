//! What the two README tables xtask writes share (`bench`'s wall-clock table, `iai`'s
//! instruction counts): replacing the text between a pair of HTML-comment markers, and
//! numbers with their thousands grouped.

/// `readme` with the text between `start` and `end` replaced by `table` (the markers kept,
/// `table` on the line after `start`); `None` when either marker is missing or out of order.
pub(crate) fn replace_between(readme: &str, start: &str, end: &str, table: &str) -> Option<String> {
    let s = readme.find(start)?;
    let e = s + readme[s..].find(end)?;
    Some(format!("{}{start}\n{table}{}", &readme[..s], &readme[e..]))
}

/// `v` with its thousands grouped by commas: `-1234567` → `-1,234,567`.
pub(crate) fn group_thousands(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_only_between_the_markers() {
        let readme = "a\n<!-- s -->\nold\n<!-- e -->\nb\n";
        assert_eq!(
            replace_between(readme, "<!-- s -->", "<!-- e -->", "new\n").unwrap(),
            "a\n<!-- s -->\nnew\n<!-- e -->\nb\n"
        );
        assert_eq!(
            replace_between("none", "<!-- s -->", "<!-- e -->", "x"),
            None
        );
        // An end marker before the start marker is not a pair.
        assert_eq!(
            replace_between("<!-- e -->\n<!-- s -->", "<!-- s -->", "<!-- e -->", "x"),
            None
        );
    }

    #[test]
    fn groups_thousands_with_the_sign_kept() {
        assert_eq!(group_thousands(1_234_567), "1,234,567");
        assert_eq!(group_thousands(-1_234), "-1,234");
        assert_eq!(group_thousands(999), "999");
    }
}
