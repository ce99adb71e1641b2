//! API: request types of this service's HTTP API. Every route answers `text/event-stream`
//! (frames described in docs/sse.md); the query strings are typed here.

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::{err, finish};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::domain::cursor::Cursor;

/// The query of a resumable stream.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SinceQuery {
    /// Resume point: an entry id (exclusive), `0`/`0-0` (everything retained) or `$` (live
    /// only). A `Last-Event-ID` header wins over it.
    pub since: Option<String>,
    /// An access JWT, for EventSource clients that cannot send `Authorization`.
    pub token: Option<String>,
}

impl Validate for SinceQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(since) = &self.since
            && Cursor::resolve(None, Some(since), Cursor::Live).is_err()
        {
            errors.push(err(
                "since",
                "must be a stream entry id (ms-seq), 0, 0-0 or $",
            ));
        }
        finish(errors)
    }
}

/// The most entries a backfill (`tail`, `limit`) sends.
pub const MAX_BACKFILL: usize = 1000;

/// The query of a log stream.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TailQuery {
    /// Lines sent first, oldest first (default 200, at most 1000).
    pub tail: Option<usize>,
    /// An access JWT, for EventSource clients.
    pub token: Option<String>,
}

impl Validate for TailQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(at_most("tail", self.tail))
    }
}

/// The query of the activity feed.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// Past events sent first, oldest first (default 50, at most 1000).
    pub limit: Option<usize>,
    /// An access JWT, for EventSource clients.
    pub token: Option<String>,
}

impl Validate for LimitQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        finish(at_most("limit", self.limit))
    }
}

/// The query of a stream that takes no parameters but the token.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// An access JWT, for EventSource clients.
    pub token: Option<String>,
}

impl Validate for TokenQuery {}

fn at_most(path: &str, value: Option<usize>) -> Vec<FieldError> {
    match value {
        Some(v) if v > MAX_BACKFILL => vec![err(path, format!("must be at most {MAX_BACKFILL}"))],
        _ => Vec::new(),
    }
}
