//! `remember`, `recall` and `share_knowledge`: the agent's notes in memory-svc (CONTRACTS §8).
//! `remember` writes a note to the agent's vault (or, `shared: true`, to the tenant's shared
//! vault); `recall` searches them and reports what it found to the retrieval log
//! (`/v1/internal/memory-retrievals`), which memory scores are made from; `share_knowledge`
//! stores a pattern, decision, issue or convention in the shared vault.

use reqwest::Method;
use serde_json::{Value, json};

use super::ToolResult;
use super::services::Svc;
use super::team::{Team, failed, text};
use crate::emit::now_ms;

pub const TYPES: [&str; 8] = [
    "fact",
    "feeling",
    "decision",
    "lesson",
    "commitment",
    "preference",
    "relationship",
    "project",
];
pub const CATEGORIES: [&str; 4] = ["pattern", "decision", "issue", "convention"];
pub const IMPORTANCE: [&str; 4] = ["low", "medium", "high", "critical"];
/// Notes `recall` returns when the model names no limit, and at most.
const DEFAULT_LIMIT: u64 = 5;
const MAX_LIMIT: u64 = 20;

pub fn spec(name: &str) -> Option<(&'static str, Value)> {
    Some(match name {
        "remember" => (
            "Save a memory to your vault (or the team's shared vault with `shared: true`) so a later run or chat can recall it.",
            json!({"type": "object", "properties": {
                "type": {"type": "string", "enum": TYPES},
                "title": {"type": "string"}, "content": {"type": "string"},
                "shared": {"type": "boolean"}}, "required": ["type", "title", "content"]}),
        ),
        "recall" => (
            "Search your memories (`personal`), the team's shared ones (`shared`) or both (`all`, the default).",
            json!({"type": "object", "properties": {"query": {"type": "string"},
                "scope": {"type": "string", "enum": ["personal", "shared", "all"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}},
                "required": ["query"]}),
        ),
        "share_knowledge" => (
            "Share a pattern, decision, issue or convention with the whole team (the shared vault).",
            json!({"type": "object", "properties": {
                "category": {"type": "string", "enum": CATEGORIES},
                "title": {"type": "string"}, "content": {"type": "string"},
                "importance": {"type": "string", "enum": IMPORTANCE}},
                "required": ["category", "title", "content"]}),
        ),
        _ => return None,
    })
}

/// `title` as a file name: lowercase, every run of other characters one `-`, at most 60.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-');
    if out.is_empty() {
        "note".into()
    } else {
        out.into()
    }
}

/// A YAML string: JSON's quoting is valid YAML.
fn yaml(value: &str) -> String {
    Value::from(value).to_string()
}

fn one_of(value: &str, allowed: &[&str], name: &str) -> Result<(), ToolResult> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ToolResult::err(format!(
            "`{name}` must be one of {}",
            allowed.join(", ")
        )))
    }
}

pub async fn remember(team: &Team, args: &Value) -> ToolResult {
    let (kind, title, content) = match (
        text(args, "type"),
        text(args, "title"),
        text(args, "content"),
    ) {
        (Ok(k), Ok(t), Ok(c)) => (k, t, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    if let Err(e) = one_of(kind, &TYPES, "type") {
        return e;
    }
    let agent = team.agent.as_str();
    if args["shared"].as_bool().unwrap_or(false) {
        let body = json!({"category": kind, "title": title, "content": content, "agent_id": agent,
            "frontmatter": {"type": kind}});
        return match team
            .services
            .call(
                Svc::Memory,
                Method::POST,
                &["v1", "memory", "vaults", "shared", "store"],
                &[],
                Some(&body),
            )
            .await
        {
            Ok(v) => ToolResult::ok(format!(
                "remembered in the shared vault as {}",
                v["filename"].as_str().unwrap_or("?")
            )),
            Err(f) => failed("could not remember", &f),
        };
    }
    let note = format!(
        "---\ntitle: {}\ntype: {kind}\nagent: {agent}\ntimestamp: {}\n---\n\n{content}\n",
        yaml(title),
        now_ms()
    );
    let name = slug(title);
    let segments = ["v1", "memory", "vaults", agent, "files"];
    // A taken name is never overwritten (409): the note gets the time after its name instead.
    for filename in [
        format!("{kind}/{name}.md"),
        format!("{kind}/{name}-{}.md", now_ms()),
    ] {
        let body = json!({"filename": filename, "content": note});
        match team
            .services
            .call(Svc::Memory, Method::POST, &segments, &[], Some(&body))
            .await
        {
            Ok(v) => {
                return ToolResult::ok(format!(
                    "remembered as {}",
                    v["filename"].as_str().unwrap_or(&filename)
                ));
            }
            Err(f) if f.status == Some(409) => {}
            Err(f) => return failed("could not remember", &f),
        }
    }
    ToolResult::err("could not remember: a note of that name exists; choose another title")
}

pub async fn recall(team: &Team, args: &Value, request_id: &str) -> ToolResult {
    let query = match text(args, "query") {
        Ok(q) => q,
        Err(e) => return e,
    };
    let scope = args["scope"].as_str().unwrap_or("all");
    let agent = team.agent.as_str();
    let vault = match scope {
        "personal" => Some(agent),
        "shared" => Some("shared"),
        "all" => None,
        _ => return ToolResult::err("`scope` must be personal, shared or all"),
    };
    let limit = args["limit"]
        .as_u64()
        .unwrap_or(DEFAULT_LIMIT)
        .clamp(1, MAX_LIMIT);
    let mut q = vec![("q", query.to_owned()), ("limit", limit.to_string())];
    if let Some(vault) = vault {
        q.push(("agent_id", vault.to_owned()));
    }
    let hits = match team
        .services
        .call(
            Svc::Memory,
            Method::GET,
            &["v1", "memory", "search"],
            &q,
            None,
        )
        .await
    {
        Ok(Value::Array(hits)) => hits,
        Ok(_) => Vec::new(),
        Err(f) => return failed("could not recall", &f),
    };
    if hits.is_empty() {
        return ToolResult::ok(format!("no memories match `{query}`"));
    }
    let id_of = |h: &Value| {
        let (v, f) = (
            h["agent_id"].as_str().unwrap_or(""),
            h["filename"].as_str().unwrap_or(""),
        );
        if v == agent {
            f.to_owned()
        } else {
            format!("{v}/{f}")
        }
    };
    let retrievals: Vec<Value> = hits
        .iter()
        .map(|h| {
            json!({"memory_id": id_of(h), "memory_title": h["title"], "query": query,
            "retrieval_source": "bm25", "raw_score": h["score"].as_f64().unwrap_or(0.0)})
        })
        .collect();
    let log = json!({"agent_id": agent, "run_id": team.run.as_str(), "session_id": team.session,
        "request_id": request_id, "retrievals": retrievals});
    // The log feeds memory scores; a failure to write it must not hide what was found.
    if let Err(f) = team
        .services
        .call(
            Svc::Memory,
            Method::POST,
            &["v1", "internal", "memory-retrievals"],
            &[],
            Some(&log),
        )
        .await
    {
        tracing::warn!(error = %f, "the memory retrievals could not be logged");
    }
    let lines: Vec<String> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                "{}. {} [{}]\n   {}",
                i + 1,
                h["title"].as_str().unwrap_or("(untitled)"),
                id_of(h),
                h["snippet"].as_str().unwrap_or("").replace('\n', " ")
            )
        })
        .collect();
    ToolResult::ok(format!("{} memories:\n{}", hits.len(), lines.join("\n")))
}

pub async fn share_knowledge(team: &Team, args: &Value) -> ToolResult {
    let (category, title, content) = match (
        text(args, "category"),
        text(args, "title"),
        text(args, "content"),
    ) {
        (Ok(k), Ok(t), Ok(c)) => (k, t, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return e,
    };
    if let Err(e) = one_of(category, &CATEGORIES, "category") {
        return e;
    }
    let importance = args["importance"].as_str().unwrap_or("medium");
    if let Err(e) = one_of(importance, &IMPORTANCE, "importance") {
        return e;
    }
    let body = json!({"category": category, "title": title, "content": content,
        "agent_id": team.agent.as_str(), "frontmatter": {"importance": importance}});
    match team
        .services
        .call(
            Svc::Memory,
            Method::POST,
            &["v1", "memory", "vaults", "shared", "store"],
            &[],
            Some(&body),
        )
        .await
    {
        Ok(v) => ToolResult::ok(format!(
            "shared with the team as {}",
            v["filename"].as_str().unwrap_or("?")
        )),
        Err(f) => failed("could not share", &f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_make_plain_file_names() {
        assert_eq!(
            slug("Deploy: use the blue/green switch!"),
            "deploy-use-the-blue-green-switch"
        );
        assert_eq!(slug("../.."), "note");
        assert_eq!(yaml("a: \"b\""), r#""a: \"b\"""#);
    }
}
