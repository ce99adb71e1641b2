//! The cross-tenant wall over every route of the service, walked from its own OpenAPI document
//! so a new route is covered the day it is added: tenant B's user and service tokens on tenant
//! A's project, task, column, template and session ids get exactly the answer ids that exist
//! nowhere get — never a success — and every row A has in the `project` schema is unchanged.

use kit::TokenKind;
use kit::testing::{TestApp, walk};
use serde_json::{Value, json as j};

use crate::helpers::{run_requests, send, spawn, tenant};

async fn id_of(app: &TestApp, token: &str, path: &str, body: Value) -> String {
    let (status, out) = send(app, "POST", path, token, Some(body)).await;
    assert!(status == 200 || status == 201, "{path}: {status} {out}");
    out["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn tenant_b_learns_nothing_and_changes_nothing_on_any_route() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let project = id_of(&app, &a.token, "/v1/projects/", j!({"name": "Secret"})).await;
    let task = id_of(
        &app,
        &a.token,
        &format!("/v1/projects/{project}/tasks"),
        j!({"title": "t"}),
    )
    .await;
    let (_, board) = send(
        &app,
        "GET",
        &format!("/v1/projects/{project}"),
        &a.token,
        None,
    )
    .await;
    let column = board["columns"][0]["id"]
        .as_str()
        .expect("column")
        .to_owned();
    let template = id_of(
        &app,
        &a.token,
        "/v1/project-templates/",
        j!({"name": "Mine", "slug": "mine", "columns": [{"name": "Todo", "statuses": ["todo"]},
            {"name": "Done", "statuses": ["done"]}],
            "statusSemantics": {"initial": ["todo"], "terminal_done": ["done"]}}),
    )
    .await;
    let session = id_of(&app, &a.token, "/v1/onboarding/sessions", j!({})).await;
    let b_service = app.token(&b.id, "engine-svc", TokenKind::Service);
    let doc = serde_json::to_value(project_svc::openapi()).expect("openapi");
    // A has no agents, dependencies, mappings or workflows: those ids exist nowhere in both calls.
    let report = walk::CrossTenantWalk::new(&app, &doc, "project", &a.id)
        .id("project_id", &project)
        .id("task_id", &task)
        .id("column_id", &column)
        .id("template_id", &template)
        .id("session_id", &session)
        .fixed("agent_id", "agt_nowhere0000000")
        .fixed("dep_id", "dep_nowhere0000000")
        .fixed("mapping_id", "map_nowhere0000000")
        .fixed("workflow_id", "wf_nowhere0000000")
        .token(&b.token)
        .token(&b_service)
        .run()
        .await;
    assert!(report.walked >= 60, "the walk sees the routes: {report:?}");
    assert!(
        report.not_found >= report.walked,
        "most answers are 404 outright: {report:?}"
    );
    assert!(
        run_requests(&app).await.is_empty(),
        "no run requested for B"
    );
}

/// Clients (and fuzzers) can only call what the document describes completely.
#[test]
fn every_path_parameter_is_declared() {
    let doc = serde_json::to_value(project_svc::openapi()).expect("openapi");
    assert_eq!(walk::undeclared_path_parameters(&doc), Vec::<String>::new());
}
