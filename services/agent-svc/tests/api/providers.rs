//! Tenant providers: catalog merge, custom providers, encryption at rest, masking, admin-only
//! writes, user keys, and tenant isolation.

use kit::crypto::SecretBox;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{KEY, Tenant, assert_error, send, spawn, tenant};

pub const ANTHROPIC_KEY: &str = "sk-ant-api03-alpha-0123456789abcdefghijklmnop";

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .expect("list")
        .iter()
        .find(|p| p["providerId"] == id)
        .unwrap_or_else(|| panic!("{id} missing in {list}"))
}

pub async fn set_key(app: &TestApp, t: &Tenant, pid: &str, key: &str) -> Value {
    let path = format!("/v1/settings/providers/{pid}");
    let (status, body) = send(
        app,
        "PUT",
        &path,
        &creds::admin(app, t),
        Some(j!({"apiKey": key})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn raw_key(app: &TestApp, t: &Tenant, pid: &str) -> Option<String> {
    sqlx::query_scalar(
        "select api_key_enc from agent.model_providers where tenant_id = $1 and provider_id = $2",
    )
    .bind(t.id.as_str())
    .bind(pid)
    .fetch_optional(&app.db.admin)
    .await
    .expect("raw read")
    .flatten()
}

#[tokio::test]
async fn keys_are_encrypted_at_rest_and_only_ever_shown_masked() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let body = set_key(&app, &a, "anthropic", ANTHROPIC_KEY).await;
    assert_eq!(body["configured"], true);
    assert_eq!(body["apiKeyEnvVar"], "ANTHROPIC_API_KEY");
    let masked = body["maskedApiKey"].as_str().expect("mask");
    assert!(
        masked.contains("...") && !body.to_string().contains(ANTHROPIC_KEY),
        "{body}"
    );

    let (status, list) = send(&app, "GET", "/v1/settings/providers", &a.token, None).await;
    assert_eq!(status, 200);
    assert!(!list.to_string().contains(ANTHROPIC_KEY));
    assert_eq!(find(&list, "anthropic")["maskedApiKey"], masked);
    assert_eq!(find(&list, "openai")["configured"], false);
    assert_eq!(find(&list, "huggingface")["apiKeyEnvVar"], "HF_TOKEN");

    let sealed = raw_key(&app, &a, "anthropic").await.expect("stored");
    assert!(!sealed.contains(ANTHROPIC_KEY) && !sealed.contains("0123456789abcdef"));
    let ours = SecretBox::from_hex(KEY).expect("key");
    assert_eq!(ours.decrypt(&sealed).as_deref(), Ok(ANTHROPIC_KEY));
    let other = SecretBox::from_hex(&"ab".repeat(32)).expect("key");
    assert!(
        other.decrypt(&sealed).is_err(),
        "a different key cannot read it"
    );

    // Extra config: stored encrypted as a whole, secret-like values masked in answers.
    let extra = j!({"extraConfig": {"AWS_ACCESS_KEY_ID": "AKIAALPHA0000000000", "AWS_SECRET_ACCESS_KEY": "alpha-secret-0123456789", "AWS_REGION": "eu-west-1"}});
    let admin = creds::admin(&app, &a);
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/settings/providers/amazon-bedrock",
        &admin,
        Some(extra),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["configured"], true,
        "bedrock works from its extra config"
    );
    assert!(
        !body.to_string().contains("alpha-secret-0123456789"),
        "{body}"
    );
    assert_eq!(body["plainExtraConfig"], j!({"AWS_REGION": "eu-west-1"}));
    assert_eq!(body["maskedExtraConfig"]["AWS_REGION"], "eu-west-1");
    // Secret-like values show at most their last four characters (review L2).
    assert_eq!(
        body["maskedExtraConfig"]["AWS_SECRET_ACCESS_KEY"], "...6789",
        "{body}"
    );
    assert_eq!(body["maskedExtraConfig"]["AWS_ACCESS_KEY_ID"], "...0000");
    let raw: String = sqlx::query_scalar("select extra_config_enc from agent.model_providers where tenant_id = $1 and provider_id = 'amazon-bedrock'")
        .bind(a.id.as_str()).fetch_one(&app.db.admin).await.expect("raw");
    assert!(!raw.contains("alpha-secret") && !raw.contains("eu-west-1"));
    assert!(
        ours.decrypt(&raw)
            .expect("opens")
            .contains("alpha-secret-0123456789")
    );
}

#[tokio::test]
async fn rotating_clearing_and_removing_a_key() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let admin = creds::admin(&app, &a);
    set_key(&app, &a, "openai", "sk-first-000000000000").await;
    let first = raw_key(&app, &a, "openai").await;
    let body = set_key(&app, &a, "openai", "sk-second-11111111111").await;
    assert_ne!(raw_key(&app, &a, "openai").await, first);
    // Disabling keeps the key; an empty key clears it.
    let (_, off) = send(
        &app,
        "PUT",
        "/v1/settings/providers/openai",
        &admin,
        Some(j!({"enabled": false})),
    )
    .await;
    assert_eq!(
        (off["enabled"].clone(), off["maskedApiKey"].clone()),
        (j!(false), body["maskedApiKey"].clone())
    );
    let (_, cleared) = send(
        &app,
        "PUT",
        "/v1/settings/providers/openai",
        &admin,
        Some(j!({"apiKey": ""})),
    )
    .await;
    assert_eq!(cleared["configured"], false);
    assert_eq!(raw_key(&app, &a, "openai").await, None);
    let (status, body) = send(
        &app,
        "DELETE",
        "/v1/settings/providers/openai",
        &admin,
        None,
    )
    .await;
    assert_eq!(
        (status, body),
        (200, j!({"providerId": "openai", "status": "removed"}))
    );
    let (status, err) = send(
        &app,
        "DELETE",
        "/v1/settings/providers/openai",
        &admin,
        None,
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
}

#[tokio::test]
async fn custom_providers_are_created_once_and_validated() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let admin = creds::admin(&app, &a);
    let body = j!({"name": "Local vLLM", "slug": "local-vllm", "baseUrl": "http://10.0.0.5:8000/v1", "apiKey": "local-key-0123456789"});
    let (status, p) = send(
        &app,
        "POST",
        "/v1/settings/providers",
        &admin,
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["providerId"], "custom-local-vllm");
    assert_eq!(p["isCustom"], true);
    assert_eq!(p["apiKeyEnvVar"], "CUSTOM_LOCAL_VLLM_API_KEY");
    assert_eq!(
        p["plainExtraConfig"],
        j!({"CUSTOM_LOCAL_VLLM_BASE_URL": "http://10.0.0.5:8000/v1"})
    );
    assert!(!p.to_string().contains("local-key-0123456789"));
    let (status, err) = send(&app, "POST", "/v1/settings/providers", &admin, Some(body)).await;
    assert_error(status, &err, 409, "provider_exists");

    for (bad, path) in [
        (
            j!({"name": "X", "slug": "x", "baseUrl": "ftp://x"}),
            "baseUrl",
        ),
        (
            j!({"name": "X", "slug": "x", "baseUrl": "not a url"}),
            "baseUrl",
        ),
        (
            j!({"name": "X", "slug": "Bad Slug", "baseUrl": "https://x.example"}),
            "slug",
        ),
        (
            j!({"name": "", "slug": "x", "baseUrl": "https://x.example"}),
            "name",
        ),
        (
            j!({"name": "X", "slug": "x", "baseUrl": "https://x.example", "extra": 1}),
            "extra",
        ),
    ] {
        let (status, err) = send(&app, "POST", "/v1/settings/providers", &admin, Some(bad)).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path}: {err}");
    }
    let (_, list) = send(&app, "GET", "/v1/settings/providers", &a.token, None).await;
    assert_eq!(
        list.as_array()
            .expect("list")
            .iter()
            .filter(|p| p["isCustom"] == true)
            .count(),
        1
    );
    find(&list, "custom-local-vllm");

    let put = |pid: &str, body: Value| {
        let path = format!("/v1/settings/providers/{pid}");
        let admin = admin.clone();
        let app = &app;
        async move { send(app, "PUT", &path, &admin, Some(body)).await }
    };
    let (status, err) = put("nonsense", j!({"apiKey": "k"})).await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, err) = put("custom-never-made", j!({"apiKey": "k"})).await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, err) = put(
        "custom-local-vllm",
        j!({"extraConfig": {"CUSTOM_LOCAL_VLLM_BASE_URL": "gopher://x"}}),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    let (status, err) = put(
        "anthropic",
        j!({"extraConfig": {"LD_PRELOAD": "/tmp/x.so"}}),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    let (status, err) = put("anthropic", j!({"providerId": "openai", "apiKey": "k"})).await;
    assert_error(status, &err, 422, "validation_failed");
    assert_eq!(
        raw_key(&app, &a, "anthropic").await,
        None,
        "nothing written"
    );
    let (status, _) = send(
        &app,
        "DELETE",
        "/v1/settings/providers/custom-local-vllm",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (_, list) = send(&app, "GET", "/v1/settings/providers", &a.token, None).await;
    assert!(!list.to_string().contains("custom-local-vllm"));
}

#[tokio::test]
async fn only_tenant_admins_change_providers() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let member = creds::user(&app, &a, "usr_member000000001", false);
    let agent_token = creds::agent(&app, &a, "agt_someagent0000001");
    for token in [&member, &a.token, &agent_token] {
        let (status, err) = send(
            &app,
            "PUT",
            "/v1/settings/providers/anthropic",
            token,
            Some(j!({"apiKey": "sk-x-0000000000"})),
        )
        .await;
        assert_eq!(status, 403, "{err}");
        let custom = j!({"name": "X", "slug": "x", "baseUrl": "https://x.example"});
        let (status, _) = send(&app, "POST", "/v1/settings/providers", token, Some(custom)).await;
        assert_eq!(status, 403);
        let (status, _) = send(
            &app,
            "DELETE",
            "/v1/settings/providers/anthropic",
            token,
            None,
        )
        .await;
        assert_eq!(status, 403);
    }
    assert_eq!(raw_key(&app, &a, "anthropic").await, None);
    let (status, _) = send(&app, "GET", "/v1/settings/providers", &member, None).await;
    assert_eq!(status, 200, "members may read the masked list");
}

#[tokio::test]
async fn tenant_b_cannot_see_or_change_tenant_a_providers() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    set_key(&app, &a, "anthropic", ANTHROPIC_KEY).await;
    let custom = j!({"name": "A's LLM", "slug": "a-llm", "baseUrl": "https://a.example/v1", "apiKey": "a-custom-key-0123456789"});
    let (status, _) = send(
        &app,
        "POST",
        "/v1/settings/providers",
        &creds::admin(&app, &a),
        Some(custom),
    )
    .await;
    assert_eq!(status, 201);
    let b_admin = creds::admin(&app, &b);

    let (_, list) = send(&app, "GET", "/v1/settings/providers", &b.token, None).await;
    assert_eq!(find(&list, "anthropic")["configured"], false);
    assert!(!list.to_string().contains("a-llm"));
    let (status, err) = send(
        &app,
        "PUT",
        "/v1/settings/providers/custom-a-llm",
        &b_admin,
        Some(j!({"apiKey": "b-key-000000000"})),
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, err) = send(
        &app,
        "DELETE",
        "/v1/settings/providers/custom-a-llm",
        &b_admin,
        None,
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, err) = send(
        &app,
        "PUT",
        "/v1/users/me/providers/custom-a-llm",
        &b.token,
        Some(j!({"apiKey": "k"})),
    )
    .await;
    assert_error(status, &err, 404, "provider_not_found");
    let (status, keys) = send(
        &app,
        "GET",
        "/v1/settings/providers/keys/all",
        &creds::service(&app, &b),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(keys["keys"], j!({}), "B's engine gets B's keys only");
    let (status, keys) = send(
        &app,
        "GET",
        &format!("/v1/settings/providers/keys/all?user_id={}", a.user),
        &creds::service(&app, &b),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        keys["keys"],
        j!({}),
        "naming A's user from B resolves nothing"
    );

    let (_, list) = send(&app, "GET", "/v1/settings/providers", &a.token, None).await;
    assert_eq!(find(&list, "anthropic")["configured"], true, "A unchanged");
    assert_eq!(find(&list, "custom-a-llm")["configured"], true);
    assert!(raw_key(&app, &a, "custom-a-llm").await.is_some());
}
