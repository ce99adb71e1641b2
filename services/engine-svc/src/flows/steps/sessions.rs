//! Activity sessions (one per step attempt) as the dashboard lists them.

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::flows::runs::agents::Lookup;
use crate::flows::steps::session_events::{self, Change};
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

/// Records a session an executor started (409 `session_exists` for a taken id).
pub async fn create(
    app: &AppState,
    tenant: &TenantId,
    new: &store::sessions::NewSession<'_>,
) -> Result<SessionRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    if !store::sessions::insert(&mut tx, new, now).await? {
        return Err(ApiError::conflict(
            "session_exists",
            "a session with this id exists",
        ));
    }
    let row = store::sessions::get(&mut tx, new.id)
        .await?
        .ok_or_else(session_not_found)?;
    session_events::row_changed(&mut tx, Change::Created, &row).await?;
    tx.commit().await?;
    Ok(row)
}

fn ended() -> ApiError {
    ApiError::conflict("session_ended", "the session has ended")
}

/// `starting` → `running` (or any non-final status change); 409 once it has ended.
pub async fn set_status(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    status: &str,
) -> Result<SessionRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    if !store::sessions::set_status(&mut tx, id, status, now).await? {
        return Err(ended());
    }
    let row = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    session_events::row_changed(&mut tx, Change::Status, &row).await?;
    tx.commit().await?;
    Ok(row)
}

pub struct Completion<'a> {
    pub status: &'a str,
    pub output: Option<&'a str>,
    pub error: Option<&'a str>,
    pub turn_count: Option<i32>,
}

pub async fn complete(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    done: &Completion<'_>,
) -> Result<SessionRow, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    let recorded = store::sessions::complete(
        &mut tx,
        id,
        done.status,
        done.output,
        done.error,
        done.turn_count,
        now,
    )
    .await?;
    if !recorded {
        return Err(ended());
    }
    let row = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    session_events::row_changed(&mut tx, Change::Ended, &row).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn add_event(
    app: &AppState,
    tenant: &TenantId,
    id: &str,
    event_type: &str,
    timestamp: Option<i64>,
    data: &serde_json::Value,
) -> Result<i64, ApiError> {
    let now = app.platform.clock.now_ms();
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let row = store::sessions::get(&mut tx, id)
        .await?
        .ok_or_else(session_not_found)?;
    let event =
        store::sessions::add_event(&mut tx, id, event_type, timestamp.unwrap_or(now), data).await?;
    session_events::event_added(&mut tx, &row, event_type, data).await?;
    tx.commit().await?;
    Ok(event)
}
