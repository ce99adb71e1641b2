//! Adding and removing dependencies, and the dependency graph.

use serde_json::{Value, json as j};

use crate::graph_support::{depend, deps_path, edge_count, events, set_task};
use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};

#[tokio::test]
async fn adding_a_dependency_answers_the_edge_and_announces_it_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let design = task_row(&app, &a, &p, &cols[0], "Design", "backlog").await;
    let build = task_row(&app, &a, &p, &cols[0], "Build", "backlog").await;
    let docs = task_row(&app, &a, &p, &cols[0], "Docs", "backlog").await;

    let edge = depend(&app, &a, &p, &design, &build).await;
    assert!(edge["id"].as_str().expect("id").starts_with("dep_"));
    assert_eq!(edge["from"], j!(design));
    assert_eq!(edge["to"], j!(build));
    assert_eq!(edge["type"], "blocks");
    let (status, informs) = send(
        &app,
        "POST",
        &deps_path(&p, &docs),
        &a.token,
        Some(j!({ "fromTaskId": design, "type": "informs" })),
    )
    .await;
    assert_eq!(status, 201, "{informs}");
    assert_eq!(informs["type"], "informs");

    // The same edge again is refused and announced nowhere.
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &build),
        &a.token,
        Some(j!({ "fromTaskId": design })),
    )
    .await;
    assert_error(status, &body, 409, "dependency_exists");
    assert_eq!(edge_count(&app, &p).await, 2);

    let added = events(&app, &a, "DEPENDENCY_ADDED").await;
    assert_eq!(added.len(), 2, "{added:?}");
    assert_eq!(added[0]["projectId"], j!(p));
    assert_eq!(added[0]["fromTaskId"], j!(design));
    assert_eq!(added[0]["toTaskId"], j!(build));
    assert_eq!(added[0]["kind"], "blocks");
    assert_eq!(added[1]["kind"], "informs");
}

#[tokio::test]
async fn an_edge_closing_a_cycle_is_refused_with_the_cycle_named() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let x = task_row(&app, &a, &p, &cols[0], "Spec", "backlog").await;
    let y = task_row(&app, &a, &p, &cols[0], "Code", "backlog").await;
    let z = task_row(&app, &a, &p, &cols[0], "Ship", "backlog").await;
    let w = task_row(&app, &a, &p, &cols[0], "Blog", "backlog").await;
    depend(&app, &a, &p, &x, &y).await;
    depend(&app, &a, &p, &y, &z).await;
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &z),
        &a.token,
        Some(j!({ "fromTaskId": w, "type": "informs" })),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // Ship → Spec would close Spec → Code → Ship.
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &x),
        &a.token,
        Some(j!({ "fromTaskId": z })),
    )
    .await;
    assert_error(status, &body, 409, "dependency_cycle");
    assert_eq!(body["cycle"], j!([z, x, y, z]));
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("Ship") && detail.contains("Spec") && detail.contains("Code"),
        "{detail}"
    );

    // The direct reverse, and a cycle through an `informs` edge, are refused too.
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &x),
        &a.token,
        Some(j!({ "fromTaskId": y, "type": "informs" })),
    )
    .await;
    assert_error(status, &body, 409, "dependency_cycle");
    assert_eq!(body["cycle"], j!([y, x, y]));
    let (status, body) = send(
        &app,
        "POST",
        &deps_path(&p, &w),
        &a.token,
        Some(j!({ "fromTaskId": z })),
    )
    .await;
    assert_error(status, &body, 409, "dependency_cycle");
    assert_eq!(body["cycle"], j!([z, w, z]));

    assert_eq!(edge_count(&app, &p).await, 3);
    assert_eq!(events(&app, &a, "DEPENDENCY_ADDED").await.len(), 3);
}

#[tokio::test]
async fn bad_dependencies_are_refused_and_write_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (other, other_cols) = board(&app, &a, "Other").await;
    let t1 = task_row(&app, &a, &p, &cols[0], "One", "backlog").await;
    let t2 = task_row(&app, &a, &p, &cols[0], "Two", "backlog").await;
    let elsewhere = task_row(&app, &a, &other, &other_cols[0], "Far", "backlog").await;
    let path = deps_path(&p, &t2);

    let cases: Vec<(String, Value, u16, &str)> = vec![
        (
            deps_path(&p, &t1),
            j!({ "fromTaskId": t1 }),
            422,
            "validation_failed",
        ),
        (path.clone(), j!({}), 422, "validation_failed"),
        (
            path.clone(),
            j!({ "fromTaskId": "" }),
            422,
            "validation_failed",
        ),
        (
            path.clone(),
            j!({ "fromTaskId": "x".repeat(65) }),
            422,
            "validation_failed",
        ),
        (
            path.clone(),
            j!({ "fromTaskId": t1, "type": "maybe" }),
            422,
            "validation_failed",
        ),
        (
            path.clone(),
            j!({ "fromTaskId": t1, "weight": 2 }),
            422,
            "validation_failed",
        ),
        (
            path.clone(),
            j!({ "fromTaskId": "tsk_nope" }),
            404,
            "task_not_found",
        ),
        (
            path.clone(),
            j!({ "fromTaskId": elsewhere }),
            404,
            "task_not_found",
        ),
        (
            deps_path(&p, &elsewhere),
            j!({ "fromTaskId": t1 }),
            404,
            "task_not_found",
        ),
        (
            deps_path(&p, "tsk_nope"),
            j!({ "fromTaskId": t1 }),
            404,
            "task_not_found",
        ),
        (
            deps_path("prj_nope", &t2),
            j!({ "fromTaskId": t1 }),
            404,
            "project_not_found",
        ),
    ];
    for (path, body, want_status, want_code) in cases {
        let (status, answer) = send(&app, "POST", &path, &a.token, Some(body.clone())).await;
        assert_error(status, &answer, want_status, want_code);
        if want_code == "validation_failed" {
            assert!(answer["errors"][0]["path"].is_string(), "{body} → {answer}");
        }
    }
    let res = app
        .client
        .post(&path)
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"fromTaskId\":")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 400);
    let res = app
        .client
        .post(&path)
        .bearer_auth(&a.token)
        .body("x")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 415);
    let res = app
        .client
        .post(&path)
        .json(&j!({ "fromTaskId": t1 }))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 401);

    assert_eq!(
        edge_count(&app, &p).await + edge_count(&app, &other).await,
        0
    );
    assert!(events(&app, &a, "DEPENDENCY_ADDED").await.is_empty());
}

#[tokio::test]
async fn concurrent_inserts_never_both_close_a_cycle() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let rounds = 16;
    for round in 0..rounds {
        let x = task_row(&app, &a, &p, &cols[0], &format!("x{round}"), "backlog").await;
        let y = task_row(&app, &a, &p, &cols[0], &format!("y{round}"), "backlog").await;
        let (to_y, to_x) = (deps_path(&p, &y), deps_path(&p, &x));
        let (one, two) = tokio::join!(
            send(&app, "POST", &to_y, &a.token, Some(j!({ "fromTaskId": x }))),
            send(&app, "POST", &to_x, &a.token, Some(j!({ "fromTaskId": y }))),
        );
        let mut statuses = [one.0, two.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {} / {}", one.1, two.1);
    }
    assert_eq!(edge_count(&app, &p).await, rounds);
    assert_eq!(
        events(&app, &a, "DEPENDENCY_ADDED").await.len(),
        usize::try_from(rounds).expect("small")
    );
}

#[tokio::test]
async fn removing_a_dependency_deletes_it_and_announces_it_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t1 = task_row(&app, &a, &p, &cols[0], "One", "backlog").await;
    let t2 = task_row(&app, &a, &p, &cols[0], "Two", "backlog").await;
    let t3 = task_row(&app, &a, &p, &cols[0], "Three", "backlog").await;
    let first = depend(&app, &a, &p, &t1, &t2).await;
    let second = depend(&app, &a, &p, &t2, &t3).await;
    let dep = first["id"].as_str().expect("id");

    // Only through one of the edge's own tasks, of this project.
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{}/{dep}", deps_path(&p, &t3)),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "dependency_not_found");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{}/dep_nope", deps_path(&p, &t2)),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "dependency_not_found");

    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{}/{dep}", deps_path(&p, &t2)),
        &a.token,
        None,
    )
    .await;
    assert_eq!((status, body), (200, j!({ "status": "removed" })));
    // From the other end works too.
    let dep2 = second["id"].as_str().expect("id");
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("{}/{dep2}", deps_path(&p, &t2)),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{}/{dep}", deps_path(&p, &t2)),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "dependency_not_found");

    assert_eq!(edge_count(&app, &p).await, 0);
    let removed = events(&app, &a, "DEPENDENCY_REMOVED").await;
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert_eq!(removed[0]["fromTaskId"], j!(t1));
    assert_eq!(removed[0]["toTaskId"], j!(t2));
    assert_eq!(removed[0]["projectId"], j!(p));
}

#[tokio::test]
async fn the_graph_orders_tasks_and_finds_the_heaviest_blocking_chain() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let plan = task_row(&app, &a, &p, &cols[0], "Plan", "done").await;
    let api = task_row(&app, &a, &p, &cols[0], "API", "backlog").await;
    let ui = task_row(&app, &a, &p, &cols[0], "UI", "backlog").await;
    let launch = task_row(&app, &a, &p, &cols[0], "Launch", "backlog").await;
    set_task(&app, &plan, "priority = 'P1', estimated_hours = 2").await;
    set_task(&app, &api, "estimated_hours = 5").await;
    set_task(&app, &launch, "priority = 'P0', estimated_hours = 1").await;
    depend(&app, &a, &p, &plan, &api).await;
    depend(&app, &a, &p, &plan, &ui).await;
    depend(&app, &a, &p, &api, &launch).await;
    let (status, _) = send(
        &app,
        "POST",
        &deps_path(&p, &launch),
        &a.token,
        Some(j!({ "fromTaskId": ui, "type": "informs" })),
    )
    .await;
    assert_eq!(status, 201);

    let (status, g) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/dependency-graph"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{g}");
    let nodes = g["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 4);
    let launch_node = nodes
        .iter()
        .find(|n| n["id"] == j!(launch))
        .expect("launch");
    assert_eq!(launch_node["priority"], "P0");
    assert_eq!(launch_node["estimated_hours"], 1.0);
    assert_eq!(launch_node["title"], "Launch");
    let edges = g["edges"].as_array().expect("edges");
    assert_eq!(edges.len(), 4);
    let informs = edges
        .iter()
        .find(|e| e["type"] == "informs")
        .expect("informs");
    assert_eq!(informs["from_task_id"], j!(ui));
    assert_eq!(informs["to_task_id"], j!(launch));
    assert_eq!(informs["project_id"], j!(p));
    assert!(informs["id"].as_str().expect("id").starts_with("dep_"));
    let order: Vec<&str> = g["topological_order"]
        .as_array()
        .expect("order")
        .iter()
        .map(|v| v.as_str().expect("id"))
        .collect();
    assert_eq!(order.len(), 4);
    let at = |id: &str| order.iter().position(|o| *o == id).expect("listed");
    assert!(at(&plan) < at(&api) && at(&plan) < at(&ui) && at(&api) < at(&launch));
    // Plan (2) → API (5) → Launch (1) outweighs Plan → UI (1); `informs` does not count.
    assert_eq!(g["critical_path"], j!([plan, api, launch]));

    let empty = board(&app, &a, "Empty").await.0;
    let (status, g) = send(
        &app,
        "GET",
        &format!("/v1/projects/{empty}/dependency-graph"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        g,
        j!({ "nodes": [], "edges": [], "topological_order": [], "critical_path": [] })
    );
}
