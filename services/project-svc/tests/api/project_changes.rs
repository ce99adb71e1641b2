//! Changing a project: PUT, archive, delete (cascade) and the Slack, key-user and vision
//! settings. Each real change is written and announced once; refused or empty ones neither.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::{Value, json as j};

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::projects::{count, create, events, of_type};

#[tokio::test]
async fn updating_changes_fields_dates_completion_and_announces_real_changes_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = create(&app, &a, j!({"name": "P"})).await;
    let url = format!("/v1/projects/{}", p["id"].as_str().expect("id"));
    let body = j!({"name": "Renamed", "description": "new", "status": "completed",
        "repository": "https://github.com/acme/app.git", "defaultPipelineId": "engineering"});
    let (s, out) = send(&app, "PUT", &url, &a.token, Some(body.clone())).await;
    assert_eq!(s, 200, "{out}");
    assert_eq!(out["status"], "updated");
    let row = &out["project"];
    assert_eq!(
        (&row["name"], &row["status"]),
        (&j!("Renamed"), &j!("completed"))
    );
    assert_eq!(row["repository"], "https://github.com/acme/app.git");
    assert_eq!(row["default_pipeline_id"], "engineering");
    assert!(row["completed_at"].as_i64().is_some());
    // The same values again: nothing to write, nothing to announce.
    let (s, again) = send(&app, "PUT", &url, &a.token, Some(body)).await;
    assert_eq!(
        (s, &again["project"]["updated_at"]),
        (200, &row["updated_at"])
    );
    let evs = events(&app, &a).await;
    assert_eq!(of_type(&evs, "PROJECT_UPDATED").len(), 1, "{evs:?}");
    let repo = of_type(&evs, "PROJECT_REPOSITORY_UPDATED");
    assert_eq!(
        (repo.len(), &repo[0]["repository"]),
        (1, &j!("https://github.com/acme/app.git"))
    );
    // Reopening clears the completion date; "" removes the repository.
    let (_, out) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"status": "active", "repository": ""})),
    )
    .await;
    assert_eq!(
        (
            &out["project"]["completed_at"],
            &out["project"]["repository"]
        ),
        (&Value::Null, &Value::Null)
    );
    let evs = events(&app, &a).await;
    assert_eq!(of_type(&evs, "PROJECT_UPDATED").len(), 2);
    assert_eq!(of_type(&evs, "PROJECT_REPOSITORY_REMOVED").len(), 1);
}

#[tokio::test]
async fn refused_updates_change_nothing_and_announce_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = create(&app, &a, j!({"name": "P"})).await;
    let id = p["id"].as_str().expect("id");
    let url = format!("/v1/projects/{id}");
    for (body, path) in [
        (j!({"status": "deleted"}), None),
        (j!({"name": ""}), Some("name")),
        (j!({"repository": "ftp://x"}), Some("repository")),
        (j!({"defaultPipelineId": "a/b"}), Some("defaultPipelineId")),
        (j!({"colour": "red"}), None),
    ] {
        let (s, err) = send(&app, "PUT", &url, &a.token, Some(body)).await;
        assert!(s == 400 || s == 422, "{err}");
        if let Some(path) = path {
            assert_eq!(err["errors"][0]["path"], path, "{err}");
        }
    }
    let agent = app.token(&a.id, "agt_x", TokenKind::Agent);
    for (method, path) in [
        ("PUT", url.clone()),
        ("DELETE", url.clone()),
        ("POST", format!("{url}/archive")),
    ] {
        let body = (method == "PUT").then(|| j!({"name": "Agent's"}));
        let (s, err) = send(&app, method, &path, &agent, body).await;
        assert_error(s, &err, 403, "forbidden");
    }
    let now = app.client.setup(Method::GET, &url, &a.token, None).await;
    assert_eq!(
        (&now["name"], &now["updated_at"]),
        (&j!("P"), &p["updated_at"])
    );
    assert_eq!(events(&app, &a).await.len(), 1, "only PROJECT_CREATED");
}

#[tokio::test]
async fn archiving_is_a_status_change_announced_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = create(&app, &a, j!({"name": "P"})).await;
    let url = format!("/v1/projects/{}/archive", p["id"].as_str().expect("id"));
    for _ in 0..2 {
        let (s, out) = send(&app, "POST", &url, &a.token, None).await;
        assert_eq!(
            (s, &out["status"], &out["project"]["status"]),
            (200, &j!("archived"), &j!("archived"))
        );
    }
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_UPDATED").len(), 1);
}

#[tokio::test]
async fn deleting_removes_the_whole_board_and_announces_it_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, cols) = board(&app, &a, "Doomed").await;
    let (keep, keep_cols) = board(&app, &a, "Kept").await;
    let t1 = task_row(&app, &a, &p, &cols[0], "one", "backlog").await;
    let t2 = task_row(&app, &a, &p, &cols[1], "two", "ready").await;
    task_row(&app, &a, &keep, &keep_cols[0], "stays", "backlog").await;
    sqlx::query(
        "insert into project.dependency_edges (id, tenant_id, project_id, from_task_id, to_task_id, created_at)
         values ('dep_1', $1, $2, $3, $4, 1)",
    )
    .bind(a.id.as_str()).bind(&p).bind(&t1).bind(&t2)
    .execute(&app.db.admin).await.expect("dependency");
    let (s, out) = send(&app, "DELETE", &format!("/v1/projects/{p}"), &a.token, None).await;
    assert_eq!((s, out), (200, j!({"status": "deleted", "project_id": p})));
    for table in ["projects", "kanban_columns", "tasks", "dependency_edges"] {
        let left = count(
            &app,
            &format!(
                "select count(*) from project.{table} where {} = '{p}'",
                if table == "projects" {
                    "id"
                } else {
                    "project_id"
                }
            ),
        )
        .await;
        assert_eq!(left, 0, "{table}");
    }
    assert_eq!(
        count(
            &app,
            &format!("select count(*) from project.tasks where project_id = '{keep}'")
        )
        .await,
        1
    );
    let (s, err) = send(&app, "GET", &format!("/v1/projects/{p}"), &a.token, None).await;
    assert_error(s, &err, 404, "project_not_found");
    let (s, err) = send(&app, "DELETE", &format!("/v1/projects/{p}"), &a.token, None).await;
    assert_error(s, &err, 404, "project_not_found");
    let evs = events(&app, &a).await;
    let deleted = of_type(&evs, "PROJECT_DELETED");
    assert_eq!((deleted.len(), &deleted[0]["projectId"]), (1, &j!(p)));
}

#[tokio::test]
async fn slack_settings_are_set_cleared_and_announced() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "P").await;
    let url = format!("/v1/projects/{p}/slack");
    let (s, out) = send(&app, "GET", &url, &a.token, None).await;
    assert_eq!(
        (s, out),
        (
            200,
            j!({"slack_channel_id": null, "slack_notify_user_id": null})
        )
    );
    let (s, out) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"slack_channel_id": "C0123ABC", "slack_notify_user_id": "U0456"})),
    )
    .await;
    assert_eq!(
        (s, &out["status"], &out["slack_channel_id"]),
        (200, &j!("updated"), &j!("C0123ABC"))
    );
    // null keeps a field, "" clears it.
    let (_, out) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"slack_channel_id": null, "slack_notify_user_id": ""})),
    )
    .await;
    assert_eq!(
        (&out["slack_channel_id"], &out["slack_notify_user_id"]),
        (&j!("C0123ABC"), &Value::Null)
    );
    let (s, err) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"slack_channel_id": "#general"})),
    )
    .await;
    assert_error(s, &err, 422, "validation_failed");
    let out = app.client.setup(Method::GET, &url, &a.token, None).await;
    assert_eq!(
        out,
        j!({"slack_channel_id": "C0123ABC", "slack_notify_user_id": null})
    );
    let evs = events(&app, &a).await;
    let slack = of_type(&evs, "PROJECT_SLACK_UPDATED");
    assert_eq!(slack.len(), 2, "{evs:?}");
    assert_eq!(slack[0]["slackChannelId"], "C0123ABC");
    assert_eq!(slack[1].get("slackNotifyUserId"), None);
}

#[tokio::test]
async fn the_key_user_is_a_user_id_set_by_users_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "P").await;
    let url = format!("/v1/projects/{p}/key-user");
    assert_eq!(
        app.client.setup(Method::GET, &url, &a.token, None).await,
        j!({"key_user_id": null})
    );
    let (s, out) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"key_user_id": a.user})),
    )
    .await;
    assert_eq!(
        (s, out),
        (200, j!({"status": "updated", "key_user_id": a.user}))
    );
    for bad in [j!("agt_x"), j!("usr_a/b"), j!(7)] {
        let (s, err) = send(&app, "PUT", &url, &a.token, Some(j!({"key_user_id": bad}))).await;
        assert!(s == 400 || s == 422, "{err}");
    }
    let service = app.token(&a.id, "svc:engine-svc", TokenKind::Service);
    let (s, err) = send(&app, "PUT", &url, &service, Some(j!({"key_user_id": null}))).await;
    assert_error(s, &err, 403, "forbidden");
    assert_eq!(
        app.client.setup(Method::GET, &url, &service, None).await,
        j!({"key_user_id": a.user})
    );
    let out = app
        .client
        .setup(Method::PUT, &url, &a.token, Some(j!({"key_user_id": null})))
        .await;
    assert_eq!(out["key_user_id"], Value::Null);
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_UPDATED").len(), 2);
}

#[tokio::test]
async fn the_vision_is_bounded_markdown_announced_on_change() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "P").await;
    let url = format!("/v1/projects/{p}/vision");
    assert_eq!(
        app.client.setup(Method::GET, &url, &a.token, None).await,
        j!({"vision": ""})
    );
    let doc = "# Vision\n\nShip it.\n";
    let (s, out) = send(&app, "PUT", &url, &a.token, Some(j!({"vision": doc}))).await;
    assert_eq!((s, out), (200, j!({"status": "updated"})));
    app.client
        .setup(Method::PUT, &url, &a.token, Some(j!({"vision": doc})))
        .await;
    assert_eq!(
        app.client.setup(Method::GET, &url, &a.token, None).await,
        j!({"vision": doc})
    );
    let (s, err) = send(
        &app,
        "PUT",
        &url,
        &a.token,
        Some(j!({"vision": "v".repeat(64 * 1024 + 1)})),
    )
    .await;
    assert_error(s, &err, 422, "validation_failed");
    let (s, _) = send(&app, "PUT", &url, &a.token, Some(j!({}))).await;
    assert!(s == 400 || s == 422);
    assert_eq!(
        app.client.setup(Method::GET, &url, &a.token, None).await,
        j!({"vision": doc})
    );
    let board = app
        .client
        .setup(Method::GET, &format!("/v1/projects/{p}"), &a.token, None)
        .await;
    assert_eq!(board["vision"], doc);
    let evs = events(&app, &a).await;
    let vision = of_type(&evs, "PROJECT_VISION_UPDATED");
    assert_eq!((vision.len(), &vision[0]["projectId"]), (1, &j!(p)));
}
