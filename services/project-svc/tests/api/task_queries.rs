//! Reading tasks: the list's filters, pages and total, and a task's detail with its
//! dependencies, dependents, subtasks and runs.

use serde_json::json as j;

use crate::helpers::{assert_error, board, send, spawn, tenant};
use crate::task_support::{create, create_titled, task_path, tasks_path};

#[tokio::test]
async fn the_list_filters_pages_and_counts_in_board_order() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Board").await;
    create(
        &app,
        &a,
        &p,
        j!({"title": "Late", "status": "done", "priority": "P1"}),
    )
    .await;
    create(
        &app,
        &a,
        &p,
        j!({"title": "Alpha 100% done", "tags": ["api", "db"]}),
    )
    .await;
    create(
        &app,
        &a,
        &p,
        j!({"title": "Beta", "assignedAgent": "agt_one", "priority": "P1"}),
    )
    .await;
    create(
        &app,
        &a,
        &p,
        j!({"title": "Gamma", "columnId": cols[1], "description": "about_x"}),
    )
    .await;
    let (other, _) = board(&app, &a, "Other").await;
    create(&app, &a, &other, j!({"title": "Not here"})).await;

    let list = |query: &str| {
        let path = format!("{}{query}", tasks_path(&p));
        let app = &app;
        let token = a.token.clone();
        async move {
            let res = app
                .client
                .get(&path)
                .bearer_auth(token)
                .send()
                .await
                .expect("send");
            let total = res
                .headers()
                .get("x-total-count")
                .map(|v| v.to_str().expect("ascii").to_owned());
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.expect("json");
            (status, total, body)
        }
    };
    let titles = |body: &serde_json::Value| -> Vec<String> {
        body.as_array()
            .expect("list")
            .iter()
            .map(|t| t["title"].as_str().expect("title").to_owned())
            .collect()
    };

    let (status, total, body) = list("").await;
    assert_eq!(status, 200);
    assert_eq!(total.as_deref(), Some("4"));
    assert_eq!(titles(&body), ["Alpha 100% done", "Beta", "Gamma", "Late"]);
    for (query, want) in [
        ("?status=backlog", vec!["Alpha 100% done", "Beta"]),
        ("?priority=P1", vec!["Beta", "Late"]),
        ("?agent=agt_one", vec!["Beta"]),
        ("?tag=db", vec!["Alpha 100% done"]),
        (&format!("?column_id={}", cols[1]), vec!["Gamma"]),
        ("?q=100%25", vec!["Alpha 100% done"]),
        ("?q=ABOUT_", vec!["Gamma"]),
        ("?q=%25", vec!["Alpha 100% done"]),
        ("?status=backlog&priority=P1", vec!["Beta"]),
    ] {
        let (status, _, body) = list(query).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(titles(&body), want, "{query}");
    }
    let (_, total, body) = list("?limit=2&offset=1").await;
    assert_eq!(total.as_deref(), Some("4"));
    assert_eq!(titles(&body), ["Beta", "Gamma"]);
    let (_, total, body) = list("?offset=10").await;
    assert_eq!(total.as_deref(), Some("4"));
    assert_eq!(titles(&body), Vec::<String>::new());

    for bad in [
        "?limit=0",
        "?limit=501",
        "?offset=-1",
        "?priority=P9",
        "?limit=abc",
        "?sort=x",
    ] {
        let (status, _, body) = list(bad).await;
        assert_error(status, &body, 422, "validation_failed");
    }
}

#[tokio::test]
async fn a_task_shows_its_dependencies_dependents_subtasks_and_runs() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let before = create_titled(&app, &a, &p, "Before").await;
    let task = create_titled(&app, &a, &p, "Task").await;
    let after = create_titled(&app, &a, &p, "After").await;
    for (id, from, to) in [("dep_1", &before, &task), ("dep_2", &task, &after)] {
        sqlx::query(
            "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id,
                 to_task_id, created_at) values ($1, $2, $3, $4, $5, 1)",
        )
        .bind(id)
        .bind(a.id.as_str())
        .bind(&p)
        .bind(from)
        .bind(to)
        .execute(&app.db.admin)
        .await
        .expect("edge");
    }
    for (run, started) in [("run_old", 10_i64), ("run_new", 20)] {
        sqlx::query(
            "insert into project.task_runs (tenant_id, project_id, task_id, run_id, pipeline_id,
                 status, started_at) values ($1, $2, $3, $4, 'engineering', 'completed', $5)",
        )
        .bind(a.id.as_str())
        .bind(&p)
        .bind(&task)
        .bind(run)
        .bind(started)
        .execute(&app.db.admin)
        .await
        .expect("run");
    }
    let (status, d) = send(&app, "GET", &task_path(&p, &task), &a.token, None).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["id"], j!(task));
    assert_eq!(d["title"], "Task");
    assert_eq!(d["blocking_dependencies"][0]["from_task_id"], j!(before));
    assert_eq!(d["blocking_dependencies"][0]["from_task_title"], "Before");
    assert_eq!(d["blocking_dependencies"][0]["from_task_status"], "backlog");
    assert_eq!(d["blocking_dependencies"][0]["type"], "blocks");
    assert_eq!(d["dependents"][0]["to_task_id"], j!(after));
    assert_eq!(d["dependents"][0]["id"], "dep_2");
    assert_eq!(d["run_history"][0]["run_id"], "run_new");
    assert_eq!(d["run_history"][1]["run_id"], "run_old");
    assert_eq!(d["subtasks"], j!([]));

    let (status, body) = send(&app, "GET", &task_path(&p, "tsk_nope"), &a.token, None).await;
    assert_error(status, &body, 404, "task_not_found");
}
