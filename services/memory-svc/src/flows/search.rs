//! Ranked full-text search over the index: Postgres `websearch_to_tsquery` against a weighted
//! `tsvector` (title A, tags B, body D), `ts_rank` normalized by length, top-k over every vault
//! the caller may read, snippets from `ts_headline`.

use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::search::SearchHit;
use crate::flows::vault;
use crate::store::notes;

/// The longest query accepted.
const MAX_QUERY_CHARS: usize = 500;

/// `vault_ref`: only that vault (an agent id or slug, or `shared`).
pub async fn search(
    app: &AppState,
    ctx: &TenantContext,
    q: Option<&str>,
    vault_ref: Option<&str>,
    limit: i64,
) -> Result<Vec<SearchHit>, ApiError> {
    let q = q.map(str::trim).unwrap_or_default();
    if q.is_empty() {
        return Err(ApiError::bad_request(
            "query_required",
            "give the words to find in `q`",
        ));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad_request(
            "query_too_long",
            format!("`q` holds at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let vaults = match vault_ref.filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(vec![vault::resolve(app, ctx, v).await?]),
        None => vault::readable(ctx),
    };
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let hits = notes::search(&mut tx, q, vaults.as_deref(), limit.clamp(1, 100)).await?;
    tx.commit().await?;
    Ok(hits
        .into_iter()
        .map(|h| SearchHit {
            agent_id: h.vault,
            filename: h.path,
            title: h.title,
            snippet: h.snippet,
            score: h.score,
        })
        .collect())
}
