//! Every operation of the service refuses every credential that must not open it (no token, an
//! expired or foreign-signed token, a refresh token, a token in the query string) with 401 and
//! the platform's error body. Tenant B's tokens on A's ids are walked in `route_walk`/`cross_tenant`.

use kit::testing::matrix::AuthMatrix;

use crate::helpers::spawn;

#[tokio::test]
async fn every_operation_refuses_every_wrong_credential_with_401() {
    let app = spawn().await;
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    let report = AuthMatrix::new(&app, &doc).run().await;
    assert!(
        report.public <= 3,
        "only the probes and the document are open: {report:?}"
    );
    assert!(report.operations >= 60, "{report:?}");
}
