//! Moves and transitions: dense positions in every column (also under concurrent moves), WIP
//! limits, columns of the same project only, and events once per change.

use std::sync::Arc;

use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::task_support::{
    assert_dense, column_order, create, create_titled, events_of, task_path,
};

fn move_path(p: &str, t: &str) -> String {
    format!("{}/move", task_path(p, t))
}

fn ids(order: &[(String, i32)]) -> Vec<String> {
    order.iter().map(|(id, _)| id.clone()).collect()
}

#[tokio::test]
async fn moving_keeps_both_columns_dense_and_the_status_follows_the_column() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let t0 = create_titled(&app, &a, &p, "zero").await;
    let t1 = create_titled(&app, &a, &p, "one").await;
    let t2 = create_titled(&app, &a, &p, "two").await;
    let r0 = create(&app, &a, &p, j!({"title": "ready", "columnId": cols[1]})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let (status, body) = send(
        &app,
        "POST",
        &move_path(&p, &t1),
        &a.token,
        Some(j!({"columnId": cols[1], "position": 0})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "moved");
    assert_eq!(body["position"], 0);
    assert_eq!(body["task_status"], "ready");
    assert_eq!(
        ids(&column_order(&app, &cols[0]).await),
        [t0.clone(), t2.clone()]
    );
    assert_eq!(
        ids(&column_order(&app, &cols[1]).await),
        [t1.clone(), r0.clone()]
    );
    assert_dense(&column_order(&app, &cols[0]).await);
    assert_dense(&column_order(&app, &cols[1]).await);
    let moved = events_of(&app, &a, "TASK_MOVED").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(
        (moved[0]["taskId"].clone(), moved[0]["position"].clone()),
        (j!(t1), j!(0))
    );
    assert_eq!(moved[0]["status"], "ready");
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 1);

    // Within a column: only the order changes; a position past the end means last.
    let (status, body) = send(
        &app,
        "POST",
        &move_path(&p, &t0),
        &a.token,
        Some(j!({"columnId": cols[0], "position": 99})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["position"], 1);
    assert_eq!(
        ids(&column_order(&app, &cols[0]).await),
        [t2.clone(), t0.clone()]
    );
    assert_eq!(events_of(&app, &a, "TASK_MOVED").await.len(), 2);
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 1);

    // Without a position the task goes to the top (the reference's default).
    let (_, body) = send(
        &app,
        "POST",
        &move_path(&p, &r0),
        &a.token,
        Some(j!({"columnId": cols[3]})),
    )
    .await;
    assert_eq!(body["position"], 0);
    let row = app
        .client
        .setup(Method::GET, &task_path(&p, &r0), &a.token, None)
        .await;
    assert_eq!(row["status"], "done");
    assert!(row["completed_at"].is_i64());

    // Rows written without positions (all 0) are made dense by the first move touching them.
    let raw: Vec<String> = vec![
        task_row(&app, &a, &p, &cols[2], "raw a", "in_progress").await,
        task_row(&app, &a, &p, &cols[2], "raw b", "in_progress").await,
    ];
    let (status, _) = send(
        &app,
        "POST",
        &move_path(&p, &t2),
        &a.token,
        Some(j!({"columnId": cols[2], "position": 1})),
    )
    .await;
    assert_eq!(status, 200);
    let order = column_order(&app, &cols[2]).await;
    assert_dense(&order);
    assert_eq!(order[1].0, t2);
    assert!(raw.iter().all(|r| ids(&order).contains(r)));
}

#[tokio::test]
async fn moves_refuse_other_projects_columns_full_columns_and_bad_positions() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (_, other_cols) = board(&app, &a, "Other").await;
    let task = create_titled(&app, &a, &p, "mine").await;
    create(&app, &a, &p, j!({"title": "busy", "columnId": cols[2]})).await;
    sqlx::query("update project.kanban_columns set wip_limit = 1 where id = $1")
        .bind(&cols[2])
        .execute(&app.db.admin)
        .await
        .expect("wip");
    let before = send(&app, "GET", &task_path(&p, &task), &a.token, None)
        .await
        .1;
    let path = move_path(&p, &task);
    let cases = [
        (j!({"columnId": other_cols[0]}), 404, "column_not_found"),
        (j!({"columnId": "col_nope"}), 404, "column_not_found"),
        (j!({"columnId": cols[2]}), 409, "wip_limit_reached"),
        (
            j!({"columnId": cols[1], "position": -1}),
            422,
            "validation_failed",
        ),
        (
            j!({"columnId": cols[1], "position": "top"}),
            422,
            "validation_failed",
        ),
        (j!({"position": 0}), 422, "validation_failed"),
        (j!({"columnId": "c".repeat(200)}), 422, "validation_failed"),
    ];
    for (body, want, code) in cases {
        let (status, res) = send(&app, "POST", &path, &a.token, Some(body)).await;
        assert_error(status, &res, want, code);
    }
    let (status, res) = send(
        &app,
        "POST",
        &move_path(&p, "tsk_nope"),
        &a.token,
        Some(j!({"columnId": cols[1]})),
    )
    .await;
    assert_error(status, &res, 404, "task_not_found");
    assert_eq!(
        send(&app, "GET", &task_path(&p, &task), &a.token, None)
            .await
            .1,
        before
    );
    assert!(events_of(&app, &a, "TASK_MOVED").await.is_empty());
    assert!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.is_empty());

    // Reordering inside a full column is not refused.
    let busy = ids(&column_order(&app, &cols[2]).await)[0].clone();
    let (status, _) = send(
        &app,
        "POST",
        &move_path(&p, &busy),
        &a.token,
        Some(j!({"columnId": cols[2]})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn twenty_concurrent_moves_leave_positions_dense_and_unique() {
    let app = Arc::new(spawn().await);
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        tasks.push(create_titled(&app, &a, &p, &format!("task {i}")).await);
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, task) in tasks.iter().enumerate() {
        // Half go to Ready, half are reordered inside Backlog, at scattered positions.
        let column = if i % 2 == 0 {
            cols[1].clone()
        } else {
            cols[0].clone()
        };
        let body = j!({"columnId": column, "position": (i * 7) % 5});
        let (app, token, path) = (app.clone(), a.token.clone(), move_path(&p, task));
        set.spawn(async move { send(&app, "POST", &path, &token, Some(body)).await });
    }
    while let Some(done) = set.join_next().await {
        let (status, body) = done.expect("join");
        assert_eq!(status, 200, "{body}");
    }
    let backlog = column_order(&app, &cols[0]).await;
    let ready = column_order(&app, &cols[1]).await;
    assert_dense(&backlog);
    assert_dense(&ready);
    assert_eq!((backlog.len(), ready.len()), (10, 10));
    // Every move to Ready changed something; a reorder may have found its task in place.
    let moved = events_of(&app, &a, "TASK_MOVED").await.len();
    assert!((10..=20).contains(&moved), "{moved}");
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 10);
}

#[tokio::test]
async fn a_transition_moves_the_task_to_its_status_column_and_keeps_the_note() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let task = create_titled(&app, &a, &p, "Work").await;
    let path = format!("{}/transition", task_path(&p, &task));

    let (status, body) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"status": "in_progress", "note": "starting"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["from_status"], "backlog");
    assert_eq!(body["to_status"], "in_progress");
    assert_eq!(body["column_id"], j!(cols[2]));
    let row = app
        .client
        .setup(Method::GET, &task_path(&p, &task), &a.token, None)
        .await;
    assert_eq!(row["metadata"]["transition_notes"][0]["note"], "starting");
    assert_eq!(row["column_position"], 0);
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 1);
    assert_eq!(events_of(&app, &a, "TASK_MOVED").await.len(), 1);

    // The same status again without a note changes nothing and announces nothing.
    let (status, _) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"status": "in_progress"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 1);

    sqlx::query("update project.kanban_columns set wip_limit = 1 where id = $1")
        .bind(&cols[3])
        .execute(&app.db.admin)
        .await
        .expect("wip");
    create(&app, &a, &p, j!({"title": "Filler", "status": "done"})).await;
    let cases = [
        (j!({"status": "done"}), 409, "wip_limit_reached"),
        (j!({"status": "nowhere"}), 422, "validation_failed"),
        (j!({"status": "Bad Status"}), 422, "validation_failed"),
        (
            j!({"status": "ready", "note": "n".repeat(16 * 1024 + 1)}),
            422,
            "validation_failed",
        ),
        (j!({"note": "no status"}), 422, "validation_failed"),
    ];
    for (body, want, code) in cases {
        let (status, res) = send(&app, "POST", &path, &a.token, Some(body)).await;
        assert_error(status, &res, want, code);
    }
    let row = app
        .client
        .setup(Method::GET, &task_path(&p, &task), &a.token, None)
        .await;
    assert_eq!(row["status"], "in_progress");
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 1);
}
