//! Activity sessions (one per step attempt) as the dashboard lists them.

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::runs::agents::Lookup;
use crate::store::{self, sessions::SessionEventRow, sessions::SessionRow};

pub fn session_not_found() -> ApiError {
    ApiError::not_found("session not found")
}

pub async fn list(
    app: &AppState,
    tenant: &TenantId,
    agents: &[String],
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SessionRow>, i64), ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let found = store::sessions::list(&mut tx, agents, status, limit, offset).await?;
    tx.commit().await?;
    Ok(found)
}

/// The sessions of one agent, named by id or by slug (404 when the tenant has no such agent).
pub async fn of_agent(
    app: &AppState,
    tenant: &TenantId,
    agent: &str,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SessionRow>, i64), ApiError> {
    let id = match app.agents.resolve(tenant, agent).await? {
        Lookup::Found(id) => id,
        Lookup::Missing => return Err(ApiError::not_found("agent not found")),
    };
    list(app, tenant, &[id], status, limit, offset).await
}

pub async fn get(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
) -> Result<(SessionRow, Vec<SessionEventRow>), ApiError> {
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let session = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    let events = store::sessions::events(&mut tx, id, 1000).await?;
    tx.commit().await?;
    Ok((session, events))
}
