//! YAML written by tenants (pipelines, SKILL.md frontmatter) is read through here, so every such
//! document is capped before the parser sees it. serde_norway bounds alias expansion relative to
//! the size of the document (security review L12), so the cap also bounds what an alias bomb can
//! make the parser build.

use serde::de::DeserializeOwned;

/// The largest YAML document the platform parses.
pub const MAX_YAML_BYTES: usize = 256 * 1024;

/// Why a document was not read.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("the document is larger than 256 KiB ({0} bytes)")]
    TooLarge(usize),
    #[error(transparent)]
    Syntax(#[from] serde_norway::Error),
}

/// Refuses a document over [`MAX_YAML_BYTES`].
pub fn check_size(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError::TooLarge(text.len()));
    }
    Ok(())
}

/// Parses a document after [`check_size`].
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check_size(text)?;
    Ok(serde_norway::from_str(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_is_inclusive_and_refuses_one_byte_more() {
        let at_cap = format!("a: \"{}\"", "x".repeat(MAX_YAML_BYTES - 6));
        assert_eq!(at_cap.len(), MAX_YAML_BYTES);
        assert!(from_str::<serde_norway::Value>(&at_cap).is_ok());
        let over = format!("{at_cap} ");
        assert!(matches!(
            from_str::<serde_norway::Value>(&over),
            Err(YamlError::TooLarge(n)) if n == MAX_YAML_BYTES + 1
        ));
    }
}
