//! [`PriceTable`]: per-token prices by model name in LiteLLM's format, the bundled table, and
//! [`ModelPrice::cost`], the cost of one operation's usage.

use std::collections::HashMap;
use std::fmt;
use std::hash::BuildHasherDefault;
use std::path::Path;
use std::sync::OnceLock;

use telemetry_core::implement::FxHasher;

use crate::usage::Usage;

/// The bundled table: LiteLLM's `model_prices_and_context_window.json` (MIT, licence in
/// `prices/LICENSE-litellm`), filtered by `prices/regenerate.py` to the chat, completion,
/// responses and embedding entries priced per token, with only the price fields read here.
const BUNDLED_JSON: &str = include_str!("../../prices/litellm_prices.json");
const BUNDLED_VERSION: &str = include_str!("../../prices/VERSION");

/// Per-token prices of one model, in USD, as LiteLLM's `model_prices_and_context_window.json`
/// names them. `None` = the table does not say.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ModelPrice {
    /// `input_cost_per_token`: USD per input token (required in an entry).
    pub input_cost_per_token: f64,
    /// `output_cost_per_token`: USD per output token.
    pub output_cost_per_token: Option<f64>,
    /// `cache_read_input_token_cost`: USD per input token read from the provider's cache
    /// (else the input price).
    pub cache_read_input_token_cost: Option<f64>,
    /// `cache_creation_input_token_cost`: USD per input token written to the cache (else the
    /// input price).
    pub cache_creation_input_token_cost: Option<f64>,
    /// `output_cost_per_reasoning_token`: USD per reasoning output token (else the output
    /// price).
    pub output_cost_per_reasoning_token: Option<f64>,
}

impl ModelPrice {
    /// A price of `input` and `output` USD per token.
    pub fn per_token(input: f64, output: f64) -> Self {
        Self {
            input_cost_per_token: input,
            output_cost_per_token: Some(output),
            ..Self::default()
        }
    }

    /// The cost of `usage` in USD, or `None` when it cannot be priced: no input or output
    /// tokens reported, or output tokens without an output price.
    ///
    /// Cached input tokens are part of `input_tokens` and reasoning tokens part of
    /// `output_tokens` (semantic conventions v1.41, `gen_ai.usage.*`): each part is priced at
    /// its own rate when the entry has one, the rest at the plain input or output rate.
    pub fn cost(&self, usage: &Usage) -> Option<f64> {
        if usage.input_tokens.is_none() && usage.output_tokens.is_none() {
            return None;
        }
        let mut usd = 0.0;
        if let Some(input) = usage.input_tokens {
            let read = usage.cache_read_input_tokens.unwrap_or(0).min(input);
            let created = usage
                .cache_creation_input_tokens
                .unwrap_or(0)
                .min(input - read);
            let plain = input - read - created;
            let rate = self.input_cost_per_token;
            usd += plain as f64 * rate
                + read as f64 * self.cache_read_input_token_cost.unwrap_or(rate)
                + created as f64 * self.cache_creation_input_token_cost.unwrap_or(rate);
        }
        match (usage.output_tokens, self.output_cost_per_token) {
            (None | Some(0), _) => {}
            (Some(_), None) => return None,
            (Some(output), Some(rate)) => {
                let reasoning = usage.reasoning_output_tokens.unwrap_or(0).min(output);
                let reasoning_rate = self.output_cost_per_reasoning_token.unwrap_or(rate);
                usd += (output - reasoning) as f64 * rate + reasoning as f64 * reasoning_rate;
            }
        }
        Some(usd)
    }
}

/// A price table entry that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceError {
    source: String,
    message: String,
}

impl PriceError {
    fn new(source: &str, message: impl Into<String>) -> Self {
        Self {
            source: source.to_owned(),
            message: message.into(),
        }
    }
}

impl fmt::Display for PriceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid price table {}: {}", self.source, self.message)
    }
}

impl std::error::Error for PriceError {}

type Map = HashMap<Box<str>, ModelPrice, BuildHasherDefault<FxHasher>>;

/// Prices by model name, in the format of LiteLLM's `model_prices_and_context_window.json`:
/// a JSON object whose keys are model names (as LiteLLM spells them, provider-prefixed or
/// not: `gpt-4o`, `azure/gpt-4o`, `anthropic.claude-3-5-sonnet-20241022-v2:0`) and whose values
/// are objects with `input_cost_per_token` (required, USD) and optionally
/// `output_cost_per_token`, `cache_read_input_token_cost`, `cache_creation_input_token_cost`
/// and `output_cost_per_reasoning_token`. Other fields (`mode`, `max_tokens`, …) are ignored,
/// so LiteLLM's whole file is accepted as is.
///
/// ```
/// use telemetry_genai::{PriceTable, Usage};
/// let mine = PriceTable::from_json_str(
///     "my prices",
///     r#"{"acme-large": {"input_cost_per_token": 1e-6, "output_cost_per_token": 4e-6}}"#,
/// )?;
/// let price = mine.get("acme-large").unwrap();
/// assert_eq!(price.cost(&Usage::new(1000, 500)), Some(0.001 + 0.002));
/// assert!(PriceTable::bundled().get("gpt-4o").is_some());
/// # Ok::<(), telemetry_genai::PriceError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct PriceTable {
    entries: Map,
}

impl PriceTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The table bundled with the crate, parsed on first use (a few milliseconds, once per
    /// process): LiteLLM's prices of version [`bundled_version`](Self::bundled_version).
    /// Regenerate it with `crates/telemetry-genai/prices/regenerate.py <litellm version>`.
    pub fn bundled() -> &'static PriceTable {
        static BUNDLED: OnceLock<PriceTable> = OnceLock::new();
        BUNDLED.get_or_init(|| {
            // The script writes it and the tests parse it: this cannot fail in a release.
            Self::from_json_str("(bundled)", BUNDLED_JSON).unwrap_or_default()
        })
    }

    /// The LiteLLM version the bundled table was taken from, e.g. `1.110.2`.
    pub fn bundled_version() -> &'static str {
        BUNDLED_VERSION.trim()
    }

    /// Parses a table; `source` names it in errors (a path, `AGENT_TELEMETRY_GENAI_PRICES`).
    ///
    /// # Errors
    /// [`PriceError`] when the text is not a JSON object, or an entry is not an object, or
    /// lacks `input_cost_per_token`, or has a price that is not a finite number ≥ 0; the error
    /// names the entry and the field.
    pub fn from_json_str(source: &str, json: &str) -> Result<Self, PriceError> {
        let value: serde_json::Value = serde_json::from_str(json)
            .map_err(|e| PriceError::new(source, format!("not JSON: {e}")))?;
        let serde_json::Value::Object(object) = value else {
            return Err(PriceError::new(
                source,
                "expected a JSON object of model names to price entries",
            ));
        };
        let mut entries = Map::default();
        entries.reserve(object.len());
        for (name, entry) in object {
            // LiteLLM's own file documents its fields in this entry.
            if name == "sample_spec" {
                continue;
            }
            let price = parse_entry(&entry)
                .map_err(|m| PriceError::new(source, format!("entry {name:?}: {m}")))?;
            entries.insert(name.into_boxed_str(), price);
        }
        Ok(Self { entries })
    }

    /// Reads and parses the table at `path`.
    ///
    /// # Errors
    /// [`PriceError`] naming the path when it cannot be read, or as
    /// [`from_json_str`](Self::from_json_str).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PriceError> {
        let path = path.as_ref();
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PriceError::new(&source, format!("cannot be read: {e}")))?;
        Self::from_json_str(&source, &text)
    }

    /// Adds or replaces the price of `model`.
    pub fn insert(&mut self, model: impl Into<String>, price: ModelPrice) -> &mut Self {
        self.entries.insert(model.into().into_boxed_str(), price);
        self
    }

    /// Copies every entry of `other` in, replacing entries of the same name.
    pub fn extend(&mut self, other: &PriceTable) {
        self.entries
            .extend(other.entries.iter().map(|(k, v)| (k.clone(), *v)));
    }

    /// The entry named exactly `model`.
    pub fn get(&self, model: &str) -> Option<&ModelPrice> {
        self.entries.get(model)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn parse_entry(entry: &serde_json::Value) -> Result<ModelPrice, String> {
    let serde_json::Value::Object(o) = entry else {
        return Err("expected an object of prices".into());
    };
    let field = |k: &str| -> Result<Option<f64>, String> {
        match o.get(k) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(format!("{k} must be a number ≥ 0 (USD per token), got {v}")),
            },
        }
    };
    Ok(ModelPrice {
        input_cost_per_token: field("input_cost_per_token")?
            .ok_or("input_cost_per_token (USD per token) is missing")?,
        output_cost_per_token: field("output_cost_per_token")?,
        cache_read_input_token_cost: field("cache_read_input_token_cost")?,
        cache_creation_input_token_cost: field("cache_creation_input_token_cost")?,
        output_cost_per_reasoning_token: field("output_cost_per_reasoning_token")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_table_parses_and_has_the_common_models() {
        let t = PriceTable::bundled();
        assert!(t.len() > 1000, "{}", t.len());
        let gpt = t.get("gpt-4o").unwrap();
        assert_eq!(gpt.input_cost_per_token, 2.5e-6);
        assert_eq!(gpt.output_cost_per_token, Some(1e-5));
        assert!(t.get("text-embedding-3-small").is_some());
        assert!(!PriceTable::bundled_version().is_empty());
    }

    #[test]
    fn cost_prices_cached_and_reasoning_tokens_at_their_own_rates() {
        let p = ModelPrice {
            input_cost_per_token: 2.0,
            output_cost_per_token: Some(10.0),
            cache_read_input_token_cost: Some(0.5),
            cache_creation_input_token_cost: Some(3.0),
            output_cost_per_reasoning_token: Some(20.0),
        };
        assert_eq!(p.cost(&Usage::new(100, 10)), Some(200.0 + 100.0));
        let u = Usage::new(100, 10)
            .with_cache_read(40)
            .with_cache_creation(10)
            .with_reasoning(4);
        assert_eq!(
            p.cost(&u),
            Some(50.0 * 2.0 + 40.0 * 0.5 + 10.0 * 3.0 + 6.0 * 10.0 + 4.0 * 20.0)
        );
        // Without the special rates, the plain ones.
        let plain = ModelPrice::per_token(2.0, 10.0);
        assert_eq!(plain.cost(&u), Some(300.0));
        // Nothing reported: no cost, not zero.
        assert_eq!(plain.cost(&Usage::default()), None);
        // Output tokens without an output price cannot be priced.
        let input_only = ModelPrice {
            input_cost_per_token: 1.0,
            ..ModelPrice::default()
        };
        assert_eq!(input_only.cost(&Usage::new(3, 2)), None);
        assert_eq!(input_only.cost(&Usage::new(3, 0)), Some(3.0));
    }

    #[test]
    fn bad_tables_name_the_entry_and_the_field() {
        let e = PriceTable::from_json_str("p.json", r#"{"m": {"output_cost_per_token": 1}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.json") && e.contains("\"m\"") && e.contains("input_cost_per_token"),
            "{e}"
        );
        let e = PriceTable::from_json_str("p.json", r#"{"m": {"input_cost_per_token": -1}}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("≥ 0"), "{e}");
        let e = PriceTable::from_json_str("p.json", "[1]")
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected a JSON object"), "{e}");
        let e = PriceTable::from_file("/nonexistent/prices.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/nonexistent/prices.json") && e.contains("cannot be read"),
            "{e}"
        );
    }
}
