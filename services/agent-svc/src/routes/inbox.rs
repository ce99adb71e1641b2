//! `/v1/agents/{agent_id}/inbox`: messages to an agent from users, services and other agents of
//! the tenant. Anyone of the tenant may write to an agent's inbox (agents message each other
//! with their own tokens); only the agent itself, users and services read and tidy it.

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
use crate::domain::inbox::{self, InboxFilter, MessageType, Priority};
use crate::domain::validate::{self, MAX_SHORT, err, finish};
use crate::flows::access::open_agent;
use crate::routes::queue::{ConfirmClear, require_confirm};
use crate::store::{self, inbox::Message, inbox::NewMessage};

const MAX_BODY: usize = 64 * 1024;
const MAX_MARK: usize = 1000;

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, send))
        .routes(routes!(mark_read))
        .routes(routes!(clear))
        .routes(routes!(get_one))
}

/// A message as the reference answers it (`body` and `message` carry the same text).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: String,
    pub from: String,
    pub from_agent_id: Option<String>,
    pub to: String,
    #[serde(rename = "type")]
    pub kind: MessageType,
    pub priority: Priority,
    pub subject: Option<String>,
    pub body: String,
    pub message: String,
    pub run_context: Option<String>,
    pub step_context: Option<String>,
    pub timestamp: i64,
    pub read: bool,
    pub read_at: Option<i64>,
}

impl MessageView {
    fn new(agent_id: &str, m: Message) -> Self {
        Self {
            id: m.id,
            from: m.sender,
            from_agent_id: m.from_agent_id,
            to: agent_id.to_owned(),
            kind: MessageType::parse(&m.kind),
            priority: Priority::parse(&m.priority),
            subject: m.subject,
            message: m.body.clone(),
            body: m.body,
            run_context: m.run_context,
            step_context: m.step_context,
            timestamp: m.created_at,
            read: m.read_at.is_some(),
            read_at: m.read_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxPage {
    pub messages: Vec<MessageView>,
    pub total_count: i64,
    pub unread_count: i64,
    pub has_more: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    #[serde(default)]
    #[param(value_type = String)]
    pub filter: InboxFilter,
    /// 1 to 1000, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendInboxMessage {
    /// Who the message is from, as shown to the agent (a name, `user`, `engine`, ...).
    #[serde(rename = "from")]
    pub from_: String,
    /// The sending agent: filled in for agent callers; users and services may name one.
    pub from_agent_id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: MessageType,
    #[serde(default)]
    pub priority: Priority,
    pub subject: Option<String>,
    pub body: String,
    pub run_context: Option<String>,
    pub step_context: Option<String>,
}

impl Validate for SendInboxMessage {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("from", &self.from_, MAX_SHORT, &mut errors);
        if self.body.trim().is_empty() {
            errors.push(err("body", "must not be empty"));
        }
        validate::text("body", Some(&self.body), MAX_BODY, &mut errors);
        validate::text("subject", self.subject.as_deref(), 512, &mut errors);
        validate::text("runContext", self.run_context.as_deref(), 256, &mut errors);
        validate::text(
            "stepContext",
            self.step_context.as_deref(),
            256,
            &mut errors,
        );
        validate::text(
            "fromAgentId",
            self.from_agent_id.as_deref(),
            128,
            &mut errors,
        );
        finish(errors)
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkRead {
    pub message_ids: Vec<String>,
}

impl Validate for MarkRead {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.message_ids.len() > MAX_MARK {
            return Err(vec![err("messageIds", format!("at most {MAX_MARK} ids"))]);
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboxMarked {
    pub marked: u64,
    pub unread_count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxCleared {
    pub cleared: bool,
    /// How many messages went.
    pub deleted: u64,
}

/// Newest first, filtered and paged.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = InboxPage), (status = 403), (status = 404), (status = 422)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    Query(q): Query<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let (limit, offset) = (q.limit.unwrap_or(100), q.offset.unwrap_or(0));
    if !(1..=1000).contains(&limit) {
        return Err(validate::field_error("limit", "must be between 1 and 1000"));
    }
    if offset < 0 {
        return Err(validate::field_error("offset", "must not be negative"));
    }
    let (rows, total_count) =
        store::inbox::page(&mut tx, &agent_id, q.filter, limit, offset).await?;
    let unread_count = store::inbox::unread_count(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let shown = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    Ok(Json(InboxPage {
        messages: rows
            .into_iter()
            .map(|m| MessageView::new(&agent_id, m))
            .collect(),
        total_count,
        unread_count,
        has_more: offset.saturating_add(shown) < total_count,
    }))
}

/// Sends a message to the agent: any credential of the tenant, agents only as themselves.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox", tag = "inbox", request_body = SendInboxMessage,
    responses((status = 201, body = MessageView), (status = 403), (status = 404), (status = 422)))]
async fn send(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<SendInboxMessage>,
) -> Result<(StatusCode, Json<MessageView>), ApiError> {
    let mut tx = app.platform.db.begin_tenant(&ctx).await?;
    // Not `open_agent`: writing to another agent's inbox is allowed, reading it is not.
    let agent_id = store::agents::resolve(&mut tx, &agent_id).await?;
    let from_agent = inbox::sender_agent(&ctx, body.from_agent_id.as_deref())?;
    if let Some(sender) = &from_agent {
        store::agents::require(&mut tx, sender).await?;
    }
    let new = NewMessage {
        sender: body.from_.trim(),
        from_agent_id: from_agent.as_deref(),
        kind: body.kind.as_str(),
        priority: body.priority.as_str(),
        subject: body.subject.as_deref(),
        body: &body.body,
        run_context: body.run_context.as_deref(),
        step_context: body.step_context.as_deref(),
    };
    let message = store::inbox::insert(&mut tx, &agent_id, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(MessageView::new(&agent_id, message)),
    ))
}

/// Marks messages read; ids that are not the agent's unread messages are ignored.
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox/mark-read", tag = "inbox",
    request_body = MarkRead, responses((status = 200, body = InboxMarked), (status = 404)))]
async fn mark_read(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<MarkRead>,
) -> Result<Json<InboxMarked>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let marked =
        store::inbox::mark_read(&mut tx, &agent_id, &body.message_ids, store::now_ms()).await?;
    let unread_count = store::inbox::unread_count(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(InboxMarked {
        marked,
        unread_count,
    }))
}

/// Deletes every message; needs `confirm: true` (400 `confirm_required` otherwise).
#[utoipa::path(post, path = "/v1/agents/{agent_id}/inbox/clear", tag = "inbox",
    request_body = ConfirmClear,
    responses((status = 200, body = InboxCleared), (status = 400), (status = 404)))]
async fn clear(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(body): ValidJson<ConfirmClear>,
) -> Result<Json<InboxCleared>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    require_confirm(body.confirm, "inbox")?;
    let deleted = store::inbox::clear(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(InboxCleared {
        cleared: true,
        deleted,
    }))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/inbox/{message_id}", tag = "inbox",
    responses((status = 200, body = MessageView), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, message_id)): Path<(String, String)>,
) -> Result<Json<MessageView>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let message = store::inbox::get(&mut tx, &agent_id, &message_id).await?;
    tx.commit().await?;
    let message = message.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "message_not_found",
            "message not found",
        )
    })?;
    Ok(Json(MessageView::new(&agent_id, message)))
}
