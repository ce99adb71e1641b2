//! What the task tests share: creating tasks through the API, reading a column's order and
//! the tenant's event stream.

#![allow(dead_code)]

use std::time::Duration;

use kit::testing::TestApp;
use kit::{Claims, TokenKind};
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, send};

pub fn tasks_path(project: &str) -> String {
    format!("/v1/projects/{project}/tasks")
}

pub fn task_path(project: &str, task: &str) -> String {
    format!("/v1/projects/{project}/tasks/{task}")
}

/// Creates a task through the API (201 expected) and returns its row.
pub async fn create(app: &TestApp, t: &Tenant, project: &str, body: Value) -> Value {
    let (status, row) = send(app, "POST", &tasks_path(project), &t.token, Some(body)).await;
    assert_eq!(status, 201, "{row}");
    row
}

pub async fn create_titled(app: &TestApp, t: &Tenant, project: &str, title: &str) -> String {
    let row = create(app, t, project, j!({"title": title})).await;
    row["id"].as_str().expect("id").to_owned()
}

/// (task id, position) of a column, in position order.
pub async fn column_order(app: &TestApp, column: &str) -> Vec<(String, i32)> {
    sqlx::query_as(
        "select id, column_position from project.tasks where column_id = $1
          order by column_position, id",
    )
    .bind(column)
    .fetch_all(&app.db.admin)
    .await
    .expect("order")
}

/// Asserts positions 0..n-1, each once.
pub fn assert_dense(order: &[(String, i32)]) {
    let positions: Vec<i32> = order.iter().map(|(_, p)| *p).collect();
    let want: Vec<i32> = (0..i32::try_from(order.len()).expect("len")).collect();
    assert_eq!(positions, want, "{order:?}");
}

/// Every event on the tenant's stream, oldest first.
pub async fn events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    crate::helpers::tenant_events(app, t).await
}

/// The events of type `kind` on the tenant's stream.
pub async fn events_of(app: &TestApp, t: &Tenant, kind: &str) -> Vec<Value> {
    events(app, t)
        .await
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

/// A token of an agent of the tenant.
pub fn agent_token(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = Claims::access(
        format!("agent:{agent_id}"),
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(600),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}

pub async fn count_tasks(app: &TestApp, project: &str) -> i64 {
    sqlx::query_scalar("select count(*) from project.tasks where project_id = $1")
        .bind(project)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}
