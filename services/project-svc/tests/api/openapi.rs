//! The committed OpenAPI document (`openapi/project-svc.json`) is the code's: an API change
//! shows up in review as a change of that file.

#[test]
fn committed_openapi_document_matches_the_code() {
    kit::testing::openapi::assert_committed(&project_svc::SERVICE, &project_svc::openapi());
}
