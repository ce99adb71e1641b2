//! The committed OpenAPI document is the code's: every API change shows up in review as a diff
//! of `openapi/agent-svc.json`.

use crate::helpers::repo_root;

const REGENERATE: &str =
    "regenerate it with `cargo run -q -p agent-svc -- openapi > openapi/agent-svc.json`";

#[test]
fn committed_openapi_document_matches_the_code() {
    let path = repo_root().join("openapi/agent-svc.json");
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} unreadable ({e}); {REGENERATE}", path.display()));
    let committed: serde_json::Value = serde_json::from_str(&committed)
        .unwrap_or_else(|e| panic!("{} is not JSON ({e}); {REGENERATE}", path.display()));
    let code = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    let changed: Vec<&String> = code["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(path, item)| committed["paths"].get(path.as_str()) != Some(item))
        .map(|(path, _)| path)
        .collect();
    assert!(
        committed == code,
        "openapi/agent-svc.json differs from the code (paths added or changed: {changed:?}); \
         {REGENERATE}"
    );
}
