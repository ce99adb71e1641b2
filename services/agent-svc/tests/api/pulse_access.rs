//! Pulse triggers on the bus and the cross-tenant matrix over every pulse route.

use serde_json::{Value, json as j};

use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};
use crate::pulse_routines::routine;
use crate::pulses::{enable, events_of, in_future, schedule, snapshot, tenant_events};

#[tokio::test]
async fn triggers_publish_pulse_triggered_on_the_tenant_stream() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let r = routine(&app, &a, &eric, j!({"name": "Standup"})).await;
    let rid = r["id"].as_str().expect("id");

    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{eric}/pulse/trigger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(
        (body["triggered"].clone(), body["status"].clone()),
        (j!(true), j!("queued"))
    );
    let (status, routine_body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{eric}/pulse-routines/{rid}/trigger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 202, "{routine_body}");
    assert_eq!(
        (
            routine_body["routineId"].as_str(),
            routine_body["routineName"].as_str()
        ),
        (Some(rid), Some("Standup"))
    );

    let events = events_of(&app, &a, "PULSE_TRIGGERED", 2).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["id"], body["eventId"]);
    assert_eq!(events[0]["agentId"], eric.as_str());
    assert_eq!(events[0]["tenantId"], a.id.as_str());
    assert_eq!(events[0]["source"], "manual");
    assert_eq!(events[0]["context"]["triggerId"], body["triggerId"]);
    assert_eq!(
        events[0]["context"]["requestedBy"],
        a.user.as_str(),
        "who asked"
    );
    assert!(events[0].get("routineId").is_none());
    assert_eq!(events[1]["routineId"], rid);

    let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "select event_id, status, routine_id from agent.pulse_triggers where agent_id = $1 order by created_at, id")
        .bind(&eric).fetch_all(&app.db.admin).await.expect("rows");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, s, _)| s == "queued"));
    let (_, st) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse/status"),
        &a.token,
        None,
    )
    .await;
    assert!(st["lastTriggeredAt"].as_i64().is_some(), "{st}");
}

#[tokio::test]
async fn tenant_b_reaches_none_of_tenant_as_pulse_data() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let eric = agent(&app, &a, "eric").await;
    agent(&app, &b, "bea").await;
    enable(&app, &a, &eric, j!({"enabled": true, "offsetMinutes": 7})).await;
    let soon = in_future(2);
    let one_off = format!("{}/one-off", schedule(&eric));
    set_up(&app, "POST", &one_off, &a.token, Some(j!({"time": soon}))).await;
    let r = routine(&app, &a, &eric, j!({"name": "Standup"})).await;
    let rid = r["id"].as_str().expect("id");
    let base = format!("/v1/agents/{eric}/pulse-routines");
    let before = snapshot(&app, &a, &eric).await;
    let events_before = tenant_events(&app, &a).await.len();

    let b_service = app.token(&b.id, "engine-svc", kit::TokenKind::Service);
    let calls: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", base.clone(), None),
        ("POST", base.clone(), Some(j!({"name": "Intruder"}))),
        ("GET", format!("{base}/{rid}"), None),
        (
            "PUT",
            format!("{base}/{rid}"),
            Some(j!({"name": "Hijacked"})),
        ),
        ("DELETE", format!("{base}/{rid}"), None),
        ("PATCH", format!("{base}/{rid}/toggle"), None),
        ("POST", format!("{base}/{rid}/duplicate"), None),
        (
            "POST",
            format!("{base}/reorder"),
            Some(j!({"routineIds": [rid]})),
        ),
        ("POST", format!("{base}/{rid}/trigger"), None),
        ("GET", schedule(&eric), None),
        ("PUT", schedule(&eric), Some(j!({"enabled": false}))),
        ("POST", one_off.clone(), Some(j!({"time": in_future(3)}))),
        ("DELETE", format!("{one_off}/{soon}"), None),
        ("GET", format!("/v1/agents/{eric}/pulse/config"), None),
        (
            "PUT",
            format!("/v1/agents/{eric}/pulse/config"),
            Some(j!({"enabled": false})),
        ),
        ("GET", format!("/v1/agents/{eric}/pulse/status"), None),
        ("POST", format!("/v1/agents/{eric}/pulse/trigger"), None),
    ];
    for (method, path, body) in &calls {
        let (status, err) = send(&app, method, path, &b.token, body.clone()).await;
        assert_eq!(status, 404, "{method} {path}: {err}");
        assert!(
            err["code"]
                .as_str()
                .is_some_and(|c| c.ends_with("not_found")),
            "{method} {path}: {err}"
        );
    }
    let (status, err) = send(
        &app,
        "POST",
        &format!("/v1/pulse-routines/{rid}/record-run"),
        &b_service,
        None,
    )
    .await;
    assert_error(status, &err, 404, "routine_not_found");

    // Tenant-wide endpoints act on B's own agents only.
    let (_, spread) = send(&app, "POST", "/v1/pulses/auto-spread", &b.token, None).await;
    assert_eq!(
        (spread["totalAgents"].clone(), spread["changes"].clone()),
        (j!(0), j!([]))
    );
    let (_, t) = send(&app, "GET", "/v1/pulses/timeline?hours=48", &b.token, None).await;
    assert_eq!(t["pulses"], j!([]), "{t}");

    assert_eq!(
        snapshot(&app, &a, &eric).await,
        before,
        "A's routines and schedule unchanged"
    );
    // What a refused request had queued would be out by now.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        tenant_events(&app, &a).await.len(),
        events_before,
        "no event for A"
    );
    let (_, got) = send(&app, "GET", &format!("{base}/{rid}"), &a.token, None).await;
    assert_eq!(got["totalRuns"], 0);
}
