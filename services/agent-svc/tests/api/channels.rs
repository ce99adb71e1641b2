//! Channel credentials: encrypted at rest, masked in every answer, in clear only for services of
//! the tenant, announced on the tenant's channel.

use std::time::Duration;

use kit::crypto::SecretBox;
use kit::db::TenantTx;
use serde_json::{Value, json as j};

use crate::helpers::{KEY, agent, assert_error, send, set_up, spawn, tenant};
use crate::tokens::{Listener, agent_token, service_token};

const BOT: &str = "xoxb-1111111111-2222222222-abcdefghijklmnop";
const APP: &str = "xapp-1-A0123456789-9876543210-qrstuvwxyz";

fn slack(primary: &str, secondary: &str) -> Value {
    j!({"primaryToken": primary, "secondaryToken": secondary,
        "extraConfig": {"bot_user_id": "U0ABC1234"}})
}

async fn raw_tokens(app: &kit::testing::TestApp, agent_id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "select primary_token, secondary_token from agent.channel_credentials where agent_id = $1",
    )
    .bind(agent_id)
    .fetch_all(&app.db.admin)
    .await
    .expect("raw read")
}

#[tokio::test]
async fn slack_tokens_are_encrypted_at_rest_and_masked_in_every_answer() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/channels/slack");

    let (status, put) = send(&app, "PUT", &path, &a.token, Some(slack(BOT, APP))).await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(put["configured"], true);
    assert_eq!(put["enabled"], true);
    assert_eq!(put["maskedPrimaryToken"], kit::crypto::mask(BOT));
    assert_eq!(put["maskedSecondaryToken"], kit::crypto::mask(APP));
    assert_eq!(put["maskedExtra"], j!({"bot_user_id": "U0ABC1234"}));
    let (_, one) = send(&app, "GET", &path, &a.token, None).await;
    let (_, list) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/channels"),
        &a.token,
        None,
    )
    .await;
    let names: Vec<_> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["channel"].as_str().expect("channel"))
        .collect();
    assert_eq!(
        names,
        ["slack", "discord", "telegram", "signal", "whatsapp"]
    );
    assert_eq!(list[0], one);
    assert_eq!(list[1]["configured"], false);
    for answer in [&put, &one, &list] {
        let text = answer.to_string();
        assert!(!text.contains(BOT) && !text.contains(APP), "{text}");
    }

    let rows = raw_tokens(&app, &id).await;
    let (primary, secondary) = &rows[0];
    assert!(!primary.contains("xoxb") && !secondary.contains("xapp"));
    let ours = SecretBox::from_hex(KEY).expect("key");
    assert_eq!(ours.decrypt(primary).as_deref(), Ok(BOT));
    assert_eq!(ours.decrypt(secondary).as_deref(), Ok(APP));
    let other = SecretBox::from_hex(&"ab".repeat(32)).expect("key");
    assert!(other.decrypt(primary).is_err() && other.decrypt(secondary).is_err());

    let svc = service_token(&app, &a);
    let keys = format!("/v1/agents/{id}/channels/keys/all");
    let (status, clear) = send(&app, "GET", &keys, &svc, None).await;
    assert_eq!(status, 200, "{clear}");
    assert_eq!(
        clear,
        j!({"channels": {"slack": {"primaryToken": BOT, "secondaryToken": APP,
                                   "extra": {"bot_user_id": "U0ABC1234"}}}})
    );
}

#[tokio::test]
async fn partial_updates_keep_tokens_and_merge_settings() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "finn").await;
    let path = format!("/v1/agents/{id}/channels/discord");
    let first = j!({"primaryToken": "discord-bot-token-123456", "extraConfig": {"guild_id": "42"}});
    let (status, body) = send(&app, "PUT", &path, &a.token, Some(first)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["configured"], false, "no application id yet");

    let second = j!({"secondaryToken": "1234567890123", "enabled": false,
                     "extraConfig": {"guild_id": "", "allow_from": "*"}});
    let (_, body) = send(&app, "PUT", &path, &a.token, Some(second)).await;
    assert_eq!(
        body["maskedPrimaryToken"],
        kit::crypto::mask("discord-bot-token-123456")
    );
    assert_eq!(body["maskedExtra"], j!({"allow_from": "*"}));
    assert_eq!(body["enabled"], false);
    assert_eq!(body["configured"], true);

    // Without `enabled` the flag stays as it was; an empty token keeps the stored one.
    let (_, body) = send(&app, "PUT", &path, &a.token, Some(j!({"primaryToken": ""}))).await;
    assert_eq!(body["enabled"], false);
    assert_eq!(
        body["maskedPrimaryToken"],
        kit::crypto::mask("discord-bot-token-123456")
    );
    let svc = service_token(&app, &a);
    let keys = format!("/v1/agents/{id}/channels/keys/all");
    let (_, clear) = send(&app, "GET", &keys, &svc, None).await;
    assert_eq!(
        clear,
        j!({"channels": {}}),
        "disabled channels are left out"
    );

    let (_, body) = send(&app, "PUT", &path, &a.token, Some(j!({"enabled": true}))).await;
    assert_eq!(body["enabled"], true);
    let (_, clear) = send(&app, "GET", &keys, &svc, None).await;
    assert_eq!(
        clear["channels"]["discord"]["secondaryToken"],
        "1234567890123"
    );

    let (status, gone) = send(&app, "DELETE", &path, &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        gone,
        j!({"status": "ok", "agentId": id, "channel": "discord"})
    );
    let (_, after) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(after["configured"], false);
    assert!(after["maskedPrimaryToken"].is_null());
    assert!(raw_tokens(&app, &id).await.is_empty());
}

#[tokio::test]
async fn bad_credentials_are_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let slack_path = format!("/v1/agents/{id}/channels/slack");
    for (path, body, field) in [
        (slack_path.clone(), slack(APP, BOT), "primaryToken"),
        (
            slack_path.clone(),
            slack("xoxb-has space", APP),
            "primaryToken",
        ),
        (
            slack_path.clone(),
            j!({"extraConfig": {"password": "hunter2"}}),
            "extraConfig.password",
        ),
        (
            slack_path.clone(),
            j!({"primary_token": BOT}),
            "primary_token",
        ),
        (slack_path.clone(), j!({"enabled": "yes"}), "enabled"),
        (
            format!("/v1/agents/{id}/channels/signal"),
            j!({"primaryToken": "abc"}),
            "primaryToken",
        ),
        (
            format!("/v1/agents/{id}/channels/telegram"),
            j!({"secondaryToken": "abc"}),
            "secondaryToken",
        ),
    ] {
        let (status, err) = send(&app, "PUT", &path, &a.token, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(field), "{field} missing in {err}");
    }
    let (status, err) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/channels/irc"),
        &a.token,
        Some(j!({})),
    )
    .await;
    assert_error(status, &err, 404, "unknown_channel");
    for method in ["GET", "DELETE"] {
        let path = format!("/v1/agents/{id}/channels/irc");
        let (status, err) = send(&app, method, &path, &a.token, None).await;
        assert_error(status, &err, 404, "unknown_channel");
    }
    let res = app
        .client
        .request(reqwest::Method::PUT, &slack_path)
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"primaryToken\":")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    assert!(raw_tokens(&app, &id).await.is_empty(), "nothing written");
}

#[tokio::test]
async fn clear_tokens_go_only_to_services_of_the_tenant() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "eric").await;
    set_up(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/channels/slack"),
        &a.token,
        Some(slack(BOT, APP)),
    )
    .await;
    let keys = format!("/v1/agents/{id}/channels/keys/all");
    for token in [a.token.clone(), agent_token(&app, &a, &id)] {
        let (status, err) = send(&app, "GET", &keys, &token, None).await;
        assert_eq!(status, 403, "{err}");
        assert!(!err.to_string().contains(BOT));
    }
    let (status, err) = send(&app, "GET", &keys, &service_token(&app, &b), None).await;
    assert_error(status, &err, 404, "agent_not_found");
    let (status, _) = send(&app, "GET", &keys, &service_token(&app, &a), None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn an_agent_reads_its_channels_but_cannot_change_them() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let other = agent(&app, &a, "finn").await;
    let token = agent_token(&app, &a, &id);
    let (status, _) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/channels"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let path = format!("/v1/agents/{id}/channels/slack");
    let (status, _) = send(&app, "PUT", &path, &token, Some(slack(BOT, APP))).await;
    assert_eq!(status, 403);
    let (status, _) = send(&app, "DELETE", &path, &token, None).await;
    assert_eq!(status, 403);
    let elsewhere = format!("/v1/agents/{other}/channels");
    let (status, err) = send(&app, "GET", &elsewhere, &token, None).await;
    assert_error(status, &err, 403, "agent_scope");
    // A service of the tenant may write (engine-svc syncing tokens from its environment).
    let svc = service_token(&app, &a);
    let (status, _) = send(&app, "PUT", &path, &svc, Some(slack(BOT, APP))).await;
    assert_eq!(status, 200);
    assert_eq!(raw_tokens(&app, &id).await.len(), 1);
}

#[tokio::test]
async fn changes_are_announced_on_the_tenant_channel_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "eric").await;
    let keys = &app.platform.keys;
    let mut ours = Listener::on(&[keys.channel_credentials_changed(&a.id)]).await;
    let mut theirs = Listener::on(&[keys.channel_credentials_changed(&b.id)]).await;
    let mut rebalance = Listener::on(&[keys.slack_rebalance_trigger()]).await;
    let path = format!("/v1/agents/{id}/channels/slack");

    set_up(&app, "PUT", &path, &a.token, Some(slack(BOT, APP))).await;
    let wait = Duration::from_secs(5);
    let (_, message) = ours.next(wait).await.expect("announced");
    assert_eq!(message, j!({"agentId": id, "channel": "slack"}));
    assert!(!message.to_string().contains("xoxb"));
    let (_, trigger) = rebalance.next(wait).await.expect("rebalance asked for");
    assert_eq!(trigger, j!({"tenantId": a.id, "agentId": id}));

    set_up(&app, "DELETE", &path, &a.token, None).await;
    let (_, message) = ours.next(wait).await.expect("announced");
    assert_eq!(message, j!({"agentId": id, "channel": "slack"}));
    let telegram = format!("/v1/agents/{id}/channels/telegram");
    set_up(
        &app,
        "PUT",
        &telegram,
        &a.token,
        Some(j!({"primaryToken": "1:ab"})),
    )
    .await;
    let (_, message) = ours.next(wait).await.expect("announced");
    assert_eq!(message["channel"], "telegram");
    assert!(theirs.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn slack_connected_agents_are_the_enabled_complete_slack_bots() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let full = agent(&app, &a, "full").await;
    let half = agent(&app, &a, "half").await;
    let off = agent(&app, &a, "off").await;
    let theirs = agent(&app, &b, "theirs").await;
    let put = |id: &str, t: &str, body: Value| {
        let path = format!("/v1/agents/{id}/channels/slack");
        let token = t.to_owned();
        let app = &app;
        async move { send(app, "PUT", &path, &token, Some(body)).await }
    };
    put(&full, &a.token, slack(BOT, APP)).await;
    put(&half, &a.token, j!({"primaryToken": BOT})).await;
    put(&off, &a.token, slack(BOT, APP)).await;
    put(&off, &a.token, j!({"enabled": false})).await;
    put(&theirs, &b.token, slack(BOT, APP)).await;

    let mut tx = TenantTx::begin(app.platform.db.pool(), &a.id)
        .await
        .expect("tx");
    let connected = agent_svc::store::channels::slack_connected_agents(&mut tx)
        .await
        .expect("query");
    assert_eq!(connected, [full.clone()].into_iter().collect());
    tx.commit().await.expect("commit");
    // The agents list and detail say the same.
    let (_, list) = send(&app, "GET", "/v1/agents/", &a.token, None).await;
    let flags: Vec<(Value, Value)> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|x| (x["id"].clone(), x["slack_connected"].clone()))
        .collect();
    assert_eq!(
        flags,
        vec![
            (j!(full), j!(true)),
            (j!(half), j!(false)),
            (j!(off), j!(false))
        ]
    );
    let (_, detail) = send(&app, "GET", &format!("/v1/agents/{full}"), &a.token, None).await;
    assert_eq!(detail["slack_connected"], true);

    // Deleting the agent removes its credentials with it.
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/agents/{full}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert!(raw_tokens(&app, &full).await.is_empty());
}
