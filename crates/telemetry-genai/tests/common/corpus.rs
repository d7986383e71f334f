//! Secrets in their real formats, each with the text that introduces it (`before`, kept) and
//! closes it (`after`, kept): the gitleaks rules' own true-positive fixtures where they are
//! literal, otherwise keys generated to the vendor's documented format from a fixed seed.

/// One secret and its context.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub before: &'static str,
    pub secret: String,
    pub after: &'static str,
}

/// Text before every embedded secret (then the case's own `before`).
pub const BEFORE: &str = "Before we start, note ";
/// Text after every embedded secret (after the case's own `after`).
pub const AFTER: &str = " and then the rest of the note, thanks.";

/// The case in a sentence: `(text, everything before the secret, everything after it)`.
pub fn sentence(c: &Case) -> (String, String, String) {
    let prefix = format!("{BEFORE}{}", c.before);
    let suffix = format!("{}{AFTER}", c.after);
    (format!("{prefix}{}{suffix}", c.secret), prefix, suffix)
}

/// A fixed-seed generator (splitmix64), so the corpus is the same on every run.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `n` characters drawn from `alphabet`.
    pub fn pick(&mut self, alphabet: &str, n: usize) -> String {
        let a = alphabet.as_bytes();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize] as char)
            .collect()
    }
}

pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const LOWER_ALNUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &str = "0123456789abcdef";
pub const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub const URLSAFE: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
pub const UPPER_B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const DIGITS: &str = "0123456789";

fn pem(g: &mut Gen, label: &str) -> String {
    let mut s = format!("-----BEGIN {label}-----\n");
    for _ in 0..6 {
        s.push_str(&g.pick(B64, 64));
        s.push('\n');
    }
    s.push_str(&format!("{}==\n-----END {label}-----", g.pick(B64, 18)));
    s
}

fn jwt(g: &mut Gen) -> String {
    format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ{}.{}",
        g.pick(ALNUM, 60),
        g.pick(URLSAFE, 43)
    )
}

/// The corpus: 60 secrets.
pub fn cases() -> Vec<Case> {
    let mut g = Gen::new(0x5EC2E7);
    let c = |name, before, secret: String, after| Case {
        name,
        before,
        secret,
        after,
    };
    vec![
        c("aws access key id", "", format!("AKIA{}", g.pick(UPPER_B32, 16)), ""),
        c("aws session key id", "", format!("ASIA{}", g.pick(UPPER_B32, 16)), ""),
        c("aws secret after the word secret", "my aws secret is ", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(), ""),
        c("aws secret env", "aws_secret_access_key = ", g.pick(B64, 40), ""),
        c("gcp api key", "", format!("AIza{}", g.pick(URLSAFE, 35)), ""),
        c("google oauth access token", "", format!("ya29.a0A{}", g.pick(URLSAFE, 80)), ""),
        c("pem private key", "", pem(&mut g, "PRIVATE KEY"), ""),
        c("pem rsa private key", "key file:\n", pem(&mut g, "RSA PRIVATE KEY"), "\n"),
        c("pem openssh private key", "", pem(&mut g, "OPENSSH PRIVATE KEY"), ""),
        c("azure ad client secret", "client_secret=", "bP88Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR".into(), ""),
        // An assigned value runs to white space (what follows `;` or `&` would be masked too,
        // see `over_masked`): the key stands last in these two.
        c("azure storage account key", "DefaultEndpointsProtocol=https;AccountName=prodstore;EndpointSuffix=core.windows.net;AccountKey=", format!("{}==", g.pick(B64, 86)), ""),
        c("openai project key", "", "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".into(), ""),
        c("openai legacy key", "", format!("sk-{}T3BlbkFJ{}", g.pick(ALNUM, 20), g.pick(ALNUM, 20)), ""),
        c("openai project key without marker", "", format!("sk-proj-{}", g.pick(URLSAFE, 48)), ""),
        c("anthropic api key", "", format!("sk-ant-api03-{}AA", g.pick(URLSAFE, 93)), ""),
        c("anthropic admin key", "", format!("sk-ant-admin01-{}AA", g.pick(URLSAFE, 93)), ""),
        c("cohere key", "export CO_API_KEY=", g.pick(ALNUM, 40), ""),
        c("hugging face token", "huggingface-cli login --token ", "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".into(), ""),
        c("hugging face token generated", "", format!("hf_{}", g.pick(LETTERS, 34)), ""),
        c("mistral key env", "MISTRAL_API_KEY=", g.pick(ALNUM, 32), ""),
        c("mistral key prose", "my mistral key is ", g.pick(ALNUM, 32), ""),
        c("github pat", "", format!("ghp_{}", g.pick(ALNUM, 36)), ""),
        c("github fine-grained pat", "", format!("github_pat_{}", g.pick(ALNUM, 82)), ""),
        c("github oauth", "", format!("gho_{}", g.pick(ALNUM, 36)), ""),
        c("github app token", "", format!("ghs_{}", g.pick(ALNUM, 36)), ""),
        c("gitlab pat", "", format!("glpat-{}", g.pick(URLSAFE, 20)), ""),
        c("gitlab ci job token", "", format!("glcbt-{}_{}", g.pick(ALNUM, 3), g.pick(URLSAFE, 20)), ""),
        c("npm token", "", format!("npm_{}", g.pick(LOWER_ALNUM, 36)), ""),
        c("pypi upload token", "", format!("pypi-AgEIcHlwaS5vcmc{}", g.pick(URLSAFE, 70)), ""),
        c("slack bot token", "", format!("xoxb-{}-{}-{}", g.pick(DIGITS, 12), g.pick(DIGITS, 13), g.pick(ALNUM, 24)), ""),
        c("slack user token", "", format!("xoxp-{}-{}-{}-{}", g.pick(DIGITS, 12), g.pick(DIGITS, 12), g.pick(DIGITS, 13), g.pick(HEX, 32)), ""),
        c("slack webhook url", "", format!("https://hooks.slack.com/services/T{}/B{}/{}", g.pick(UPPER_B32, 8), g.pick(UPPER_B32, 10), g.pick(ALNUM, 24)), ""),
        c("stripe live secret key", "", format!("sk_live_{}", g.pick(ALNUM, 24)), ""),
        c("stripe restricted key", "", format!("rk_live_{}", g.pick(ALNUM, 32)), ""),
        c("twilio api key", "", format!("SK{}", g.pick(HEX, 32)), ""),
        c("sendgrid key", "", format!("SG.{}.{}", g.pick(URLSAFE, 22), g.pick(URLSAFE, 43)), ""),
        c("jwt", "", jwt(&mut g), ""),
        c("jwt in a query string", "https://api.example.com/v1/me?page=2&access_token=", jwt(&mut g), ""),
        c("bearer header", "Authorization: Bearer ", g.pick(URLSAFE, 40), ""),
        c("basic header", "Proxy-Authorization: Basic ", format!("{}=", g.pick(B64, 31)), ""),
        c("url with password", "postgres://app:", format!("Pw{}", g.pick(ALNUM, 14)), "@db.example.com:5432/app"),
        c("password assignment", "password=", "hunter2!".into(), ""),
        c("password with & assigned unquoted", "password=", "Tr0ub4dor&3horse".into(), ""),
        c("secret with ; and # assigned unquoted", "secret=", "ab;cd#ef".into(), ""),
        c("api key with & ; # in a query string", "GET /v1/items?page=2&api_key=", format!("{}&{};{}#{}", g.pick(ALNUM, 6), g.pick(ALNUM, 5), g.pick(ALNUM, 4), g.pick(ALNUM, 3)), ""),
        c("json secret", r#"{"secret": ""#, "Tr0ub4dor&3-horse".into(), r#""}"#),
        c("yaml api key", "api_key: ", g.pick(ALNUM, 24), ""),
        c("env database password", "DATABASE_PASSWORD=", format!("pg-{}", g.pick(ALNUM, 12)), ""),
        c("api key header", "X-Api-Key: ", g.pick(HEX, 32), ""),
        c("token near keyword", "the deploy token is ", g.pick(ALNUM, 28), ""),
        c("digitalocean pat", "", format!("dop_v1_{}", g.pick(HEX, 64)), ""),
        c("shopify token", "", format!("shpat_{}", g.pick(HEX, 32)), ""),
        c("heroku key", "", format!("HRKU-AA{}", g.pick(URLSAFE, 58)), ""),
        c("databricks token", "", format!("dapi{}", g.pick(HEX, 32)), ""),
        c("doppler token", "", format!("dp.pt.{}", g.pick(ALNUM, 43)), ""),
        c("grafana service account token", "", format!("glsa_{}_{}", g.pick(ALNUM, 32), g.pick(HEX, 8)), ""),
        c("linear key", "", format!("lin_api_{}", g.pick(ALNUM, 40)), ""),
        c("postman key", "", format!("PMAK-{}-{}", g.pick(HEX, 24), g.pick(HEX, 34)), ""),
        c("perplexity key", "", format!("pplx-{}", g.pick(ALNUM, 48)), ""),
        c("age secret key", "", format!("AGE-SECRET-KEY-1{}", g.pick("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)), ""),
        c("vault token", "", format!("hvs.{}", g.pick(URLSAFE, 95)), ""),
        c("atlassian token", "", format!("ATATT3{}", g.pick(URLSAFE, 186)), ""),
        c("deepseek style sk key", "", format!("sk-{}", g.pick(HEX, 32)), ""),
    ]
}

/// Secrets whose mask may run on past them: unquoted assigned values, which end only at
/// white space, a quote or the end of the text, with what follows them up to there (a URL's
/// next query parameter). `after` may be masked in part or whole; the secret never.
pub fn over_masked() -> Vec<Case> {
    let c = |name, before, secret: &str, after| Case {
        name,
        before,
        secret: secret.to_owned(),
        after,
    };
    vec![
        c(
            "token before another query parameter",
            "GET https://api.example.com/v1/items?token=",
            "abc",
            "&next=1",
        ),
        c(
            "password before a fragment",
            "https://example.com/login?password=",
            "Tr0ub4dor&3horse",
            "#top",
        ),
        c(
            "secret before more assignments",
            "secret=",
            "ab;cd#ef",
            ";region=eu",
        ),
        c(
            "jwt before another query parameter",
            "https://api.example.com/v1/me?access_token=",
            &jwt(&mut Gen::new(7)),
            "&page=2",
        ),
        c(
            "account key before the endpoint suffix",
            "DefaultEndpointsProtocol=https;AccountName=prodstore;AccountKey=",
            &format!("{}==", Gen::new(8).pick(B64, 86)),
            ";EndpointSuffix=core.windows.net",
        ),
        c(
            "authorization before a parameter",
            "Authorization: Token ",
            "abc;def",
            ",realm=x",
        ),
    ]
}

/// A piece of `secret` that `haystack` holds: a run of 8 or more characters, leaving out
/// runs the known non-secret text (`context`) holds too (`https://` of a webhook URL secret),
/// or (for any length) a head or tail of it next to a mask, as a mask that ended or started
/// inside it leaves (`[REDACTED:x]3horse`).
pub fn leaks(haystack: &str, secret: &str, context: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 8 {
        if haystack.contains(secret) {
            return Some(secret.to_owned());
        }
    } else if let Some(w) = chars
        .windows(8)
        .map(|w| w.iter().collect::<String>())
        .find(|w| haystack.contains(w.as_str()) && !context.contains(w.as_str()))
    {
        return Some(w);
    }
    let mut rest = haystack;
    while let Some(i) = rest.find("[REDACTED:") {
        let (before, mask) = rest.split_at(i);
        let Some(end) = mask.find(']') else { break };
        let after = &mask[end + 1..];
        for (k, _) in secret.char_indices().skip(1) {
            if after.starts_with(&secret[k..]) {
                return Some(secret[k..].to_owned());
            }
            if before.ends_with(&secret[..k]) {
                return Some(secret[..k].to_owned());
            }
        }
        rest = after;
    }
    None
}

/// Whether `redacted` is `prefix`, one mask `[REDACTED:<rule-id>]`, then the end of `suffix`
/// (all of it, part or nothing): the mask covers the secret and perhaps what follows it.
pub fn one_mask_then_part_of(redacted: &str, prefix: &str, suffix: &str) -> bool {
    (0..=suffix.len())
        .filter(|k| suffix.is_char_boundary(*k))
        .any(|k| one_mask_between(redacted, prefix, &suffix[k..]))
}

/// Whether `redacted` is `prefix`, one mask `[REDACTED:<rule-id>]`, then `suffix`.
pub fn one_mask_between(redacted: &str, prefix: &str, suffix: &str) -> bool {
    let Some(rest) = redacted.strip_prefix(prefix) else {
        return false;
    };
    let Some(mask) = rest.strip_suffix(suffix) else {
        return false;
    };
    mask.strip_prefix("[REDACTED:")
        .and_then(|m| m.strip_suffix(']'))
        .is_some_and(|id| {
            !id.is_empty()
                && id
                    .bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        })
}
