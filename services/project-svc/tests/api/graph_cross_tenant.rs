//! Every graph route with tenant B's credentials on tenant A's ids: 404, and A's rows and
//! stream unchanged. Agent credentials of the tenant may use the routes like users.

use kit::TokenKind;
use serde_json::json as j;

use crate::graph_support::{depend, deps_path, edge_count, events, task_count};
use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};

#[tokio::test]
async fn tenant_b_cannot_touch_tenant_a_graph() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (pa, cols_a) = board(&app, &a, "A board").await;
    let (pb, cols_b) = board(&app, &b, "B board").await;
    let a1 = task_row(&app, &a, &pa, &cols_a[0], "A one", "done").await;
    let a2 = task_row(&app, &a, &pa, &cols_a[0], "A two", "backlog").await;
    let a3 = task_row(&app, &a, &pa, &cols_a[0], "A three", "backlog").await;
    let b1 = task_row(&app, &b, &pb, &cols_b[0], "B one", "backlog").await;
    let dep = depend(&app, &a, &pa, &a1, &a2).await;
    let dep = dep["id"].as_str().expect("id").to_owned();

    let on_a: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("POST", deps_path(&pa, &a3), Some(j!({ "fromTaskId": a2 }))),
        ("DELETE", format!("{}/{dep}", deps_path(&pa, &a2)), None),
        ("GET", format!("/v1/projects/{pa}/dependency-graph"), None),
        ("GET", format!("/v1/projects/{pa}/ready-tasks"), None),
        ("GET", format!("/v1/projects/{pa}/timeline"), None),
        (
            "POST",
            format!("/v1/projects/{pa}/import"),
            Some(j!({ "tasks": [{ "title": "x" }] })),
        ),
    ];
    for (method, path, body) in on_a {
        let (status, answer) = send(&app, method, &path, &b.token, body).await;
        assert_error(status, &answer, 404, "project_not_found");
    }
    // A's tasks and edges through B's own project.
    let (status, answer) = send(
        &app,
        "POST",
        &deps_path(&pb, &a2),
        &b.token,
        Some(j!({ "fromTaskId": b1 })),
    )
    .await;
    assert_error(status, &answer, 404, "task_not_found");
    let (status, answer) = send(
        &app,
        "POST",
        &deps_path(&pb, &b1),
        &b.token,
        Some(j!({ "fromTaskId": a1 })),
    )
    .await;
    assert_error(status, &answer, 404, "task_not_found");
    let (status, answer) = send(
        &app,
        "DELETE",
        &format!("{}/{dep}", deps_path(&pb, &b1)),
        &b.token,
        None,
    )
    .await;
    assert_error(status, &answer, 404, "dependency_not_found");

    assert_eq!(edge_count(&app, &pa).await, 1);
    assert_eq!(task_count(&app, &pa).await, 3);
    assert_eq!(edge_count(&app, &pb).await, 0);
    assert_eq!(task_count(&app, &pb).await, 1);
    assert_eq!(events(&app, &a, "DEPENDENCY_ADDED").await.len(), 1);
    assert!(events(&app, &a, "DEPENDENCY_REMOVED").await.is_empty());
    assert!(events(&app, &a, "TASKS_IMPORTED").await.is_empty());
    assert!(events(&app, &b, "DEPENDENCY_ADDED").await.is_empty());
    assert!(events(&app, &b, "TASKS_IMPORTED").await.is_empty());

    // A's own graph still reads the same.
    let (_, graph) = send(
        &app,
        "GET",
        &format!("/v1/projects/{pa}/dependency-graph"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(graph["edges"][0]["id"], j!(dep));
}

#[tokio::test]
async fn an_agent_of_the_tenant_may_use_the_graph_routes() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t1 = task_row(&app, &a, &p, &cols[0], "One", "backlog").await;
    let t2 = task_row(&app, &a, &p, &cols[0], "Two", "backlog").await;
    let agent = app.token(&a.id, "agt_finn", TokenKind::Agent);
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &t2),
        &agent,
        Some(j!({ "fromTaskId": t1 })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/ready-tasks?agent_id=finn"),
        &agent,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["tasks"][0]["id"], j!(t1));
}
