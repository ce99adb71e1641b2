//! Agents CRUD: tenant-unique slugs, validation, delete publishes AGENT_DELETED.

use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, spawn, tenant};
use crate::pulses::events_of;

#[tokio::test]
async fn two_tenants_both_have_a_researcher_and_see_only_their_own() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let a_id = agent(&app, &a, "researcher").await;
    let b_id = agent(&app, &b, "researcher").await;
    assert_ne!(a_id, b_id);

    for (t, own) in [(&a, &a_id), (&b, &b_id)] {
        let (status, list) = send(&app, "GET", "/v1/agents/", &t.token, None).await;
        assert_eq!(status, 200);
        let ids: Vec<_> = list
            .as_array()
            .expect("list")
            .iter()
            .map(|x| x["id"].clone())
            .collect();
        assert_eq!(ids, vec![j!(own)]);
    }
    let (status, body) = send(&app, "GET", &format!("/v1/agents/{a_id}"), &b.token, None).await;
    assert_error(status, &body, 404, "agent_not_found");
    let (status, body) = send(
        &app,
        "DELETE",
        &format!("/v1/agents/{a_id}"),
        &b.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "agent_not_found");
    let (status, _) = send(&app, "GET", &format!("/v1/agents/{a_id}"), &a.token, None).await;
    assert_eq!(status, 200, "B's delete changed nothing");
}

#[tokio::test]
async fn a_duplicate_slug_in_one_tenant_is_a_conflict() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    agent(&app, &a, "researcher").await;
    let (status, body) = send(
        &app,
        "POST",
        "/v1/agents/",
        &a.token,
        Some(j!({"name": "Other", "slug": "researcher"})),
    )
    .await;
    assert_error(status, &body, 409, "slug_taken");
}

#[tokio::test]
async fn bad_agents_are_refused_with_field_paths() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let huge = "x".repeat(300 * 1024);
    for (body, path) in [
        (j!({"name": ""}), "name"),
        (j!({"name": "A", "slug": "Not A Slug"}), "slug"),
        (j!({"name": "A", "slug": "../etc"}), "slug"),
        (
            j!({"name": "A", "files": {"NOTES.md": "x"}}),
            "files.NOTES.md",
        ),
        (
            j!({"name": "A", "files": {"SOUL.md": huge}}),
            "files.SOUL.md",
        ),
        (j!({"name": "A", "config": {"modle": "x"}}), "config"),
        (
            j!({"name": "A", "config": {"pulseIntervalMinutes": 0}}),
            "config.pulseIntervalMinutes",
        ),
        (j!({"name": "A", "colour": "red"}), "colour"),
    ] {
        let (status, err) = send(&app, "POST", "/v1/agents/", &a.token, Some(body.clone())).await;
        assert!(status == 422 || status == 413, "{body}: {status} {err}");
        if status == 422 {
            assert!(err.to_string().contains(path), "{path} missing in {err}");
        }
    }
    let (_, list) = send(&app, "GET", "/v1/agents/", &a.token, None).await;
    assert_eq!(list, j!([]), "nothing half-written");
}

#[tokio::test]
async fn slugs_default_from_names_and_files_round_trip() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (status, body) = send(
        &app,
        "POST",
        "/v1/agents/",
        &a.token,
        Some(j!({"name": "Research Lead", "emoji": "🔬",
                 "files": {"SOUL.md": "curious", "IDENTITY.md": "# Research Lead"},
                 "config": {"model": "openrouter/x/y", "thinking_level": "low"}})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], "research-lead");
    assert_eq!(body["files"]["SOUL.md"], "curious");
    assert_eq!(body["persona_files"], j!(["IDENTITY.md", "SOUL.md"]));
    assert_eq!(body["model"], "openrouter/x/y");
    assert_eq!(body["thinking_level"], "low");
}

#[tokio::test]
async fn deleting_an_agent_removes_its_rows_and_sandbox_and_tells_the_bus() {
    let data = std::env::temp_dir().join(format!("djb-del-{}", shared_schemas::ids::random_body()));
    let app = crate::helpers::spawn_with(j!({"data_path": data})).await;
    let a = tenant(&app, "Alpha").await;
    let id = agent(&app, &a, "doomed").await;
    let keep = agent(&app, &a, "kept").await;
    for agent_id in [&id, &keep] {
        let (status, _) = send(
            &app,
            "GET",
            &format!("/v1/agents/{agent_id}/sandbox"),
            &a.token,
            None,
        )
        .await;
        assert_eq!(status, 200);
    }
    let (status, _) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/tools/overrides"),
        &a.token,
        Some(j!({"overrides": [{"tool_name": "bash", "enabled": false}]})),
    )
    .await;
    assert_eq!(status, 200);
    let sandboxes = data.join("tenants").join(a.id.as_str()).join("sandboxes");

    let (status, _) = send(&app, "DELETE", &format!("/v1/agents/{id}"), &a.token, None).await;
    assert_eq!(status, 204);
    let (status, body) = send(&app, "GET", &format!("/v1/agents/{id}"), &a.token, None).await;
    assert_error(status, &body, 404, "agent_not_found");
    let left: i64 =
        sqlx::query_scalar("select count(*) from agent.tool_overrides where agent_id = $1")
            .bind(&id)
            .fetch_one(&app.db.admin)
            .await
            .expect("count");
    assert_eq!(left, 0);
    assert!(!sandboxes.join(&id).exists());
    assert!(
        sandboxes.join(&keep).is_dir(),
        "only the deleted agent's sandbox goes"
    );

    let deleted = events_of(&app, &a, "AGENT_DELETED", 1).await;
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["agentId"], j!(id));
    assert_eq!(deleted[0]["tenantId"], j!(a.id.as_str()));
}
