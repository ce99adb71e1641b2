//! The committed OpenAPI documents (`openapi/<service>.json`): every API change shows in review.

use std::path::PathBuf;

use crate::config::ServiceInfo;

/// Where `service`'s committed document lives in the repository.
pub fn committed_path(service: &ServiceInfo) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../openapi")
        .join(format!("{}.json", service.name))
}

/// Fails when the code's document differs from the committed one. With `UPDATE_OPENAPI=1` it
/// writes the code's document instead (what `<service> openapi > openapi/<service>.json` does).
pub fn assert_committed(service: &ServiceInfo, doc: &utoipa::openapi::OpenApi) {
    let path = committed_path(service);
    let code = format!(
        "{}\n",
        doc.to_pretty_json()
            .unwrap_or_else(|e| panic!("OpenAPI of {}: {e}", service.name))
    );
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &code).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == code,
        "the OpenAPI document of {name} differs from {path}; review the change, then run \
         `UPDATE_OPENAPI=1 cargo nextest run -p {name} openapi` (or `cargo run -p {name} -- \
         openapi > openapi/{name}.json`) and commit the file",
        name = service.name,
        path = path.display(),
    );
}

/// A running service answers readiness and serves its own document under its own title: what
/// every service must do before it has routes of its own.
pub async fn assert_serves_its_document(app: &super::TestApp) {
    let (status, ready) = super::json(
        app.client
            .get("/health/ready")
            .send()
            .await
            .unwrap_or_else(|e| panic!("ready: {e}")),
    )
    .await;
    assert_eq!(status, 200, "{ready}");
    let (status, doc) = super::json(
        app.client
            .get("/openapi.json")
            .send()
            .await
            .unwrap_or_else(|e| panic!("document: {e}")),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(
        doc["info"]["title"],
        format!("DjinnBot {}", app.platform.service.name)
    );
}
