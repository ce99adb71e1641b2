//! The walls around pipelines: tenant B never sees, validates or changes tenant A's pipelines
//! (404, as for ids that exist nowhere, and A's rows unchanged), over every route of the
//! document, and every route refuses every wrong credential with 401.

use kit::TokenKind;
use kit::testing::matrix::AuthMatrix;
use kit::testing::walk::CrossTenantWalk;
use serde_json::json;

use crate::pipelines_support::{body, spawn, validate_stored, yaml};

#[tokio::test]
async fn tenant_b_never_sees_or_changes_tenant_a_pipelines() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    let secret = yaml("secret-flow", "Secret", "only A knows {{task_description}}");
    app.client
        .bearer(&a.token)
        .setup(kit::testing::Method::POST, "/v1/pipelines/", body(&secret))
        .await;
    let shadow = yaml("execute", "A's execute", "A's way");
    app.client
        .bearer(&a.token)
        .setup(
            kit::testing::Method::PUT,
            "/v1/pipelines/execute",
            body(&shadow),
        )
        .await;
    let as_b = app.client.bearer(&b.token);

    let (_, list) = as_b.get("/v1/pipelines/").await;
    let text = list.to_string();
    assert!(
        !text.contains("secret-flow") && !text.contains("A's execute"),
        "{list}"
    );
    for path in ["/v1/pipelines/secret-flow", "/v1/pipelines/secret-flow/raw"] {
        let (status, answer) = as_b.get(path).await;
        kit::testing::assert_error(status.as_u16(), &answer, 404, "not_found");
    }
    assert_eq!(
        validate_stored(&app, &b.token, "secret-flow")
            .await
            .0
            .as_u16(),
        404
    );
    let (status, _) = as_b
        .put(
            "/v1/pipelines/secret-flow",
            body(&yaml("secret-flow", "B's", "x")),
        )
        .await;
    assert_eq!(status.as_u16(), 404);
    assert_eq!(
        as_b.delete("/v1/pipelines/secret-flow").await.0.as_u16(),
        404
    );
    // B's execute is the global one, and B's delete of it does not reach A's copy.
    let (_, execute) = as_b.get("/v1/pipelines/execute").await;
    assert_eq!(execute["is_global"], true);
    assert_eq!(as_b.delete("/v1/pipelines/execute").await.0.as_u16(), 403);
    // B may own a pipeline with A's id: a different row, A's is unchanged.
    let (status, _) = as_b
        .post("/v1/pipelines/", body(&yaml("secret-flow", "B's own", "x")))
        .await;
    assert_eq!(status.as_u16(), 201);
    let (_, raw) = app
        .client
        .bearer(&a.token)
        .get("/v1/pipelines/secret-flow/raw")
        .await;
    assert_eq!(raw["yaml"], secret.as_str());
    let (_, raw) = app
        .client
        .bearer(&a.token)
        .get("/v1/pipelines/execute/raw")
        .await;
    assert_eq!(raw["yaml"], shadow.as_str());
}

#[tokio::test]
async fn every_pipeline_route_answers_tenant_b_as_if_a_ids_did_not_exist() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    app.client
        .bearer(&a.token)
        .setup(
            kit::testing::Method::POST,
            "/v1/pipelines/",
            body(&yaml("alpha-only", "Alpha", "x")),
        )
        .await;
    let b_service = app.token(&b.id, "svc:project-svc", TokenKind::Service);
    let b_agent = app.token(&b.id, "agt_beta000000000", TokenKind::Agent);
    let doc = serde_json::to_value(engine_svc::openapi()).expect("openapi");
    let pipeline_routes = |_: &str, path: &str| !path.starts_with("/v1/pipelines");
    // With an empty body: reads are 404, writes are refused before anything is looked up.
    let report = CrossTenantWalk::new(&app, &doc, "engine", &a.id)
        .id_or_nowhere("pipeline_id", "alpha-only", "nowhere-pipeline")
        .token(&b.token)
        .token(&b_service)
        .token(&b_agent)
        .skip(pipeline_routes)
        .run()
        .await;
    assert!(report.walked >= 5, "{report:?}");
    // With a YAML whose id is A's: PUT must not find A's pipeline either. (A draft to validate
    // reads nothing of any tenant, so validate is left out of this pass.)
    let report = CrossTenantWalk::new(&app, &doc, "engine", &a.id)
        .id_or_nowhere("pipeline_id", "alpha-only", "alpha-only-not")
        .body(json!({"yaml_content": yaml("alpha-only", "B", "x")}))
        .token(&b.token)
        .token(&b_service)
        .skip(move |method, path| pipeline_routes(method, path) || path.ends_with("/validate"))
        .run()
        .await;
    assert!(report.not_found >= report.calls, "{report:?}");
}

#[tokio::test]
async fn every_route_refuses_every_wrong_credential_with_401() {
    let app = spawn().await;
    let doc = serde_json::to_value(engine_svc::openapi()).expect("openapi");
    let report = AuthMatrix::new(&app, &doc).run().await;
    assert!(report.operations >= 7, "{report:?}");
}
