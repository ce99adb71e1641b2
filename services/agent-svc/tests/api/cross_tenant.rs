//! The cross-tenant wall over every operation of the service that takes an id, walked from its
//! own OpenAPI document so a new route is covered the day it is added. Tenant A has one of every
//! kind of row (agent, routine, inbox message, queue item, messaging permission, skill, secret,
//! shared-provider grant); tenant B's admin, service and agent credentials on A's ids — the agent
//! named by id and by slug — get exactly the answer ids that exist nowhere get, never a success,
//! and A's rows are byte-for-byte unchanged afterwards.

use std::time::Duration;

use kit::testing::{TestApp, walk};
use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{Tenant, agent, send, spawn_with_common, tenant};
use crate::pulse_routines::routine;
use crate::pulses::in_future;

/// Path parameters that name a tenant's row (or, on the internal paths, the tenant); the others
/// name catalog entries or files.
const ID_PARAMS: [&str; 13] = [
    "tenant_id",
    "agent_id",
    "source_id",
    "routine_id",
    "message_id",
    "item_id",
    "permission_id",
    "skill_id",
    "secret_id",
    "grant_id",
    "user_id",
    "session_id",
    "attachment_id",
];

/// Every (method, path template) of the service's API that takes an id.
fn id_routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    walk::operations(&doc, |path| {
        ID_PARAMS.iter().any(|p| path.contains(&format!("{{{p}}}")))
    })
}

fn concrete(template: &str, values: &[(&str, String)]) -> String {
    template
        .split('/')
        .map(|seg| {
            let name = seg.trim_start_matches('{').trim_end_matches('}');
            match values
                .iter()
                .find(|(k, _)| seg.starts_with('{') && *k == name)
            {
                Some((_, v)) => v.clone(),
                None => seg.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// An id of the same shape that no tenant has: same prefix, another body.
fn nowhere(real: &str) -> String {
    match real.split_once('_') {
        _ if real.parse::<i64>().is_ok() => "987654321".to_owned(),
        Some((prefix, body)) => format!("{prefix}_{}", "z".repeat(body.len())),
        None => "nobody-has-this-slug".to_owned(),
    }
}

/// Writes carry an empty JSON object, so routes without required fields reach their handler.
async fn call(app: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let body = (method != "GET" && method != "DELETE").then(|| j!({}));
    send(app, method, path, token, body).await
}

async fn created(app: &TestApp, token: &str, method: &str, path: &str, body: Value) -> Value {
    let (status, out) = send(app, method, path, token, Some(body)).await;
    assert!(
        status == 200 || status == 201,
        "set-up {path}: {status} {out}"
    );
    out
}

fn id(v: &Value) -> String {
    match &v["id"] {
        Value::Number(n) => n.to_string(),
        other => other.as_str().expect("id").to_owned(),
    }
}

/// One row of every kind in tenant A; answers the path values naming them.
async fn tenant_a_rows(app: &TestApp, a: &Tenant) -> Vec<(&'static str, String)> {
    let admin = creds::admin(app, a);
    let service = creds::service(app, a);
    let agent_id = agent(app, a, "alpha-secret").await;
    let base = format!("/v1/agents/{agent_id}");
    let routine = id(&routine(app, a, &agent_id, j!({"name": "Standup"})).await);
    let inbox = j!({"from": "Sam", "body": "private"});
    let message = id(&created(app, &a.token, "POST", &format!("{base}/inbox"), inbox).await);
    let step = j!({"kind": "step", "title": "Run SPEC", "runId": "run_abc", "step": "SPEC"});
    let item = id(&created(app, &service, "POST", &format!("{base}/queue"), step).await);
    let target = j!({"channel": "telegram", "target": "12345"});
    let path = format!("{base}/messaging-permissions");
    let permission = id(&created(app, &a.token, "POST", &path, target).await);
    let skill = j!({"name": "release-notes", "description": "d", "content": "x"});
    let skill = id(&created(app, &a.token, "POST", "/v1/skills/", skill).await);
    let secret = j!({"name": "gh", "secret_type": "pat", "env_key": "GH_TOKEN",
                     "value": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"});
    let secret = id(&created(app, &a.token, "POST", "/v1/secrets/", secret).await);
    let key = j!({"apiKey": "sk-tenant-openai-0123456789"});
    created(app, &admin, "PUT", "/v1/settings/providers/openai", key).await;
    let share = j!({"providerId": "openai"});
    let grant = id(&created(app, &admin, "POST", "/v1/admin/shared-providers", share).await);
    // Rows the routes with names (not ids) act on: a grant of each kind, a tool override, a
    // channel, a one-off pulse.
    let path = format!("/v1/secrets/{secret}/grant/{agent_id}");
    created(app, &a.token, "POST", &path, j!({})).await;
    let path = format!("/v1/skills/agents/{agent_id}/{skill}/grant");
    created(app, &a.token, "POST", &path, j!({})).await;
    let tools = j!({"overrides": [{"tool_name": "bash", "enabled": false}]});
    created(
        app,
        &a.token,
        "PUT",
        &format!("{base}/tools/overrides"),
        tools,
    )
    .await;
    let bot = j!({"enabled": true, "primaryToken": "123456:telegram-bot-token-abcdefghij"});
    created(
        app,
        &a.token,
        "PUT",
        &format!("{base}/channels/telegram"),
        bot,
    )
    .await;
    let path = format!("/v1/pulses/agents/{agent_id}/schedule/one-off");
    let one_off = created(app, &a.token, "POST", &path, j!({"time": in_future(2)})).await;
    // A chat session with a message and an attachment.
    let session = crate::chat::start(app, &a.token, &agent_id, j!({})).await;
    let path = format!("{base}/chat/{session}/upload");
    let file = crate::chat_attachments::form("notes.txt", "text/plain", b"private");
    let (status, attachment) = crate::chat_attachments::upload(app, &a.token, &path, file).await;
    assert_eq!(status, 200, "{attachment}");
    let path = format!("{base}/chat/{session}/message");
    created(app, &a.token, "POST", &path, j!({"message": "private"})).await;
    vec![
        ("tenant_id", a.id.to_string()),
        ("agent_id", agent_id.clone()),
        ("source_id", agent_id),
        ("routine_id", routine),
        ("message_id", message),
        ("item_id", item),
        ("permission_id", permission),
        ("skill_id", skill),
        ("secret_id", secret),
        ("grant_id", grant),
        ("user_id", crate::helpers::add_user(app, a, false).await),
        ("session_id", session),
        ("attachment_id", id(&attachment)),
        ("channel", "telegram".to_owned()),
        ("filename", "SOUL".to_owned()),
        ("tool_name", "bash".to_owned()),
        ("provider_id", "openai".to_owned()),
        (
            "timestamp",
            one_off["time"].as_str().expect("time").to_owned(),
        ),
    ]
}

/// The relay marks A's set-up notices sent shortly after their commits; the digest is taken
/// once it has, so it changes only if the walk changes something.
async fn outbox_settled(app: &TestApp, a: &Tenant) {
    for _ in 0..100 {
        let unsent: i64 = sqlx::query_scalar(
            "select count(*) from agent.outbox where tenant_id = $1 and sent_at is null",
        )
        .bind(a.id.as_str())
        .fetch_one(&app.db.admin)
        .await
        .expect("outbox");
        if unsent == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("A's outbox never drained");
}

#[tokio::test]
async fn tenant_b_learns_nothing_and_changes_nothing_on_any_route_with_an_id() {
    // The walk makes well over the default 1,200 calls a minute with B's credentials.
    let app = spawn_with_common(j!({}), |c| c.tenant_rate_limit = 100_000).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let real = tenant_a_rows(&app, &a).await;
    let by_slug: Vec<_> = real
        .iter()
        .map(|(k, v)| match *k {
            "agent_id" | "source_id" => (*k, "alpha-secret".to_owned()),
            _ => (*k, v.clone()),
        })
        .collect();
    let names = [
        "channel",
        "filename",
        "tool_name",
        "provider_id",
        "timestamp",
    ];
    let missing: Vec<_> = real
        .iter()
        .map(|(k, v)| {
            (
                *k,
                if names.contains(k) {
                    v.clone()
                } else {
                    nowhere(v)
                },
            )
        })
        .collect();
    let missing_slug: Vec<_> = missing
        .iter()
        .map(|(k, v)| match *k {
            "agent_id" | "source_id" => (*k, nowhere("alpha-secret")),
            _ => (*k, v.clone()),
        })
        .collect();
    let own = agent(&app, &b, "researcher").await;
    let tokens = [
        creds::admin(&app, &b),
        creds::service(&app, &b),
        creds::agent(&app, &b, &own),
    ];
    outbox_settled(&app, &a).await;
    let before = walk::tenant_fingerprint(&app.db.admin, "agent", a.id.as_str()).await;

    let routes = id_routes();
    assert!(
        routes.len() >= 75,
        "the walk sees the routes: {}",
        routes.len()
    );
    let (mut calls, mut refused_404) = (0, 0);
    for (method, template) in &routes {
        for token in &tokens {
            for (target, absent) in [(&real, &missing), (&by_slug, &missing_slug)] {
                let (status, body) = call(&app, token, method, &concrete(template, target)).await;
                let (want, want_body) =
                    call(&app, token, method, &concrete(template, absent)).await;
                assert!(
                    !(200..300).contains(&status),
                    "{method} {template}: {status} {body}"
                );
                assert_eq!(
                    (status, &body["code"]),
                    (want, &want_body["code"]),
                    "{method} {template}: A's ids must look like ids that exist nowhere"
                );
                calls += 1;
                refused_404 += usize::from(status == 404);
            }
        }
    }
    assert!(
        refused_404 * 2 >= calls,
        "most answers are 404 outright ({refused_404} of {calls})"
    );
    assert_eq!(
        before,
        walk::tenant_fingerprint(&app.db.admin, "agent", a.id.as_str()).await,
        "A's rows unchanged"
    );
    // B's own agent is reachable with the same token (the walk is not failing for B generally).
    let (status, _) = send(&app, "GET", &format!("/v1/agents/{own}"), &tokens[0], None).await;
    assert_eq!(status, 200);
}

/// Clients (and the fuzzer) can only call what the document describes completely.
#[test]
fn every_path_parameter_is_declared() {
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    assert_eq!(walk::undeclared_path_parameters(&doc), Vec::<String>::new());
}
