//! What the workflow, project-agent and execution tests share: the tenant's event stream and
//! direct reads of the rows those endpoints write.

#![allow(dead_code)]

use kit::testing::TestApp;
use serde_json::Value;

use crate::helpers::Tenant;

/// Every event on the tenant's stream, oldest first.
pub async fn events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    crate::helpers::tenant_events(app, t).await
}

/// The tenant's events of one type.
pub async fn events_of(app: &TestApp, t: &Tenant, kind: &str) -> Vec<Value> {
    events(app, t)
        .await
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

pub async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

/// A task's execution columns: (status, column_id, run_id, pipeline_id, assigned_agent).
pub async fn task_state(
    app: &TestApp,
    task: &str,
) -> (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
) {
    sqlx::query_as(
        "select status, column_id, run_id, pipeline_id, assigned_agent from project.tasks where id = $1",
    )
    .bind(task)
    .fetch_one(&app.db.admin)
    .await
    .expect("task")
}

pub async fn set_project(app: &TestApp, project: &str, column: &str, value: &str) {
    sqlx::query(&format!(
        "update project.projects set {column} = $2 where id = $1"
    ))
    .bind(project)
    .bind(value)
    .execute(&app.db.admin)
    .await
    .expect("update project");
}

pub async fn set_task(app: &TestApp, task: &str, column: &str, value: &str) {
    sqlx::query(&format!(
        "update project.tasks set {column} = $2 where id = $1"
    ))
    .bind(task)
    .bind(value)
    .execute(&app.db.admin)
    .await
    .expect("update task");
}

pub async fn set_task_json(app: &TestApp, task: &str, column: &str, value: Value) {
    sqlx::query(&format!(
        "update project.tasks set {column} = $2 where id = $1"
    ))
    .bind(task)
    .bind(value)
    .execute(&app.db.admin)
    .await
    .expect("update task");
}

pub async fn dependency(app: &TestApp, t: &Tenant, project: &str, from: &str, to: &str) {
    sqlx::query(
        "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id, to_task_id, created_at)
         values ($1, $2, $3, $4, $5, 1)",
    )
    .bind(format!("dep_{}", shared_schemas::ids::random_body()))
    .bind(t.id.as_str())
    .bind(project)
    .bind(from)
    .bind(to)
    .execute(&app.db.admin)
    .await
    .expect("dependency");
}
