//! The models the page offers, as the page needs them: the shipped
//! variants in the picker's order, every registered variant for a
//! visitor's own weights, their display names and configurations. With
//! the [`protocol`](super::protocol) this is all the page imports of the
//! model side (`docs/architecture.md`).

use crate::error::Result;
use crate::models::registry;
pub use crate::models::ModelConfig;

/// The shipped models, headline first (`assets/<name>.bpk` and its card).
pub const SHIPPED: [&str; 3] = registry::SHIPPED;

/// An example image the page offers (`assets/examples/<name>.png`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    /// File stem and button label.
    pub name: &'static str,
    /// The class it shows, or `None` for an object outside the classes
    /// (labelled so on the page: the models answer the nearest class).
    pub shows: Option<&'static str>,
}

/// The page's examples, the first classified by itself on a first visit.
/// The in-class ones are photos every shipped model classifies right
/// (`tests/examples.rs`; revisit when new weights ship).
pub const EXAMPLES: [Example; 5] = [
    Example { name: "bird", shows: Some("bird") },
    Example { name: "horse", shows: Some("horse") },
    Example { name: "car", shows: Some("automobile") },
    Example { name: "rocket", shows: None },
    Example { name: "coffee", shows: None },
];

/// A registered variant: what the picker for a visitor's own weights lists.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Registry name, e.g. `asmlp_tiny`.
    pub name: &'static str,
    /// One line saying what it is.
    pub summary: &'static str,
}

/// Every registered variant, paper variants first.
pub fn entries() -> Vec<Entry> {
    registry::variants().into_iter().map(|v| Entry { name: v.name, summary: v.summary }).collect()
}

/// The configuration of the variant called `name`.
pub fn config(name: &str) -> Result<ModelConfig> {
    registry::find(name)
}

/// `s2mlpv2_compact` → `S²-MLPv2 compact`: a registered variant's name
/// with its architecture's title; other names unchanged.
pub fn pretty_name(name: &str) -> String {
    match registry::find(name) {
        Ok(config) => {
            let rest = name.strip_prefix(config.arch_name()).unwrap_or(name).trim_start_matches('_');
            format!("{} {}", config.architecture().title(), rest.replace('_', " ")).trim().to_string()
        }
        Err(_) => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_the_architecture_s_title() {
        assert_eq!(pretty_name("s2mlpv2_compact"), "S²-MLPv2 compact");
        assert_eq!(pretty_name("my_weights"), "my_weights");
        assert!(SHIPPED.iter().all(|name| entries().iter().any(|e| e.name == *name)));
        assert_eq!(config("mixer_compact").unwrap().arch_name(), "mixer");
    }
}
