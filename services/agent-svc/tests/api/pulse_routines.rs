//! Pulse routines: CRUD, duplicate/reorder/toggle, validation with nothing half-written,
//! record-run by the engine or the routine's own agent, cascade on agent delete.

use std::time::Duration;

use kit::TokenKind;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};

pub async fn routine(app: &TestApp, t: &Tenant, agent_id: &str, body: Value) -> Value {
    let path = format!("/v1/agents/{agent_id}/pulse-routines");
    let (status, created) = send(app, "POST", &path, &t.token, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

pub fn agent_token(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = kit::Claims::access(
        format!("agent:{agent_id}"),
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(300),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}

async fn names(app: &TestApp, t: &Tenant, agent_id: &str) -> Vec<String> {
    let path = format!("/v1/agents/{agent_id}/pulse-routines");
    let (status, list) = send(app, "GET", &path, &t.token, None).await;
    assert_eq!(status, 200, "{list}");
    list["routines"]
        .as_array()
        .expect("routines")
        .iter()
        .map(|r| r["name"].as_str().expect("name").to_owned())
        .collect()
}

#[tokio::test]
async fn routines_round_trip_through_every_endpoint() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let base = format!("/v1/agents/{eric}/pulse-routines");

    let standup = routine(
        &app,
        &a,
        &eric,
        j!({"name": "Standup", "instructions": "Check the board", "intervalMinutes": 60,
            "offsetMinutes": 5, "blackouts": [{"startTime": "22:00", "endTime": "06:00"}],
            "stageAffinity": ["review"], "taskWorkTypes": ["bug"], "executorTimeoutSec": 300}),
    )
    .await;
    assert_eq!(standup["agentId"], eric.as_str());
    assert!(standup["id"].as_str().expect("id").starts_with("pr_"));
    assert_eq!(standup["color"], "#3b82f6", "first palette color");
    assert_eq!(standup["enabled"], true);
    assert_eq!(standup["blackouts"][0]["type"], "recurring");
    assert_eq!(standup["totalRuns"], 0);
    let id = standup["id"].as_str().expect("id").to_owned();
    let review = routine(
        &app,
        &a,
        &eric,
        j!({"name": "Review", "cron": "0 9 * * MON-FRI"}),
    )
    .await;
    assert_eq!(review["color"], "#8b5cf6", "next palette color");
    assert!(review["sortOrder"].as_i64() > standup["sortOrder"].as_i64());

    let (status, got) = send(&app, "GET", &format!("{base}/{id}"), &a.token, None).await;
    assert_eq!((status, &got), (200, &standup));

    let (status, put) = send(
        &app,
        "PUT",
        &format!("{base}/{id}"),
        &a.token,
        Some(
            j!({"name": "Morning standup", "cron": "*/15 9-17 * * 1-5", "planningModel": "",
                 "stageAffinity": null}),
        ),
    )
    .await;
    assert_eq!(status, 200, "{put}");
    assert_eq!(put["name"], "Morning standup");
    assert_eq!(put["cron"], "*/15 9-17 * * 1-5");
    assert_eq!(put["stageAffinity"], Value::Null, "null clears");
    assert_eq!(put["taskWorkTypes"], j!(["bug"]), "absent keeps");
    assert_eq!(put["instructions"], "Check the board");
    let (_, cleared) = send(
        &app,
        "PUT",
        &format!("{base}/{id}"),
        &a.token,
        Some(j!({"cron": null})),
    )
    .await;
    assert_eq!(cleared["cron"], Value::Null);

    let (status, toggled) = send(
        &app,
        "PATCH",
        &format!("{base}/{id}/toggle"),
        &a.token,
        None,
    )
    .await;
    assert_eq!((status, toggled), (200, j!({"id": id, "enabled": false})));

    for want in ["Morning standup (copy)", "Morning standup (copy 2)"] {
        let (status, copy) = send(
            &app,
            "POST",
            &format!("{base}/{id}/duplicate"),
            &a.token,
            None,
        )
        .await;
        assert_eq!(status, 201, "{copy}");
        assert_eq!(copy["name"], want);
        assert_eq!(copy["enabled"], false);
        assert_eq!(copy["oneOffs"], j!([]));
        assert_eq!(copy["offsetMinutes"], 5);
    }
    let (_, list) = send(&app, "GET", &base, &a.token, None).await;
    let mut ids: Vec<String> = list["routines"]
        .as_array()
        .expect("routines")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.reverse();
    let (status, body) = send(
        &app,
        "POST",
        &format!("{base}/reorder"),
        &a.token,
        Some(j!({"routineIds": ids})),
    )
    .await;
    assert_eq!((status, body), (200, j!({"status": "reordered"})));
    assert_eq!(
        names(&app, &a, &eric).await,
        [
            "Morning standup (copy 2)",
            "Morning standup (copy)",
            "Review",
            "Morning standup"
        ]
    );

    let (status, body) = send(&app, "DELETE", &format!("{base}/{id}"), &a.token, None).await;
    assert_eq!((status, body), (200, j!({"status": "deleted", "id": id})));
    let (status, body) = send(&app, "GET", &format!("{base}/{id}"), &a.token, None).await;
    assert_error(status, &body, 404, "routine_not_found");
}

#[tokio::test]
async fn bad_routines_are_refused_with_field_paths_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let base = format!("/v1/agents/{eric}/pulse-routines");
    for (body, path) in [
        (j!({"name": "R", "cron": "every morning"}), "cron"),
        (j!({"name": "R", "cron": "0 25 * * *"}), "cron"),
        (j!({"name": "R", "cron": "0 0 30 2 *"}), "cron"),
        (
            j!({"name": "R", "blackouts": [{"startTime": "25:00", "endTime": "06:00"}]}),
            "blackouts[0].startTime",
        ),
        (
            j!({"name": "R", "blackouts": [{"startTime": "22:00", "endTime": "6pm"}]}),
            "blackouts[0].endTime",
        ),
        (
            j!({"name": "R", "intervalMinutes": 30, "offsetMinutes": 30}),
            "offsetMinutes",
        ),
        (j!({"name": "R", "intervalMinutes": 0}), "intervalMinutes"),
        (
            j!({"name": "R", "oneOffs": ["2001-01-01T00:00:00Z"]}),
            "oneOffs[0]",
        ),
        (j!({"name": "R", "oneOffs": ["next tuesday"]}), "oneOffs[0]"),
        (j!({"name": "R", "color": "blue"}), "color"),
        (j!({"name": "R", "maxConcurrent": 0}), "maxConcurrent"),
        (
            j!({"name": "R", "instructions": "x".repeat(65 * 1024)}),
            "instructions",
        ),
        (j!({"name": ""}), "name"),
        (j!({"name": "R", "schedule": "daily"}), "schedule"),
    ] {
        let (status, err) = send(&app, "POST", &base, &a.token, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path} missing in {err}");
    }
    assert!(
        names(&app, &a, &eric).await.is_empty(),
        "nothing half-written"
    );

    let r = routine(
        &app,
        &a,
        &eric,
        j!({"name": "Standup", "intervalMinutes": 60, "offsetMinutes": 40}),
    )
    .await;
    let path = format!("{base}/{}", r["id"].as_str().expect("id"));
    for (body, field) in [
        (j!({"intervalMinutes": 30}), "offsetMinutes"),
        (j!({"cron": "* * *"}), "cron"),
        (j!({"name": "Other", "colour": "red"}), "colour"),
    ] {
        let (status, err) = send(&app, "PUT", &path, &a.token, Some(body)).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(field), "{field} missing in {err}");
    }
    let (_, after) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(after, r, "refused updates changed nothing");

    let (status, err) = send(&app, "POST", &base, &a.token, Some(j!({"name": "Standup"}))).await;
    assert_error(status, &err, 409, "routine_name_taken");
    routine(&app, &a, &eric, j!({"name": "Review"})).await;
    let (status, err) = send(&app, "PUT", &path, &a.token, Some(j!({"name": "Review"}))).await;
    assert_error(status, &err, 409, "routine_name_taken");

    let reorder = format!("{base}/reorder");
    let rid = r["id"].as_str().expect("id");
    for ids in [j!([rid]), j!([rid, rid]), j!([rid, "pr_nope"]), j!([])] {
        let (status, err) = send(
            &app,
            "POST",
            &reorder,
            &a.token,
            Some(j!({"routineIds": ids})),
        )
        .await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains("routineIds"), "{err}");
    }
    assert_eq!(
        names(&app, &a, &eric).await,
        ["Standup", "Review"],
        "order unchanged"
    );
}

#[tokio::test]
async fn runs_are_recorded_by_the_engine_or_the_routines_own_agent() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let finn = agent(&app, &a, "finn").await;
    let r = routine(&app, &a, &eric, j!({"name": "Standup"})).await;
    let id = r["id"].as_str().expect("id");
    let path = format!("/v1/pulse-routines/{id}/record-run");

    let engine = app.token(&a.id, "engine-svc", TokenKind::Service);
    let (status, body) = send(&app, "POST", &path, &engine, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "recorded");
    assert_eq!(body["totalRuns"], 1);
    let first = body["lastRunAt"].as_i64().expect("lastRunAt");

    let (status, body) = send(&app, "POST", &path, &agent_token(&app, &a, &eric), None).await;
    assert_eq!((status, body["totalRuns"].clone()), (200, j!(2)));
    assert!(body["lastRunAt"].as_i64().expect("lastRunAt") >= first);

    let (status, body) = send(&app, "POST", &path, &agent_token(&app, &a, &finn), None).await;
    assert_error(status, &body, 403, "agent_scope");
    let (status, body) = send(&app, "POST", &path, &a.token, None).await;
    assert_eq!(status, 403, "users do not report runs: {body}");
    let (status, body) = send(
        &app,
        "POST",
        "/v1/pulse-routines/pr_nope/record-run",
        &engine,
        None,
    )
    .await;
    assert_error(status, &body, 404, "routine_not_found");

    let (_, got) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse-routines/{id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(got["totalRuns"], 2);
    let (_, status_body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse/status"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status_body["lastPulse"], got["lastRunAt"]);
}

#[tokio::test]
async fn an_agent_token_reaches_only_its_own_routines_and_deleting_the_agent_removes_them() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;
    let finn = agent(&app, &a, "finn").await;
    routine(&app, &a, &eric, j!({"name": "Standup"})).await;
    let own = agent_token(&app, &a, &eric);
    let (status, list) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse-routines"),
        &own,
        None,
    )
    .await;
    assert_eq!(status, 200, "{list}");
    let other = agent_token(&app, &a, &finn);
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/pulse-routines"),
        &other,
        None,
    )
    .await;
    assert_error(status, &body, 403, "agent_scope");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{eric}/pulse-routines"),
        &own,
        Some(j!({"name": "Mine"})),
    )
    .await;
    assert_eq!(status, 403, "agents do not edit routines: {body}");

    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/agents/{eric}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let left: i64 =
        sqlx::query_scalar("select count(*) from agent.pulse_routines where agent_id = $1")
            .bind(&eric)
            .fetch_one(&app.db.admin)
            .await
            .expect("count");
    assert_eq!(left, 0, "routines cascade with their agent");
}
