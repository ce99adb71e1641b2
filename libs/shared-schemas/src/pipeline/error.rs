//! A problem found in a pipeline file, pinned to the line it concerns.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One problem in a pipeline file. `line` and `column` are 1-based; `path` names the offending
/// value (`steps[2].onComplete`), empty for problems of the document as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineError {
    pub line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub path: String,
    pub message: String,
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PipelineError {}

/// A path into the YAML document, one mapping key or sequence index per segment. Public so
/// that checks made on the parsed model elsewhere (engine-svc's warnings) can name a value and
/// have [`super::locate`] pin it to its line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocPath(pub(crate) Vec<Segment>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

impl DocPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &str) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Key(key.to_owned()));
        Self(segments)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(Segment::Index(index));
        Self(segments)
    }
}

impl fmt::Display for DocPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_line_path_and_message() {
        let error = PipelineError {
            line: 14,
            column: Some(17),
            path: "steps[2].onComplete".into(),
            message: "unknown step \"REVIEW\"".into(),
        };
        assert_eq!(
            error.to_string(),
            "line 14: steps[2].onComplete: unknown step \"REVIEW\""
        );
    }

    #[test]
    fn display_without_path_has_no_empty_segment() {
        let error = PipelineError {
            line: 1,
            column: None,
            path: String::new(),
            message: "empty document".into(),
        };
        assert_eq!(error.to_string(), "line 1: empty document");
    }

    #[test]
    fn doc_path_formats_like_the_reference_messages() {
        let path = DocPath::root()
            .key("steps")
            .index(2)
            .key("onResult")
            .key("FAIL")
            .key("goto");
        assert_eq!(path.to_string(), "steps[2].onResult.FAIL.goto");
    }
}
