//! The vocabulary of an agent's two mailboxes: message types and priorities (inbox and queue
//! share the priorities), and the inbox's filters. The strings are the reference's.

use axum::http::StatusCode;
use kit::{ApiError, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    /// A stored value; the column's check constraint allows only the three.
    pub fn parse(stored: &str) -> Self {
        match stored {
            "high" => Self::High,
            "urgent" => Self::Urgent,
            _ => Self::Normal,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    #[default]
    Info,
    ReviewRequest,
    HelpRequest,
    Urgent,
    WorkAssignment,
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::ReviewRequest => "review_request",
            Self::HelpRequest => "help_request",
            Self::Urgent => "urgent",
            Self::WorkAssignment => "work_assignment",
        }
    }

    pub fn parse(stored: &str) -> Self {
        match stored {
            "review_request" => Self::ReviewRequest,
            "help_request" => Self::HelpRequest,
            "urgent" => Self::Urgent,
            "work_assignment" => Self::WorkAssignment,
            _ => Self::Info,
        }
    }
}

/// Which messages `GET /inbox` lists. `urgent` means urgent *priority*, as in the reference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InboxFilter {
    #[default]
    All,
    Unread,
    Urgent,
    ReviewRequest,
    HelpRequest,
}

impl InboxFilter {
    /// The SQL condition on `agent.inbox_messages` (constant text, no input in it).
    pub fn condition(self) -> &'static str {
        match self {
            Self::All => "true",
            Self::Unread => "read_at is null",
            Self::Urgent => "priority = 'urgent'",
            Self::ReviewRequest => "type = 'review_request'",
            Self::HelpRequest => "type = 'help_request'",
        }
    }
}

/// The sending agent of a new message. Any credential of the tenant may write to any of its
/// agents' inboxes (agents messaging each other is the point), but an agent writes only as
/// itself: its own id is filled in, and claiming another agent's is refused. Users and services
/// may name a sending agent (relaying for it); the caller checks it exists in the tenant.
pub fn sender_agent(
    ctx: &TenantContext,
    claimed: Option<&str>,
) -> Result<Option<String>, ApiError> {
    if ctx.kind() != TokenKind::Agent {
        return Ok(claimed.map(str::to_owned));
    }
    let own = ctx
        .agent_id()
        .ok_or_else(|| ApiError::forbidden("this agent credential names no agent"))?;
    if claimed.is_some_and(|c| c != own) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "agent_scope",
            "an agent sends messages only as itself",
        ));
    }
    Ok(Some(own.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_strings_round_trip() {
        for p in [Priority::Normal, Priority::High, Priority::Urgent] {
            assert_eq!(Priority::parse(p.as_str()), p);
        }
        for t in [
            MessageType::Info,
            MessageType::ReviewRequest,
            MessageType::HelpRequest,
            MessageType::Urgent,
            MessageType::WorkAssignment,
        ] {
            assert_eq!(MessageType::parse(t.as_str()), t);
            let json = serde_json::to_value(t).expect("serializes");
            assert_eq!(json, t.as_str());
        }
    }
}
