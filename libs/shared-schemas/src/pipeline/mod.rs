//! The pipeline YAML model (CONTRACTS §4.1) and its parser.
//!
//! [`parse_pipeline`] reads a file in three passes, each reporting problems with the line (and
//! column) they point at:
//! 1. YAML syntax, via serde_norway, whose errors carry a location;
//! 2. the typed model, with the failing path tracked by serde_path_to_error and pinned to a line
//!    by the locator;
//! 3. cross-references (agents, step targets, duplicates), also pinned by the locator.
//!
//! The locator (`locate.rs`) re-parses the document and stops at the value a path names, so a
//! line number always comes from the YAML parser's own marks.

mod error;
mod locate;
mod model;
mod validate;

pub use error::{DocPath, PipelineError};
pub use model::{
    LoopConfig, Notify, OutputMethod, OutputSchema, PipelineAgent, PipelineConfig,
    PipelineDefaults, ResultAction, StepConfig, StepType,
};

/// Parses and validates a pipeline file. On failure, every error names its line; syntax and type
/// errors stop parsing at the first one, cross-reference errors are all reported, in line order.
pub fn parse_pipeline(yaml: &str) -> Result<PipelineConfig, Vec<PipelineError>> {
    crate::yaml::check(yaml).map_err(|e| {
        let (line, column, message) = match e {
            crate::yaml::YamlError::Scan {
                line,
                column,
                message,
            } => (line.max(1), Some(column), message),
            other => (1, None, other.to_string()),
        };
        vec![PipelineError {
            line,
            column,
            path: String::new(),
            message,
        }]
    })?;
    let document: serde_norway::Value =
        serde_norway::from_str(yaml).map_err(|e| vec![syntax_error(&e)])?;
    if document.is_null() {
        // serde would read null as an empty mapping and complain about `id` alone.
        return Err(vec![PipelineError {
            line: 1,
            column: None,
            path: String::new(),
            message: "the document is empty".into(),
        }]);
    }
    let config: PipelineConfig =
        serde_path_to_error::deserialize(document).map_err(|e| vec![type_error(yaml, &e)])?;

    let mut errors: Vec<PipelineError> = validate::cross_validate(&config)
        .into_iter()
        .map(|(path, message)| pinned(yaml, &path, message))
        .collect();
    if errors.is_empty() {
        return Ok(config);
    }
    errors.sort_by(|a, b| (a.line, a.column, &a.path).cmp(&(b.line, b.column, &b.path)));
    Err(errors)
}

/// The 1-based line and column of the value at `path` in `yaml`, or of its closest ancestor
/// that exists: for problems found on the parsed model outside this crate (warnings).
pub fn locate(yaml: &str, path: &DocPath) -> (usize, usize) {
    let position = locate::locate(yaml, path);
    (position.line, position.column)
}

fn syntax_error(error: &serde_norway::Error) -> PipelineError {
    let mut message = error.to_string();
    let (line, column) = match error.location() {
        Some(location) => {
            // The location is reported in its own fields, so drop its copy from the message.
            let suffix = format!(" at line {} column {}", location.line(), location.column());
            if let Some(start) = message.find(&suffix) {
                message.replace_range(start..start + suffix.len(), "");
            }
            (location.line(), Some(location.column()))
        }
        None => (1, None),
    };
    PipelineError {
        line,
        column,
        path: String::new(),
        message,
    }
}

fn type_error(
    yaml: &str,
    error: &serde_path_to_error::Error<serde_norway::Error>,
) -> PipelineError {
    let mut path = DocPath::root();
    for segment in error.path() {
        path = match segment {
            serde_path_to_error::Segment::Seq { index } => path.index(*index),
            serde_path_to_error::Segment::Map { key } => path.key(key),
            serde_path_to_error::Segment::Enum { variant } => path.key(variant),
            serde_path_to_error::Segment::Unknown => break,
        };
    }
    pinned(yaml, &path, error.inner().to_string())
}

fn pinned(yaml: &str, path: &DocPath, message: String) -> PipelineError {
    let position = locate::locate(yaml, path);
    PipelineError {
        line: position.line,
        column: Some(position.column),
        path: path.to_string(),
        message,
    }
}
