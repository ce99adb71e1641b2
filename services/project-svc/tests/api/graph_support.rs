//! What the graph test modules share: events on the tenant stream, row counts, direct row
//! edits and adding a dependency through the API.

use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, send};

/// Every event on the tenant's stream of type `kind`.
pub async fn events(app: &TestApp, t: &Tenant, kind: &str) -> Vec<Value> {
    crate::helpers::tenant_events(app, t)
        .await
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

pub async fn edge_count(app: &TestApp, project: &str) -> i64 {
    sqlx::query_scalar("select count(*) from project.dependency_edges where project_id = $1")
        .bind(project)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

pub async fn task_count(app: &TestApp, project: &str) -> i64 {
    sqlx::query_scalar("select count(*) from project.tasks where project_id = $1")
        .bind(project)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

/// Sets columns of a task row directly (`column = value` pairs as SQL).
pub async fn set_task(app: &TestApp, task: &str, assignments: &str) {
    sqlx::query(&format!(
        "update project.tasks set {assignments} where id = $1"
    ))
    .bind(task)
    .execute(&app.db.admin)
    .await
    .expect("update task");
}

pub fn deps_path(project: &str, task: &str) -> String {
    format!("/v1/projects/{project}/tasks/{task}/dependencies")
}

/// `from` must complete before `to`; asserts 201 and returns the edge.
pub async fn depend(app: &TestApp, t: &Tenant, project: &str, from: &str, to: &str) -> Value {
    let (status, body) = send(
        app,
        "POST",
        &deps_path(project, to),
        &t.token,
        Some(j!({ "fromTaskId": from })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}
