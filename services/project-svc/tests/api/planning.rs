//! The timeline and the bulk import.

use serde_json::{Value, json as j};

use crate::graph_support::{depend, deps_path, edge_count, events, set_task, task_count};
use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};

/// id, column_id, status, priority, column_position, estimated_hours, tags
type Row = (String, String, String, String, i32, Option<f64>, Value);

const START: i64 = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

fn by_id<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .find(|t| t["id"] == j!(id))
        .expect("task listed")
}

#[tokio::test]
async fn the_timeline_schedules_after_blockers_and_keeps_done_tasks_real() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let design = task_row(&app, &a, &p, &cols[0], "Design", "backlog").await;
    let build = task_row(&app, &a, &p, &cols[0], "Build", "backlog").await;
    let shipped = task_row(&app, &a, &p, &cols[3], "Shipped", "done").await;
    let notes = task_row(&app, &a, &p, &cols[0], "Notes", "backlog").await;
    set_task(&app, &design, "estimated_hours = 8, priority = 'P1'").await;
    set_task(&app, &build, "estimated_hours = 4").await;
    set_task(&app, &shipped, &format!("completed_at = {}", START + DAY)).await;
    depend(&app, &a, &p, &design, &build).await;
    let (status, _) = send(
        &app,
        "POST",
        &deps_path(&p, &notes),
        &a.token,
        Some(j!({ "fromTaskId": build, "type": "informs" })),
    )
    .await;
    assert_eq!(status, 201);

    let url = format!("/v1/projects/{p}/timeline");
    let (status, body) = send(&app, "GET", &url, &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["hours_per_day"], 8.0);
    assert_eq!(body["project_start"], START);
    assert_eq!(body["project_end"], START + DAY + DAY / 2);
    assert_eq!(body["total_hours"], 20.0, "8 + 4 + 4 + 4 (unestimated)");
    assert_eq!(body["total_days"], 2.5);
    assert_eq!(body["critical_path"], j!([design, build]));
    assert_eq!(body["tasks"][0]["id"], j!(design), "P1 first");
    let d = by_id(&body, &design);
    assert_eq!(
        (d["scheduled_start"].as_i64(), d["scheduled_end"].as_i64()),
        (Some(START), Some(START + DAY))
    );
    assert_eq!(d["duration_days"], 1.0);
    assert_eq!(d["is_critical"], true);
    let b = by_id(&body, &build);
    assert_eq!(b["scheduled_start"], START + DAY);
    assert_eq!(b["scheduled_end"], START + DAY + DAY / 2);
    assert_eq!(b["dependencies"], j!([design]));
    let s = by_id(&body, &shipped);
    assert_eq!(
        (s["actual"].as_bool(), s["scheduled_end"].as_i64()),
        (Some(true), Some(START + DAY))
    );
    // `informs` does not hold a task back.
    let n = by_id(&body, &notes);
    assert_eq!(
        (n["scheduled_start"].as_i64(), n["dependencies"].clone()),
        (Some(START), j!([]))
    );
    assert_eq!(n["is_critical"], false);

    let (_, half) = send(
        &app,
        "GET",
        &format!("{url}?hours_per_day=4"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(by_id(&half, &build)["scheduled_end"], START + 3 * DAY);
    for bad in [
        "hours_per_day=0",
        "hours_per_day=-1",
        "hours_per_day=25",
        "hours_per_day=x",
        "days=2",
    ] {
        let (status, body) = send(&app, "GET", &format!("{url}?{bad}"), &a.token, None).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let empty = board(&app, &a, "Empty").await.0;
    let (_, body) = send(
        &app,
        "GET",
        &format!("/v1/projects/{empty}/timeline"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        body,
        j!({ "tasks": [], "project_start": START, "project_end": START, "total_hours": 0.0,
             "total_days": 0.0, "critical_path": [], "hours_per_day": 8.0 })
    );
}

#[tokio::test]
async fn an_import_lands_whole_in_the_backlog_and_is_announced_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    // The backlog column need not come first; an existing task keeps its place.
    sqlx::query("update project.kanban_columns set position = 9 where id = $1")
        .bind(&cols[0])
        .execute(&app.db.admin)
        .await
        .expect("move column");
    task_row(&app, &a, &p, &cols[0], "Existing", "backlog").await;
    let body = j!({ "tasks": [
        { "title": "Schema", "priority": "P1", "estimatedHours": 3, "tags": ["db"] },
        { "title": "API", "dependsOn": [0] },
        { "title": "UI", "dependencies": ["API"] },
        { "title": "Docs", "description": "how to use it", "dependsOn": ["Schema", 1, 0] },
    ]});
    let (status, out) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{out}");
    assert_eq!(out["status"], "imported");
    assert_eq!(out["tasks_created"], 4);
    assert_eq!(
        out["dependencies_created"], 4,
        "repeated references count once"
    );
    let ids: Vec<String> = out["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").to_owned())
        .collect();
    assert_eq!(out["title_to_id"]["UI"], j!(ids[2]));
    assert_eq!(out["task_ids"], out["title_to_id"]);

    let rows: Vec<Row> = sqlx::query_as(
        "select id, column_id, status, priority, column_position, estimated_hours, tags
           from project.tasks where id = any($1) order by column_position",
    )
    .bind(&ids)
    .fetch_all(&app.db.admin)
    .await
    .expect("rows");
    assert_eq!(rows.len(), 4);
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(row.0, ids[k]);
        assert_eq!(
            (row.1.as_str(), row.2.as_str()),
            (cols[0].as_str(), "backlog")
        );
        assert_eq!(row.4, i32::try_from(k).expect("k") + 1);
    }
    assert_eq!(
        (rows[0].3.as_str(), rows[0].5, rows[0].6.clone()),
        ("P1", Some(3.0), j!(["db"]))
    );
    assert_eq!((rows[1].3.as_str(), rows[1].5), ("P2", None));
    let edges: Vec<(String, String, String)> = sqlx::query_as(
        "select from_task_id, to_task_id, type from project.dependency_edges where project_id = $1
          order by from_task_id, to_task_id",
    )
    .bind(&p)
    .fetch_all(&app.db.admin)
    .await
    .expect("edges");
    let mut want = vec![
        (ids[0].clone(), ids[1].clone(), "blocks".to_owned()),
        (ids[1].clone(), ids[2].clone(), "blocks".to_owned()),
        (ids[0].clone(), ids[3].clone(), "blocks".to_owned()),
        (ids[1].clone(), ids[3].clone(), "blocks".to_owned()),
    ];
    want.sort();
    assert_eq!(edges, want);

    let imported = events(&app, &a, "TASKS_IMPORTED").await;
    assert_eq!(imported.len(), 1);
    assert_eq!(
        (
            imported[0]["projectId"].clone(),
            imported[0]["count"].clone()
        ),
        (j!(p), j!(4))
    );
    assert!(events(&app, &a, "DEPENDENCY_ADDED").await.is_empty());

    // Only the roots are ready.
    let (_, ready) = send(
        &app,
        "GET",
        &format!("/v1/projects/{p}/ready-tasks"),
        &a.token,
        None,
    )
    .await;
    let ready: Vec<&str> = ready["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert!(
        ready.contains(&ids[0].as_str())
            && !ready.contains(&ids[1].as_str())
            && !ready.contains(&ids[3].as_str())
    );
}

#[tokio::test]
async fn an_import_uses_the_first_column_when_none_is_a_backlog_and_needs_one() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    sqlx::query("update project.kanban_columns set task_statuses = '[\"todo\"]' where id = $1")
        .bind(&cols[0])
        .execute(&app.db.admin)
        .await
        .expect("statuses");
    let (status, out) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(j!({ "tasks": [{ "title": "One" }] })),
    )
    .await;
    assert_eq!(status, 201, "{out}");
    let (column, state): (String, String) =
        sqlx::query_as("select column_id, status from project.tasks where id = $1")
            .bind(out["ids"][0].as_str().expect("id"))
            .fetch_one(&app.db.admin)
            .await
            .expect("row");
    assert_eq!((column, state), (cols[0].clone(), "todo".to_owned()));

    let (bare, _) = board(&app, &a, "Bare").await;
    sqlx::query("delete from project.kanban_columns where project_id = $1")
        .bind(&bare)
        .execute(&app.db.admin)
        .await
        .expect("no columns");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{bare}/import"),
        &a.token,
        Some(j!({ "tasks": [{ "title": "One" }] })),
    )
    .await;
    assert_error(status, &body, 409, "project_has_no_columns");
    assert_eq!(task_count(&app, &bare).await, 0);
    assert_eq!(events(&app, &a, "TASKS_IMPORTED").await.len(), 1);
}

#[tokio::test]
async fn a_bad_import_writes_nothing_and_announces_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let url = format!("/v1/projects/{p}/import");

    let cyclic = j!({ "tasks": [
        { "title": "A", "dependsOn": ["C"] },
        { "title": "B", "dependsOn": [0] },
        { "title": "C", "dependsOn": ["B"] },
        { "title": "D" },
    ]});
    let (status, body) = send(&app, "POST", &url, &a.token, Some(cyclic)).await;
    assert_error(status, &body, 409, "dependency_cycle");
    let cycle = body["cycle"].as_array().expect("cycle");
    assert_eq!(cycle.len(), 4);
    assert_eq!(cycle.first(), cycle.last());
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("A → B → C → A")
            || body["detail"]
                .as_str()
                .expect("detail")
                .contains("B → C → A → B")
            || body["detail"]
                .as_str()
                .expect("detail")
                .contains("C → A → B → C"),
        "{body}"
    );

    let many: Vec<Value> = (0..501).map(|i| j!({ "title": format!("t{i}") })).collect();
    let cases: Vec<(Value, &str)> = vec![
        (
            j!({ "tasks": [{ "title": "A" }, { "title": "B", "dependsOn": ["Z"] }] }),
            "tasks[1].dependsOn[0]",
        ),
        (
            j!({ "tasks": [{ "title": "A", "dependsOn": [5] }] }),
            "tasks[0].dependsOn[0]",
        ),
        (
            j!({ "tasks": [{ "title": "A", "dependsOn": [0] }] }),
            "tasks[0].dependsOn[0]",
        ),
        (
            j!({ "tasks": [{ "title": "A" }, { "title": "A" }, { "title": "B", "dependsOn": ["A"] }] }),
            "tasks[2].dependsOn[0]",
        ),
        (
            j!({ "tasks": [{ "title": "A", "dependsOn": [true] }] }),
            "tasks[0].dependsOn[0]",
        ),
        (
            j!({ "tasks": [{ "title": "A", "priority": "urgent" }] }),
            "tasks[0].priority",
        ),
        (
            j!({ "tasks": [{ "title": "A", "estimatedHours": -2 }] }),
            "tasks[0].estimatedHours",
        ),
        (
            j!({ "tasks": [{ "title": "x".repeat(513) }] }),
            "tasks[0].title",
        ),
        (
            j!({ "tasks": [{ "title": "A", "tags": [""] }] }),
            "tasks[0].tags",
        ),
        (
            j!({ "tasks": [{ "title": "A", "owner": "me" }] }),
            "tasks[0]",
        ),
        (j!({ "tasks": [] }), "tasks"),
        (j!({ "tasks": many }), "tasks"),
        (j!({}), "body"),
    ];
    for (body, path) in cases {
        let (status, answer) = send(&app, "POST", &url, &a.token, Some(body.clone())).await;
        assert_error(status, &answer, 422, "validation_failed");
        let first = answer["errors"][0]["path"].as_str().expect("path");
        assert!(first.starts_with(path), "{path} vs {answer}");
    }
    let (status, body) = send(
        &app,
        "POST",
        "/v1/projects/prj_nope/import",
        &a.token,
        Some(j!({ "tasks": [{ "title": "A" }] })),
    )
    .await;
    assert_error(status, &body, 404, "project_not_found");

    assert_eq!(task_count(&app, &p).await, 0);
    assert_eq!(edge_count(&app, &p).await, 0);
    assert!(events(&app, &a, "TASKS_IMPORTED").await.is_empty());
}
