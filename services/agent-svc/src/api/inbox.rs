//! Request and response types of the routes in `routes::inbox`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::inbox::{InboxFilter, MessageType, Priority};
use crate::domain::validate::{self, MAX_SHORT, err, finish};
use crate::store::inbox::Message;

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
    pub fn new(agent_id: &str, m: Message) -> Self {
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

pub const MAX_BODY: usize = 64 * 1024;

pub const MAX_MARK: usize = 1000;
