//! `/v1/agents/{agent_id}/work-locks`: an agent's runtimes take and give back work locks (the
//! agent token for its own agent only; the tenant's users and services for any of its agents).
//! The locks are read in the fleet, lifecycle and work-ledger views and streamed by sse-relay
//! (`/v1/events/work-locks/{agent}`). Types in `api::work_locks`, use cases in
//! `flows::work_locks`; docs/agents/work-locks.md.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kit::extract::ValidJson;
use kit::{ApiError, Platform, TenantContext};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::work_locks::{AcquireWorkLock, WorkLockAcquired, WorkLockHeld, WorkLockReleased};
use crate::flows::work_locks::{self as flow, Acquired};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(acquire))
        .routes(routes!(release))
}

/// Takes the lock `key` for the caller's run or session until `ttlSeconds` pass: 409
/// `work_lock_held` with the holder when another live holder has it (an expired one is taken
/// over; the same holder renews). WORK_LOCK_ACQUIRED.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/work-locks", tag = "lifecycle",
    params(("agent_id" = String, Path)), request_body = AcquireWorkLock,
    responses((status = 200, body = WorkLockAcquired), (status = 403), (status = 404),
        (status = 409, body = WorkLockHeld), (status = 422)))]
async fn acquire(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(req): ValidJson<AcquireWorkLock>,
) -> Result<Response, ApiError> {
    let key = req.key.clone();
    Ok(
        match flow::acquire(&platform, &ctx, &agent_id, req).await? {
            Acquired::Taken {
                lock_id,
                expires_at,
            } => Json(WorkLockAcquired {
                acquired: true,
                lock_id,
                expires_at,
            })
            .into_response(),
            Acquired::Held(holder) => (
                StatusCode::CONFLICT,
                Json(WorkLockHeld {
                    detail: format!("the work lock `{key}` is held by another run or session"),
                    code: "work_lock_held".to_owned(),
                    holder,
                }),
            )
                .into_response(),
        },
    )
}

/// Gives the agent's lock back; idempotent (`released: false` when there was none).
/// WORK_LOCK_RELEASED when one was removed.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/work-locks/{key}", tag = "lifecycle",
    params(("agent_id" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = WorkLockReleased), (status = 403), (status = 404),
        (status = 422)))]
async fn release(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, key)): Path<(String, String)>,
) -> Result<Json<WorkLockReleased>, ApiError> {
    let released = flow::release(&platform, &ctx, &agent_id, &key).await?;
    Ok(Json(WorkLockReleased {
        released,
        lock_id: key,
    }))
}
