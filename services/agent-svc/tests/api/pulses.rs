//! Agent pulse schedules, one-offs, the tenant timeline and auto-spread, pulse config/status,
//! triggers on the bus, and the cross-tenant matrix over every pulse route.

use chrono::{DateTime, Duration, Timelike, Utc};
use kit::testing::TestApp;
use redis::AsyncCommands;
use redis::streams::StreamRangeReply;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};
use crate::pulse_routines::{agent_token, routine};

pub fn schedule(agent_id: &str) -> String {
    format!("/v1/pulses/agents/{agent_id}/schedule")
}

pub fn in_future(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Every event on the tenant's stream, as JSON.
pub async fn tenant_events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    let mut conn = app.platform.redis.clone();
    let stream = app.platform.keys.tenant_events(&t.id);
    let reply: StreamRangeReply = conn.xrange_all(&stream).await.expect("XRANGE");
    reply
        .ids
        .iter()
        .map(|entry| {
            let data: String = entry.get("data").expect("data field");
            serde_json::from_str(&data).expect("json")
        })
        .collect()
}

/// The tenant stream's events of type `kind`, once `want` of them are there: the outbox relay
/// publishes shortly after the commit, not during the request.
pub async fn events_of(app: &TestApp, t: &Tenant, kind: &str, want: usize) -> Vec<Value> {
    for _ in 0..100 {
        let events: Vec<Value> = tenant_events(app, t)
            .await
            .into_iter()
            .filter(|e| e["type"] == kind)
            .collect();
        if events.len() >= want {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {want} {kind} events on the tenant stream");
}

/// A's routines and schedule as A sees them.
pub async fn snapshot(app: &TestApp, a: &Tenant, eric: &str) -> (Value, Value) {
    let base = format!("/v1/agents/{eric}/pulse-routines");
    let (_, routines) = send(app, "GET", &base, &a.token, None).await;
    let (_, sched) = send(app, "GET", &schedule(eric), &a.token, None).await;
    (routines, sched["schedule"].clone())
}

pub async fn enable(app: &TestApp, t: &Tenant, agent_id: &str, body: Value) {
    let (status, body) = send(app, "PUT", &schedule(agent_id), &t.token, Some(body)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_schedule_round_trips_and_its_upcoming_pulses_avoid_blackouts() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let (status, body) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schedule"]["enabled"], false);
    assert_eq!(body["schedule"]["intervalMinutes"], 30);
    assert_eq!(body["upcoming"], j!([]), "no pulses while off");

    let (status, put) = send(&app, "PUT", &schedule(&eric), &a.token, Some(j!({
        "enabled": true, "intervalMinutes": 60, "offsetMinutes": 15,
        "blackouts": [{"type": "recurring", "startTime": "22:00", "endTime": "06:00", "label": "Night"}]
    }))).await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(put["status"], "updated");
    assert_eq!(put["schedule"]["offsetMinutes"], 15);

    let (_, body) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    let upcoming = body["upcoming"].as_array().expect("upcoming");
    assert!(upcoming.len() >= 10, "{body}");
    for p in upcoming {
        let t: DateTime<Utc> = p["time"].as_str().expect("time").parse().expect("rfc3339");
        assert_eq!(t.minute(), 15, "{p}");
        assert!((6..22).contains(&t.hour()), "in blackout: {p}");
        assert_eq!(p["scheduledAt"], t.timestamp_millis());
        assert_eq!(
            (p["source"].as_str(), p["agentId"].as_str()),
            (Some("recurring"), Some(eric.as_str()))
        );
    }
    let (_, agent_body) = send(&app, "GET", &format!("/v1/agents/{eric}"), &a.token, None).await;
    assert_eq!(
        agent_body["pulse_enabled"], true,
        "the schedule is the agent's config"
    );
    assert_eq!(agent_body["config"]["pulseOffsetMinutes"], 15);

    for (bad, path) in [
        (j!({"offsetMinutes": 60}), "offsetMinutes"),
        (j!({"intervalMinutes": 10}), "offsetMinutes"),
        (j!({"intervalMinutes": 0}), "intervalMinutes"),
        (
            j!({"blackouts": [{"startTime": "9am", "endTime": "10:00"}]}),
            "blackouts[0].startTime",
        ),
        (
            j!({"blackouts": [{"startTime": "09:00", "endTime": "10:00", "daysOfWeek": [1]}]}),
            "daysOfWeek",
        ),
        (j!({"enabled": true, "cadence": 5}), "cadence"),
    ] {
        let (status, err) = send(&app, "PUT", &schedule(&eric), &a.token, Some(bad)).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path} missing in {err}");
    }
    let (_, after) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    assert_eq!(
        after["schedule"], put["schedule"],
        "refused changes wrote nothing"
    );
}

#[tokio::test]
async fn one_offs_are_added_listed_and_removed() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    enable(
        &app,
        &a,
        &eric,
        j!({"enabled": true, "blackouts": [{"startTime": "00:00", "endTime": "23:59"}]}),
    )
    .await;
    let soon = (Utc::now() + Duration::hours(3))
        .with_second(0)
        .expect("time")
        .with_nanosecond(0)
        .expect("time");
    let soon_text = soon.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let one_off = format!("{}/one-off", schedule(&eric));
    let (status, body) = send(
        &app,
        "POST",
        &one_off,
        &a.token,
        Some(j!({"time": soon_text})),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, j!({"status": "added", "time": soon_text}))
    );

    let (_, body) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    assert_eq!(body["schedule"]["oneOffs"], j!([soon_text]));
    let fired: Vec<&Value> = body["upcoming"]
        .as_array()
        .expect("upcoming")
        .iter()
        .filter(|p| p["source"] == "one-off")
        .collect();
    assert_eq!(fired.len(), 1, "one-offs fire even in a blackout: {body}");
    assert_eq!(fired[0]["scheduledAt"], soon.timestamp_millis());

    for (time, why) in [
        (j!("2001-01-01T00:00:00Z"), "future"),
        (j!(in_future(400)), "year"),
        (j!("tomorrow at nine"), "RFC 3339"),
    ] {
        let (status, err) = send(&app, "POST", &one_off, &a.token, Some(j!({"time": time}))).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
    let (status, err) = send(
        &app,
        "POST",
        &one_off,
        &a.token,
        Some(j!({"time": soon_text, "x": 1})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");

    // Another spelling of the same instant removes it.
    let offset = soon.with_timezone(&chrono::FixedOffset::east_opt(3600).expect("tz"));
    let encoded = offset.to_rfc3339().replace('+', "%2B");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{one_off}/{encoded}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "removed");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{one_off}/{encoded}"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "one_off_not_found");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("{one_off}/not-a-time"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
    let (_, body) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    assert_eq!(body["schedule"]["oneOffs"], j!([]));
}

#[tokio::test]
async fn the_timeline_shows_conflicts_until_auto_spread_removes_them() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mut ids = Vec::new();
    for slug in ["ada", "bob", "cy"] {
        let id = agent(&app, &a, slug).await;
        enable(
            &app,
            &a,
            &id,
            j!({"enabled": true, "intervalMinutes": 30, "offsetMinutes": 7}),
        )
        .await;
        ids.push(id);
    }
    let idle = agent(&app, &a, "idle").await;
    let digest = routine(&app, &a, &ids[0], j!({"name": "Digest", "cron": "@hourly"})).await;

    let (status, t) = send(&app, "GET", "/v1/pulses/timeline?hours=6", &a.token, None).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        t["windowEnd"].as_i64().expect("end") - t["windowStart"].as_i64().expect("start"),
        6 * 3_600_000
    );
    assert!(
        t["summary"]["conflictCount"].as_u64() >= Some(12),
        "{}",
        t["summary"]
    );
    assert_eq!(t["conflicts"][0]["severity"], "warning");
    assert_eq!(
        t["conflicts"][0]["agents"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(
        t["summary"]["byAgent"].get(&idle),
        None,
        "pulses off, not listed"
    );
    let routine_pulses: Vec<&Value> = t["pulses"]
        .as_array()
        .expect("pulses")
        .iter()
        .filter(|p| p["routineId"] == digest["id"])
        .collect();
    assert!(routine_pulses.len() >= 5, "{t}");
    assert!(
        routine_pulses
            .iter()
            .all(|p| p["source"] == "cron" && p["routineName"] == "Digest")
    );
    assert!(
        routine_pulses
            .iter()
            .all(|p| p["time"].as_str().is_some_and(|s| s.contains(":00:00")))
    );

    let (status, spread) = send(&app, "POST", "/v1/pulses/auto-spread", &a.token, None).await;
    assert_eq!(status, 200, "{spread}");
    assert_eq!(spread["status"], "updated");
    assert_eq!(spread["totalAgents"], 3);
    assert_eq!(
        spread["changes"],
        j!([
            {"agentId": ids[0], "oldOffset": 7, "newOffset": 0},
            {"agentId": ids[1], "oldOffset": 7, "newOffset": 10},
            {"agentId": ids[2], "oldOffset": 7, "newOffset": 20},
        ])
    );
    let (_, again) = send(&app, "POST", "/v1/pulses/auto-spread", &a.token, None).await;
    assert_eq!(
        again["changes"],
        j!([]),
        "deterministic: nothing left to move"
    );

    let (_, t) = send(&app, "GET", "/v1/pulses/timeline?hours=6", &a.token, None).await;
    // Only the hourly routine of agent 0 can still meet another agent: at :00 nobody else pulses.
    assert_eq!(t["summary"]["conflictCount"], 0, "{}", t["conflicts"]);
    assert_eq!(
        t["summary"]["totalPulses"].as_u64(),
        t["pulses"].as_array().map(|p| p.len() as u64)
    );

    for bad in ["hours=0", "hours=169", "hours=abc"] {
        let (status, err) = send(
            &app,
            "GET",
            &format!("/v1/pulses/timeline?{bad}"),
            &a.token,
            None,
        )
        .await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains("hours"), "{err}");
    }
    let (status, _) = send(
        &app,
        "GET",
        "/v1/pulses/timeline",
        &agent_token(&app, &a, &ids[0]),
        None,
    )
    .await;
    assert_eq!(status, 403, "agents do not read the tenant timeline");
}

#[tokio::test]
async fn pulse_config_and_status_are_views_of_the_same_settings() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let config = format!("/v1/agents/{eric}/pulse/config");
    let (status, body) = send(&app, "GET", &config, &a.token, None).await;
    assert_eq!(
        (status, body),
        (
            200,
            j!({"enabled": false, "intervalMs": 1_800_000, "timeoutMs": 120_000})
        )
    );
    let (status, body) = send(
        &app,
        "PUT",
        &config,
        &a.token,
        Some(j!({"enabled": true, "intervalMs": 3_600_000, "timeoutMs": 90_000})),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            j!({"enabled": true, "intervalMs": 3_600_000, "timeoutMs": 90_000})
        )
    );
    let (_, sched) = send(&app, "GET", &schedule(&eric), &a.token, None).await;
    assert_eq!(sched["schedule"]["intervalMinutes"], 60);

    for (bad, path) in [
        (j!({"intervalMs": 90_000}), "intervalMs"),
        (j!({"intervalMs": 0}), "intervalMs"),
        (j!({"intervalMs": 2_000 * 60_000}), "intervalMs"),
        (j!({"timeoutMs": 5}), "timeoutMs"),
        (j!({"checks": {}}), "checks"),
    ] {
        let (status, err) = send(&app, "PUT", &config, &a.token, Some(bad)).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path} missing in {err}");
    }

    let (status, st) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse/status"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{st}");
    assert_eq!(
        (st["enabled"].clone(), st["intervalMinutes"].clone()),
        (j!(true), j!(60))
    );
    assert_eq!(st["lastPulse"], Value::Null);
    let next = st["nextPulse"].as_i64().expect("next pulse");
    let now = Utc::now().timestamp_millis();
    assert!(next > now && next <= now + 3_600_000, "{st}");
    assert_eq!(next % 3_600_000, 0, "on the hour (offset 0)");
}
