//! The cross-tenant wall over every route of the service, walked from its own OpenAPI document
//! so a new route is covered the day it is added: tenant B's user and service tokens on tenant
//! A's project, task, column, template and session ids get exactly the answer ids that exist
//! nowhere get — never a success — and every row A has in the `project` schema is unchanged.

use kit::TokenKind;
use kit::testing::{TestApp, walk};
use serde_json::{Value, json as j};

use crate::helpers::{run_requests, send, spawn, tenant};

fn routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(project_svc::openapi()).expect("openapi");
    walk::operations(&doc, |path| path.contains('{'))
}

fn concrete(template: &str, ids: &[(&str, String)]) -> String {
    template
        .split('/')
        .map(|seg| {
            let name = seg.trim_start_matches('{').trim_end_matches('}');
            if seg.starts_with('{') {
                ids.iter()
                    .find(|(k, _)| *k == name)
                    .map_or_else(|| "x_unknown".to_owned(), |(_, v)| v.clone())
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let body = (method != "GET" && method != "DELETE").then(|| j!({}));
    send(app, method, path, token, body).await
}

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
    let real = [
        ("project_id", project),
        ("task_id", task),
        ("column_id", column),
        ("template_id", template),
        ("session_id", session),
    ];
    let nowhere = [
        ("project_id", "prj_nowhere0000000".to_owned()),
        ("task_id", "tsk_nowhere0000000".to_owned()),
        ("column_id", "col_nowhere0000000".to_owned()),
        ("template_id", "tpl_nowhere0000000".to_owned()),
        ("session_id", "onb_nowhere0000000".to_owned()),
    ];
    let b_service = app.token(&b.id, "engine-svc", TokenKind::Service);
    let before = walk::tenant_fingerprint(&app.db.admin, "project", a.id.as_str()).await;

    let routes = routes();
    assert!(
        routes.len() >= 60,
        "the walk sees the routes: {}",
        routes.len()
    );
    let mut refused_404 = 0;
    for (method, template) in &routes {
        for token in [&b.token, &b_service] {
            let (status, body) = call(&app, token, method, &concrete(template, &real)).await;
            let (want, want_body) = call(&app, token, method, &concrete(template, &nowhere)).await;
            assert!(
                !(200..300).contains(&status),
                "{method} {template}: {status} {body}"
            );
            assert_eq!(
                (status, &body["code"]),
                (want, &want_body["code"]),
                "{method} {template}: A's ids must look like ids that exist nowhere"
            );
            refused_404 += usize::from(status == 404);
        }
    }
    assert!(
        refused_404 >= routes.len(),
        "most answers are 404 outright ({refused_404})"
    );
    assert_eq!(
        before,
        walk::tenant_fingerprint(&app.db.admin, "project", a.id.as_str()).await,
        "A's rows unchanged"
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
