//! Secrets: encrypted at rest, masked in every response, validated, managed by admins and their
//! creator only.

use std::time::Duration;

use kit::crypto::SecretBox;
use kit::testing::TestApp;
use kit::{Claims, TokenKind};
use serde_json::{Value, json as j};

use crate::helpers::{KEY, Tenant, add_user, agent, assert_error, send, set_up, spawn, tenant};
use crate::skill_grants::agent_token;

pub const PLAIN: &str = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

pub async fn create(app: &TestApp, t: &Tenant, name: &str, env_key: &str, value: &str) -> Value {
    let body = j!({"name": name, "secret_type": "pat", "env_key": env_key, "value": value,
                   "description": "for the bot"});
    let (status, secret) = send(app, "POST", "/v1/secrets/", &t.token, Some(body)).await;
    assert_eq!(status, 201, "{secret}");
    secret
}

pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

pub async fn stored(app: &TestApp, secret_id: &str) -> String {
    sqlx::query_scalar("select encrypted_value from agent.secrets where id = $1")
        .bind(secret_id)
        .fetch_one(&app.db.admin)
        .await
        .expect("row")
}

pub async fn env_of(app: &TestApp, token: &str, agent_id: &str) -> (u16, Value) {
    send(
        app,
        "GET",
        &format!("/v1/secrets/agents/{agent_id}/env"),
        token,
        None,
    )
    .await
}

pub fn admin_token(app: &TestApp, t: &Tenant, subject: &str) -> String {
    let mut claims = Claims::access(
        subject,
        t.id.clone(),
        TokenKind::User,
        Duration::from_secs(600),
    );
    claims.is_admin = true;
    app.mint(&claims)
}

#[tokio::test]
async fn values_are_encrypted_at_rest_and_masked_in_every_response() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let secret = create(&app, &a, "GitHub", "github_token", PLAIN).await;
    assert_eq!(secret["env_key"], "GITHUB_TOKEN", "upper-cased");
    assert_eq!(secret["secret_type_label"], "Personal access token");
    assert_eq!(
        secret["masked_preview"], "...6789",
        "the last four characters only"
    );
    assert_eq!(secret["created_by"], a.user.as_str());
    let sid = id(&secret);
    assert!(sid.starts_with("sec_"));

    let cipher = stored(&app, &sid).await;
    assert!(!cipher.contains(PLAIN) && !cipher.contains("abcdefghijklmnop"));
    assert_eq!(
        SecretBox::from_hex(KEY)
            .expect("key")
            .decrypt(&cipher)
            .as_deref(),
        Ok(PLAIN)
    );
    let wrong = SecretBox::from_hex(&"ab".repeat(32)).expect("key");
    assert!(
        wrong.decrypt(&cipher).is_err(),
        "another key cannot decrypt"
    );

    let (status, _) = send(
        &app,
        "POST",
        &format!("/v1/secrets/{sid}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    for path in [
        "/v1/secrets/".to_owned(),
        format!("/v1/secrets/{sid}"),
        format!("/v1/secrets/agents/{agent_id}"),
    ] {
        let (status, body) = send(&app, "GET", &path, &a.token, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(!body.to_string().contains(PLAIN), "{path} leaks the value");
        assert!(
            !body.to_string().contains(&cipher),
            "{path} leaks the ciphertext"
        );
    }
    let (_, listed) = send(&app, "GET", "/v1/secrets/", &a.token, None).await;
    assert_eq!(listed[0]["granted_agents"], j!([agent_id]));
    let (status, types) = send(&app, "GET", "/v1/secrets/types", &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(types["types"].as_array().expect("types").len(), 7);
    assert_eq!(
        types["types"][0],
        j!({"value": "pat", "label": "Personal access token"})
    );
}

#[tokio::test]
async fn only_admins_and_the_creator_manage_a_secret() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let sid = id(&create(&app, &a, "GitHub", "GITHUB_TOKEN", PLAIN).await);
    let colleague = app.token(&a.id, "usr_colleague00000", TokenKind::User);
    for (method, path, body) in [
        (
            "PUT",
            format!("/v1/secrets/{sid}"),
            Some(j!({"value": "hijacked-value"})),
        ),
        ("DELETE", format!("/v1/secrets/{sid}"), None),
        ("POST", format!("/v1/secrets/{sid}/grant/{agent_id}"), None),
        (
            "DELETE",
            format!("/v1/secrets/{sid}/grant/{agent_id}"),
            None,
        ),
    ] {
        let (status, err) = send(&app, method, &path, &colleague, body).await;
        assert_error(status, &err, 403, "not_secret_owner");
    }
    // A colleague can still create and manage their own.
    let (status, _) = send(
        &app,
        "POST",
        "/v1/secrets/",
        &colleague,
        Some(j!({"name": "Mine", "env_key": "MINE", "value": "colleague-value"})),
    )
    .await;
    assert_eq!(status, 201);
    let admin_id = add_user(&app, &a, true).await;
    let admin = admin_token(&app, &a, &admin_id);
    let (status, renamed) = send(
        &app,
        "PUT",
        &format!("/v1/secrets/{sid}"),
        &admin,
        Some(j!({"name": "GH"})),
    )
    .await;
    assert_eq!((status, &renamed["name"]), (200, &j!("GH")));
    let (status, _) = send(
        &app,
        "POST",
        &format!("/v1/secrets/{sid}/grant/{agent_id}"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let engine = app.token(&a.id, "engine-svc", TokenKind::Service);
    let (_, env) = env_of(&app, &engine, &agent_id).await;
    assert_eq!(
        env["env"]["GITHUB_TOKEN"], PLAIN,
        "the colleague's PUT changed nothing"
    );
    // Agents and services do not manage secrets at all.
    let agent = agent_token(&app, &a, &agent_id);
    let (status, err) = send(&app, "GET", "/v1/secrets/", &agent, None).await;
    assert_error(status, &err, 403, "forbidden");
    let (status, own) = send(
        &app,
        "GET",
        &format!("/v1/secrets/agents/{agent_id}"),
        &agent,
        None,
    )
    .await;
    assert_eq!(status, 200, "an agent lists its own, masked");
    assert!(!own.to_string().contains(PLAIN));
}

#[tokio::test]
async fn bad_secrets_and_clashes_are_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let ok = j!({"name": "N", "env_key": "KEY", "value": "v"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    for (body, path) in [
        (with("name", j!(" ")), "name"),
        (with("env_key", j!("1BAD")), "env_key"),
        (with("env_key", j!("A-B")), "env_key"),
        (with("env_key", j!("LD_PRELOAD")), "env_key"),
        (with("value", j!("")), "value"),
        (with("secret_type", j!("magic")), "secret_type"),
        (with("plaintext", j!(true)), "plaintext"),
        (j!({"name": "N", "value": "v"}), "env_key"),
    ] {
        let (status, err) = send(&app, "POST", "/v1/secrets/", &a.token, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path} missing in {err}");
    }
    let (_, list) = send(&app, "GET", "/v1/secrets/", &a.token, None).await;
    assert_eq!(list, j!([]));

    let agent_id = agent(&app, &a, "researcher").await;
    let first = id(&create(&app, &a, "One", "TOKEN", "value-one-1234").await);
    let second = id(&create(&app, &a, "Two", "OTHER", "value-two-1234").await);
    let (status, err) = send(
        &app,
        "POST",
        "/v1/secrets/",
        &a.token,
        Some(j!({"name": "One", "env_key": "X", "value": "v"})),
    )
    .await;
    assert_error(status, &err, 409, "secret_name_taken");
    let (status, err) = send(
        &app,
        "PUT",
        &format!("/v1/secrets/{second}"),
        &a.token,
        Some(j!({"name": "One"})),
    )
    .await;
    assert_error(status, &err, 409, "secret_name_taken");
    set_up(
        &app,
        "POST",
        &format!("/v1/secrets/{first}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    set_up(
        &app,
        "POST",
        &format!("/v1/secrets/{second}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    let (status, err) = send(
        &app,
        "PUT",
        &format!("/v1/secrets/{second}"),
        &a.token,
        Some(j!({"env_key": "token"})),
    )
    .await;
    assert_error(status, &err, 409, "env_key_conflict");
    let (_, two) = send(
        &app,
        "GET",
        &format!("/v1/secrets/{second}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (&two["name"], &two["env_key"]),
        (&j!("Two"), &j!("OTHER")),
        "unchanged"
    );
}

/// The characters of `secret` a preview shows (everything but the `.`/`*` filler).
fn revealed(preview: &Value) -> String {
    let text = preview.as_str().expect("a preview");
    text.chars().filter(|c| *c != '.' && *c != '*').collect()
}

#[tokio::test]
async fn previews_show_at_most_the_last_four_characters_and_none_of_short_secrets() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    // 12 characters: the old preview showed 7 of them (`Tr0u...&3x`).
    let short = create(&app, &a, "Password", "db_password", "Tr0ub4dor&3x").await;
    assert_eq!(revealed(&short["masked_preview"]), "", "{short}");
    let long = create(&app, &a, "Token", "gh_token", PLAIN).await;
    assert_eq!(revealed(&long["masked_preview"]), "6789", "{long}");

    // Rotating to a short value hides it too.
    let sid = id(&long);
    let (status, rotated) = send(
        &app,
        "PUT",
        &format!("/v1/secrets/{sid}"),
        &a.token,
        Some(j!({"value": "s3cr3t-pin-99"})),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(revealed(&rotated["masked_preview"]), "", "{rotated}");
}
