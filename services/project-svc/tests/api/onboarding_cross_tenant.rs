//! Tenant B's credentials on every onboarding route, aimed at tenant A's session: 404, and A's
//! session, messages, events and agent chat unchanged.

use kit::testing::Method;
use serde_json::json as j;

use crate::chat_stand_in::spawn_with_chat;
use crate::helpers::{assert_error, send, tenant};
use crate::onboarding::{LEAD, NEXT, agent_token, events, led_template, start};

#[tokio::test]
async fn tenant_b_cannot_see_or_touch_tenant_a_sessions() {
    let (app, chat) = spawn_with_chat().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let template = led_template(&app, &a).await;
    let s = start(&app, &a, Some(j!({"templateId": template}))).await;
    let id = s["id"].as_str().expect("id");
    app.client
        .setup(
            Method::POST,
            &format!("/v1/onboarding/sessions/{id}/message"),
            &a.token,
            Some(j!({"message": "hi"})),
        )
        .await;
    let (_, before) = send(
        &app,
        "GET",
        &format!("/v1/onboarding/sessions/{id}"),
        &a.token,
        None,
    )
    .await;
    let events_before = events(&app, &a).await.len();
    let calls_before = chat.calls().len();

    // B's user, and B's agent claiming to be A's lead agent.
    let b_agent = agent_token(&app, &b, LEAD);
    let routes = [
        ("GET", "", None),
        ("POST", "/message", Some(j!({"message": "sneak"}))),
        ("POST", "/stop", None),
        ("POST", "/finalize", Some(j!({"project_name": "Stolen"}))),
        ("PATCH", "/context", Some(j!({"stolen": true}))),
        ("PATCH", "/landing-page", Some(j!({"html": "<p>x</p>"}))),
        ("POST", "/handoff", Some(j!({"next_agent_id": NEXT}))),
        ("PATCH", "/abandon", None),
        ("POST", "/resume", None),
        ("DELETE", "", None),
    ];
    for (method, tail, body) in routes {
        let path = format!("/v1/onboarding/sessions/{id}{tail}");
        for token in [&b.token, &b_agent] {
            let (status, res) = send(&app, method, &path, token, body.clone()).await;
            if status == 403 {
                // Users-only routes refuse B's agent before looking anything up.
                assert!(token == &b_agent, "{method} {tail}: {res}");
                continue;
            }
            assert_error(status, &res, 404, "session_not_found");
        }
    }
    let list = app
        .client
        .setup(Method::GET, "/v1/onboarding/sessions", &b.token, None)
        .await;
    assert_eq!(list, j!([]));
    // A's template is not B's either.
    let (status, res) = send(
        &app,
        "POST",
        "/v1/onboarding/sessions",
        &b.token,
        Some(j!({"templateId": template})),
    )
    .await;
    assert_error(status, &res, 404, "template_not_found");

    let (_, after) = send(
        &app,
        "GET",
        &format!("/v1/onboarding/sessions/{id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(after, before);
    assert_eq!(events(&app, &a).await.len(), events_before);
    assert_eq!(
        chat.calls().len(),
        calls_before,
        "agent-svc was never asked for B"
    );
    let projects: i64 = sqlx::query_scalar("select count(*) from project.projects")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(projects, 0);
    assert!(events(&app, &b).await.is_empty());
}
