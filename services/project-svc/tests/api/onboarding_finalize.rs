//! `POST /v1/onboarding/sessions/{id}/finalize`: the session becomes a project with its context,
//! completes, is announced, its planning run is requested and its agent chat ended.

use kit::testing::Method;
use serde_json::json as j;

use crate::chat_stand_in::spawn_with_chat;
use crate::helpers::{assert_error, run_requests, send, tenant};
use crate::onboarding::{events, of_type, path};
use crate::onboarding_chat::{led_session, say};

#[tokio::test]
async fn finalize_creates_the_project_completes_the_session_and_requests_planning() {
    let (app, chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let s = led_session(&app, &a).await;
    app.client
        .setup(
            Method::PATCH,
            &path(&s, "/context"),
            &a.token,
            Some(j!({"goal": "bread", "team": 2})),
        )
        .await;
    let (_, sent) = say(&app, &a, &s, "Let's go").await;

    // Bad input changes nothing.
    for body in [
        j!({"project_name": ""}),
        j!({}),
        j!({"project_name": "x", "surprise": 1}),
    ] {
        let (status, res) = send(&app, "POST", &path(&s, "/finalize"), &a.token, Some(body)).await;
        assert_error(status, &res, 422, "validation_failed");
    }
    let body = j!({"project_name": "Bakery", "description": "Bread online",
        "context": {"team": 3, "launch": "spring"}});
    let (status, done) = send(&app, "POST", &path(&s, "/finalize"), &a.token, Some(body)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "completed");
    assert_eq!(done["sessionId"], s["id"]);
    assert_eq!(done["projectName"], "Bakery");
    assert!(done["workspaceSetup"].is_null());
    let project = done["projectId"].as_str().expect("project").to_owned();

    // The project, on the session's template board, with the merged context.
    let board = app
        .client
        .setup(
            Method::GET,
            &format!("/v1/projects/{project}"),
            &a.token,
            None,
        )
        .await;
    assert_eq!(board["name"], "Bakery");
    let context: String =
        sqlx::query_scalar("select onboarding_context from project.projects where id = $1")
            .bind(&project)
            .fetch_one(&app.db.admin)
            .await
            .expect("context");
    let context: serde_json::Value = serde_json::from_str(&context).expect("json");
    assert_eq!(
        context,
        j!({"goal": "bread", "team": 3, "launch": "spring"})
    );
    let session = app
        .client
        .setup(Method::GET, &path(&s, ""), &a.token, None)
        .await;
    assert_eq!(session["status"], "completed");
    assert_eq!(session["project_id"], project.as_str());
    assert!(session["completed_at"].is_i64());

    // Announced; planning requested through the outbox (engine-svc picks it up when it runs).
    let all = events(&app, &a).await;
    let completed = of_type(&all, "ONBOARDING_COMPLETED");
    assert_eq!(completed.len(), 1, "{all:?}");
    assert_eq!(completed[0]["projectId"], project.as_str());
    assert_eq!(of_type(&all, "PROJECT_CREATED").len(), 1);
    let run = done["planningRunId"].as_str().expect("planning run");
    assert!(done.get("planningError").is_none(), "{done}");
    let requests = run_requests(&app).await;
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0]["runId"], run);
    assert_eq!(requests[0]["projectId"], project.as_str());

    // The agent's chat is ended.
    let ends = chat.calls_of("end");
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0].chat.as_deref(), sent["chatSessionId"].as_str());

    // Once only.
    let (status, res) = send(
        &app,
        "POST",
        &path(&s, "/finalize"),
        &a.token,
        Some(j!({"project_name": "Again"})),
    )
    .await;
    assert_error(status, &res, 400, "session_completed");
    let projects: i64 = sqlx::query_scalar("select count(*) from project.projects")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(projects, 1);
}
