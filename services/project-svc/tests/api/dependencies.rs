//! Adding and removing dependencies, and the dependency graph.

use serde_json::{Value, json as j};

use crate::graph_support::{depend, deps_path, edge_count, events};
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
