//! YAML written by tenants (pipelines, SKILL.md frontmatter) is read through here, so every such
//! document is checked before serde_norway builds anything from it (security review L12):
//! - its size is capped;
//! - what its aliases would expand to is counted on the event stream, without expanding
//!   anything. serde_norway's own limit grows with the document: a 250 KiB "billion laughs"
//!   kept it busy for 395 s (debug build) before it gave up.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, EventReceiver, Parser};

/// The largest YAML document the platform parses.
pub const MAX_YAML_BYTES: usize = 256 * 1024;

/// The most a document may stand for once its aliases are expanded, in units of one node plus
/// one per 16 bytes of scalar text: about 16 MiB of text, far above any real pipeline.
pub const MAX_EXPANDED_UNITS: u64 = 1_000_000;

/// Why a document was not read.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("the document is larger than 256 KiB ({0} bytes)")]
    TooLarge(usize),
    #[error("the document's aliases expand to too much (an alias bomb?)")]
    TooManyAliases,
    #[error("line {line} column {column}: {message}")]
    Scan {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(transparent)]
    Syntax(#[from] serde_norway::Error),
}

/// Refuses a document over [`MAX_YAML_BYTES`] or whose aliases expand past
/// [`MAX_EXPANDED_UNITS`].
pub fn check(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError::TooLarge(text.len()));
    }
    let mut count = Expansion::default();
    Parser::new_from_str(text)
        .load(&mut count, true)
        .map_err(|e| YamlError::Scan {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_owned(),
        })?;
    if count.total > MAX_EXPANDED_UNITS {
        return Err(YamlError::TooManyAliases);
    }
    Ok(())
}

/// Parses a document after [`check`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check(text)?;
    Ok(serde_norway::from_str(text)?)
}

/// Sizes nodes as they close: an anchored node's size is remembered, an alias adds it again.
#[derive(Default)]
struct Expansion {
    open: Vec<(usize, u64)>,
    anchored: HashMap<usize, u64>,
    total: u64,
}

impl Expansion {
    fn node(&mut self, anchor: usize, units: u64) {
        if anchor != 0 {
            self.anchored.insert(anchor, units);
        }
        self.add(units);
    }

    fn add(&mut self, units: u64) {
        match self.open.last_mut() {
            Some((_, inner)) => *inner = inner.saturating_add(units),
            None => self.total = self.total.saturating_add(units),
        }
    }
}

impl EventReceiver for Expansion {
    fn on_event(&mut self, event: Event) {
        match event {
            Event::Scalar(text, _, anchor, _) => self.node(anchor, 1 + text.len() as u64 / 16),
            Event::Alias(anchor) => {
                let units = self.anchored.get(&anchor).copied().unwrap_or(1);
                self.add(units);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.open.push((anchor, 1));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((anchor, units)) = self.open.pop() {
                    self.node(anchor, units);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_inclusive_and_refuses_one_byte_more() {
        let at_cap = format!("a: \"{}\"", "x".repeat(MAX_YAML_BYTES - 5));
        assert_eq!(at_cap.len(), MAX_YAML_BYTES);
        assert!(from_str::<serde_norway::Value>(&at_cap).is_ok());
        let over = format!("{at_cap} ");
        assert!(matches!(
            from_str::<serde_norway::Value>(&over),
            Err(YamlError::TooLarge(n)) if n == MAX_YAML_BYTES + 1
        ));
    }

    #[test]
    fn ordinary_anchors_pass_and_a_padded_alias_bomb_is_refused_at_once() {
        let defaults = "base: &base {model: x, retries: 2}\na: *base\nb: *base\n";
        assert!(check(defaults).is_ok());
        let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let below = format!("*a{}", level - 1);
            bomb.push_str(&format!(
                "a{level}: &a{level} [{}]\n",
                vec![below; 9].join(", ")
            ));
        }
        bomb.push_str("pad: [");
        while bomb.len() < 250 * 1024 {
            bomb.push_str("1,");
        }
        bomb.push_str("1]\n");
        let started = std::time::Instant::now();
        assert!(matches!(check(&bomb), Err(YamlError::TooManyAliases)));
        println!("a 250 KiB alias bomb refused in {:?}", started.elapsed());
    }
}
