//! Activity sessions (a step attempt's runtime session, or one an executor records): their
//! lifecycle on the tenant stream, for sse-relay's `/v1/events/sessions` (the monolith's
//! `sessions:live` frames `created | status | event | completed | failed`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A session was created, changed status, completed or failed (the event type says which).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionChanged {
    pub session_id: String,
    /// The platform `agt_` id of the session's agent.
    pub agent_id: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An event was added to a session's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionEventAdded {
    pub session_id: String,
    pub agent_id: String,
    pub event_type: String,
    #[schema(value_type = Object)]
    pub data: Value,
}
