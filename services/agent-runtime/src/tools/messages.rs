//! `message_agent`: a message into another agent's inbox in agent-svc
//! (`POST /v1/agents/{to}/inbox`), as this agent (agent-svc fills in the sender from the token).

use reqwest::Method;
use serde_json::{Value, json};

use super::ToolResult;
use super::services::Svc;
use super::team::{Team, failed, text};

pub const PRIORITIES: [&str; 3] = ["normal", "high", "urgent"];
pub const TYPES: [&str; 5] = [
    "info",
    "review_request",
    "help_request",
    "urgent",
    "work_assignment",
];

pub fn spec(name: &str) -> Option<(&'static str, Value)> {
    (name == "message_agent").then(|| {
        (
            "Send a message to another agent of your team (its id or slug); it lands in that agent's inbox.",
            json!({"type": "object", "properties": {"to": {"type": "string"},
                "message": {"type": "string"},
                "priority": {"type": "string", "enum": PRIORITIES},
                "messageType": {"type": "string", "enum": TYPES}},
                "required": ["to", "message"]}),
        )
    })
}

pub async fn message_agent(team: &Team, args: &Value, request_id: &str) -> ToolResult {
    let (to, message) = match (text(args, "to"), text(args, "message")) {
        (Ok(t), Ok(m)) => (t, m),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let priority = args["priority"].as_str().unwrap_or("normal");
    let kind = args["messageType"].as_str().unwrap_or("info");
    if !PRIORITIES.contains(&priority) || !TYPES.contains(&kind) {
        return ToolResult::err(format!(
            "`priority` is one of {}; `messageType` one of {}",
            PRIORITIES.join(", "),
            TYPES.join(", ")
        ));
    }
    let body = json!({"from": team.agent.as_str(), "type": kind, "priority": priority,
        "body": message, "runContext": team.run.as_str(), "stepContext": request_id});
    match team
        .services
        .call(
            Svc::Agent,
            Method::POST,
            &["v1", "agents", to, "inbox"],
            &[],
            Some(&body),
        )
        .await
    {
        Ok(v) => ToolResult::ok(format!(
            "message {} delivered to {to}'s inbox",
            v["id"].as_str().unwrap_or("?")
        )),
        Err(f) if f.status == Some(404) => ToolResult::err(format!("no agent `{to}` in your team")),
        Err(f) => failed("the message was not delivered", &f),
    }
}
