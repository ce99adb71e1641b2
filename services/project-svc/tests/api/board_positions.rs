//! Positions stay dense across modules: every change that writes a task's column or position
//! (create, import, move, start of a run) takes the same board lock.

use kit::testing::TestApp;
use serde_json::json as j;

use crate::helpers::{Tenant, run_requests, send, spawn, tenant};

async fn positions(app: &TestApp, project: &str) -> Vec<(String, Vec<i32>)> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "select c.name, t.column_position from project.tasks t
           join project.kanban_columns c on c.id = t.column_id
          where t.project_id = $1 order by c.position, t.column_position",
    )
    .bind(project)
    .fetch_all(&app.db.admin)
    .await
    .expect("positions");
    let mut out: Vec<(String, Vec<i32>)> = Vec::new();
    for (column, pos) in rows {
        match out.last_mut() {
            Some((c, list)) if *c == column => list.push(pos),
            _ => out.push((column, vec![pos])),
        }
    }
    out
}

fn dense(columns: &[(String, Vec<i32>)]) -> bool {
    columns.iter().all(|(_, p)| {
        p.iter()
            .copied()
            .eq(0..i32::try_from(p.len()).expect("len"))
    })
}

async fn project(app: &TestApp, t: &Tenant) -> String {
    let (status, body) = send(
        app,
        "POST",
        "/v1/projects/",
        &t.token,
        Some(j!({"name": "Board"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn imports_and_creations_racing_in_one_column_keep_positions_dense() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = project(&app, &a).await;
    let mut jobs = Vec::new();
    for i in 0..6 {
        let (client, token, path) = (
            app.client.clone(),
            a.token.clone(),
            format!("/v1/projects/{p}"),
        );
        jobs.push(tokio::spawn(async move {
            let req = if i % 2 == 0 {
                client
                    .post(&format!("{path}/import"))
                    .json(&j!({"tasks": [{"title": "a"}, {"title": "b"}]}))
            } else {
                client
                    .post(&format!("{path}/tasks"))
                    .json(&j!({"title": format!("t{i}")}))
            };
            req.bearer_auth(token)
                .send()
                .await
                .expect("send")
                .status()
                .as_u16()
        }));
    }
    for job in jobs {
        assert_eq!(job.await.expect("join"), 201);
    }
    let board = positions(&app, &p).await;
    assert_eq!(board.iter().map(|(_, p)| p.len()).sum::<usize>(), 9);
    assert!(dense(&board), "{board:?}");
}

#[tokio::test]
async fn starting_a_run_leaves_the_source_column_dense() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = project(&app, &a).await;
    let (status, _) = send(
        &app,
        "PUT",
        &format!("/v1/projects/{p}"),
        &a.token,
        Some(j!({"defaultPipelineId": "engineering"})),
    )
    .await;
    assert_eq!(status, 200);
    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        let (status, body) = send(
            &app,
            "POST",
            &format!("/v1/projects/{p}/tasks"),
            &a.token,
            Some(j!({"title": title})),
        )
        .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_str().expect("id").to_owned());
    }
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/projects/{p}/tasks/{}/execute", ids[0]),
        &a.token,
        Some(j!({})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(run_requests(&app).await.len(), 1);
    let board = positions(&app, &p).await;
    assert!(dense(&board), "{board:?}");
    assert!(
        board.iter().any(|(c, p)| c == "Backlog" && p.len() == 2),
        "{board:?}"
    );
}
