//! Skills: the agent's skill manifest from agent-svc (`/v1/skills/agents/{agent}/manifest`),
//! whose names and descriptions join the system prompt, and `load_skill{name}`, which fetches
//! one skill's text (`…/{skill}/content`) when the agent decides it needs it. Both bounded.

use reqwest::Method;
use serde_json::{Value, json};

use super::ToolResult;
use super::services::Svc;
use super::team::{Team, failed, text};

/// The most of the manifest the system prompt takes.
const MANIFEST_CAP: usize = 8 << 10;

pub fn spec(name: &str) -> Option<(&'static str, Value)> {
    (name == "load_skill").then(|| {
        (
            "Load one of your skills (listed under SKILLS in your instructions) by name; `file` loads one of its companion files.",
            json!({"type": "object", "properties": {"name": {"type": "string"},
                "file": {"type": "string"}}, "required": ["name"]}),
        )
    })
}

/// The skills block for the system prompt; `None` when the agent has none or agent-svc could
/// not be asked (the run goes on without it).
pub async fn manifest(team: &Team) -> Option<String> {
    let path = ["v1", "skills", "agents", team.agent.as_str(), "manifest"];
    let answer = match team
        .services
        .call(Svc::Agent, Method::GET, &path, &[], None)
        .await
    {
        Ok(v) => v,
        Err(f) => {
            tracing::warn!(error = %f, "the skill manifest could not be read; no skills this run");
            return None;
        }
    };
    let text = answer["manifest_text"].as_str().unwrap_or("").trim();
    if text.is_empty() {
        return None;
    }
    let mut text = text.to_owned();
    if text.len() > MANIFEST_CAP {
        let mut end = MANIFEST_CAP;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("\n[more skills not listed]");
    }
    Some(format!(
        "{text}\n\nLoad a skill with the `load_skill` tool before you follow it."
    ))
}

pub async fn load(team: &Team, args: &Value) -> ToolResult {
    let name = match text(args, "name") {
        Ok(n) => n,
        Err(e) => return e,
    };
    let query: Vec<(&str, String)> = args["file"]
        .as_str()
        .filter(|f| !f.trim().is_empty())
        .map(|f| ("file", f.to_owned()))
        .into_iter()
        .collect();
    let path = [
        "v1",
        "skills",
        "agents",
        team.agent.as_str(),
        name,
        "content",
    ];
    match team
        .services
        .call(Svc::Agent, Method::GET, &path, &query, None)
        .await
    {
        Ok(v) => {
            let content = v["content"].as_str().unwrap_or("");
            ToolResult::ok(format!("# skill {name}\n\n{content}"))
        }
        Err(f) if f.status == Some(404) => ToolResult::err(format!("you have no skill `{name}`")),
        Err(f) => failed(&format!("could not load skill {name}"), &f),
    }
}
