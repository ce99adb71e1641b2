//! What each endpoint shows of its stream and how: which entries, under which event name, with
//! which additions to the JSON. The monolith's frames are kept (its dashboard listens to them).

use serde_json::{Value, json};

use super::cursor::EntryId;
use super::frame::Frame;

/// A stream entry as read from Redis: its id, its JSON (the `data` field, or the flat fields of
/// a log stream as an object) and that JSON's text as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: EntryId,
    pub text: String,
    pub json: Value,
}

/// Agent lifecycle event types (`GET /v1/events/events`).
pub const LIFECYCLE: &[&str] = &[
    "AGENT_STATE_CHANGED",
    "AGENT_MESSAGE_RECEIVED",
    "AGENT_WORK_QUEUED",
    "AGENT_PULSE_COMPLETED",
    "AGENT_INBOX_READ",
    "AGENT_INBOX_CLEARED",
    "AGENT_DELETED",
];

/// Work-lock event types, shown as the monolith's `lock_acquired` / `lock_released`.
pub const WORK_LOCKS: &[(&str, &str)] = &[
    ("WORK_LOCK_ACQUIRED", "lock_acquired"),
    ("WORK_LOCK_RELEASED", "lock_released"),
];

/// Agent session list events (`/v1/events/sessions[/{agent}]`), shown as the monolith's
/// `created | status | completed | failed`.
pub const SESSIONS: &[(&str, &str)] = &[
    ("SESSION_CREATED", "created"),
    ("SESSION_STATUS_CHANGED", "status"),
    ("SESSION_EVENT", "event"),
    ("SESSION_COMPLETED", "completed"),
    ("SESSION_FAILED", "failed"),
];

/// Chat session list events (`/v1/events/chat-sessions`), shown with the monolith's names.
pub const CHAT_SESSIONS: &[(&str, &str)] = &[
    ("CHAT_SESSION_CREATED", "created"),
    ("CHAT_SESSION_STATUS_CHANGED", "status_changed"),
    ("CHAT_SESSION_DELETED", "deleted"),
];

/// The LLM call records agent-svc appends to its outbox.
pub const LLM_CALLS: &[&str] = &["LLM_CALL_RECORDED"];

/// Swarm progress types after which the swarm's stream ends.
pub const SWARM_DONE: &[&str] = &["swarm:completed", "swarm:failed"];

/// Which entries of the stream an endpoint shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    All,
    Types(&'static [&'static str]),
    /// Types renamed for the monolith's clients: `(stream type, frame type)`.
    Renamed(&'static [(&'static str, &'static str)]),
    /// Renamed types about one agent (`agentId`).
    RenamedForAgent(&'static [(&'static str, &'static str)], String),
    /// Anything about one agent (`agentId`, `fromAgentId` or `toAgentId`).
    Agent(String),
}

/// What is added to an entry's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addition {
    None,
    /// `"stream_id": <entry id>` (the dashboard's chat resume cursor).
    StreamId,
    /// `"phase": "live"` (the activity feed after its backfill).
    LivePhase,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub event: Option<&'static str>,
    pub select: Select,
    pub addition: Addition,
}

impl Shape {
    pub fn new(event: Option<&'static str>, select: Select, addition: Addition) -> Self {
        Self {
            event,
            select,
            addition,
        }
    }

    /// The frame for `entry`, or `None` when this endpoint does not show it.
    pub fn frame(&self, entry: &Entry) -> Option<Frame> {
        let kind = entry.json.get("type").and_then(Value::as_str).unwrap_or("");
        let renamed = match &self.select {
            Select::All => None,
            Select::Types(types) => {
                if !types.contains(&kind) {
                    return None;
                }
                None
            }
            Select::Renamed(names) => Some(rename(names, kind)?),
            Select::RenamedForAgent(names, agent) => {
                if !about_agent(&entry.json, agent, false) {
                    return None;
                }
                Some(rename(names, kind)?)
            }
            Select::Agent(agent) => {
                if !about_agent(&entry.json, agent, true) {
                    return None;
                }
                None
            }
        };
        let data = if renamed.is_none() && self.addition == Addition::None {
            entry.text.clone()
        } else {
            let mut json = entry.json.clone();
            if let Some(object) = json.as_object_mut() {
                if let Some(name) = renamed {
                    object.insert("event".into(), json!(kind));
                    object.insert("type".into(), json!(name));
                }
                match self.addition {
                    Addition::None => {}
                    Addition::StreamId => {
                        object.insert("stream_id".into(), json!(entry.id.to_string()));
                    }
                    Addition::LivePhase => {
                        object.insert("phase".into(), json!("live"));
                    }
                }
            }
            json.to_string()
        };
        Some(Frame {
            id: Some(entry.id),
            event: self.event,
            data,
        })
    }
}

fn rename(names: &[(&str, &'static str)], kind: &str) -> Option<&'static str> {
    names
        .iter()
        .find(|(from, _)| *from == kind)
        .map(|(_, to)| *to)
}

/// Whether `json` is about `agent`: its `agentId`, or (for the activity feed) the sender or
/// the recipient of a message.
pub fn about_agent(json: &Value, agent: &str, messages_too: bool) -> bool {
    let is = |field: &str| json.get(field).and_then(Value::as_str) == Some(agent);
    is("agentId") || (messages_too && (is("fromAgentId") || is("toAgentId")))
}

/// Whether the swarm progress entry ends the swarm.
pub fn ends_swarm(entry: &Entry) -> bool {
    let kind = entry.json.get("type").and_then(Value::as_str).unwrap_or("");
    SWARM_DONE.contains(&kind)
}
