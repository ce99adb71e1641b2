//! Removing dependencies, and the dependency graph.

use serde_json::json as j;

use crate::graph_support::{depend, deps_path, edge_count, events, set_task};
use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};

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
