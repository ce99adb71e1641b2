//! An agent's slug in the caller's tenant stands for its id on the project-agent routes; the
//! slug is resolved by asking agent-svc (a fake here) with a token of the caller's tenant.

use kit::testing::Method;
use serde_json::json as j;

use crate::fake_agent_svc::{spawn_asking, spawn_with_agents};
use crate::helpers::{assert_error, board, send, tenant};
use crate::wf_support::{count, events_of};

const ERIC: &str = "agt_eric00000000000";

#[tokio::test]
async fn an_agent_is_assigned_read_and_removed_by_its_slug() {
    let (app, fake) = spawn_with_agents().await;
    let a = tenant(&app, "Alpha").await;
    fake.add(&a.id, "eric", ERIC);
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/agents");

    let body = Some(j!({"agentId": "eric", "role": "lead"}));
    let (s, res) = send(&app, "POST", &path, &a.token, body).await;
    assert_eq!(s, 200, "{res}");
    assert_eq!(res["agent_id"], ERIC);
    let list = app.client.setup(Method::GET, &path, &a.token, None).await;
    assert_eq!(list[0]["agent_id"], ERIC);

    let (s, res) = send(
        &app,
        "GET",
        &format!("{path}/eric/routines"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 200, "{res}");
    let body = Some(j!({"role": "reviewer"}));
    let (s, res) = send(&app, "PUT", &format!("{path}/eric"), &a.token, body).await;
    assert_eq!(
        (s, res),
        (200, j!({"status": "updated", "role": "reviewer"}))
    );
    let (s, res) = send(&app, "DELETE", &format!("{path}/eric"), &a.token, None).await;
    assert_eq!((s, res), (200, j!({"status": "removed"})));
    let removed = events_of(&app, &a, "AGENT_REMOVED").await;
    assert_eq!(removed[0]["agentId"], ERIC);

    // Every lookup spoke for the caller's tenant; an id is never looked up.
    let calls = fake.calls();
    assert_eq!(calls.len(), 4);
    assert!(
        calls
            .iter()
            .all(|(t, slug)| t == a.id.as_str() && slug == "eric")
    );
    let (s, _) = send(
        &app,
        "GET",
        &format!("{path}/{ERIC}/routines"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(fake.calls().len(), 4);
}

#[tokio::test]
async fn another_tenants_slug_is_not_found_and_changes_nothing() {
    let (app, fake) = spawn_with_agents().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    fake.add(&b.id, "eric", ERIC);
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/agents");

    let body = Some(j!({"agentId": "eric"}));
    let (s, res) = send(&app, "POST", &path, &a.token, body).await;
    assert_error(s, &res, 404, "agent_not_found");
    let body = Some(j!({"role": "lead"}));
    let (s, res) = send(&app, "PUT", &format!("{path}/eric"), &a.token, body).await;
    assert_error(s, &res, 404, "agent_not_found");
    let (s, res) = send(&app, "DELETE", &format!("{path}/eric"), &a.token, None).await;
    assert_error(s, &res, 404, "agent_not_found");
    // Not a slug at all: refused without asking agent-svc.
    let (s, res) = send(&app, "DELETE", &format!("{path}/Eric%20X"), &a.token, None).await;
    assert_error(s, &res, 404, "agent_not_found");

    assert_eq!(fake.calls().len(), 3);
    assert!(fake.calls().iter().all(|(t, _)| t == a.id.as_str()));
    let sql = "select count(*) from project.project_agents where tenant_id = $1";
    assert_eq!(count(&app, sql, a.id.as_str()).await, 0);
    assert!(events_of(&app, &a, "AGENT_ASSIGNED").await.is_empty());
}

#[tokio::test]
async fn a_slug_while_agent_svc_is_down_is_unavailable_and_ids_still_work() {
    // A port nobody listens on.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let app = spawn_asking(&format!("http://{addr}")).await;
    let a = tenant(&app, "Alpha").await;
    let (p, _) = board(&app, &a, "Board").await;
    let path = format!("/v1/projects/{p}/agents");

    let body = Some(j!({"agentId": "eric"}));
    let (s, res) = send(&app, "POST", &path, &a.token, body).await;
    assert_error(s, &res, 503, "unavailable");
    let (s, res) = send(&app, "DELETE", &format!("{path}/eric"), &a.token, None).await;
    assert_error(s, &res, 503, "unavailable");
    let sql = "select count(*) from project.project_agents where tenant_id = $1";
    assert_eq!(count(&app, sql, a.id.as_str()).await, 0);

    let body = Some(j!({"agentId": ERIC}));
    let (s, res) = send(&app, "POST", &path, &a.token, body).await;
    assert_eq!(s, 200, "{res}");
}
