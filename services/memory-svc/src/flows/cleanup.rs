//! Forgetting a deleted agent or tenant. Files first (removing what is already gone is a
//! no-op), then the rows with the event id recorded in the same transaction, so a redelivered
//! event changes nothing and a crash in between is finished by the redelivery.

use kit::ApiError;
use kit::beneath::Beneath;
use kit::db::TenantTx;
use kit::outbox::first_delivery;
use shared_schemas::events::EventEnvelope;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::blocking;
use crate::store::{notes, scores};

/// The consumer name under which applied events are recorded.
pub const CONSUMER: &str = "memory-cleanup";

/// Removes `DATA_PATH/tenants/{t}/vaults/{name}` if it exists.
async fn remove_vault_dir(
    app: &AppState,
    tenant: &TenantId,
    name: Option<&str>,
) -> Result<u64, ApiError> {
    let (paths, tenant, name) = (app.paths.clone(), tenant.clone(), name.map(str::to_owned));
    blocking(move || {
        let Ok(root) = Beneath::open(paths.root()) else {
            return Ok(0);
        };
        let parent = match &name {
            Some(_) => format!("tenants/{}/vaults", tenant.as_str()),
            None => format!("tenants/{}", tenant.as_str()),
        };
        let Ok(dir) = root.open_dir(&parent) else {
            return Ok(0);
        };
        Ok(dir.remove_child_tree(name.as_deref().unwrap_or("vaults"))?)
    })
    .await
}

/// Returns false for a redelivered event.
pub async fn agent_deleted(
    app: &AppState,
    envelope: &EventEnvelope,
    agent_id: &str,
) -> Result<bool, ApiError> {
    remove_vault_dir(app, &envelope.tenant_id, Some(agent_id)).await?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), &envelope.tenant_id).await?;
    if !first_delivery(&mut tx, CONSUMER, envelope.id.as_str()).await? {
        tx.commit().await?;
        return Ok(false);
    }
    notes::delete_vault(&mut tx, agent_id).await?;
    scores::delete_agent(&mut tx, agent_id).await?;
    tx.commit().await?;
    Ok(true)
}

/// The tenant's rows are gone with it; its vault tree goes here.
pub async fn tenant_deleted(app: &AppState, tenant: &TenantId) -> Result<(), ApiError> {
    remove_vault_dir(app, tenant, None).await?;
    Ok(())
}
