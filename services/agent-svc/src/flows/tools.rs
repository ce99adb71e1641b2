//! Changing an agent's tool overrides; running runtimes of the agent hear
//! `tools:overrides-changed` (the reference's `{agent_id}`) and re-read `/tools/disabled`.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use serde_json::json;

use crate::flows::access::{open_agent, open_agent_for_change};
use crate::flows::notices;
use crate::store::{self, tools::Override};

/// The agent's id and the overrides that exist; a tool absent here is enabled.
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<(String, Vec<Override>), ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let rows = store::tools::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok((agent_id, rows))
}

/// The names of the agent's disabled tools, sorted.
pub async fn disabled(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<Vec<String>, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let names = store::tools::disabled(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(names)
}

/// Sets every `(tool, enabled)` in one transaction; answers the agent's id and the rows saved.
pub async fn set_overrides(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    changes: &[(&str, bool)],
    updated_by: Option<&str>,
) -> Result<(String, Vec<Override>), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(platform, ctx, agent_ref).await?;
    if changes.is_empty() {
        return Err(ApiError::bad_request(
            "empty_overrides",
            "overrides list must not be empty",
        ));
    }
    let by = updated_by.unwrap_or(ctx.subject()).trim();
    let now = store::now_ms();
    let mut saved = Vec::with_capacity(changes.len());
    for (tool, enabled) in changes {
        saved.push(store::tools::upsert(&mut tx, &agent_id, tool, *enabled, by, now).await?);
    }
    announce(platform, &mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok((agent_id, saved))
}

/// Removes one override (the tool is enabled again); a missing one is not an error.
pub async fn remove_override(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    tool_name: &str,
) -> Result<(), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(platform, ctx, agent_ref).await?;
    if store::tools::delete(&mut tx, &agent_id, tool_name).await? {
        announce(platform, &mut tx, &agent_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn announce(platform: &Platform, tx: &mut TenantTx, agent_id: &str) -> Result<(), ApiError> {
    let channel = platform.keys.tools_overrides_changed(tx.tenant());
    notices::append(tx, &channel, &json!({ "agent_id": agent_id })).await
}
