//! The committed OpenAPI document (`openapi/project-svc.json`) is the code's: an API change
//! shows up in review as a change of that file.

use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/project-svc.json")
}

#[test]
fn committed_openapi_document_matches_the_code() {
    let code = project_svc::openapi()
        .to_pretty_json()
        .expect("the document serialises");
    let path = committed_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, format!("{code}\n")).expect("write the committed document");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
    assert!(
        parse(&committed).is_some() && parse(&committed) == parse(&code),
        "{} differs from the API the code declares; regenerate it with \
         `UPDATE_OPENAPI=1 cargo nextest run -p project-svc openapi` \
         (or `cargo run -p project-svc -- openapi > openapi/project-svc.json`) and review the diff",
        path.display()
    );
}
