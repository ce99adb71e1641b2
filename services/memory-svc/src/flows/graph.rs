//! A vault's link graph, built from the index (after picking up files written by runtimes).

use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::domain::graph::{self, Graph};
use crate::flows::{index, vault};
use crate::store::notes;

/// The graph of the vault `vault_ref` names, with the vault's id and what the sync did.
pub async fn graph(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
) -> Result<(String, Graph, index::Synced), ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    let synced = index::sync(app, &ctx.tenant_id, &name).await?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let (notes, links) = notes::graph_rows(&mut tx, &name).await?;
    tx.commit().await?;
    Ok((name, graph::build(&notes, &links), synced))
}

pub async fn neighbors(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    node: &str,
    hops: u32,
) -> Result<Graph, ApiError> {
    let (_, whole, _) = graph(app, ctx, vault_ref).await?;
    let node = node.strip_suffix(".md").unwrap_or(node);
    graph::neighbors(&whole, node, hops.clamp(1, graph::MAX_HOPS)).ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "node_not_found",
            "no such node in this vault's graph",
        )
    })
}
