//! Changing an agent's channel credentials. Bridges hear `{agentId, channel}` on the tenant's
//! credentials channel and reconnect the bot; a Slack change also asks slack-svc to rebalance its
//! bots over its instances (spec §3.8.5). Both notices leave with the commit.

use kit::db::TenantTx;
use kit::{ApiError, TenantContext};
use serde_json::json;

use crate::AppState;
use crate::domain::channels::{self, Change, ChannelSpec};
use crate::flows::access::open_agent_for_change;
use crate::flows::notices;
use crate::store::{self, channels::Credential};

/// Creates or partially updates one channel's credentials; answers the agent's id, the channel
/// and the stored row.
pub async fn upsert(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: &str,
    change: Change,
) -> Result<(String, &'static ChannelSpec, Credential), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(&app.platform, ctx, agent_ref).await?;
    let spec = channels::find(channel)?;
    let change = change.normalized();
    change.check(spec)?;
    let current = store::channels::get_for_update(&mut tx, &agent_id, spec.id).await?;
    let row = channels::apply(spec, current, change, &app.secrets, store::now_ms());
    let row = store::channels::put(&mut tx, &agent_id, &row).await?;
    announce(app, &mut tx, &agent_id, spec.id).await?;
    tx.commit().await?;
    Ok((agent_id, spec, row))
}

/// Removes a channel's credentials; removing an unconfigured channel is not an error.
pub async fn remove(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: &str,
) -> Result<(String, &'static ChannelSpec), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(&app.platform, ctx, agent_ref).await?;
    let spec = channels::find(channel)?;
    if store::channels::delete(&mut tx, &agent_id, spec.id).await? {
        announce(app, &mut tx, &agent_id, spec.id).await?;
    }
    tx.commit().await?;
    Ok((agent_id, spec))
}

async fn announce(
    app: &AppState,
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
) -> Result<(), ApiError> {
    let keys = &app.platform.keys;
    let tenant = tx.tenant().clone();
    let message = json!({ "agentId": agent_id, "channel": channel });
    notices::append(tx, &keys.channel_credentials_changed(&tenant), &message).await?;
    if channel == "slack" {
        let trigger = json!({ "tenantId": tenant, "agentId": agent_id });
        notices::append(tx, &keys.slack_rebalance_trigger(), &trigger).await?;
    }
    Ok(())
}
