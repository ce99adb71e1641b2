//! `/v1/agents/{agent_id}/messaging-permissions`: the chat ids, phone numbers and groups an
//! agent's messaging tools may send to, per channel (telegram, whatsapp, signal). An allow-list,
//! so only users and services change it; the agent reads its own.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::messaging::check_channel;
use crate::domain::validate::{MAX_SHORT, err, finish, name, text};
use crate::flows;
use crate::flows::access::open_agent;
use crate::store::{self, messaging::Permission};

const MAX_BULK: usize = 1000;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create, replace))
        .routes(routes!(remove))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PermissionView {
    pub id: i64,
    pub agent_id: String,
    pub channel: String,
    pub target: String,
    pub label: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PermissionView {
    fn new(agent_id: &str, p: Permission) -> Self {
        Self {
            id: p.id,
            agent_id: agent_id.to_owned(),
            channel: p.channel,
            target: p.target,
            label: p.label,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionList {
    pub permissions: Vec<PermissionView>,
    pub total: usize,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PermissionRemoved {
    pub status: &'static str,
    pub id: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only this channel (telegram, whatsapp, signal).
    pub channel: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePermission {
    pub channel: String,
    pub target: String,
    pub label: Option<String>,
}

impl CreatePermission {
    fn check(&self, at: &str, errors: &mut Vec<FieldError>) {
        name(&format!("{at}target"), &self.target, MAX_SHORT, errors);
        text(
            &format!("{at}label"),
            self.label.as_deref(),
            MAX_SHORT,
            errors,
        );
    }
}

impl Validate for CreatePermission {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.check("", &mut errors);
        finish(errors)
    }
}

/// Replaces all of one channel's permissions; an empty list removes them all.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkSetPermissions {
    pub channel: String,
    pub permissions: Vec<CreatePermission>,
}

impl Validate for BulkSetPermissions {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.permissions.len() > MAX_BULK {
            errors.push(err("permissions", format!("at most {MAX_BULK} entries")));
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.permissions.iter().enumerate() {
            p.check(&format!("permissions[{i}]."), &mut errors);
            if !seen.insert(p.target.trim()) {
                errors.push(err(&format!("permissions[{i}].target"), "is listed twice"));
            }
        }
        finish(errors)
    }
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", params(ListQuery),
    responses((status = 200, body = PermissionList), (status = 400), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Json<PermissionList>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    if let Some(channel) = &q.channel {
        check_channel(channel)?;
    }
    let rows = store::messaging::list(&mut tx, &agent_id, q.channel.as_deref()).await?;
    tx.commit().await?;
    Ok(Json(to_list(&agent_id, rows)))
}

/// Adds one permission; 409 `permission_exists` when the target is already allowed.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", request_body = CreatePermission,
    responses((status = 201, body = PermissionView), (status = 400), (status = 403),
        (status = 404), (status = 409), (status = 422)))]
async fn create(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<CreatePermission>,
) -> Result<(StatusCode, Json<PermissionView>), ApiError> {
    let target = (body.target.trim(), body.label.as_deref());
    let (agent_id, row) =
        flows::messaging::add(&app.platform, &ctx, &agent_id, &body.channel, target).await?;
    Ok((
        StatusCode::CREATED,
        Json(PermissionView::new(&agent_id, row)),
    ))
}

/// Replaces one channel's permissions atomically: all of the new set or none of it.
#[utoipa::path(put, path = "/v1/agents/{agent_id}/messaging-permissions",
    tag = "agent-messaging-permissions", request_body = BulkSetPermissions,
    responses((status = 200, body = PermissionList), (status = 400), (status = 403),
        (status = 404), (status = 422)))]
async fn replace(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<BulkSetPermissions>,
) -> Result<Json<PermissionList>, ApiError> {
    let listed: Vec<_> = body
        .permissions
        .iter()
        .map(|p| (p.channel.as_str(), (p.target.trim(), p.label.as_deref())))
        .collect();
    let (agent_id, rows) =
        flows::messaging::replace(&app.platform, &ctx, &agent_id, &body.channel, &listed).await?;
    Ok(Json(to_list(&agent_id, rows)))
}

#[utoipa::path(delete, path = "/v1/agents/{agent_id}/messaging-permissions/{permission_id}",
    tag = "agent-messaging-permissions",
    responses((status = 200, body = PermissionRemoved), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, permission_id)): Path<(String, i64)>,
) -> Result<Json<PermissionRemoved>, ApiError> {
    flows::messaging::remove(&app.platform, &ctx, &agent_id, permission_id).await?;
    Ok(Json(PermissionRemoved {
        status: "ok",
        id: permission_id,
    }))
}

fn to_list(agent_id: &str, rows: Vec<Permission>) -> PermissionList {
    let permissions: Vec<_> = rows
        .into_iter()
        .map(|p| PermissionView::new(agent_id, p))
        .collect();
    PermissionList {
        total: permissions.len(),
        permissions,
    }
}
