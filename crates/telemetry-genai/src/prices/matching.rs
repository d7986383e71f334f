//! Which table names a reported model name may be listed under: providers report
//! `gpt-4o-2024-08-06`, `openai/gpt-4o`, `claude-3-5-sonnet@20240620` or
//! `anthropic.claude-3-haiku-20240307-v1:0`, while LiteLLM's table lists some of those as is,
//! some under a provider prefix (`azure/gpt-4o`, `vertex_ai/…`) and some only undated.

/// LiteLLM's key prefixes for a `gen_ai.provider.name` (semantic conventions v1.41 values);
/// any other provider name is tried as its own prefix (`openrouter`, `together_ai`, …).
fn litellm_prefixes(provider: &str) -> &[&str] {
    match provider {
        "openai" => &["openai"],
        "anthropic" => &["anthropic"],
        "aws.bedrock" => &["bedrock"],
        "azure.ai.openai" => &["azure"],
        "azure.ai.inference" => &["azure_ai"],
        "gcp.vertex_ai" => &["vertex_ai"],
        "gcp.gemini" => &["gemini"],
        "gcp.gen_ai" => &["gemini", "vertex_ai"],
        "mistral_ai" => &["mistral"],
        "x_ai" => &["xai"],
        "ibm.watsonx.ai" => &["watsonx"],
        "cohere" => &["cohere", "cohere_chat"],
        "moonshot_ai" => &["moonshot"],
        _ => &[],
    }
}

/// The model name without a trailing release date or version: `-2024-08-06`, `-20241022`,
/// `@20240620` (Vertex AI), `-v1:0` (Bedrock, then its date), or `None` if it has none.
fn undated(model: &str) -> Option<&str> {
    let mut m = model;
    if let Some(at) = m.rfind('@') {
        m = &m[..at];
    }
    // Bedrock's `-v1:0` / `-v2`.
    if let Some(i) = m.rfind("-v") {
        let rest = &m[i + 2..];
        let (major, minor) = rest.split_once(':').unwrap_or((rest, "0"));
        if is_digits(major) && is_digits(minor) {
            m = &m[..i];
        }
    }
    let b = m.as_bytes();
    let n = b.len();
    // `-YYYY-MM-DD`
    if n > 11
        && b[n - 11] == b'-'
        && b[n - 6] == b'-'
        && b[n - 3] == b'-'
        && is_digits(&m[n - 10..n - 6])
        && is_digits(&m[n - 5..n - 3])
        && is_digits(&m[n - 2..])
    {
        m = &m[..n - 11];
    } else if n > 9 && b[n - 9] == b'-' && is_digits(&m[n - 8..]) && m[n - 8..].starts_with('2') {
        // `-YYYYMMDD`
        m = &m[..n - 9];
    }
    (m.len() < model.len() && !m.is_empty()).then_some(m)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())
}

/// The names to look `model` up under, most specific first: for the name as reported, then
/// without a `provider/` prefix, then each undated: the provider-prefixed form, then the bare
/// one; each also in lower case. No duplicates.
pub(crate) fn candidates(provider: &str, model: &str) -> Vec<String> {
    let model = model.trim();
    let mut bases: Vec<&str> = vec![model];
    if let Some((_, rest)) = model.split_once('/') {
        bases.push(rest);
        if let Some((_, last)) = rest.rsplit_once('/') {
            bases.push(last);
        }
    }
    let mut forms: Vec<String> = Vec::new();
    for b in &bases {
        forms.push((*b).to_owned());
        if let Some(u) = undated(b) {
            forms.push(u.to_owned());
        }
    }
    let known = litellm_prefixes(provider);
    let own = [provider];
    let prefixes: &[&str] = if known.is_empty() && !provider.is_empty() {
        &own
    } else {
        known
    };
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    for f in forms {
        let lower = f.to_ascii_lowercase();
        for p in prefixes {
            push(format!("{p}/{f}"));
        }
        push(f.clone());
        if lower != f {
            for p in prefixes {
                push(format!("{p}/{lower}"));
            }
            push(lower);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_versions_come_off() {
        assert_eq!(undated("gpt-4o-2024-08-06"), Some("gpt-4o"));
        assert_eq!(
            undated("claude-3-5-sonnet-20241022"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(
            undated("claude-3-5-sonnet@20240620"),
            Some("claude-3-5-sonnet")
        );
        assert_eq!(
            undated("anthropic.claude-3-haiku-20240307-v1:0"),
            Some("anthropic.claude-3-haiku")
        );
        assert_eq!(undated("gpt-4o"), None);
        assert_eq!(undated("o1"), None);
        assert_eq!(undated("llama-3-70b"), None);
    }

    #[test]
    fn candidates_go_from_specific_to_general() {
        assert_eq!(
            candidates("azure.ai.openai", "gpt-4o-2024-08-06"),
            [
                "azure/gpt-4o-2024-08-06",
                "gpt-4o-2024-08-06",
                "azure/gpt-4o",
                "gpt-4o"
            ]
        );
        let c = candidates("openai", "openai/GPT-4o");
        assert_eq!(c[0], "openai/openai/GPT-4o");
        assert!(c.contains(&"gpt-4o".to_owned()), "{c:?}");
        assert_eq!(candidates("openrouter", "x")[0], "openrouter/x");
        assert_eq!(candidates("", "x"), ["x"]);
    }
}
