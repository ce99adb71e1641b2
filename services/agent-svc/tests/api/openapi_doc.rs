//! The committed OpenAPI document is the code's: every API change shows up in review as a diff
//! of `openapi/agent-svc.json`.

#[test]
fn committed_openapi_document_matches_the_code() {
    kit::testing::openapi::assert_committed(&agent_svc::SERVICE, &agent_svc::openapi());
}
