//! The template catalog, cloning, config and persona files.

use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};

#[tokio::test]
async fn the_catalog_lists_our_templates_and_clones_become_tenant_agents() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (status, templates) = send(&app, "GET", "/v1/agents/templates", &a.token, None).await;
    assert_eq!(status, 200);
    let ids: Vec<_> = templates
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["id"].clone())
        .collect();
    for want in ["engineer", "planner", "researcher", "reviewer"] {
        assert!(ids.contains(&j!(want)), "{want} in {ids:?}");
    }

    let (status, cloned) = send(&app, "POST", "/v1/agents/researcher/clone", &a.token, None).await;
    assert_eq!(status, 201, "{cloned}");
    assert_eq!(cloned["slug"], "researcher");
    assert_eq!(cloned["template_id"], "researcher");
    assert!(
        cloned["files"]["SOUL.md"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    assert_eq!(cloned["config"]["thinkingLevel"], "medium");
    // The same template in another tenant, same slug: no conflict across tenants.
    let (status, other) = send(&app, "POST", "/v1/agents/researcher/clone", &b.token, None).await;
    assert_eq!(status, 201, "{other}");
    // Twice in one tenant: the slug is taken, a new one can be given.
    let (status, body) = send(&app, "POST", "/v1/agents/researcher/clone", &a.token, None).await;
    assert_error(status, &body, 409, "slug_taken");
    let (status, second) = send(
        &app,
        "POST",
        "/v1/agents/researcher/clone",
        &a.token,
        Some(j!({"name": "Second Researcher"})),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["slug"], "second-researcher");

    let (status, body) = send(&app, "POST", "/v1/agents/nope/clone", &a.token, None).await;
    assert_error(status, &body, 404, "template_not_found");
    let (status, body) = send(
        &app,
        "POST",
        "/v1/agents/researcher/clone",
        &a.token,
        Some(j!({"slug": "Bad Slug"})),
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
}

#[tokio::test]
async fn cloning_an_agent_copies_it_within_the_tenant_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let src = agent(&app, &a, "writer").await;
    set_up(
        &app,
        "PUT",
        &format!("/v1/agents/{src}/files/SOUL.md"),
        &a.token,
        Some(j!({"content": "terse"})),
    )
    .await;
    let (status, copy) = send(
        &app,
        "POST",
        &format!("/v1/agents/{src}/clone"),
        &a.token,
        Some(j!({"slug": "writer-2"})),
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["files"]["SOUL.md"], "terse");
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{src}/clone"),
        &b.token,
        None,
    )
    .await;
    assert_error(status, &body, 404, "agent_not_found");
    let (_, list) = send(&app, "GET", "/v1/agents/", &b.token, None).await;
    assert_eq!(list, j!([]));
}

#[tokio::test]
async fn config_merges_validates_and_stays_in_its_tenant() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "ops").await;
    let path = format!("/v1/agents/{id}/config");

    let (status, cfg) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(cfg["pulseIntervalMinutes"], 30);
    assert_eq!(cfg["thinkingLevel"], "off");

    let (status, out) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"model": "openai/gpt-x", "pulse_interval_minutes": 60})),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["config"]["model"], "openai/gpt-x");
    let (status, out) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"pulseOffsetMinutes": 45})),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out["config"]["pulseIntervalMinutes"], 60,
        "earlier keys kept"
    );

    for bad in [
        j!({"modle": "x"}),
        j!({"thinkingLevel": "extreme"}),
        j!({"pulseIntervalMinutes": 30}), // offset 45 would no longer fit
        j!({"pulseBlackouts": [{"startTime": "9am", "endTime": "10:00"}]}),
        j!({"coordination": {"wakeGuardrails": {"maxWakes": 3}}}),
    ] {
        let (status, body) = send(&app, "PUT", &path, &a.token, Some(bad.clone())).await;
        assert_error(status, &body, 422, "validation_failed");
    }
    let (status, body) = send(
        &app,
        "PUT",
        &path,
        &b.token,
        Some(j!({"model": "evil/model"})),
    )
    .await;
    assert_error(status, &body, 404, "agent_not_found");
    let (status, body) = send(&app, "GET", &path, &b.token, None).await;
    assert_error(status, &body, 404, "agent_not_found");
    let (_, cfg) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(cfg["model"], "openai/gpt-x");
    assert_eq!(cfg["pulseOffsetMinutes"], 45);
    let (_, detail) = send(&app, "GET", &format!("/v1/agents/{id}"), &a.token, None).await;
    assert_eq!(
        detail["model"], "openai/gpt-x",
        "the model column mirrors the config"
    );
}

#[tokio::test]
async fn persona_files_are_the_four_known_ones_and_bounded() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "ops").await;
    let (status, out) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/files/DECISION"),
        &a.token,
        Some(j!({"content": "be careful"})),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out,
        j!({"status": "updated", "filename": "DECISION.md", "size": 10})
    );

    for name in [
        "NOTES.md",
        "..%2F..%2Fetc%2Fpasswd",
        "config.yml",
        "soul.md",
    ] {
        let (status, body) = send(
            &app,
            "PUT",
            &format!("/v1/agents/{id}/files/{name}"),
            &a.token,
            Some(j!({"content": "x"})),
        )
        .await;
        assert_error(status, &body, 400, "unknown_persona_file");
    }
    let huge = "x".repeat(257 * 1024);
    let (status, _) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/files/SOUL.md"),
        &a.token,
        Some(j!({"content": huge})),
    )
    .await;
    assert!(status == 422 || status == 413, "{status}");
    let (status, body) = send(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/files/SOUL.md"),
        &b.token,
        Some(j!({"content": "pwned"})),
    )
    .await;
    assert_error(status, &body, 404, "agent_not_found");
    let (_, detail) = send(&app, "GET", &format!("/v1/agents/{id}"), &a.token, None).await;
    assert_eq!(detail["files"], j!({"DECISION.md": "be careful"}));
}
