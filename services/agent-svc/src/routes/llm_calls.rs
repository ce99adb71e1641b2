//! The LLM call log: runtimes append (`POST /v1/internal/llm-calls`), users list
//! (`/v1/llm-calls`, `/v1/admin/llm-calls`) and see their own usage (`/v1/usage/me`)
//! (contract §1.3 llm_calls and user_usage rows).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kit::auth::scope::{AnyCaller, UserOnly};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::llm_calls::{CallFilter, RecordLlmCall, USAGE_STATUSES, USAGE_TYPES};
use crate::domain::validate::{err, finish};
use crate::flows::access::open_agent;
use crate::routes::support::{ValidQuery, check_page, default_limit, present, require_admin};
use crate::store::{
    self,
    llm_calls::{CallSummary, LlmCall, UsageRow, UsageSummary},
};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record))
        .routes(routes!(list))
        .routes(routes!(admin_list))
        .routes(routes!(my_usage))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: String,
    pub ok: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LlmCallListResponse {
    pub calls: Vec<LlmCall>,
    pub total: i64,
    pub has_more: bool,
    pub summary: CallSummary,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: Option<String>,
    /// 1 to 500 (default 50).
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminListQuery {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: Option<String>,
    pub user_id: Option<String>,
    pub provider: Option<String>,
    pub key_source: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        finish(e)
    }
}

impl Validate for AdminListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        finish(e)
    }
}

/// Records one call of an agent of the caller's tenant: the engine (service credential) for any
/// of its agents, an agent credential only for itself; users 403, unknown agents 404.
#[utoipa::path(post, path = "/v1/internal/llm-calls", tag = "llm_calls", request_body = RecordLlmCall,
    responses((status = 201, body = Recorded), (status = 403), (status = 404), (status = 422)))]
async fn record(
    State(platform): State<Platform>,
    AnyCaller(ctx): AnyCaller,
    ValidJson(mut body): ValidJson<RecordLlmCall>,
) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    if ctx.kind() == TokenKind::User {
        return Err(ApiError::forbidden(
            "calls are recorded by runtimes and services",
        ));
    }
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &body.agent_id).await?;
    body.agent_id = agent_id;
    let id = store::llm_calls::insert(&mut tx, &body, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Recorded { id, ok: true })))
}

async fn page(
    platform: &Platform,
    ctx: &TenantContext,
    filter: &CallFilter,
    limit: i64,
    offset: i64,
) -> Result<LlmCallListResponse, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let (calls, summary) = store::llm_calls::list(&mut tx, filter, limit, offset).await?;
    tx.commit().await?;
    Ok(LlmCallListResponse {
        has_more: offset.saturating_add(i64::try_from(calls.len()).unwrap_or(0))
            < summary.total_calls,
        total: summary.total_calls,
        calls,
        summary,
    })
}

/// The tenant's calls, newest first, filtered by session, run or agent. An agent credential
/// sees only its own agent's calls.
#[utoipa::path(get, path = "/v1/llm-calls", tag = "llm_calls", params(ListQuery),
    responses((status = 200, body = LlmCallListResponse), (status = 403), (status = 422)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<ListQuery>,
) -> Result<Json<LlmCallListResponse>, ApiError> {
    let agent_id = present(&q.agent_id).or_else(|| ctx.agent_id().map(str::to_owned));
    if let Some(agent) = &agent_id {
        ctx.require_access_to_agent(agent)?;
    } else if ctx.kind() == TokenKind::Agent {
        return Err(ApiError::forbidden(
            "agent credentials list only their own agent",
        ));
    }
    let filter = CallFilter {
        session_id: present(&q.session_id),
        run_id: present(&q.run_id),
        agent_id,
        ..CallFilter::default()
    };
    Ok(Json(
        page(&platform, &ctx, &filter, q.limit, q.offset).await?,
    ))
}

/// Every call of the tenant with more filters (tenant admins).
#[utoipa::path(get, path = "/v1/admin/llm-calls", tag = "llm_calls", params(AdminListQuery),
    responses((status = 200, body = LlmCallListResponse), (status = 403), (status = 422)))]
async fn admin_list(
    State(platform): State<Platform>,
    ctx: TenantContext,
    ValidQuery(q): ValidQuery<AdminListQuery>,
) -> Result<Json<LlmCallListResponse>, ApiError> {
    require_admin(&ctx)?;
    let filter = CallFilter {
        session_id: present(&q.session_id),
        run_id: present(&q.run_id),
        agent_id: present(&q.agent_id),
        user_id: present(&q.user_id),
        provider: present(&q.provider),
        key_source: present(&q.key_source),
    };
    Ok(Json(
        page(&platform, &ctx, &filter, q.limit, q.offset).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// `chat` or `run` (the reference's `type` is accepted too).
    #[serde(alias = "type")]
    pub item_type: Option<String>,
    /// `active`, `completed` or `failed` (or `status`).
    #[serde(alias = "status")]
    pub status_filter: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl Validate for UsageQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        if present(&self.item_type).is_some_and(|t| !USAGE_TYPES.contains(&t.as_str())) {
            e.push(err("item_type", "must be chat or run"));
        }
        if present(&self.status_filter).is_some_and(|s| !USAGE_STATUSES.contains(&s.as_str())) {
            e.push(err("status_filter", "must be active, completed or failed"));
        }
        finish(e)
    }
}

/// One chat session or run of the user, folded from its calls.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUsageItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub agent_id: String,
    pub status: String,
    pub created_at: i64,
    /// The last call's time once the item is no longer active.
    pub completed_at: Option<i64>,
    pub last_call_at: i64,
    pub model: Option<String>,
    #[schema(value_type = Object)]
    pub key_resolution: serde_json::Value,
    pub llm_calls: i64,
    pub total_tokens: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_cost: f64,
}

impl From<UsageRow> for UserUsageItem {
    fn from(r: UsageRow) -> Self {
        Self {
            completed_at: (r.status != "active").then_some(r.last_call_at),
            key_resolution: json!({"source": r.key_source, "maskedKey": r.key_masked}),
            id: r.item_id,
            kind: r.kind,
            agent_id: r.agent_id,
            status: r.status,
            created_at: r.created_at,
            last_call_at: r.last_call_at,
            model: r.model,
            llm_calls: r.llm_calls,
            total_tokens: r.total_tokens,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            total_cost: r.total_cost,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUsageResponse {
    pub items: Vec<UserUsageItem>,
    pub total: i64,
    pub has_more: bool,
    pub summary: UsageSummary,
}

/// The caller's own usage: their chat sessions and runs, newest first, and totals.
#[utoipa::path(get, path = "/v1/usage/me", tag = "user_usage", params(UsageQuery),
    responses((status = 200, body = UserUsageResponse), (status = 403), (status = 422)))]
async fn my_usage(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidQuery(q): ValidQuery<UsageQuery>,
) -> Result<Json<UserUsageResponse>, ApiError> {
    let (kind, status) = (present(&q.item_type), present(&q.status_filter));
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let (rows, total) = store::llm_calls::usage(
        &mut tx,
        ctx.subject(),
        kind.as_deref(),
        status.as_deref(),
        q.limit,
        q.offset,
    )
    .await?;
    let summary = store::llm_calls::usage_summary(&mut tx, ctx.subject()).await?;
    tx.commit().await?;
    let has_more = q
        .offset
        .saturating_add(i64::try_from(rows.len()).unwrap_or(0))
        < total;
    Ok(Json(UserUsageResponse {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        has_more,
        summary,
    }))
}
