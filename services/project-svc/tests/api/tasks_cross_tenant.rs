//! Every task route with tenant B's credential on tenant A's project, task and columns:
//! 404, A's rows unchanged, nothing announced on either tenant's stream.

use serde_json::{Value, json as j};

use crate::helpers::{assert_error, board, send, spawn, tenant};
use crate::task_support::{create, create_titled, events, task_path, tasks_path};

async fn snapshot(app: &kit::testing::TestApp, project: &str) -> Vec<Value> {
    sqlx::query_scalar("select to_jsonb(t) from project.tasks t where project_id = $1 order by id")
        .bind(project)
        .fetch_all(&app.db.admin)
        .await
        .expect("snapshot")
}

#[tokio::test]
async fn tenant_b_cannot_reach_tenant_a_tasks_through_any_route() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (pa, cols_a) = board(&app, &a, "A board").await;
    let (pb, cols_b) = board(&app, &a, "A second").await;
    let (pb_own, cols_b_own) = board(&app, &b, "B board").await;
    let task = create(&app, &a, &pa, j!({"title": "A task"})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    create_titled(&app, &a, &pb, "other project").await;
    let b_task = create_titled(&app, &b, &pb_own, "B task").await;
    let before = (snapshot(&app, &pa).await, snapshot(&app, &pb).await);
    let a_events = events(&app, &a).await.len();
    let b_events = events(&app, &b).await.len();

    let t = task_path(&pa, &task);
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", tasks_path(&pa), None),
        ("POST", tasks_path(&pa), Some(j!({"title": "intruder"}))),
        ("GET", t.clone(), None),
        ("PUT", t.clone(), Some(j!({"title": "hacked"}))),
        ("DELETE", t.clone(), None),
        (
            "POST",
            format!("{t}/move"),
            Some(j!({"columnId": cols_a[1]})),
        ),
        (
            "POST",
            format!("{t}/claim"),
            Some(j!({"agentId": "agt_evil"})),
        ),
        (
            "POST",
            format!("{t}/transition"),
            Some(j!({"status": "done"})),
        ),
    ];
    for (method, path, body) in &routes {
        let (status, res) = send(&app, method, path, &b.token, body.clone()).await;
        assert_error(status, &res, 404, "project_not_found");
    }

    // B's own project with A's task id: the task is not found there.
    let t_in_b = task_path(&pb_own, &task);
    for (method, path, body) in [
        ("GET", t_in_b.clone(), None),
        ("PUT", t_in_b.clone(), Some(j!({"title": "hacked"}))),
        ("DELETE", t_in_b.clone(), None),
        (
            "POST",
            format!("{t_in_b}/move"),
            Some(j!({"columnId": cols_b_own[1]})),
        ),
        (
            "POST",
            format!("{t_in_b}/claim"),
            Some(j!({"agentId": "agt_evil"})),
        ),
        (
            "POST",
            format!("{t_in_b}/transition"),
            Some(j!({"status": "done"})),
        ),
    ] {
        let (status, res) = send(&app, method, &path, &b.token, body).await;
        assert_error(status, &res, 404, "task_not_found");
    }

    // B's task into A's column, or A's column named on create in B's project: column not found.
    let b_move = format!("{}/move", task_path(&pb_own, &b_task));
    let (status, res) = send(
        &app,
        "POST",
        &b_move,
        &b.token,
        Some(j!({"columnId": cols_a[0]})),
    )
    .await;
    assert_error(status, &res, 404, "column_not_found");
    let (status, res) = send(
        &app,
        "POST",
        &tasks_path(&pb_own),
        &b.token,
        Some(j!({"title": "x", "columnId": cols_a[0]})),
    )
    .await;
    assert_error(status, &res, 404, "column_not_found");
    let (status, res) = send(
        &app,
        "POST",
        &tasks_path(&pb_own),
        &b.token,
        Some(j!({"title": "x", "parentTaskId": task})),
    )
    .await;
    assert_error(status, &res, 404, "parent_task_not_found");
    // Nor can A move its task to its other project's column.
    let (status, res) = send(
        &app,
        "POST",
        &format!("{t}/move"),
        &a.token,
        Some(j!({"columnId": cols_b[0]})),
    )
    .await;
    assert_error(status, &res, 404, "column_not_found");

    assert_eq!(
        (snapshot(&app, &pa).await, snapshot(&app, &pb).await),
        before
    );
    assert_eq!(events(&app, &a).await.len(), a_events);
    assert_eq!(events(&app, &b).await.len(), b_events);
    let (status, list) = send(&app, "GET", &tasks_path(&pb_own), &b.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}
