//! The committed OpenAPI document (`openapi/auth-svc.json`) is the code's, so every API change
//! shows up in review as a change of that file (the failure says how to regenerate it).

#[test]
fn committed_openapi_document_matches_the_code() {
    kit::testing::openapi::assert_committed(&auth_svc::SERVICE, &auth_svc::openapi());
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
