//! Changing an agent's channel credentials. Bridges hear `{agentId, channel}` on the tenant's
//! credentials channel and reconnect the bot; a Slack change also asks slack-svc to rebalance its
//! bots over its instances (spec §3.8.5). Both notices leave with the commit.

use std::collections::BTreeMap;

use kit::db::TenantTx;
use kit::{ApiError, TenantContext};
use serde_json::json;

use crate::AppState;
use crate::api::channels::{ChannelKey, ChannelKeys, ChannelView};
use crate::domain::channels::{self, CATALOG, Change, ChannelSpec};
use crate::flows::access::{open_agent, open_agent_for_change, require_minted_service};
use crate::flows::notices;
use crate::store::{self, channels::Credential};

/// Every catalog channel, configured or not, tokens masked.
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<Vec<ChannelView>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_ref).await?;
    let rows = store::channels::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let view = |spec: &ChannelSpec| {
        let row = rows.iter().find(|r| r.channel == spec.id);
        ChannelView::new(&agent_id, spec, row)
    };
    Ok(CATALOG.iter().map(view).collect())
}

/// One catalog channel; 404 for a channel the catalog does not know.
pub async fn get(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: &str,
) -> Result<ChannelView, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_ref).await?;
    let spec = channels::find(channel)?;
    let row = store::channels::get(&mut tx, &agent_id, spec.id).await?;
    tx.commit().await?;
    Ok(ChannelView::new(&agent_id, spec, row.as_ref()))
}

/// The enabled channels' tokens in clear, for the bridges (the caller is a service).
pub async fn keys(
    app: &AppState,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<ChannelKeys, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, ctx, agent_ref).await?;
    require_minted_service(ctx)?;
    let rows = store::channels::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let reveal = |token: Option<String>| {
        token
            .map(|t| app.secrets.decrypt(&t).map_err(ApiError::internal))
            .transpose()
    };
    let mut channels = BTreeMap::new();
    for row in rows.into_iter().filter(|r| r.enabled) {
        let key = ChannelKey {
            primary_token: reveal(row.primary_token)?,
            secondary_token: reveal(row.secondary_token)?,
            extra: row.extra_config.0,
        };
        channels.insert(row.channel, key);
    }
    Ok(ChannelKeys { channels })
}

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
