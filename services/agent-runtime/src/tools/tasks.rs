//! The project task tools, on project-svc's routes with the agent's token: `list_tasks` (the
//! agent's tasks and the unassigned ones of its projects), `claim_task`, `transition_task` (to
//! a status, or to a column of the board) and `comment_task`. project-svc has no comment route:
//! a comment is a transition note on the task's current status, kept in the task's
//! `metadata.transition_notes` (the newest 100), which the board shows with the task.

use reqwest::Method;
use serde_json::{Value, json};

use super::ToolResult;
use super::services::Svc;
use super::team::{Team, failed, text};

/// Projects `list_tasks` looks in when it names none, and tasks it shows.
const MAX_PROJECTS: usize = 10;
const MAX_TASKS: usize = 50;

pub fn spec(name: &str) -> Option<(&'static str, Value)> {
    let ids = |extra: Value| {
        let mut props = json!({"project_id": {"type": "string"}, "task_id": {"type": "string"}});
        let mut required = vec![json!("project_id"), json!("task_id")];
        if let Value::Object(more) = extra {
            for (k, v) in more {
                if k != "status" && k != "column_id" {
                    required.push(json!(k));
                }
                props[&k] = v;
            }
        }
        json!({"type": "object", "properties": props, "required": required})
    };
    Some(match name {
        "list_tasks" => (
            "List your tasks (assigned to you or to nobody) in one project or in all your projects, optionally only one status.",
            json!({"type": "object", "properties": {"project_id": {"type": "string"},
                "status": {"type": "string"}}}),
        ),
        "claim_task" => ("Claim a task: it becomes assigned to you.", ids(json!({}))),
        "transition_task" => (
            "Move a task to a status (`status`, e.g. in_progress, review, done) or to a board column (`column_id`), with an optional note.",
            ids(
                json!({"status": {"type": "string"}, "column_id": {"type": "string"},
                "note": {"type": "string"}}),
            ),
        ),
        "comment_task" => (
            "Add a comment to a task (kept with the task's notes).",
            ids(json!({"comment": {"type": "string"}})),
        ),
        _ => return None,
    })
}

fn ids(args: &Value) -> Result<(&str, &str), ToolResult> {
    Ok((text(args, "project_id")?, text(args, "task_id")?))
}

fn line(t: &Value) -> String {
    let assigned = t["assigned_agent"].as_str().unwrap_or("unassigned");
    format!(
        "- {} [{}] {} ({}, {}, project {})",
        t["id"].as_str().unwrap_or("?"),
        t["status"].as_str().unwrap_or("?"),
        t["title"].as_str().unwrap_or(""),
        t["priority"].as_str().unwrap_or("?"),
        assigned,
        t["project_id"].as_str().unwrap_or("?"),
    )
}

pub async fn list(team: &Team, args: &Value) -> ToolResult {
    let agent = team.agent.as_str();
    let status: Vec<(&str, String)> = args["status"]
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .map(|s| ("status", s.trim().to_owned()))
        .into_iter()
        .collect();
    let projects: Vec<String> = match args["project_id"].as_str().filter(|p| !p.trim().is_empty()) {
        Some(p) => vec![p.trim().to_owned()],
        None => match team
            .services
            .call(
                Svc::Project,
                Method::GET,
                &["v1", "agents", agent, "projects"],
                &[],
                None,
            )
            .await
        {
            Ok(Value::Array(ps)) => ps
                .iter()
                .filter_map(|p| p["project_id"].as_str().map(str::to_owned))
                .take(MAX_PROJECTS)
                .collect(),
            Ok(_) => Vec::new(),
            Err(f) => return failed("could not list your projects", &f),
        },
    };
    if projects.is_empty() {
        return ToolResult::ok("you are on no project");
    }
    let mut tasks = Vec::new();
    for project in &projects {
        let path = ["v1", "agents", agent, "projects", project.as_str(), "tasks"];
        match team
            .services
            .call(Svc::Project, Method::GET, &path, &status, None)
            .await
        {
            Ok(Value::Array(found)) => tasks.extend(found),
            Ok(_) => {}
            Err(f) => return failed(&format!("could not list the tasks of {project}"), &f),
        }
    }
    if tasks.is_empty() {
        return ToolResult::ok("no tasks");
    }
    let shown: Vec<String> = tasks.iter().take(MAX_TASKS).map(line).collect();
    let more = tasks.len().saturating_sub(MAX_TASKS);
    let tail = if more > 0 {
        format!("\n… and {more} more")
    } else {
        String::new()
    };
    ToolResult::ok(format!(
        "{} tasks:\n{}{tail}",
        tasks.len(),
        shown.join("\n")
    ))
}

pub async fn claim(team: &Team, args: &Value) -> ToolResult {
    let (project, task) = match ids(args) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let body = json!({"agentId": team.agent.as_str()});
    let path = ["v1", "projects", project, "tasks", task, "claim"];
    match team
        .services
        .call(Svc::Project, Method::POST, &path, &[], Some(&body))
        .await
    {
        Ok(v) if v["status"] == "already_claimed" => {
            ToolResult::ok(format!("you already hold task {task}"))
        }
        Ok(v) => ToolResult::ok(format!(
            "task {task} claimed (branch {})",
            v["branch"].as_str().unwrap_or("?")
        )),
        Err(f) => failed(&format!("could not claim task {task}"), &f),
    }
}

pub async fn transition(team: &Team, args: &Value) -> ToolResult {
    let (project, task) = match ids(args) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let note = args["note"].as_str().filter(|n| !n.trim().is_empty());
    let (path, body) = match (text(args, "status"), text(args, "column_id")) {
        (Ok(status), _) => (
            ["v1", "projects", project, "tasks", task, "transition"],
            json!({"status": status, "note": note}),
        ),
        (_, Ok(column)) => (
            ["v1", "projects", project, "tasks", task, "move"],
            json!({"columnId": column}),
        ),
        _ => return ToolResult::err("give `status` or `column_id`"),
    };
    match team
        .services
        .call(Svc::Project, Method::POST, &path, &[], Some(&body))
        .await
    {
        Ok(v) => {
            let status = v["task_status"]
                .as_str()
                .or_else(|| v["to_status"].as_str())
                .or_else(|| body["status"].as_str())
                .unwrap_or("?");
            ToolResult::ok(format!("task {task} is now {status}"))
        }
        Err(f) => failed(&format!("could not move task {task}"), &f),
    }
}

pub async fn comment(team: &Team, args: &Value) -> ToolResult {
    let (project, task) = match ids(args) {
        Ok(ids) => ids,
        Err(e) => return e,
    };
    let comment = match text(args, "comment") {
        Ok(c) => c,
        Err(e) => return e,
    };
    let path = ["v1", "projects", project, "tasks", task];
    let status = match team
        .services
        .call(Svc::Project, Method::GET, &path, &[], None)
        .await
    {
        Ok(t) => t["status"].as_str().unwrap_or_default().to_owned(),
        Err(f) => return failed(&format!("could not read task {task}"), &f),
    };
    let body = json!({"status": status, "note": comment});
    let path = ["v1", "projects", project, "tasks", task, "transition"];
    match team
        .services
        .call(Svc::Project, Method::POST, &path, &[], Some(&body))
        .await
    {
        Ok(_) => ToolResult::ok(format!("comment added to task {task}")),
        Err(f) => failed(&format!("could not comment on task {task}"), &f),
    }
}
