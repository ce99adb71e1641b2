//! The pulse clock: scheduled pulses fire once each (however many ticks or replicas see them),
//! for pulse-enabled agents only, with their routine, and never into another tenant.

use agent_svc::flows::pulse_clock;
use chrono::{DateTime, TimeZone, Utc};
use kit::testing::TestApp;
use serde_json::json as j;

use crate::helpers::{agent, spawn, tenant};
use crate::pulse_routines::routine;
use crate::pulses::{enable, events_of, tenant_events};

fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 8, h, m, s)
        .single()
        .expect("a valid time")
}

async fn triggers(app: &TestApp, agent_id: &str) -> Vec<(String, Option<String>, String)> {
    sqlx::query_as(
        "select source, routine_id, requested_by from agent.pulse_triggers
          where agent_id = $1 order by created_at, id",
    )
    .bind(agent_id)
    .fetch_all(&app.db.admin)
    .await
    .expect("trigger rows")
}

#[tokio::test]
async fn a_due_pulse_fires_once_with_its_schedule_and_a_later_tick_fires_nothing_again() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    enable(
        &app,
        &a,
        &eric,
        j!({"enabled": true, "intervalMinutes": 30, "offsetMinutes": 0}),
    )
    .await;

    let fired = pulse_clock::tick(&app.platform, at(10, 0, 30))
        .await
        .expect("tick");
    assert_eq!(fired, 1, "the 10:00 pulse");
    let again = pulse_clock::tick(&app.platform, at(10, 2, 0))
        .await
        .expect("tick");
    assert_eq!(again, 0, "10:00 was fired already and 10:30 is not due");

    let events = events_of(&app, &a, "PULSE_TRIGGERED", 1).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["agentId"], eric.as_str());
    assert_eq!(events[0]["source"], "schedule");
    assert_eq!(
        events[0]["context"]["scheduledAt"],
        at(10, 0, 0).timestamp_millis()
    );
    assert_eq!(events[0]["context"]["schedule"], "recurring");
    assert_eq!(
        triggers(&app, &eric).await,
        vec![("schedule".to_owned(), None, "pulse-clock".to_owned())]
    );
}

#[tokio::test]
async fn concurrent_ticks_fire_a_pulse_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    enable(
        &app,
        &a,
        &eric,
        j!({"enabled": true, "intervalMinutes": 60, "offsetMinutes": 0}),
    )
    .await;
    let ticks = (0..4).map(|_| pulse_clock::tick(&app.platform, at(11, 0, 10)));
    let fired: usize = futures_util::future::join_all(ticks)
        .await
        .into_iter()
        .map(|r| r.unwrap_or(0))
        .sum();
    assert_eq!(fired, 1);
    assert_eq!(triggers(&app, &eric).await.len(), 1);
}

#[tokio::test]
async fn routines_fire_by_cron_and_disabled_agents_and_other_tenants_do_not_pulse() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let eric = agent(&app, &a, "eric").await;
    let quiet = agent(&app, &a, "quiet").await;
    let bob = agent(&app, &b, "bob").await;
    // Eric pulses only through his routine (his own interval is a day away from 10:15).
    enable(
        &app,
        &a,
        &eric,
        j!({"enabled": true, "intervalMinutes": 1440, "offsetMinutes": 0}),
    )
    .await;
    let r = routine(
        &app,
        &a,
        &eric,
        j!({"name": "Standup", "cron": "15 10 * * *"}),
    )
    .await;
    let rid = r["id"].as_str().expect("routine id");
    // Quiet has a routine too, but pulses are off for him.
    routine(
        &app,
        &a,
        &quiet,
        j!({"name": "Never", "cron": "15 10 * * *"}),
    )
    .await;

    let fired = pulse_clock::tick(&app.platform, at(10, 16, 0))
        .await
        .expect("tick");
    assert_eq!(fired, 1, "only Eric's routine");
    let events = events_of(&app, &a, "PULSE_TRIGGERED", 1).await;
    assert_eq!(events[0]["routineId"], rid);
    assert_eq!(events[0]["context"]["schedule"], "cron");
    assert!(triggers(&app, &quiet).await.is_empty());
    assert!(
        tenant_events(&app, &b)
            .await
            .iter()
            .all(|e| e["type"] != "PULSE_TRIGGERED"),
        "tenant B has no pulse-enabled agent"
    );
    assert!(triggers(&app, &bob).await.is_empty());
}
