//! GenAI cost: the price table ([`PriceTable`], LiteLLM's format, bundled and user-supplied)
//! and the per-[`GenAi`](crate::GenAi) resolver that finds a reported model's price once and
//! keeps it.
//!
//! A model is looked up under the names [`matching`] derives from the provider and the model
//! name as reported, the user's entries (builder
//! [`with_prices`](crate::GenAiBuilder::with_prices), then the
//! [`AGENT_TELEMETRY_GENAI_PRICES`](crate::PRICES) file) before the bundled ones under every
//! name. The answer, price or none, is kept per provider and model name, so a span pays one
//! hash look-up under a read lock; a model without a price is counted and warned about once.

mod matching;
mod table;

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use telemetry_core::implement::FxHasher;

pub use table::{ModelPrice, PriceError, PriceTable};

/// Names resolved and kept per [`Prices`]; past this (a model name per request, say) look-ups
/// still work but are not kept, and misses are no longer warned about one by one.
const MAX_CACHED: usize = 4096;

type ByModel = HashMap<Box<str>, Option<ModelPrice>, BuildHasherDefault<FxHasher>>;

/// The prices one `GenAi` uses.
pub(crate) struct Prices {
    user: PriceTable,
    cache: RwLock<HashMap<Box<str>, ByModel, BuildHasherDefault<FxHasher>>>,
    cached: AtomicU64,
    unpriced: AtomicU64,
}

impl Prices {
    pub(crate) fn new(user: PriceTable) -> Self {
        Self {
            user,
            cache: RwLock::default(),
            cached: AtomicU64::new(0),
            unpriced: AtomicU64::new(0),
        }
    }

    /// The price of `model` from `provider`; `on_first_miss` runs once per name without one.
    pub(crate) fn price(
        &self,
        provider: &str,
        model: &str,
        on_first_miss: impl FnOnce(),
    ) -> Option<ModelPrice> {
        let found = {
            let cache = self.cache.read().unwrap_or_else(|p| p.into_inner());
            cache.get(provider).and_then(|m| m.get(model)).copied()
        };
        let price = match found {
            Some(p) => p,
            None => self.resolve_and_keep(provider, model, on_first_miss),
        };
        if price.is_none() {
            self.unpriced.fetch_add(1, Ordering::Relaxed);
        }
        price
    }

    #[cold]
    fn resolve_and_keep(
        &self,
        provider: &str,
        model: &str,
        on_first_miss: impl FnOnce(),
    ) -> Option<ModelPrice> {
        let price = self.resolve(provider, model);
        if self.cached.load(Ordering::Relaxed) >= MAX_CACHED as u64 {
            return price;
        }
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        let by_model = cache.entry(provider.into()).or_default();
        // Another thread may have resolved it meanwhile: warn only for the first.
        if by_model.insert(model.into(), price).is_none() {
            self.cached.fetch_add(1, Ordering::Relaxed);
            if price.is_none() {
                drop(cache);
                on_first_miss();
            }
        }
        price
    }

    fn resolve(&self, provider: &str, model: &str) -> Option<ModelPrice> {
        let names = matching::candidates(provider, model);
        let bundled = PriceTable::bundled();
        names
            .iter()
            .find_map(|n| self.user.get(n))
            .or_else(|| names.iter().find_map(|n| bundled.get(n)))
            .copied()
    }

    /// Operations with usage whose model had no price.
    pub(crate) fn unpriced(&self) -> u64 {
        self.unpriced.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_entries_win_and_answers_are_kept() {
        let mut user = PriceTable::new();
        user.insert("gpt-4o", ModelPrice::per_token(1.0, 2.0));
        let prices = Prices::new(user);
        let mut misses = 0;
        // A dated name the bundled table lists itself still takes the user's undated entry.
        let p = prices
            .price("openai", "gpt-4o-2024-08-06", || misses += 1)
            .unwrap();
        assert_eq!(p, ModelPrice::per_token(1.0, 2.0));
        let p = prices
            .price("openai", "gpt-4o-mini", || misses += 1)
            .unwrap();
        assert_eq!(p.input_cost_per_token, 1.5e-7);
        assert!(
            prices
                .price("openai", "no-such-model", || misses += 1)
                .is_none()
        );
        assert!(
            prices
                .price("openai", "no-such-model", || misses += 1)
                .is_none()
        );
        assert_eq!((misses, prices.unpriced()), (1, 2));
    }

    #[test]
    fn past_the_bound_names_still_resolve_but_are_neither_kept_nor_warned_about() {
        let prices = Prices::new(PriceTable::new());
        let mut misses = 0;
        for i in 0..MAX_CACHED {
            assert!(
                prices
                    .price("openai", &format!("model-{i}"), || misses += 1)
                    .is_none()
            );
        }
        assert_eq!(misses, MAX_CACHED);
        // Full: a new unpriced name is not warned about, a priced one still found.
        assert!(prices.price("openai", "one-more", || misses += 1).is_none());
        assert!(prices.price("openai", "gpt-4o", || misses += 1).is_some());
        assert_eq!(misses, MAX_CACHED);
        let kept: usize = prices
            .cache
            .read()
            .unwrap()
            .values()
            .map(HashMap::len)
            .sum();
        assert_eq!(kept, MAX_CACHED);
        assert_eq!(prices.unpriced(), MAX_CACHED as u64 + 1);
    }
}
