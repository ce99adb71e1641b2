//! Every operation of auth-svc that its document marks as needing a bearer token refuses every
//! credential that must not open it (no token, an expired or foreign-signed token, a refresh
//! token, a token in the query string) with 401 and the platform's error body; the public ones
//! (login, registration, status, OIDC, setup…) never answer an anonymous caller with a 5xx.

use kit::testing::matrix::AuthMatrix;

use crate::helpers::spawn;

#[tokio::test]
async fn every_operation_refuses_every_wrong_credential_with_401() {
    let app = spawn().await;
    let doc = serde_json::to_value(auth_svc::openapi()).expect("openapi");
    let open =
        |method: &str, path: &str| doc["paths"][path][method.to_lowercase()]["security"].is_null();
    let report = AuthMatrix::new(&app, &doc).public(open).run().await;
    assert!(report.operations >= 30, "{report:?}");
    assert!(report.public >= 10, "{report:?}");
}
