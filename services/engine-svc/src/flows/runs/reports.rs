//! Telling project-svc that a run ended: `run-completed` for a task's run, and for a planning
//! run of a project the import of its task breakdown, then PROJECT_PLANNING_COMPLETED. Driven
//! by the outbox-published RUN_COMPLETE / RUN_FAILED in their own consumer group, so a report
//! is retried until acknowledged and survives a crash (ARCHITECTURE §5).

use axum::http::StatusCode;
use kit::ApiError;
use kit::client::CallError;
use kit::db::TenantTx;
use kit::outbox::{append, first_delivery};
use serde_json::{Map, Value, json};
use shared_schemas::events::project::ProjectPlanningCompleted;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::ProjectId;

use crate::AppState;
use crate::store;

/// The pipeline whose completed runs import a task breakdown into their project.
pub const PLANNING_PIPELINE: &str = "planning";
/// Outputs holding the breakdown, in order of preference.
pub const BREAKDOWN_OUTPUTS: [&str; 2] = ["validated_tasks_json", "task_breakdown_json"];
pub const CONSUMER: &str = "engine-reports";

/// What the report of one run end did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reported {
    pub task_reported: bool,
    pub tasks_imported: Option<u32>,
}

/// Reports the end (`completed`: RUN_COMPLETE, else RUN_FAILED) of the envelope's run. A
/// refusal of project-svc that a retry cannot change (404, 409, 422) is logged and dropped;
/// anything else is an error, so the entry is delivered again.
pub async fn report(
    app: &AppState,
    envelope: &EventEnvelope,
    completed: bool,
) -> Result<Reported, ApiError> {
    let tenant = &envelope.tenant_id;
    let Some(run_id) = &envelope.run_id else {
        return Ok(Reported::default());
    };
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let run = store::runs::get(&mut tx, run_id.as_str()).await?;
    let outputs = store::outputs::all(&mut tx, run_id.as_str()).await?;
    tx.commit().await?;
    let Some(run) = run else {
        return Ok(Reported::default());
    };
    let base = app.config.project_svc_url.trim_end_matches('/');
    let mut done = Reported::default();
    if let (Some(project), Some(task)) = (&run.project_id, &run.task_id) {
        let status = if completed { "completed" } else { "failed" };
        let url = format!(
            "{base}/v1/projects/{project}/tasks/{task}/run-completed?run_id={}&status={status}",
            run.id
        );
        let res = app
            .platform
            .client
            .post(url)
            .for_tenant(tenant)
            .send()
            .await?;
        done.task_reported = settled(res.status(), "run-completed")?;
    }
    if completed
        && run.pipeline_id == PLANNING_PIPELINE
        && let Some(project) = &run.project_id
    {
        let tasks = breakdown(&outputs);
        if tasks.is_empty() {
            tracing::warn!(run = %run.id, "planning run completed without a task breakdown");
            return Ok(done);
        }
        let count = u32::try_from(tasks.len()).unwrap_or(u32::MAX);
        let res = app
            .platform
            .client
            .post(format!("{base}/v1/projects/{project}/import"))
            .for_tenant(tenant)
            .idempotency_key(&format!("engine-import-{}", run.id))
            .json(&json!({ "tasks": tasks }))
            .send()
            .await?;
        if settled(res.status(), "import")? && res.status().is_success() {
            let project_id = ProjectId::parse(project.clone()).map_err(ApiError::internal)?;
            let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
            if first_delivery(&mut tx, CONSUMER, envelope.id.as_str()).await? {
                let event = ProjectPlanningCompleted {
                    project_id,
                    tasks_imported: count,
                };
                append(&mut tx, Event::ProjectPlanningCompleted(event)).await?;
            }
            tx.commit().await?;
            done.tasks_imported = Some(count);
        }
    }
    Ok(done)
}

/// Whether an answer settles the report: 2xx yes; 404/409/422 are logged and settle it too (a
/// retry would get the same); anything else is retried.
fn settled(status: StatusCode, what: &str) -> Result<bool, ApiError> {
    if status.is_success() {
        return Ok(true);
    }
    if matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        tracing::warn!(%status, what, "project-svc refused the report; not retried");
        return Ok(false);
    }
    Err(CallError::Unexpected {
        target: "project-svc".to_owned(),
        status: Some(status),
        detail: format!("{what} not acknowledged"),
    }
    .into())
}

/// The planning output as project-svc's import takes it: an array of tasks (or `{tasks: […]}`),
/// each reduced to the fields the import knows (it refuses unknown ones).
pub fn breakdown(outputs: &std::collections::BTreeMap<String, String>) -> Vec<Value> {
    let Some(parsed) = BREAKDOWN_OUTPUTS
        .iter()
        .filter_map(|k| outputs.get(*k))
        .find_map(|text| serde_json::from_str::<Value>(text.trim()).ok())
    else {
        return Vec::new();
    };
    let list = match parsed {
        Value::Array(items) => items,
        Value::Object(mut map) => match map.remove("tasks") {
            Some(Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    list.into_iter().filter_map(import_task).collect()
}

fn import_task(item: Value) -> Option<Value> {
    let Value::Object(map) = item else {
        return None;
    };
    let title = map.get("title").and_then(Value::as_str)?.trim().to_owned();
    if title.is_empty() {
        return None;
    }
    let mut task = Map::new();
    task.insert("title".to_owned(), Value::String(title));
    if let Some(Value::String(d)) = map.get("description") {
        task.insert("description".to_owned(), Value::String(d.clone()));
    }
    if let Some(Value::String(p)) = map.get("priority") {
        task.insert("priority".to_owned(), Value::String(p.clone()));
    }
    let hours = map
        .get("estimatedHours")
        .or_else(|| map.get("estimated_hours"));
    if let Some(h) = hours.and_then(Value::as_f64) {
        task.insert("estimatedHours".to_owned(), json!(h));
    }
    if let Some(Value::Array(tags)) = map.get("tags") {
        let tags: Vec<Value> = tags.iter().filter(|t| t.is_string()).cloned().collect();
        task.insert("tags".to_owned(), Value::Array(tags));
    }
    let deps = map
        .get("dependsOn")
        .or_else(|| map.get("depends_on"))
        .or_else(|| map.get("dependencies"));
    if let Some(Value::Array(deps)) = deps {
        let deps: Vec<Value> = deps
            .iter()
            .filter(|d| d.is_string() || d.is_u64())
            .cloned()
            .collect();
        task.insert("dependsOn".to_owned(), Value::Array(deps));
    }
    Some(Value::Object(task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breakdown_keeps_only_fields_the_import_knows() {
        let text = r#"[{"title":"A","description":"d","priority":"P1","estimated_hours":3,
            "tags":["x",1],"dependencies":[0,"B"],"owner":"nobody"},{"title":" "},{"nope":1}]"#;
        let outputs =
            std::collections::BTreeMap::from([("task_breakdown_json".to_owned(), text.to_owned())]);
        let tasks = breakdown(&outputs);
        assert_eq!(tasks.len(), 1);
        assert_eq!(
            tasks[0],
            json!({"title":"A","description":"d","priority":"P1","estimatedHours":3.0,
                   "tags":["x"],"dependsOn":[0,"B"]})
        );
        let wrapped = std::collections::BTreeMap::from([(
            "validated_tasks_json".to_owned(),
            r#"{"tasks":[{"title":"W"}]}"#.to_owned(),
        )]);
        assert_eq!(breakdown(&wrapped), vec![json!({"title":"W"})]);
        assert!(breakdown(&Default::default()).is_empty());
    }
}
