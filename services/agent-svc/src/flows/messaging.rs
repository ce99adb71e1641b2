//! Changing an agent's messaging allow-list. Runtimes drop their cached list when
//! `{agent_id, channel}` arrives on the tenant's permissions channel (the reference's shape); the
//! notice leaves with the commit.

use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};
use serde_json::json;

use crate::domain::messaging::check_channel;
use crate::flows::access::{open_agent, open_agent_for_change};
use crate::flows::notices;
use crate::store::{self, messaging::Permission};

/// One allowed target: `(target, label)`.
pub type Target<'a> = (&'a str, Option<&'a str>);

/// The agent's id and its permissions, of one channel when `channel` is given (400 for a channel
/// that is not telegram, whatsapp or signal).
pub async fn list(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: Option<&str>,
) -> Result<(String, Vec<Permission>), ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    if let Some(channel) = channel {
        check_channel(channel)?;
    }
    let rows = store::messaging::list(&mut tx, &agent_id, channel).await?;
    tx.commit().await?;
    Ok((agent_id, rows))
}

/// Adds one permission; 409 `permission_exists` when the target is already allowed.
pub async fn add(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: &str,
    (target, label): Target<'_>,
) -> Result<(String, Permission), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(platform, ctx, agent_ref).await?;
    check_channel(channel)?;
    let now = store::now_ms();
    let row = store::messaging::insert(&mut tx, &agent_id, channel, target, label, now).await?;
    announce(platform, &mut tx, &agent_id, channel).await?;
    tx.commit().await?;
    Ok((agent_id, row))
}

/// Replaces one channel's permissions atomically: all of the new set or none of it. Every
/// listed permission must name `channel` (`listed`: the channel each one names).
pub async fn replace(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    channel: &str,
    listed: &[(&str, Target<'_>)],
) -> Result<(String, Vec<Permission>), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(platform, ctx, agent_ref).await?;
    check_channel(channel)?;
    if let Some((other, _)) = listed.iter().find(|(c, _)| *c != channel) {
        return Err(ApiError::bad_request(
            "channel_mismatch",
            format!("all permissions must use channel `{channel}`, got `{other}`"),
        ));
    }
    store::messaging::clear_channel(&mut tx, &agent_id, channel).await?;
    let now = store::now_ms();
    let mut rows = Vec::with_capacity(listed.len());
    for (_, (target, label)) in listed {
        rows.push(
            store::messaging::insert(&mut tx, &agent_id, channel, target, *label, now).await?,
        );
    }
    announce(platform, &mut tx, &agent_id, channel).await?;
    tx.commit().await?;
    Ok((agent_id, rows))
}

/// Removes one permission of the agent.
pub async fn remove(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    permission_id: i64,
) -> Result<(), ApiError> {
    let (mut tx, agent_id) = open_agent_for_change(platform, ctx, agent_ref).await?;
    let channel = store::messaging::delete(&mut tx, &agent_id, permission_id).await?;
    announce(platform, &mut tx, &agent_id, &channel).await?;
    tx.commit().await?;
    Ok(())
}

async fn announce(
    platform: &Platform,
    tx: &mut TenantTx,
    agent_id: &str,
    channel: &str,
) -> Result<(), ApiError> {
    let name = platform.keys.messaging_permissions_changed(tx.tenant());
    let message = json!({ "agent_id": agent_id, "channel": channel });
    notices::append(tx, &name, &message).await
}
