//! Tasks: create, list, get, update, delete — placement on the board, filters and pages,
//! bad input refused with nothing written, and events once after commit.

use kit::testing::Method;
use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::task_support::{
    assert_dense, column_order, count_tasks, create, create_titled, events_of, task_path,
    tasks_path,
};

#[tokio::test]
async fn creating_tasks_places_them_by_status_and_appends_to_the_column() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;

    let first = create(&app, &a, &p, j!({"title": "  First  "})).await;
    assert_eq!(first["title"], "First");
    assert_eq!(first["status"], "backlog");
    assert_eq!(first["priority"], "P2");
    assert_eq!(first["column_id"], j!(cols[0]));
    assert_eq!(first["column_position"], 0);
    assert_eq!(first["project_id"], j!(p));
    assert_eq!(first["tags"], j!([]));
    assert_eq!(first["metadata"], j!({}));
    assert!(first["id"].as_str().expect("id").starts_with("tsk_"));

    let second = create(
        &app,
        &a,
        &p,
        j!({"title": "Second", "priority": "P0", "tags": ["api"], "estimatedHours": 2.5,
            "assignedAgent": "agt_builder", "metadata": {"k": 1}, "workType": "feature"}),
    )
    .await;
    assert_eq!(second["column_position"], 1);
    assert_eq!(second["priority"], "P0");
    assert_eq!(second["tags"], j!(["api"]));
    assert_eq!(second["estimated_hours"], 2.5);
    assert_eq!(second["assigned_agent"], "agt_builder");
    assert_eq!(second["work_type"], "feature");

    // A status finds its column; a column gives its first status.
    let doing = create(
        &app,
        &a,
        &p,
        j!({"title": "Doing", "status": "in_progress"}),
    )
    .await;
    assert_eq!(doing["column_id"], j!(cols[2]));
    let ready = create(&app, &a, &p, j!({"title": "Ready", "columnId": cols[1]})).await;
    assert_eq!(ready["status"], "ready");
    let done = create(&app, &a, &p, j!({"title": "Done", "status": "done"})).await;
    assert_eq!(done["column_id"], j!(cols[3]));
    assert!(done["completed_at"].is_i64(), "{done}");
    // A status no column carries lands in the first column.
    let odd = create(&app, &a, &p, j!({"title": "Odd", "status": "triage"})).await;
    assert_eq!(odd["column_id"], j!(cols[0]));
    assert_eq!(odd["column_position"], 2);
    assert_dense(&column_order(&app, &cols[0]).await);

    let created = events_of(&app, &a, "TASK_CREATED").await;
    assert_eq!(created.len(), 6, "{created:?}");
    assert_eq!(created[0]["taskId"], first["id"]);
    assert_eq!(created[0]["projectId"], j!(p));
    assert_eq!(created[0]["title"], "First");
}

#[tokio::test]
async fn creating_links_a_parent_and_a_workflow_of_the_same_project() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    sqlx::query(
        "insert into project.project_workflows (id, tenant_id, project_id, name, pipeline_id,
             created_at, updated_at)
         values ('wf_eng', $1, $2, 'Engineering', 'engineering', 1, 1)",
    )
    .bind(a.id.as_str())
    .bind(&p)
    .execute(&app.db.admin)
    .await
    .expect("workflow");
    let parent = create_titled(&app, &a, &p, "Parent").await;
    let child = create(
        &app,
        &a,
        &p,
        j!({"title": "Child", "parentTaskId": parent, "workflowId": "wf_eng"}),
    )
    .await;
    assert_eq!(child["parent_task_id"], j!(parent));
    assert_eq!(child["workflow_id"], "wf_eng");
    assert_eq!(child["pipeline_id"], "engineering");
    let (status, detail) = send(&app, "GET", &task_path(&p, &parent), &a.token, None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["subtasks"][0]["id"], child["id"]);
    assert_eq!(detail["subtasks"][0]["priority"], "P2");
}

#[tokio::test]
async fn bad_task_input_is_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let (other, other_cols) = board(&app, &a, "Other").await;
    let foreign_task = task_row(&app, &a, &other, &other_cols[0], "elsewhere", "backlog").await;
    let path = tasks_path(&p);
    let cases = [
        (
            j!({"title": "x", "columnId": "col_nope"}),
            404,
            "column_not_found",
        ),
        (
            j!({"title": "x", "columnId": other_cols[0]}),
            404,
            "column_not_found",
        ),
        (
            j!({"title": "x", "parentTaskId": foreign_task}),
            404,
            "parent_task_not_found",
        ),
        (
            j!({"title": "x", "workflowId": "wf_nope"}),
            404,
            "workflow_not_found",
        ),
        (
            j!({"title": "x", "columnId": cols[0], "status": "done"}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "priority": "P9"}),
            422,
            "validation_failed",
        ),
        (j!({"title": "   "}), 422, "validation_failed"),
        (j!({"title": "t".repeat(513)}), 422, "validation_failed"),
        (
            j!({"title": "x", "description": "d".repeat(64 * 1024 + 1)}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "tags": vec!["t"; 51]}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "tags": ["t".repeat(65)]}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "estimatedHours": -1}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "assignedAgent": "bob"}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "status": "Not A Status"}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "metadata": [1]}),
            422,
            "validation_failed",
        ),
        (
            j!({"title": "x", "tenantId": "ten_other"}),
            422,
            "validation_failed",
        ),
        (j!({"description": "no title"}), 422, "validation_failed"),
    ];
    for (body, want, code) in cases {
        let (status, res) = send(&app, "POST", &path, &a.token, Some(body.clone())).await;
        assert_error(status, &res, want, code);
        if want == 422 {
            assert!(res["errors"][0]["path"].is_string(), "{body} -> {res}");
        }
    }
    let (status, res) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"title": "x", "priority": "P9"})),
    )
    .await;
    assert_error(status, &res, 422, "validation_failed");
    assert_eq!(res["errors"][0]["path"], "priority");
    assert_eq!(count_tasks(&app, &p).await, 0);
    assert!(events_of(&app, &a, "TASK_CREATED").await.is_empty());

    // A board without columns has nowhere to put a task.
    sqlx::query("delete from project.kanban_columns where project_id = $1")
        .bind(&p)
        .execute(&app.db.admin)
        .await
        .expect("clear");
    let (status, res) = send(&app, "POST", &path, &a.token, Some(j!({"title": "x"}))).await;
    assert_error(status, &res, 409, "board_has_no_columns");
    let (status, res) = send(
        &app,
        "POST",
        &tasks_path("prj_nope"),
        &a.token,
        Some(j!({"title": "x"})),
    )
    .await;
    assert_error(status, &res, 404, "project_not_found");
}

#[tokio::test]
async fn updating_changes_fields_and_a_new_status_moves_the_task() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    create_titled(&app, &a, &p, "Stays").await;
    let id = create(
        &app,
        &a,
        &p,
        j!({"title": "Old", "assignedAgent": "agt_one", "estimatedHours": 3}),
    )
    .await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    create_titled(&app, &a, &p, "Below").await;
    let path = task_path(&p, &id);

    let (status, row) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"title": "New", "priority": "P1", "tags": ["x"]})),
    )
    .await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(
        (row["title"].as_str(), row["priority"].as_str()),
        (Some("New"), Some("P1"))
    );
    assert_eq!(row["assigned_agent"], "agt_one", "absent fields stay");
    assert_eq!(events_of(&app, &a, "TASK_UPDATED").await.len(), 1);
    assert!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.is_empty());

    // Explicit null clears; a patch that changes nothing announces nothing.
    let (_, row) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"assignedAgent": null, "estimatedHours": null})),
    )
    .await;
    assert!(
        row["assigned_agent"].is_null() && row["estimated_hours"].is_null(),
        "{row}"
    );
    let (status, _) = send(&app, "PUT", &path, &a.token, Some(j!({"title": "New"}))).await;
    assert_eq!(status, 200);
    assert_eq!(events_of(&app, &a, "TASK_UPDATED").await.len(), 2);

    let (status, row) = send(&app, "PUT", &path, &a.token, Some(j!({"status": "done"}))).await;
    assert_eq!(status, 200, "{row}");
    assert_eq!(row["column_id"], j!(cols[3]));
    assert_eq!(row["column_position"], 0);
    assert!(row["completed_at"].is_i64());
    assert_dense(&column_order(&app, &cols[0]).await);
    let changed = events_of(&app, &a, "TASK_STATUS_CHANGED").await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["status"], "done");
    let moved = events_of(&app, &a, "TASK_MOVED").await;
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["columnId"], j!(cols[3]));

    // Leaving done clears the stamp.
    let row = app
        .client
        .setup(Method::PUT, &path, &a.token, Some(j!({"status": "ready"})))
        .await;
    assert_eq!(row["column_id"], j!(cols[1]));
    assert!(row["completed_at"].is_null());

    let before = app.client.setup(Method::GET, &path, &a.token, None).await;
    let refused = [
        (j!({"status": "nowhere"}), 422, "validation_failed"),
        (j!({"priority": "P7"}), 422, "validation_failed"),
        (j!({"title": ""}), 422, "validation_failed"),
        (j!({"workflowId": "wf_nope"}), 404, "workflow_not_found"),
        (j!({"columnId": cols[0]}), 422, "validation_failed"),
    ];
    for (body, want, code) in refused {
        let (status, res) = send(&app, "PUT", &path, &a.token, Some(body)).await;
        assert_error(status, &res, want, code);
    }
    assert_eq!(
        app.client.setup(Method::GET, &path, &a.token, None).await,
        before
    );
    assert_eq!(events_of(&app, &a, "TASK_STATUS_CHANGED").await.len(), 2);
    let (status, res) = send(
        &app,
        "PUT",
        &task_path(&p, "tsk_nope"),
        &a.token,
        Some(j!({"title": "x"})),
    )
    .await;
    assert_error(status, &res, 404, "task_not_found");
}

#[tokio::test]
async fn deleting_a_task_removes_its_edges_and_runs_and_closes_the_gap() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let one = create_titled(&app, &a, &p, "One").await;
    let two = create_titled(&app, &a, &p, "Two").await;
    let three = create_titled(&app, &a, &p, "Three").await;
    sqlx::query(
        "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id, to_task_id,
             created_at) values ('dep_a', $1, $2, $3, $4, 1), ('dep_b', $1, $2, $4, $5, 1)",
    )
    .bind(a.id.as_str())
    .bind(&p)
    .bind(&one)
    .bind(&two)
    .bind(&three)
    .execute(&app.db.admin)
    .await
    .expect("edges");
    sqlx::query(
        "insert into project.task_runs (tenant_id, project_id, task_id, run_id, pipeline_id)
         values ($1, $2, $3, 'run_x', 'engineering')",
    )
    .bind(a.id.as_str())
    .bind(&p)
    .bind(&two)
    .execute(&app.db.admin)
    .await
    .expect("run");

    let (status, body) = send(&app, "DELETE", &task_path(&p, &two), &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "deleted");
    let (status, body) = send(&app, "GET", &task_path(&p, &two), &a.token, None).await;
    assert_error(status, &body, 404, "task_not_found");
    let left: i64 = sqlx::query_scalar(
        "select (select count(*) from project.dependency_edges where project_id = $1)
              + (select count(*) from project.task_runs where project_id = $1)",
    )
    .bind(&p)
    .fetch_one(&app.db.admin)
    .await
    .expect("count");
    assert_eq!(left, 0);
    let order = column_order(&app, &cols[0]).await;
    assert_dense(&order);
    assert_eq!(
        order.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(),
        [one, three]
    );

    let updated = events_of(&app, &a, "TASK_UPDATED").await;
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["taskId"], j!(two));
    let (status, body) = send(&app, "DELETE", &task_path(&p, &two), &a.token, None).await;
    assert_error(status, &body, 404, "task_not_found");
    assert_eq!(events_of(&app, &a, "TASK_UPDATED").await.len(), 1);
}
