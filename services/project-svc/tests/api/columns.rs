//! `/v1/projects/{id}/columns`: inserting shifts, moving keeps positions dense, deleting
//! needs an empty column; columns of another project are not found.

use kit::testing::Method;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, assert_error, board, send, spawn, task_row, tenant};
use crate::projects::{events, of_type};

/// (name, position) of the project's columns, in board order.
async fn layout(app: &TestApp, t: &Tenant, project: &str) -> Vec<(String, i64)> {
    let (s, b) = send(
        app,
        "GET",
        &format!("/v1/projects/{project}"),
        &t.token,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    b["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_owned(),
                c["position"].as_i64().expect("pos"),
            )
        })
        .collect()
}

fn expect(names: &[&str]) -> Vec<(String, i64)> {
    names
        .iter()
        .zip(0..)
        .map(|(n, i)| ((*n).to_owned(), i))
        .collect()
}

#[tokio::test]
async fn adding_a_column_inserts_it_and_shifts_the_rest() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "P").await;
    let url = format!("/v1/projects/{p}/columns");
    let (s, col) = send(
        &app,
        "POST",
        &url,
        &a.token,
        Some(j!({"name": "Review", "position": 2, "wipLimit": 3, "taskStatuses": ["review"]})),
    )
    .await;
    assert_eq!(s, 201, "{col}");
    assert!(col["id"].as_str().expect("id").starts_with("col_"));
    assert_eq!(
        (&col["project_id"], &col["position"], &col["wip_limit"]),
        (&j!(p), &j!(2), &j!(3))
    );
    assert_eq!(col["task_statuses"], j!(["review"]));
    let last = app
        .client
        .setup(Method::POST, &url, &a.token, Some(j!({"name": "Archive"})))
        .await;
    assert_eq!(
        (&last["position"], &last["task_statuses"]),
        (&j!(5), &j!([]))
    );
    let (_, clamped) = send(
        &app,
        "POST",
        &url,
        &a.token,
        Some(j!({"name": "Far", "position": 99})),
    )
    .await;
    assert_eq!(clamped["position"], 6);
    assert_eq!(
        layout(&app, &a, &p).await,
        expect(&[
            "Backlog",
            "Ready",
            "Review",
            "In Progress",
            "Done",
            "Archive",
            "Far"
        ])
    );
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_UPDATED").len(), 3);
}

#[tokio::test]
async fn updating_renames_relimits_and_moves_keeping_positions_dense() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "P").await;
    let url = format!("/v1/projects/{p}/columns/{}", cols[3]);
    let (s, out) = send(&app, "PUT", &url, &a.token,
        Some(j!({"name": "Shipped", "position": 0, "wipLimit": 9, "taskStatuses": ["done", "shipped"]}))).await;
    assert_eq!((s, &out["status"]), (200, &j!("updated")), "{out}");
    assert_eq!(
        (&out["column"]["position"], &out["column"]["wip_limit"]),
        (&j!(0), &j!(9))
    );
    assert_eq!(
        layout(&app, &a, &p).await,
        expect(&["Shipped", "Backlog", "Ready", "In Progress"])
    );
    // null removes the limit; absent fields stay.
    let out = app
        .client
        .setup(Method::PUT, &url, &a.token, Some(j!({"wipLimit": null})))
        .await;
    assert_eq!(
        (&out["column"]["wip_limit"], &out["column"]["name"]),
        (&Value::Null, &j!("Shipped"))
    );
    let out = app
        .client
        .setup(Method::PUT, &url, &a.token, Some(j!({"position": 2})))
        .await;
    assert_eq!(out["column"]["position"], 2);
    assert_eq!(
        layout(&app, &a, &p).await,
        expect(&["Backlog", "Ready", "Shipped", "In Progress"])
    );
    // Nothing new: no write, no event.
    let (s, out) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"name": "Shipped", "position": 2})),
    )
    .await;
    assert_eq!((s, &out["status"]), (200, &j!("no changes")));
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_UPDATED").len(), 3);
}

#[tokio::test]
async fn a_column_with_tasks_or_the_last_column_cannot_be_deleted() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "P").await;
    task_row(&app, &a, &p, &cols[1], "busy", "ready").await;
    let (s, err) = send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/columns/{}", cols[1]),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &err, 400, "column_not_empty");
    assert!(events(&app, &a).await.is_empty());
    let (s, out) = send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/columns/{}", cols[0]),
        &a.token,
        None,
    )
    .await;
    assert_eq!((s, out), (200, j!({"status": "deleted"})));
    assert_eq!(
        layout(&app, &a, &p).await,
        expect(&["Ready", "In Progress", "Done"])
    );
    for col in &cols[2..] {
        let (s, _) = send(
            &app,
            "DELETE",
            &format!("/v1/projects/{p}/columns/{col}"),
            &a.token,
            None,
        )
        .await;
        assert_eq!(s, 200);
    }
    let (s, err) = send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/columns/{}", cols[1]),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &err, 400, "column_not_empty");
    // Emptied, it is still the last column of the board.
    sqlx::query("delete from project.tasks")
        .execute(&app.db.admin)
        .await
        .expect("clear");
    let (s, err) = send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/columns/{}", cols[1]),
        &a.token,
        None,
    )
    .await;
    assert_error(s, &err, 400, "last_column");
    assert_eq!(layout(&app, &a, &p).await, expect(&["Ready"]));
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_UPDATED").len(), 3);
}

#[tokio::test]
async fn deleting_a_column_forgets_it_in_routine_mappings() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "P").await;
    sqlx::query(
        "insert into project.project_agents (tenant_id, project_id, agent_id, assigned_at)
                 values ($1, $2, 'agt_x', 1)",
    )
    .bind(a.id.as_str())
    .bind(&p)
    .execute(&app.db.admin)
    .await
    .expect("agent");
    sqlx::query(
        "insert into project.project_agent_routines (id, tenant_id, project_id, agent_id,
                     routine_id, column_ids, created_at, updated_at)
                 values ('map_1', $1, $2, 'agt_x', 'rtn_1', $3, 1, 1)",
    )
    .bind(a.id.as_str())
    .bind(&p)
    .bind(j!([cols[0], cols[2]]))
    .execute(&app.db.admin)
    .await
    .expect("mapping");
    let (s, _) = send(
        &app,
        "DELETE",
        &format!("/v1/projects/{p}/columns/{}", cols[0]),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let left: Value = sqlx::query_scalar("select column_ids from project.project_agent_routines")
        .fetch_one(&app.db.admin)
        .await
        .expect("mapping");
    assert_eq!(left, j!([cols[2]]));
}

#[tokio::test]
async fn columns_of_another_project_and_bad_input_are_refused_without_changes() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "P").await;
    let (_, other_cols) = board(&app, &a, "Other").await;
    for method in ["PUT", "DELETE"] {
        let body = (method == "PUT").then(|| j!({"name": "Stolen"}));
        let (s, err) = send(
            &app,
            method,
            &format!("/v1/projects/{p}/columns/{}", other_cols[0]),
            &a.token,
            body,
        )
        .await;
        assert_error(s, &err, 404, "column_not_found");
    }
    let (s, err) = send(
        &app,
        "PUT",
        &format!("/v1/projects/{p}/columns/col_nope"),
        &a.token,
        Some(j!({})),
    )
    .await;
    assert_error(s, &err, 404, "column_not_found");
    let create = format!("/v1/projects/{p}/columns");
    let update = format!("/v1/projects/{p}/columns/{}", cols[0]);
    for (url, body, path) in [
        (&create, j!({"name": ""}), "name"),
        (&create, j!({"name": "X", "position": -1}), "position"),
        (&create, j!({"name": "X", "wipLimit": 0}), "wipLimit"),
        (
            &create,
            j!({"name": "X", "taskStatuses": ["a", "a"]}),
            "taskStatuses[1]",
        ),
        (&update, j!({"name": "y".repeat(129)}), "name"),
        (
            &update,
            j!({"taskStatuses": ["In Progress"]}),
            "taskStatuses[0]",
        ),
        (&update, j!({"wipLimit": 100_000}), "wipLimit"),
    ] {
        let method = if url == &create { "POST" } else { "PUT" };
        let (s, err) = send(&app, method, url, &a.token, Some(body)).await;
        assert_error(s, &err, 422, "validation_failed");
        assert_eq!(err["errors"][0]["path"], path, "{err}");
    }
    let (s, _) = send(
        &app,
        "POST",
        &create,
        &a.token,
        Some(j!({"name": "X", "color": "red"})),
    )
    .await;
    assert!(s == 400 || s == 422);
    let agent = app.token(&a.id, "agt_x", kit::TokenKind::Agent);
    let (s, err) = send(&app, "POST", &create, &agent, Some(j!({"name": "X"}))).await;
    assert_error(s, &err, 403, "forbidden");
    assert_eq!(
        layout(&app, &a, &p).await,
        expect(&["Backlog", "Ready", "In Progress", "Done"])
    );
    assert!(events(&app, &a).await.is_empty());
}
