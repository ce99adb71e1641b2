use super::*;

fn tenant() -> TenantId {
    TenantId::parse("ten_alpha").expect("valid id")
}

#[test]
fn tenant_keys_follow_the_spec() {
    let keys = Keys::default();
    let run = RunId::parse("run_1").expect("valid id");
    assert_eq!(keys.tenant_events(&tenant()), "djinnbot:t:ten_alpha:events:global");
    assert_eq!(
        keys.run_events(&tenant(), &run),
        "djinnbot:t:ten_alpha:events:run:run_1"
    );
    assert_eq!(keys.global_events(), "djinnbot:events:global");
}

#[test]
fn free_segments_cannot_inject_separators() {
    let keys = Keys::new("p");
    assert_eq!(
        keys.mcp_lease(&tenant(), "a:b*c"),
        "p:mcp:lease:ten_alpha:a%3Ab%2Ac"
    );
}
