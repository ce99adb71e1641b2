//! `acquire_work_lock` and `release_work_lock`: the agent's work locks in agent-svc
//! (`/v1/agents/{agent}/work-locks`), so two of its runs or chats never do the same work. A lock
//! held by another run or session is a refusal naming the holder; an expired one is taken over.

use reqwest::Method;
use serde_json::{Value, json};

use super::ToolResult;
use super::services::Svc;
use super::team::{Team, failed, text};

pub const DEFAULT_TTL_SECONDS: u64 = 600;
pub const MAX_TTL_SECONDS: u64 = 3600;

pub fn spec(name: &str) -> Option<(&'static str, Value)> {
    Some(match name {
        "acquire_work_lock" => (
            "Claim a piece of work (a file, a task, any key) before doing it, so your other runs and chats leave it to you. Refused when another of them holds it.",
            json!({"type": "object", "properties": {"key": {"type": "string"},
                "summary": {"type": "string"},
                "ttlSeconds": {"type": "integer", "minimum": 1, "maximum": MAX_TTL_SECONDS}},
                "required": ["key", "summary"]}),
        ),
        "release_work_lock" => (
            "Release a work lock you hold once the work is done.",
            json!({"type": "object", "properties": {"key": {"type": "string"}}, "required": ["key"]}),
        ),
        _ => return None,
    })
}

fn locks(team: &Team) -> [&str; 4] {
    ["v1", "agents", team.agent.as_str(), "work-locks"]
}

pub async fn acquire(team: &Team, args: &Value, request_id: &str) -> ToolResult {
    let (key, summary) = match (text(args, "key"), text(args, "summary")) {
        (Ok(k), Ok(s)) => (k, s),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let ttl = args["ttlSeconds"]
        .as_u64()
        .unwrap_or(DEFAULT_TTL_SECONDS)
        .clamp(1, MAX_TTL_SECONDS);
    let body = json!({"key": key, "summary": summary, "ttlSeconds": ttl,
        "runId": team.run.as_str(), "stepId": request_id, "sessionId": team.session});
    match team
        .services
        .call(Svc::Agent, Method::POST, &locks(team), &[], Some(&body))
        .await
    {
        Ok(_) => ToolResult::ok(format!("work lock `{key}` acquired for {ttl}s")),
        Err(f) if f.code.as_deref() == Some("work_lock_held") => {
            let holder = &f.body["holder"];
            let by = holder["sessionId"]
                .as_str()
                .map(|s| format!("chat session {s}"))
                .or_else(|| holder["runId"].as_str().map(|r| format!("run {r}")))
                .unwrap_or_else(|| "another run".into());
            let what = holder["summary"].as_str().unwrap_or("");
            ToolResult::err(format!(
                "work lock `{key}` is held by {by} ({what}); leave that work to it or try later"
            ))
        }
        Err(f) => failed("could not acquire the work lock", &f),
    }
}

pub async fn release(team: &Team, args: &Value) -> ToolResult {
    let key = match text(args, "key") {
        Ok(k) => k,
        Err(e) => return e,
    };
    let mut segments = locks(team).to_vec();
    segments.push(key);
    match team
        .services
        .call(Svc::Agent, Method::DELETE, &segments, &[], None)
        .await
    {
        Ok(v) if v["released"] == json!(true) => {
            ToolResult::ok(format!("work lock `{key}` released"))
        }
        Ok(_) => ToolResult::ok(format!("you held no work lock `{key}`")),
        Err(f) => failed("could not release the work lock", &f),
    }
}
