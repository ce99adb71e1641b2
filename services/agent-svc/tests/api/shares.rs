//! Key resolution for the engine (`keys/all`) and admin shares: own key > share > blocked,
//! expiry, daily limits counted from the call log, and tenant isolation of shares.

use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{Tenant, agent, assert_error, send, set_up, spawn, tenant};

const TENANT_OPENAI: &str = "sk-tenant-openai-0123456789";
const TENANT_ANTHROPIC: &str = "sk-tenant-anthropic-0123456789";

async fn configure(app: &TestApp, t: &Tenant) {
    for (pid, key) in [("openai", TENANT_OPENAI), ("anthropic", TENANT_ANTHROPIC)] {
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
    }
}

async fn share(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let (status, s) = send(
        app,
        "POST",
        "/v1/admin/shared-providers",
        &creds::admin(app, t),
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{s}");
    s
}

async fn keys(app: &TestApp, t: &Tenant, user: Option<&str>) -> Value {
    let path = match user {
        Some(u) => format!("/v1/settings/providers/keys/all?user_id={u}"),
        None => "/v1/settings/providers/keys/all".to_owned(),
    };
    let (status, body) = send(app, "GET", &path, &creds::service(app, t), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn the_engine_gets_the_tenants_keys_and_nobody_else_does() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    configure(&app, &a).await;
    let k = keys(&app, &a, None).await;
    assert_eq!(k["keys"]["openai"], TENANT_OPENAI);
    assert_eq!(k["key_sources"]["openai"]["source"], "instance");
    let masked = k["key_sources"]["openai"]["masked_key"]
        .as_str()
        .expect("mask");
    assert!(!masked.contains("0123456789"));
    assert_eq!(k["blocked_providers"], j!([]));
    let agent_id = agent(&app, &a, "researcher").await;
    for token in [
        a.token.clone(),
        creds::admin(&app, &a),
        creds::agent(&app, &a, &agent_id),
    ] {
        let (status, body) =
            send(&app, "GET", "/v1/settings/providers/keys/all", &token, None).await;
        assert_eq!(status, 403, "{body}");
        assert!(!body.to_string().contains(TENANT_OPENAI));
    }
}

#[tokio::test]
async fn own_key_then_share_then_blocked() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    configure(&app, &a).await;
    let user = "usr_aliceaaaaaaaaaaa";
    let alice = creds::user(&app, &a, user, false);

    // No own key, no share: the tenant's keys exist but are not Alice's to use.
    let k = keys(&app, &a, Some(user)).await;
    assert_eq!(k["keys"], j!({}));
    assert_eq!(k["blocked_providers"], j!(["anthropic", "openai"]));

    // A share for everyone opens openai, restricted to one model.
    share(
        &app,
        &a,
        j!({"providerId": "openai", "allowedModels": ["gpt-5-mini"]}),
    )
    .await;
    let k = keys(&app, &a, Some(user)).await;
    assert_eq!(k["keys"]["openai"], TENANT_OPENAI);
    assert_eq!(k["key_sources"]["openai"]["source"], "admin_shared");
    assert_eq!(k["model_restrictions"]["openai"], j!(["gpt-5-mini"]));
    assert_eq!(k["blocked_providers"], j!(["anthropic"]));

    // Her own key wins over the share.
    let own = "sk-alice-own-0123456789";
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/users/me/providers/openai",
        &alice,
        Some(j!({"apiKey": own})),
    )
    .await;
    assert_eq!(status, 200);
    let k = keys(&app, &a, Some(user)).await;
    assert_eq!(k["keys"]["openai"], own);
    assert_eq!(k["key_sources"]["openai"]["source"], "personal");
    assert!(k["model_restrictions"].get("openai").is_none());
    let (_, mine) = send(&app, "GET", "/v1/users/me/providers", &alice, None).await;
    assert_eq!(mine[0]["sharedByAdmin"], true);
}

#[tokio::test]
async fn expired_shares_and_spent_daily_limits_block() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    configure(&app, &a).await;
    let (bob, carol) = ("usr_bobbbbbbbbbbbbbb", "usr_carolccccccccccc");
    let s = share(
        &app,
        &a,
        j!({"providerId": "openai", "targetUserId": bob, "dailyLimit": 2}),
    )
    .await;
    assert_eq!(s["adminUserId"], a.user.as_str());
    share(
        &app,
        &a,
        j!({"providerId": "anthropic", "targetUserId": carol, "dailyCostLimitUsd": 1.0}),
    )
    .await;
    assert_eq!(
        keys(&app, &a, Some(bob)).await["keys"]["openai"],
        TENANT_OPENAI
    );

    let agent_id = agent(&app, &a, "researcher").await;
    let svc = creds::service(&app, &a);
    let record = |user: &str, provider: &str, cost: f64, source: &str| {
        j!({"agent_id": agent_id, "user_id": user, "provider": provider, "model": "m",
            "key_source": source, "cost_total": cost})
    };
    // Calls on the user's own key do not count toward the share.
    for body in [
        record(bob, "openai", 0.1, "personal"),
        record(bob, "openai", 0.1, "admin_shared"),
    ] {
        let (status, _) = send(&app, "POST", "/v1/internal/llm-calls", &svc, Some(body)).await;
        assert_eq!(status, 201);
    }
    let k = keys(&app, &a, Some(bob)).await;
    assert_eq!(k["share_usage"]["openai"]["daily_used"], 1);
    assert!(k["keys"].get("openai").is_some());
    set_up(
        &app,
        "POST",
        "/v1/internal/llm-calls",
        &svc,
        Some(record(bob, "openai", 0.1, "admin_shared")),
    )
    .await;
    let k = keys(&app, &a, Some(bob)).await;
    assert_eq!(k["blocked_providers"], j!(["anthropic", "openai"]), "{k}");
    assert!(k["keys"].get("openai").is_none());

    set_up(
        &app,
        "POST",
        "/v1/internal/llm-calls",
        &svc,
        Some(record(carol, "anthropic", 1.25, "admin_shared")),
    )
    .await;
    let k = keys(&app, &a, Some(carol)).await;
    assert!(
        k["blocked_providers"]
            .as_array()
            .expect("list")
            .contains(&j!("anthropic")),
        "{k}"
    );

    // Yesterday's calls do not count.
    sqlx::query(
        "update agent.llm_call_logs set created_at = created_at - 86400000 where tenant_id = $1",
    )
    .bind(a.id.as_str())
    .execute(&app.db.admin)
    .await
    .expect("age calls");
    assert_eq!(
        keys(&app, &a, Some(carol)).await["keys"]["anthropic"],
        TENANT_ANTHROPIC
    );

    // An expired share blocks; expiry is checked at resolution time.
    let admin = creds::admin(&app, &a);
    let (status, err) = send(
        &app,
        "PATCH",
        &format!(
            "/v1/admin/shared-providers/{}",
            s["id"].as_str().expect("id")
        ),
        &admin,
        Some(j!({"expiresAt": 1})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    sqlx::query(
        "update agent.admin_shared_providers set expires_at = 1 where tenant_id = $1 and id = $2",
    )
    .bind(a.id.as_str())
    .bind(s["id"].as_str())
    .execute(&app.db.admin)
    .await
    .expect("expire");
    let k = keys(&app, &a, Some(bob)).await;
    assert!(k["keys"].get("openai").is_none());
    assert_eq!(k["share_usage"]["openai"]["expires_at"], 1);
}

#[tokio::test]
async fn admins_manage_shares_and_members_cannot() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let admin = creds::admin(&app, &a);
    let (status, err) = send(
        &app,
        "POST",
        "/v1/admin/shared-providers",
        &admin,
        Some(j!({"providerId": "openai"})),
    )
    .await;
    assert_error(status, &err, 404, "provider_not_configured");
    configure(&app, &a).await;
    let s = share(&app, &a, j!({"providerId": "openai", "dailyLimit": 5})).await;
    let (status, err) = send(
        &app,
        "POST",
        "/v1/admin/shared-providers",
        &admin,
        Some(j!({"providerId": "openai"})),
    )
    .await;
    assert_error(status, &err, 409, "share_exists");
    for bad in [
        j!({"providerId": "openai", "targetUserId": "bob"}),
        j!({"providerId": "openai", "targetUserId": "usr_x", "dailyLimit": -1}),
        j!({"providerId": "openai", "tenantId": "ten_x"}),
    ] {
        let (status, err) = send(
            &app,
            "POST",
            "/v1/admin/shared-providers",
            &admin,
            Some(bad),
        )
        .await;
        assert_error(status, &err, 422, "validation_failed");
    }
    let path = format!(
        "/v1/admin/shared-providers/{}",
        s["id"].as_str().expect("id")
    );
    let (status, u) = send(
        &app,
        "PATCH",
        &path,
        &admin,
        Some(j!({"dailyLimit": 9, "allowedModels": ["gpt-5"]})),
    )
    .await;
    assert_eq!(status, 200, "{u}");
    assert_eq!(
        (u["dailyLimit"].clone(), u["allowedModels"].clone()),
        (j!(9), j!(["gpt-5"]))
    );
    let (_, u) = send(
        &app,
        "PATCH",
        &path,
        &admin,
        Some(j!({"clearDailyLimit": true})),
    )
    .await;
    assert_eq!(u["dailyLimit"], Value::Null);
    assert_eq!(u["allowedModels"], j!(["gpt-5"]));
    let (status, _) = send(
        &app,
        "PATCH",
        &path,
        &admin,
        Some(j!({"dailyLimit": 1, "clearDailyLimit": true})),
    )
    .await;
    assert_eq!(status, 422);

    let member = creds::user(&app, &a, "usr_member000000001", false);
    for (method, p, body) in [
        ("GET", "/v1/admin/shared-providers", None),
        (
            "POST",
            "/v1/admin/shared-providers",
            Some(j!({"providerId": "anthropic"})),
        ),
        ("PATCH", path.as_str(), Some(j!({"dailyLimit": 1}))),
        ("DELETE", path.as_str(), None),
        ("GET", "/v1/admin/shared-providers/usage", None),
    ] {
        let (status, err) = send(&app, method, p, &member, body).await;
        assert_error(status, &err, 403, "admin_required");
    }
    let (status, usage) = send(
        &app,
        "GET",
        "/v1/admin/shared-providers/usage",
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(usage["shares"][0]["todayCalls"], 0);
    let (status, body) = send(&app, "DELETE", &path, &admin, None).await;
    assert_eq!((status, body["status"].clone()), (200, j!("revoked")));
    let (_, list) = send(&app, "GET", "/v1/admin/shared-providers", &admin, None).await;
    assert_eq!(list, j!([]));
    // Removing the tenant's provider removes its shares.
    share(&app, &a, j!({"providerId": "anthropic"})).await;
    set_up(
        &app,
        "DELETE",
        "/v1/settings/providers/anthropic",
        &admin,
        None,
    )
    .await;
    let (_, list) = send(&app, "GET", "/v1/admin/shared-providers", &admin, None).await;
    assert_eq!(list, j!([]));
}

#[tokio::test]
async fn tenant_b_cannot_touch_tenant_a_shares() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    configure(&app, &a).await;
    let s = share(&app, &a, j!({"providerId": "openai", "dailyLimit": 3})).await;
    let path = format!(
        "/v1/admin/shared-providers/{}",
        s["id"].as_str().expect("id")
    );
    let b_admin = creds::admin(&app, &b);
    let (status, err) = send(
        &app,
        "PATCH",
        &path,
        &b_admin,
        Some(j!({"dailyLimit": 100})),
    )
    .await;
    assert_error(status, &err, 404, "share_not_found");
    let (status, err) = send(&app, "DELETE", &path, &b_admin, None).await;
    assert_error(status, &err, 404, "share_not_found");
    let (_, list) = send(&app, "GET", "/v1/admin/shared-providers", &b_admin, None).await;
    assert_eq!(list, j!([]));
    let (_, usage) = send(
        &app,
        "GET",
        "/v1/admin/shared-providers/usage",
        &b_admin,
        None,
    )
    .await;
    assert_eq!(usage, j!({"shares": []}));
    let (status, err) = send(
        &app,
        "POST",
        "/v1/admin/shared-providers",
        &b_admin,
        Some(j!({"providerId": "openai"})),
    )
    .await;
    assert_error(status, &err, 404, "provider_not_configured");
    let (_, mine) = send(&app, "GET", "/v1/users/me/providers", &b.token, None).await;
    assert_eq!(mine, j!([]), "A's all-users share reaches no user of B");
    assert_eq!(keys(&app, &b, Some(&b.user)).await["keys"], j!({}));

    let (_, list) = send(
        &app,
        "GET",
        "/v1/admin/shared-providers",
        &creds::admin(&app, &a),
        None,
    )
    .await;
    assert_eq!(list[0]["dailyLimit"], 3, "A's share unchanged");
}
