//! The fleet status the dashboard's agents page reads: per agent counters and the summary, each
//! tenant seeing only its own agents.

use std::fs;

use redis::AsyncCommands;
use serde_json::json as j;
use shared_schemas::ids::AgentId;

use crate::helpers::{agent, send, set_up, spawn_with, tenant};
use crate::sandbox::scratch;

#[tokio::test]
async fn fleet_status_counts_queue_inbox_tools_and_work_per_agent_in_its_tenant_only() {
    let data = scratch();
    let app = spawn_with(j!({"data_path": data})).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let busy = agent(&app, &a, "busy").await;
    let quiet = agent(&app, &a, "quiet").await;
    let svc = crate::creds::service(&app, &a);

    for title in ["one", "two"] {
        set_up(
            &app,
            "POST",
            &format!("/v1/agents/{busy}/queue"),
            &svc,
            Some(j!({"kind": "task", "title": title})),
        )
        .await;
    }
    set_up(
        &app,
        "POST",
        &format!("/v1/agents/{busy}/inbox"),
        &a.token,
        Some(j!({"from": "Sam", "body": "hello"})),
    )
    .await;
    let bin = data
        .join("tenants")
        .join(a.id.as_str())
        .join("sandboxes")
        .join(&busy)
        .join("bin");
    fs::create_dir_all(&bin).expect("mkdir");
    fs::write(bin.join("rg"), "").expect("write");
    fs::write(bin.join("jq"), "").expect("write");
    let now = chrono::Utc::now().timestamp_millis();
    let locks = app
        .platform
        .keys
        .agent_work_locks(&a.id, &AgentId::parse(&busy).expect("id"));
    let mut redis = app.platform.redis.clone();
    let _: () = redis
        .hset(
            &locks,
            "l1",
            j!({"runId": "run_7", "stepId": "BUILD", "acquiredAt": now,
            "expiresAt": now + 60_000})
            .to_string(),
        )
        .await
        .expect("hset");

    let (status, fleet) = send(&app, "GET", "/v1/agents/status", &a.token, None).await;
    assert_eq!(status, 200, "{fleet}");
    let by_slug = |slug: &str| {
        fleet["agents"]
            .as_array()
            .expect("agents")
            .iter()
            .find(|x| x["slug"] == slug)
            .cloned()
            .expect("agent listed")
    };
    let b1 = by_slug("busy");
    assert_eq!(
        (
            b1["queueLength"].clone(),
            b1["unreadCount"].clone(),
            b1["installedTools"].clone()
        ),
        (j!(2), j!(1), j!(2)),
        "{b1}"
    );
    assert_eq!(
        b1["currentWork"],
        j!({"runId": "run_7", "step": "BUILD", "startedAt": now})
    );
    assert_eq!(
        (b1["slackConnected"].clone(), b1["lastPulse"].clone()),
        (j!(false), j!(null))
    );
    assert!(b1.get("role").is_some(), "{b1}");
    let q = by_slug("quiet");
    assert_eq!(
        (
            q["queueLength"].clone(),
            q["unreadCount"].clone(),
            q["installedTools"].clone()
        ),
        (j!(0), j!(0), j!(0))
    );
    assert!(
        q.get("currentWork").is_none(),
        "no live lock, no current work: {q}"
    );
    assert_eq!(q["id"], quiet.as_str());
    assert_eq!(
        fleet["summary"],
        j!({"total": 2, "idle": 2, "working": 0, "thinking": 0, "totalQueued": 2,
            "byState": {"idle": 2}, "pulseEnabled": 0})
    );

    // Tenant B sees none of A's agents or counters.
    let (status, fleet_b) = send(&app, "GET", "/v1/agents/status", &b.token, None).await;
    assert_eq!(status, 200, "{fleet_b}");
    assert_eq!(fleet_b["agents"], j!([]));
    assert_eq!(fleet_b["summary"]["totalQueued"], 0);
}

#[tokio::test]
async fn agent_list_and_detail_report_a_memory_count() {
    let app = spawn_with(j!({})).await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "eric").await;
    let (_, list) = send(&app, "GET", "/v1/agents/", &a.token, None).await;
    assert_eq!(list[0]["memory_count"], 0, "{list}");
    let (status, detail) = send(&app, "GET", "/v1/agents/eric", &a.token, None).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(
        (detail["id"].clone(), detail["memory_count"].clone()),
        (j!(id), j!(0))
    );
}
