//! agent-svc's events and notices leave through the outbox with the commit, and its activity
//! consumer applies each event id once.

use std::time::Duration;

use serde_json::json as j;
use shared_schemas::events::run::AgentStateChanged;
use shared_schemas::events::{Event, EventEnvelope, RawEnvelope};
use shared_schemas::ids::{RunId, StepId};

use crate::helpers::{agent, send, spawn, tenant};
use crate::tokens::Listener;

#[tokio::test]
async fn a_redelivered_event_is_applied_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "coder").await;
    let envelope = EventEnvelope::new(
        a.id.clone(),
        Some(RunId::parse("run_1").expect("run")),
        Event::AgentStateChanged(AgentStateChanged {
            agent_id: id.clone(),
            previous_state: "idle".into(),
            new_state: "working".into(),
            step_id: StepId::parse("build").expect("step"),
        }),
    );
    let raw =
        RawEnvelope::from_json(&serde_json::to_string(&envelope).expect("json")).expect("envelope");
    let activity = "select count(*) from agent.agent_activity where agent_id = $1";
    let count = |sql: &'static str, bind: String| {
        let admin = app.db.admin.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(bind)
                .fetch_one(&admin)
                .await
                .expect("count")
        }
    };

    agent_svc::flows::activity::record(&app.platform, &raw)
        .await
        .expect("first delivery");
    assert_eq!(count(activity, id.clone()).await, 1);
    // The effect is undone behind the consumer's back: a redelivery must not apply it again.
    sqlx::query("delete from agent.agent_activity where agent_id = $1")
        .bind(&id)
        .execute(&app.db.admin)
        .await
        .expect("delete");
    agent_svc::flows::activity::record(&app.platform, &raw)
        .await
        .expect("redelivery");
    assert_eq!(count(activity, id.clone()).await, 0, "applied once");
    let applied = "select count(*) from agent.applied_events where event_id = $1";
    assert_eq!(count(applied, envelope.id.to_string()).await, 1);
}

#[tokio::test]
async fn changes_are_announced_from_the_outbox_after_commit() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "coder").await;
    let keys = &app.platform.keys;
    let mut tools = Listener::on(&[keys.tools_overrides_changed(&a.id)]).await;

    let body = j!({"overrides": [{"tool_name": "bash", "enabled": false}]});
    let path = format!("/v1/agents/{id}/tools/overrides");
    let (status, answer) = send(&app, "PUT", &path, &a.token, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
    let (_, notice) = tools
        .next(Duration::from_secs(5))
        .await
        .expect("the notice arrives");
    assert_eq!(notice, j!({"agent_id": id}));

    // A refused change (an unknown channel) queues nothing: no notice row at all.
    let path = format!("/v1/agents/{id}/messaging-permissions");
    let refused = j!({"channel": "fax", "target": "123"});
    let (status, _) = send(&app, "POST", &path, &a.token, Some(refused)).await;
    assert_eq!(status, 400);
    let rows: Vec<(String, Option<String>, Option<i64>)> =
        sqlx::query_as("select kind, channel, sent_at from agent.outbox where tenant_id = $1")
            .bind(a.id.as_str())
            .fetch_all(&app.db.admin)
            .await
            .expect("outbox");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "notice");
    assert_eq!(
        rows[0].1.as_deref(),
        Some(keys.tools_overrides_changed(&a.id).as_str())
    );
}
