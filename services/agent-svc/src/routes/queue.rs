//! `/v1/agents/{agent_id}/queue`: work waiting for an agent. engine-svc enqueues with a service
//! token and takes items off with `DELETE .../queue/{item_id}` when it starts them; users (and
//! the agent) read the queue and cancel items.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::ServiceOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::inbox::Priority;
use crate::domain::validate::{self, MAX_SHORT, err, finish};
use crate::flows::access::open_agent;
use crate::store::{self, queue::NewItem};

/// Largest payload of one item, serialized.
const MAX_PAYLOAD: usize = 64 * 1024;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, enqueue))
        .routes(routes!(cancel))
        .routes(routes!(clear))
        .routes(routes!(take))
}

/// The reference's `QueueItem` plus what a non-pipeline item needs (kind, title, payload).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    pub priority: Priority,
    pub queued_at: i64,
    pub estimated_duration: Option<i64>,
}

impl From<store::queue::QueueItem> for QueueItem {
    fn from(i: store::queue::QueueItem) -> Self {
        Self {
            id: i.id,
            kind: i.kind,
            title: i.title,
            run_id: i.run_id,
            step: i.step,
            payload: i.payload.0,
            priority: Priority::parse(&i.priority),
            queued_at: i.created_at,
            estimated_duration: i.estimated_duration,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueResponse {
    pub items: Vec<QueueItem>,
    pub length: usize,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnqueueItem {
    /// What sort of work: `step`, `pulse`, `task`, ... (lower-case, digits, hyphens).
    pub kind: String,
    #[serde(default)]
    pub title: String,
    pub run_id: Option<String>,
    pub step: Option<String>,
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[serde(default)]
    pub priority: Priority,
    pub estimated_duration: Option<i64>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl Validate for EnqueueItem {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if !validate::is_slug(&self.kind) || self.kind.len() > 32 {
            errors.push(err(
                "kind",
                "must be 1 to 32 lower-case letters, digits or inner hyphens",
            ));
        }
        validate::text("title", Some(&self.title), MAX_SHORT, &mut errors);
        for (path, value) in [("runId", &self.run_id), ("step", &self.step)] {
            if let Some(v) = value
                && (v.is_empty() || v.len() > 128 || v.chars().any(char::is_control))
            {
                errors.push(err(
                    path,
                    "must be 1 to 128 bytes without control characters",
                ));
            }
        }
        if !self.payload.is_object() {
            errors.push(err("payload", "must be a JSON object"));
        } else if self.payload.to_string().len() > MAX_PAYLOAD {
            errors.push(err(
                "payload",
                format!("must be at most {MAX_PAYLOAD} bytes"),
            ));
        }
        if self.estimated_duration.is_some_and(|d| d < 0) {
            errors.push(err("estimatedDuration", "must not be negative"));
        }
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueCancel {
    pub item_id: String,
}

impl Validate for QueueCancel {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueCancelResponse {
    pub cancelled: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmClear {
    pub confirm: bool,
}

impl Validate for ConfirmClear {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QueueClearResponse {
    pub cleared: u64,
}

/// The queued items, oldest first.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/queue", tag = "queue",
    responses((status = 200, body = QueueResponse), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<QueueResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let rows = store::queue::queued(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let items: Vec<QueueItem> = rows.into_iter().map(QueueItem::from).collect();
    Ok(Json(QueueResponse {
        length: items.len(),
        items,
    }))
}

/// Adds work for the agent (services of the tenant, e.g. engine-svc).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue", tag = "queue", request_body = EnqueueItem,
    responses((status = 201, body = QueueItem), (status = 403), (status = 404), (status = 422)))]
async fn enqueue(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<EnqueueItem>,
) -> Result<(StatusCode, Json<QueueItem>), ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let new = NewItem {
        priority: body.priority.as_str(),
        kind: body.kind,
        title: body.title,
        run_id: body.run_id,
        step: body.step,
        payload: body.payload,
        estimated_duration: body.estimated_duration,
    };
    let item = store::queue::insert(&mut tx, &agent_id, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(item.into())))
}

/// Cancels one queued item; `cancelled: false` when it was not queued.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue/cancel", tag = "queue",
    request_body = QueueCancel,
    responses((status = 200, body = QueueCancelResponse), (status = 404)))]
async fn cancel(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<QueueCancel>,
) -> Result<Json<QueueCancelResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let n = store::queue::cancel(&mut tx, &agent_id, Some(&body.item_id)).await?;
    tx.commit().await?;
    Ok(Json(QueueCancelResponse { cancelled: n > 0 }))
}

/// Cancels everything queued; needs `confirm: true` (400 `confirm_required` otherwise).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/queue/clear", tag = "queue",
    request_body = ConfirmClear,
    responses((status = 200, body = QueueClearResponse), (status = 400), (status = 404)))]
async fn clear(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<ConfirmClear>,
) -> Result<Json<QueueClearResponse>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    require_confirm(body.confirm, "queue")?;
    let cleared = store::queue::cancel(&mut tx, &agent_id, None).await?;
    tx.commit().await?;
    Ok(Json(QueueClearResponse { cleared }))
}

/// Takes an item off the queue (the consumer started it); 404 when it is not queued.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/queue/{item_id}", tag = "queue",
    responses((status = 204), (status = 404)))]
async fn take(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, item_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    if !store::queue::delete(&mut tx, &agent_id, &item_id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "queue_item_not_found",
            "no such queued item",
        ));
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Destructive bulk operations ask for an explicit yes, as the reference does.
pub fn require_confirm(confirm: bool, what: &str) -> Result<(), ApiError> {
    if confirm {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "confirm_required",
        format!("set confirm=true to clear the {what}"),
    ))
}
