//! Reading projects: the list (newest first, with counts) and a project's board.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::{Value, json as j};

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::projects::{create, names};

#[tokio::test]
async fn the_list_is_newest_first_with_counts_and_hides_archived_unless_asked() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (old, cols) = board(&app, &a, "Old").await;
    for (title, status, col) in [("t1", "done", 3), ("t2", "done", 3), ("t3", "backlog", 0)] {
        task_row(&app, &a, &old, &cols[col], title, status).await;
    }
    let new = create(&app, &a, j!({"name": "New"})).await;
    let gone = create(&app, &a, j!({"name": "Gone"})).await;
    let gone_id = gone["id"].as_str().expect("id");
    let (s, _) = send(
        &app,
        "POST",
        &format!("/v1/projects/{gone_id}/archive"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200);

    let (s, list) = send(&app, "GET", "/v1/projects/", &a.token, None).await;
    assert_eq!(s, 200, "{list}");
    let ids: Vec<&Value> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|p| &p["id"])
        .collect();
    assert_eq!(ids, [&new["id"], &j!(old)]);
    let listed_old = &list[1];
    assert_eq!(listed_old["task_counts"], j!({"done": 2, "backlog": 1}));
    assert_eq!(
        (&listed_old["total_tasks"], &listed_old["completed_tasks"]),
        (&j!(3), &j!(2))
    );
    assert_eq!(
        (&listed_old["column_count"], &list[0]["column_count"]),
        (&j!(4), &j!(8))
    );

    let archived = app
        .client
        .setup(Method::GET, "/v1/projects/?status=archived", &a.token, None)
        .await;
    assert_eq!(archived.as_array().expect("list").len(), 1);
    assert_eq!(archived[0]["id"], gone["id"]);
    let (s, err) = send(&app, "GET", "/v1/projects/?status=deleted", &a.token, None).await;
    assert_error(s, &err, 422, "validation_failed");
    assert_eq!(err["errors"][0]["path"], "status", "{err}");
    // Other tenants see none of it.
    let b = tenant(&app, "Beta").await;
    let theirs = app
        .client
        .setup(Method::GET, "/v1/projects/", &b.token, None)
        .await;
    assert_eq!(theirs, j!([]));
}

#[tokio::test]
async fn the_board_has_columns_tasks_by_column_dependencies_workflows_and_agents() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let late = task_row(&app, &a, &p, &cols[3], "done one", "done").await;
    let first = task_row(&app, &a, &p, &cols[0], "first", "backlog").await;
    sqlx::query("update project.tasks set column_position = 1 where id = $1")
        .bind(&first)
        .execute(&app.db.admin)
        .await
        .expect("pos");
    let zeroth = task_row(&app, &a, &p, &cols[0], "zeroth", "backlog").await;
    sqlx::query(
        "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id, to_task_id, created_at)
         values ('dep_1', $1, $2, $3, $4, 1)",
    )
    .bind(a.id.as_str()).bind(&p).bind(&zeroth).bind(&first)
    .execute(&app.db.admin).await.expect("dependency");
    for sql in [
        "insert into project.project_workflows (id, tenant_id, project_id, name, pipeline_id, is_default, created_at, updated_at)
         values ('wf_1', $1, $2, 'Build', 'engineering', true, 1, 1)",
        "insert into project.project_agents (tenant_id, project_id, agent_id, role, assigned_at)
         values ($1, $2, 'agt_lead', 'lead', 1)",
    ] {
        sqlx::query(sql).bind(a.id.as_str()).bind(&p).execute(&app.db.admin).await.expect("row");
    }
    let (s, b) = send(&app, "GET", &format!("/v1/projects/{p}"), &a.token, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        (&b["id"], &b["name"], &b["status"]),
        (&j!(p), &j!("Board"), &j!("active"))
    );
    assert_eq!(names(&b), ["Backlog", "Ready", "In Progress", "Done"]);
    let order: Vec<&Value> = b["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert_eq!(order, [&j!(zeroth), &j!(first), &j!(late)]);
    assert_eq!(b["tasks"][0]["column_id"], j!(cols[0]));
    assert_eq!(
        b["dependencies"],
        j!([{"id": "dep_1", "project_id": p, "from_task_id": zeroth,
        "to_task_id": first, "type": "blocks"}])
    );
    assert_eq!(b["workflows"][0]["pipeline_id"], "engineering");
    assert_eq!(b["workflows"][0]["is_default"], true);
    assert_eq!(b["agents"][0]["agent_id"], "agt_lead");
    // Any credential of the tenant reads, agents included.
    let agent = app.token(&a.id, "agt_lead", TokenKind::Agent);
    assert_eq!(
        send(&app, "GET", &format!("/v1/projects/{p}"), &agent, None)
            .await
            .0,
        200
    );
    let (s, err) = send(&app, "GET", "/v1/projects/prj_missing", &a.token, None).await;
    assert_error(s, &err, 404, "project_not_found");
}
