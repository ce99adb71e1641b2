//! The cross-tenant wall over every route, walked from the OpenAPI document: tenant B's user and
//! service tokens on tenant A's run, step, item and session ids get what ids that exist nowhere
//! get, never a success, and A's rows in the `engine` schema are unchanged. Plus the 401 matrix.

use kit::TokenKind;
use kit::testing::matrix::AuthMatrix;
use kit::testing::walk;

use crate::support::{engine, ok, pipeline};

#[tokio::test]
async fn tenant_b_learns_nothing_and_changes_nothing_on_any_route() {
    let e = engine().await;
    let a = e.app.tenant("Alpha").await;
    let b = e.app.tenant("Beta").await;
    let yaml = pipeline(
        "p",
        "  - {id: A, agent: a, input: x, outputs: [items], onComplete: L}\n  - {id: L, agent: b, type: loop, input: y, loop: {over: items}}\n",
    );
    let id = e.pipeline(&a.id, &yaml).await;
    let run = e.start(&a, &id, "secret").await;
    e.act(&a.id, &run, ok(&[("items", "[1,2]")])).await;
    let detail = e.run(&a.id, &run).await;
    let session = detail
        .steps
        .iter()
        .find_map(|s| s.session_id.clone())
        .expect("a session");
    let agent = e.agents.id(&a.id, "a");
    let project = "prj_alpha000000000";
    sqlx::query(
        "update engine.runs set project_id = $1, task_id = 'tsk_alpha000000000' where id = $2",
    )
    .bind(project)
    .bind(&run)
    .execute(&e.app.db.admin)
    .await
    .expect("link the run to a task");
    let b_service = e.app.token(&b.id, "svc:project-svc", TokenKind::Service);
    let doc = serde_json::to_value(engine_svc::openapi()).expect("openapi");
    let report = walk::CrossTenantWalk::new(&e.app, &doc, "engine", &a.id)
        .id("run_id", &run)
        .id("session_id", &session)
        .id("agent_id", &agent)
        .fixed("step_id", "L")
        .fixed("item_id", "L_item_0")
        .id("project_id", project)
        .id("task_id", "tsk_alpha000000000")
        .fixed("path", "README.md")
        .fixed("commit_hash", "abcdef12")
        .fixed("file_path", "README.md")
        // A task's run list is a filter over the caller's own runs: B sees an empty list.
        // Pipelines have their own walk (pipelines_walls).
        .skip(|_, path| path.ends_with("/executor-runs") || path.starts_with("/v1/pipelines"))
        .token(&b.token)
        .token(&b_service)
        .run()
        .await;
    assert!(
        report.walked >= 24,
        "every operation with a path parameter: {report:?}"
    );
    let (status, body) = e
        .app
        .client
        .bearer(&b.token)
        .get(&format!(
            "/v1/runs/projects/{project}/tasks/tsk_alpha000000000/executor-runs"
        ))
        .await;
    assert_eq!((status.as_u16(), body["count"].as_u64()), (200, Some(0)));
    let (_, list) = e.app.client.bearer(&b.token).get("/v1/runs/").await;
    assert_eq!(list, serde_json::json!([]));
    let (_, sessions) = e.app.client.bearer(&b.token).get("/v1/sessions").await;
    assert_eq!(sessions["total"], 0);
}

#[tokio::test]
async fn every_operation_refuses_every_wrong_credential_with_401() {
    let e = engine().await;
    let doc = serde_json::to_value(engine_svc::openapi()).expect("openapi");
    let report = AuthMatrix::new(&e.app, &doc).run().await;
    assert!(
        report.public <= 3,
        "only the probes and the document are open: {report:?}"
    );
    assert!(report.operations >= 30, "{report:?}");
}

#[tokio::test]
async fn internal_routes_take_services_and_the_runs_own_agent_only() {
    let e = engine().await;
    let a = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(&a.id, &pipeline("p", "  - {id: A, agent: a, input: x}\n"))
        .await;
    let run = e.start(&a, &id, "t").await;
    let body = serde_json::json!({"run_id": run, "success": true});
    let user = e.app.client.bearer(&a.token);
    let (status, _) = user
        .post("/v1/internal/executor-result", body.clone())
        .await;
    assert_eq!(status.as_u16(), 403);
    let (status, _) = user.get("/v1/internal/run-history").await;
    assert_eq!(status.as_u16(), 403);
    let mut claims = kit::auth::Claims::access(
        "agent:x",
        a.id.clone(),
        TokenKind::Agent,
        std::time::Duration::from_secs(60),
    );
    claims.run_id = Some("run_other0000000".to_owned());
    let other_run = e.app.mint(&claims);
    let (status, _) = e
        .app
        .client
        .bearer(&other_run)
        .post("/v1/runs/internal/executor-result", body.clone())
        .await;
    assert_eq!(status.as_u16(), 403, "an agent of another run");
    // Not begun: the attempt holds no fence yet, so the report is stale.
    let service = e.app.token(&a.id, "svc:engine", TokenKind::Service);
    let (status, out) = e
        .app
        .client
        .bearer(&service)
        .post("/v1/runs/internal/executor-result", body.clone())
        .await;
    assert_eq!(
        (status.as_u16(), out["code"].as_str()),
        (409, Some("stale_attempt"))
    );
    let now = e.app.platform.clock.now_ms();
    engine_svc::flows::steps::begin_attempt(&e.app.platform.db, &a.id, &run, "A", 1, 4, "i", now)
        .await
        .expect("begin");
    let (status, out) = e
        .app
        .client
        .bearer(&service)
        .post("/v1/internal/executor-result", body)
        .await;
    assert_eq!(
        (status.as_u16(), out["status"].as_str()),
        (200, Some("recorded")),
        "{out}"
    );
    assert_eq!(e.status(&a.id, &run).await, "completed");
    let (status, history) = e
        .app
        .client
        .bearer(&service)
        .get("/v1/internal/run-history?limit=5")
        .await;
    assert_eq!(status.as_u16(), 200);
    assert_eq!(history["total"], 1);
    assert_eq!(history["runs"][0]["steps"][0]["status"], "completed");
}
