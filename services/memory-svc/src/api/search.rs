//! Full-text search over the tenant's vaults.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET /v1/memory/search`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words to find; web-search syntax: `"a phrase"`, `or`, `-excluded`.
    pub q: Option<String>,
    /// Only this vault: an agent id or slug, or `shared`.
    pub agent_id: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<i64>,
}

/// `GET /v1/memory/vaults/shared/search`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SharedSearchQuery {
    pub q: Option<String>,
    /// 1-100, default 10.
    pub limit: Option<i64>,
}

/// One note found, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    /// The vault: an agent id or `shared`.
    pub agent_id: String,
    pub filename: String,
    pub title: String,
    /// Up to two fragments around the matches, matches marked `**…**`.
    pub snippet: String,
    /// Postgres `ts_rank` (title weighs most, then tags, then body), normalized by length.
    pub score: f32,
}
