use super::*;

const NOW_MS: i64 = 1_800_000_000_000;
const TTL: Duration = Duration::from_secs(30);

fn agent_answer() -> Introspection {
    Introspection {
        active: true,
        key_id: Some("ak_1".to_owned()),
        tenant_id: Some(TenantId::parse("ten_alpha").expect("valid")),
        sub: Some("agt_1".to_owned()),
        kind: Some(TokenKind::Agent),
        agent_id: Some("agt_1".to_owned()),
        is_admin: false,
        expires_at: None,
    }
}

#[test]
fn keys_are_recognised_by_prefix_and_hashed() {
    assert!(is_api_key("djb_abc"));
    assert!(is_api_key("djb_agent_abc"));
    assert!(!is_api_key("eyJhbGciOi.x.y"));
    assert!(!is_api_key("djr_refresh"));
    assert_eq!(key_hash("djb_x").len(), 64);
    assert_ne!(key_hash("djb_x"), key_hash("djb_y"));
}

#[test]
fn an_agent_key_becomes_agent_claims_that_expire_with_the_cache() {
    let claims = agent_answer().claims(NOW_MS, TTL).expect("active");
    assert_eq!(claims.kind, TokenKind::Agent);
    assert_eq!(claims.agent_id.as_deref(), Some("agt_1"));
    assert_eq!(claims.tenant_id.as_str(), "ten_alpha");
    assert_eq!(claims.jti, "ak_1");
    assert_eq!(claims.exp, 1_800_000_000 + 30);
}

#[test]
fn a_key_expiring_before_the_cache_caps_the_claims() {
    let mut answer = agent_answer();
    answer.expires_at = Some(NOW_MS + 10_000);
    assert_eq!(
        answer.claims(NOW_MS, TTL).expect("active").exp,
        1_800_000_010
    );
    answer.expires_at = Some(NOW_MS);
    assert_eq!(
        answer.claims(NOW_MS, TTL).expect_err("expired").detail,
        "API key expired"
    );
}

#[test]
fn inactive_or_incomplete_answers_are_refused() {
    assert_eq!(
        Introspection::inactive()
            .claims(NOW_MS, TTL)
            .expect_err("inactive")
            .status,
        axum::http::StatusCode::UNAUTHORIZED
    );
    let mut no_tenant = agent_answer();
    no_tenant.tenant_id = None;
    assert!(no_tenant.claims(NOW_MS, TTL).is_err());
    let mut agent_without_agent = agent_answer();
    agent_without_agent.agent_id = None;
    assert!(agent_without_agent.claims(NOW_MS, TTL).is_err());
}

#[test]
fn inactive_answers_carry_no_identity() {
    assert_eq!(
        serde_json::to_string(&Introspection::inactive()).expect("json"),
        r#"{"active":false,"isAdmin":false}"#
    );
}
