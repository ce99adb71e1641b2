//! The committed OpenAPI document (`openapi/auth-svc.json`) is the code's, so every API change
//! shows up in review as a change of that file.

use std::path::PathBuf;

const REGENERATE: &str = "cargo run -q -p auth-svc -- openapi > openapi/auth-svc.json";

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/auth-svc.json");
    let code = format!(
        "{}\n",
        auth_svc::openapi().to_pretty_json().expect("document")
    );
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == code,
        "auth-svc's OpenAPI document differs from {}: review the API change, then regenerate \
         it with `{REGENERATE}` (from the repository root) and commit the file",
        path.display()
    );
}

#[test]
fn the_introspection_route_is_where_kit_calls_it() {
    let doc = auth_svc::openapi();
    assert!(
        doc.paths
            .paths
            .contains_key(kit::auth::api_key::INTROSPECT_PATH)
    );
}
