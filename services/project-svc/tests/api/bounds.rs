//! No request loads an unbounded set (security review M9, ARCHITECTURE §7): the board leaves
//! out task descriptions and metadata and pages its tasks, a project holds at most its task
//! and dependency limits, and the project list is paged with a total and a next link.

use kit::testing::{Method, StatusCode};
use serde_json::{Value, json as j};

use crate::graph_support::{edge_count, task_count};
use crate::helpers::{
    Tenant, assert_error, board, config_with, get_raw, send, spawn, spawn_with, task_row, tenant,
};

/// `n` tasks in `column`, each with a 64 KiB description and 64 KiB of metadata (the largest
/// the API accepts), written in one statement.
async fn large_tasks(app: &kit::testing::TestApp, t: &Tenant, project: &str, column: &str, n: i32) {
    sqlx::query(
        "insert into project.tasks (id, tenant_id, project_id, title, description, status,
             column_id, column_position, metadata, created_at, updated_at)
         select 'tsk_big' || g, $1, $2, 'Task ' || g, repeat('d', 65536), 'backlog', $3, g,
                jsonb_build_object('notes', repeat('m', 65000)), 1700000000000, 1700000000000
           from generate_series(0, $4 - 1) g",
    )
    .bind(t.id.as_str())
    .bind(project)
    .bind(column)
    .bind(n)
    .execute(&app.db.admin)
    .await
    .expect("tasks");
}

#[tokio::test]
async fn the_board_leaves_out_descriptions_and_metadata_and_pages_its_tasks() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Big").await;
    large_tasks(&app, &a, &p, &cols[0], 520).await;

    let (status, _, body) = get_raw(&app, &format!("/v1/projects/{p}"), &a.token).await;
    assert_eq!(status, 200);
    // 520 × 128 KiB would be 66 MB; without the two fields a page of 500 is a few hundred KB.
    assert!(
        body.len() < 1024 * 1024,
        "the board is {} bytes",
        body.len()
    );
    let b: Value = serde_json::from_slice(&body).expect("json");
    let tasks = b["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 500);
    assert_eq!(
        (&b["tasks_total"], &b["tasks_has_more"]),
        (&j!(520), &j!(true))
    );
    assert!(tasks[0].get("description").is_none() && tasks[0].get("metadata").is_none());
    assert_eq!(tasks[0]["title"], "Task 0");

    let caller = app.client.bearer(&a.token);
    let (s, rest) = caller.get(&format!("/v1/projects/{p}?offset=500")).await;
    assert_eq!(s, StatusCode::OK, "{rest}");
    assert_eq!(rest["tasks"].as_array().expect("tasks").len(), 20);
    assert_eq!(rest["tasks"][0]["title"], "Task 500");
    assert_eq!(rest["tasks_has_more"], false);
    let (s, page) = caller
        .get(&format!("/v1/projects/{p}?limit=10&offset=5"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["tasks"].as_array().expect("tasks").len(), 10);
    assert_eq!(page["tasks"][0]["title"], "Task 5");
    for bad in ["limit=0", "limit=501", "offset=-1", "limit=ten", "size=3"] {
        let (s, err) = caller.get(&format!("/v1/projects/{p}?{bad}")).await;
        assert_error(s.as_u16(), &err, 422, "validation_failed");
    }
    // The task list keeps every field (the contract's rows) but is paged the same way.
    let path = format!("/v1/projects/{p}/tasks?q=Task%201&limit=2");
    let (s, headers, body) = get_raw(&app, &path, &a.token).await;
    assert_eq!(s, 200);
    let list: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(list.as_array().expect("list").len(), 2);
    assert_eq!(
        headers["x-total-count"], "111",
        "Task 1, Task 10…19, Task 100…199"
    );
    assert_eq!(
        headers["link"],
        format!("</v1/projects/{p}/tasks?q=Task+1&limit=2&offset=2>; rel=\"next\"").as_str()
    );
}

#[tokio::test]
async fn the_board_lists_the_dependencies_of_its_page_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    let first = task_row(&app, &a, &p, &cols[0], "first", "backlog").await;
    let second = task_row(&app, &a, &p, &cols[1], "second", "ready").await;
    let third = task_row(&app, &a, &p, &cols[2], "third", "in_progress").await;
    for (i, (from, to)) in [(&first, &second), (&second, &third)]
        .into_iter()
        .enumerate()
    {
        sqlx::query(
            "insert into project.dependency_edges
                 (id, tenant_id, project_id, from_task_id, to_task_id, created_at)
             values ($1, $2, $3, $4, $5, 1)",
        )
        .bind(format!("dep_{i}"))
        .bind(a.id.as_str())
        .bind(&p)
        .bind(from)
        .bind(to)
        .execute(&app.db.admin)
        .await
        .expect("edge");
    }
    let (s, b) = app
        .client
        .bearer(&a.token)
        .get(&format!("/v1/projects/{p}?limit=1"))
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["tasks"][0]["id"], j!(first));
    let deps: Vec<&Value> = b["dependencies"]
        .as_array()
        .expect("deps")
        .iter()
        .map(|d| &d["id"])
        .collect();
    assert_eq!(deps, [&j!("dep_0")]);
}

#[tokio::test]
async fn a_project_holds_at_most_its_task_limit() {
    let app = spawn_with(config_with(j!({"max_tasks_per_project": 3}))).await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Small").await;
    let tasks = format!("/v1/projects/{p}/tasks");
    for i in 0..3 {
        app.client
            .setup(
                Method::POST,
                &tasks,
                &a.token,
                j!({"title": format!("T{i}")}),
            )
            .await;
    }
    let (s, err) = send(
        &app,
        "POST",
        &tasks,
        &a.token,
        Some(j!({"title": "Fourth"})),
    )
    .await;
    assert_error(s, &err, 409, "task_limit_reached");
    assert!(
        err["detail"].as_str().expect("detail").contains('3'),
        "{err}"
    );
    let import = j!({"tasks": [{"title": "Imported"}]});
    let (s, err) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(import),
    )
    .await;
    assert_error(s, &err, 409, "task_limit_reached");
    assert_eq!(task_count(&app, &p).await, 3);
    // Room again after a delete.
    let list = app.client.setup(Method::GET, &tasks, &a.token, None).await;
    let id = list[0]["id"].as_str().expect("id").to_owned();
    app.client
        .setup(Method::DELETE, &format!("{tasks}/{id}"), &a.token, None)
        .await;
    app.client
        .setup(Method::POST, &tasks, &a.token, j!({"title": "Again"}))
        .await;
}

#[tokio::test]
async fn an_import_that_would_pass_the_task_limit_writes_nothing() {
    let app = spawn_with(config_with(j!({"max_tasks_per_project": 3}))).await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Small").await;
    let import = j!({"tasks": [{"title": "A"}, {"title": "B"}, {"title": "C"}, {"title": "D"}]});
    let (s, err) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(import),
    )
    .await;
    assert_error(s, &err, 409, "task_limit_reached");
    assert_eq!(task_count(&app, &p).await, 0);
    let import = j!({"tasks": [{"title": "A"}, {"title": "B"}, {"title": "C"}]});
    let (s, out) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(import),
    )
    .await;
    assert_eq!(s, 201, "{out}");
}

#[tokio::test]
async fn a_project_holds_at_most_its_dependency_limit() {
    let app = spawn_with(config_with(j!({"max_dependencies_per_project": 1}))).await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Small").await;
    let x = task_row(&app, &a, &p, &cols[0], "x", "backlog").await;
    let y = task_row(&app, &a, &p, &cols[0], "y", "backlog").await;
    let z = task_row(&app, &a, &p, &cols[0], "z", "backlog").await;
    let deps = |to: &str| format!("/v1/projects/{p}/tasks/{to}/dependencies");
    app.client
        .setup(Method::POST, &deps(&y), &a.token, j!({"fromTaskId": x}))
        .await;
    let (s, err) = send(
        &app,
        "POST",
        &deps(&z),
        &a.token,
        Some(j!({"fromTaskId": y})),
    )
    .await;
    assert_error(s, &err, 409, "dependency_limit_reached");
    let import = j!({"tasks": [{"title": "A"}, {"title": "B", "dependsOn": [0]}]});
    let (s, err) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/import"),
        &a.token,
        Some(import),
    )
    .await;
    assert_error(s, &err, 409, "dependency_limit_reached");
    assert_eq!(edge_count(&app, &p).await, 1);
    assert_eq!(task_count(&app, &p).await, 3);
}

#[tokio::test]
async fn the_project_list_is_paged_with_a_total_and_a_next_link() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    for name in ["One", "Two", "Three"] {
        app.client
            .setup(Method::POST, "/v1/projects/", &a.token, j!({"name": name}))
            .await;
    }
    let (s, headers, body) = get_raw(&app, "/v1/projects/?limit=2", &a.token).await;
    assert_eq!(s, 200);
    let page: Value = serde_json::from_slice(&body).expect("json");
    let names: Vec<&Value> = page
        .as_array()
        .expect("list")
        .iter()
        .map(|p| &p["name"])
        .collect();
    assert_eq!(names, [&j!("Three"), &j!("Two")]);
    assert_eq!(headers["x-total-count"], "3");
    let link = headers["link"].to_str().expect("ascii");
    assert!(
        link.contains("offset=2") && link.contains("limit=2") && link.ends_with("rel=\"next\""),
        "{link}"
    );

    let (s, headers, body) = get_raw(&app, "/v1/projects/?limit=2&offset=2", &a.token).await;
    assert_eq!(s, 200);
    let page: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(page[0]["name"], "One");
    assert!(headers.get("link").is_none());
    assert_eq!(headers["x-total-count"], "3");

    let caller = app.client.bearer(&a.token);
    for bad in ["limit=0", "limit=501", "offset=-2", "status=gone", "size=1"] {
        let (s, err) = caller.get(&format!("/v1/projects/?{bad}")).await;
        assert_error(s.as_u16(), &err, 422, "validation_failed");
    }
    // Filtered by status, the link keeps the filter.
    let (_, headers, _) = get_raw(&app, "/v1/projects/?status=active&limit=1", &a.token).await;
    let link = headers["link"].to_str().expect("ascii");
    assert!(link.contains("status=active"), "{link}");
}

#[tokio::test]
async fn workflows_agents_and_routine_mappings_stop_at_their_limits() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Full").await;
    // Rows up to each limit, written directly; the API refuses the next one.
    for sql in [
        "insert into project.project_workflows (id, tenant_id, project_id, name, pipeline_id,
             created_at, updated_at)
         select 'wf_' || g, $1, $2, 'W' || g, 'engineering', g, g from generate_series(1, 100) g",
        "insert into project.project_agents (tenant_id, project_id, agent_id, role, assigned_at)
         select $1, $2, 'agt_' || g, 'member', g from generate_series(1, 200) g",
        "insert into project.project_agent_routines (id, tenant_id, project_id, agent_id,
             routine_id, created_at, updated_at)
         select 'map_' || g, $1, $2, 'agt_1', 'rtn_' || g, g, g from generate_series(1, 100) g",
    ] {
        sqlx::query(sql)
            .bind(a.id.as_str())
            .bind(&p)
            .execute(&app.db.admin)
            .await
            .expect("rows");
    }
    let caller = app.client.bearer(&a.token);
    let (s, err) = caller
        .post(
            &format!("/v1/projects/{p}/workflows"),
            j!({"name": "One more", "pipelineId": "engineering"}),
        )
        .await;
    assert_error(s.as_u16(), &err, 409, "workflow_limit_reached");
    let (s, err) = caller
        .post(
            &format!("/v1/projects/{p}/agents"),
            j!({"agentId": "agt_late"}),
        )
        .await;
    assert_error(s.as_u16(), &err, 409, "agent_limit_reached");
    let (s, err) = caller
        .post(
            &format!("/v1/projects/{p}/agents/agt_1/routines"),
            j!({"routineId": "rtn_late"}),
        )
        .await;
    assert_error(s.as_u16(), &err, 409, "routine_limit_reached");
    // The lists show every row the limits allow.
    let (_, workflows) = caller.get(&format!("/v1/projects/{p}/workflows")).await;
    assert_eq!(workflows.as_array().expect("list").len(), 100);
    let (_, agents) = caller.get(&format!("/v1/projects/{p}/agents")).await;
    assert_eq!(agents.as_array().expect("list").len(), 200);
}

#[tokio::test]
async fn the_template_and_onboarding_lists_are_paged() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (s, headers, body) = get_raw(&app, "/v1/project-templates/?limit=1", &a.token).await;
    assert_eq!(s, 200);
    let page: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(page["templates"].as_array().expect("templates").len(), 1);
    let total: i64 = headers["x-total-count"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("n");
    assert!(total > 1, "the built-in catalog has several templates");
    let link = headers["link"].to_str().expect("ascii");
    assert_eq!(
        link,
        "</v1/project-templates/?limit=1&offset=1>; rel=\"next\""
    );
    let caller = app.client.bearer(&a.token);
    let (s, err) = caller.get("/v1/project-templates/?limit=501").await;
    assert_error(s.as_u16(), &err, 422, "validation_failed");

    for _ in 0..3 {
        app.client
            .setup(Method::POST, "/v1/onboarding/sessions", &a.token, j!({}))
            .await;
    }
    let (s, first) = caller.get("/v1/onboarding/sessions?limit=2").await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let (_, rest) = caller.get("/v1/onboarding/sessions?limit=2&offset=2").await;
    assert_eq!(
        (
            first.as_array().expect("list").len(),
            rest.as_array().expect("list").len()
        ),
        (2, 1)
    );
    assert_ne!(first[0]["id"], rest[0]["id"]);
    for bad in ["limit=101", "offset=-1", "page=2"] {
        let (s, err) = caller.get(&format!("/v1/onboarding/sessions?{bad}")).await;
        assert_error(s.as_u16(), &err, 422, "validation_failed");
    }
}
