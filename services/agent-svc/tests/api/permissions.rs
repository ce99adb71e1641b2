//! What an agent may do: tool overrides and messaging permissions. Users and services change
//! them, the agent only reads its own, and every change is announced to the runtimes.

use std::time::Duration;

use serde_json::{Value, json as j};

use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};
use crate::tokens::{Listener, agent_token, service_token};

fn overrides(items: Value) -> Value {
    j!({ "overrides": items })
}

#[tokio::test]
async fn tool_overrides_round_trip_and_disabled_lists_the_off_ones() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let base = format!("/v1/agents/{id}/tools");
    let mut listener = Listener::on(&[app.platform.keys.tools_overrides_changed(&a.id)]).await;

    let body = overrides(j!([{"tool_name": "web_search", "enabled": false},
                             {"tool_name": "bash", "enabled": true}]));
    let (status, saved) = send(
        &app,
        "PUT",
        &format!("{base}/overrides"),
        &a.token,
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved[0]["agent_id"], id.as_str());
    assert_eq!(saved[0]["tool_name"], "web_search");
    assert_eq!(saved[0]["enabled"], false);
    assert_eq!(saved[0]["updated_by"], a.user.as_str());
    let (_, note) = listener
        .next(Duration::from_secs(5))
        .await
        .expect("announced");
    assert_eq!(note, j!({"agent_id": id}));

    let again = j!({"overrides": [{"tool_name": "bash", "enabled": false}], "updated_by": "cli"});
    set_up(
        &app,
        "PUT",
        &format!("{base}/overrides"),
        &a.token,
        Some(again),
    )
    .await;
    let (_, listed) = send(&app, "GET", &format!("{base}/overrides"), &a.token, None).await;
    let names: Vec<_> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|o| {
            (
                o["tool_name"].clone(),
                o["enabled"].clone(),
                o["updated_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (j!("bash"), j!(false), j!("cli")),
            (j!("web_search"), j!(false), j!(a.user))
        ]
    );
    let (_, disabled) = send(&app, "GET", &format!("{base}/disabled"), &a.token, None).await;
    assert_eq!(disabled, j!(["bash", "web_search"]));

    let (status, _) = send(
        &app,
        "DELETE",
        &format!("{base}/overrides/bash"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("{base}/overrides/bash"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204, "removing a missing override is not an error");
    let (_, disabled) = send(&app, "GET", &format!("{base}/disabled"), &a.token, None).await;
    assert_eq!(disabled, j!(["web_search"]));
}

#[tokio::test]
async fn bad_tool_overrides_are_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/tools/overrides");
    let (status, err) = send(&app, "PUT", &path, &a.token, Some(overrides(j!([])))).await;
    assert_error(status, &err, 400, "empty_overrides");
    for (body, field) in [
        (
            overrides(j!([{"tool_name": "ok", "enabled": false},
                          {"tool_name": "rm -rf", "enabled": false}])),
            "overrides[1].tool_name",
        ),
        (
            overrides(j!([{"tool_name": "a", "enabled": false},
                          {"tool_name": "a", "enabled": true}])),
            "overrides[1].tool_name",
        ),
        (overrides(j!([{"tool_name": "a"}])), "overrides[0]"),
        (
            j!({"overrides": [{"tool_name": "a", "enabled": true}], "by": "x"}),
            "by",
        ),
        (
            j!({"overrides": [{"tool_name": "a", "enabled": true}], "updated_by": ""}),
            "updated_by",
        ),
    ] {
        let (status, err) = send(&app, "PUT", &path, &a.token, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(field), "{field} missing in {err}");
    }
    let (_, listed) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(listed, j!([]), "nothing written");
}

#[tokio::test]
async fn an_agent_reads_its_own_tools_and_permissions_but_cannot_widen_them() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let other = agent(&app, &a, "finn").await;
    let off = overrides(j!([{"tool_name": "bash", "enabled": false}]));
    set_up(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/tools/overrides"),
        &a.token,
        Some(off),
    )
    .await;
    let token = agent_token(&app, &a, &id);

    let (status, disabled) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/tools/disabled"),
        &token,
        None,
    )
    .await;
    assert_eq!((status, disabled), (200, j!(["bash"])));
    let on = overrides(j!([{"tool_name": "bash", "enabled": true}]));
    let path = format!("/v1/agents/{id}/tools/overrides");
    let (status, _) = send(&app, "PUT", &path, &token, Some(on)).await;
    assert_eq!(status, 403);
    let (status, _) = send(&app, "DELETE", &format!("{path}/bash"), &token, None).await;
    assert_eq!(status, 403);
    let perms = format!("/v1/agents/{id}/messaging-permissions");
    let (status, _) = send(&app, "GET", &perms, &token, None).await;
    assert_eq!(status, 200);
    let allow = j!({"channel": "telegram", "target": "12345"});
    let (status, _) = send(&app, "POST", &perms, &token, Some(allow)).await;
    assert_eq!(status, 403);
    let (status, _) = send(
        &app,
        "PUT",
        &perms,
        &token,
        Some(j!({"channel": "telegram", "permissions": []})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, err) = send(
        &app,
        "GET",
        &format!("/v1/agents/{other}/tools/disabled"),
        &token,
        None,
    )
    .await;
    assert_error(status, &err, 403, "agent_scope");
    let (_, disabled) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/tools/disabled"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(disabled, j!(["bash"]), "unchanged");
    // Services of the tenant may change them.
    let svc = service_token(&app, &a);
    let (status, _) = send(&app, "DELETE", &format!("{path}/bash"), &svc, None).await;
    assert_eq!(status, 204);
}

#[tokio::test]
async fn messaging_permissions_add_list_replace_and_remove() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/messaging-permissions");
    let mut listener =
        Listener::on(&[app.platform.keys.messaging_permissions_changed(&a.id)]).await;

    let (status, created) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"channel": "telegram", "target": " 12345 ", "label": "Sam"})),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["target"], "12345");
    assert_eq!(created["agentId"], id.as_str());
    assert!(created["id"].is_i64() && created["createdAt"].is_i64());
    let (_, note) = listener
        .next(Duration::from_secs(5))
        .await
        .expect("announced");
    assert_eq!(note, j!({"agent_id": id, "channel": "telegram"}));
    let (status, err) = send(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"channel": "telegram", "target": "12345"})),
    )
    .await;
    assert_error(status, &err, 409, "permission_exists");
    set_up(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"channel": "whatsapp", "target": "+15550100"})),
    )
    .await;

    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(all["total"], 2);
    let (_, only) = send(
        &app,
        "GET",
        &format!("{path}?channel=whatsapp"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(only["total"], 1);
    assert_eq!(only["permissions"][0]["target"], "+15550100");

    let replace = j!({"channel": "telegram", "permissions": [
        {"channel": "telegram", "target": "777"},
        {"channel": "telegram", "target": "888", "label": "group"}]});
    let (status, replaced) = send(&app, "PUT", &path, &a.token, Some(replace)).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(replaced["total"], 2);
    let (_, telegram) = send(
        &app,
        "GET",
        &format!("{path}?channel=telegram"),
        &a.token,
        None,
    )
    .await;
    let mut targets: Vec<_> = telegram["permissions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|p| p["target"].as_str().expect("target").to_owned())
        .collect();
    targets.sort();
    assert_eq!(targets, ["777", "888"]);
    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(all["total"], 3, "whatsapp untouched");

    let perm = telegram["permissions"][0]["id"].as_i64().expect("id");
    let (status, gone) = send(&app, "DELETE", &format!("{path}/{perm}"), &a.token, None).await;
    assert_eq!((status, gone), (200, j!({"status": "ok", "id": perm})));
    let (status, err) = send(&app, "DELETE", &format!("{path}/{perm}"), &a.token, None).await;
    assert_error(status, &err, 404, "permission_not_found");
    let (status, _) = send(&app, "DELETE", &format!("{path}/abc"), &a.token, None).await;
    assert_eq!(status, 400);

    let empty = j!({"channel": "telegram", "permissions": []});
    let (_, replaced) = send(&app, "PUT", &path, &a.token, Some(empty)).await;
    assert_eq!(replaced, j!({"permissions": [], "total": 0}));
    let (_, all) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(all["total"], 1);
}

#[tokio::test]
async fn bad_messaging_permissions_change_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let path = format!("/v1/agents/{id}/messaging-permissions");
    set_up(
        &app,
        "POST",
        &path,
        &a.token,
        Some(j!({"channel": "signal", "target": "+1555"})),
    )
    .await;
    let (_, before) = send(&app, "GET", &path, &a.token, None).await;

    for (method, body, status, code) in [
        (
            "POST",
            j!({"channel": "slack", "target": "C1"}),
            400,
            "invalid_channel",
        ),
        (
            "POST",
            j!({"channel": "signal", "target": "  "}),
            422,
            "validation_failed",
        ),
        ("POST", j!({"channel": "signal"}), 422, "validation_failed"),
        (
            "POST",
            j!({"channel": "signal", "target": "x", "extra": 1}),
            422,
            "validation_failed",
        ),
        (
            "PUT",
            j!({"channel": "irc", "permissions": []}),
            400,
            "invalid_channel",
        ),
        (
            "PUT",
            j!({"channel": "signal", "permissions": [
                {"channel": "signal", "target": "+1666"},
                {"channel": "telegram", "target": "1"}]}),
            400,
            "channel_mismatch",
        ),
        (
            "PUT",
            j!({"channel": "signal", "permissions": [
                {"channel": "signal", "target": "+1666"},
                {"channel": "signal", "target": "+1666 "}]}),
            422,
            "validation_failed",
        ),
    ] {
        let (got, err) = send(&app, method, &path, &a.token, Some(body.clone())).await;
        assert_error(got, &err, status, code);
    }
    let (status, err) = send(
        &app,
        "GET",
        &format!("{path}?channel=slack"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 400, "invalid_channel");
    let (_, after) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(before, after, "nothing written");
}
