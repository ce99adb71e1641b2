//! Tenant settings, favourites and model suggestions.

use serde_json::json as j;

use crate::creds;
use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};

#[tokio::test]
async fn settings_start_at_the_reference_defaults_and_put_merges() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let admin = creds::admin(&app, &a);
    let (status, s) = send(&app, "GET", "/v1/settings/", &a.token, None).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["defaultWorkingModel"], "openrouter/moonshotai/kimi-k2.5");
    assert_eq!(s["pulseIntervalMinutes"], 30);
    assert_eq!(s["containerMemoryLimitMb"], 2048);
    assert_eq!(s["defaultThinkingModelThinkingLevel"], "medium");

    let (status, s) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &admin,
        Some(j!({"pulseIntervalMinutes": 15})),
    )
    .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["pulseIntervalMinutes"], 15);
    let body = j!({"containerMemoryLimitMb": 4096, "defaultWorkingModelThinkingLevel": "high"});
    let (status, _) = send(&app, "PUT", "/v1/settings/", &admin, Some(body)).await;
    assert_eq!(status, 200);
    let (_, s) = send(&app, "GET", "/v1/settings/", &a.token, None).await;
    assert_eq!(
        s["pulseIntervalMinutes"], 15,
        "an earlier key survives a later partial PUT"
    );
    assert_eq!(s["containerMemoryLimitMb"], 4096);
    assert_eq!(s["defaultWorkingModelThinkingLevel"], "high");
}

#[tokio::test]
async fn bad_settings_are_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let admin = creds::admin(&app, &a);
    for (body, path) in [
        (j!({"pulseIntervalMinutes": 0}), "pulseIntervalMinutes"),
        (j!({"containerMemoryLimitMb": 1}), "containerMemoryLimitMb"),
        (j!({"containerCpuLimit": 1000.0}), "containerCpuLimit"),
        (
            j!({"defaultWorkingModel": "has space"}),
            "defaultWorkingModel",
        ),
        (
            j!({"defaultWorkingModelThinkingLevel": "extreme"}),
            "defaultWorkingModelThinkingLevel",
        ),
        (j!({"pulseIntervalMinutes": 10, "colour": "red"}), "colour"),
        (
            j!({"pulseIntervalMinutes": 10, "maxWakesPerDay": -1}),
            "maxWakesPerDay",
        ),
    ] {
        let (status, err) = send(&app, "PUT", "/v1/settings/", &admin, Some(body.clone())).await;
        assert_error(status, &err, 422, "validation_failed");
        assert!(err.to_string().contains(path), "{path} missing in {err}");
    }
    let member = creds::user(&app, &a, "usr_member000000001", false);
    let (status, err) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &member,
        Some(j!({"pulseIntervalMinutes": 10})),
    )
    .await;
    assert_error(status, &err, 403, "admin_required");
    let (_, s) = send(&app, "GET", "/v1/settings/", &a.token, None).await;
    assert_eq!(s["pulseIntervalMinutes"], 30, "nothing half-written");
}

#[tokio::test]
async fn favorites_round_trip_and_are_checked() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (status, f) = send(&app, "GET", "/v1/settings/favorites", &a.token, None).await;
    assert_eq!((status, f), (200, j!({"favorites": []})));
    let body = j!({"favorites": ["anthropic/claude-sonnet-4-5", "openrouter/x/y"]});
    let (status, f) = send(
        &app,
        "PUT",
        "/v1/settings/favorites",
        &a.token,
        Some(body.clone()),
    )
    .await;
    assert_eq!((status, &f), (200, &body));
    let (_, f) = send(&app, "GET", "/v1/settings/favorites", &a.token, None).await;
    assert_eq!(f, body);
    let (status, err) = send(
        &app,
        "PUT",
        "/v1/settings/favorites",
        &a.token,
        Some(j!({"favorites": ["a b"]})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    let (_, f) = send(&app, "GET", "/v1/settings/favorites", &a.token, None).await;
    assert_eq!(f, body, "the bad PUT changed nothing");
}

#[tokio::test]
async fn suggestions_put_the_tenants_most_used_models_first() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let svc = creds::service(&app, &a);
    for (model, thinking, times) in [("claude-x", false, 1), ("glm-9", true, 3)] {
        for _ in 0..times {
            let call = j!({"agent_id": agent_id, "provider": "zai", "model": model, "has_thinking": thinking});
            let (status, body) =
                send(&app, "POST", "/v1/internal/llm-calls", &svc, Some(call)).await;
            assert_eq!(status, 201, "{body}");
        }
    }
    let (status, s) = send(
        &app,
        "GET",
        "/v1/settings/models/suggestions",
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["working"][0], "zai/glm-9");
    assert_eq!(s["working"][1], "zai/claude-x");
    assert_eq!(s["thinking"][0], "zai/glm-9");
    assert!(
        !s["thinking"]
            .as_array()
            .expect("list")
            .contains(&j!("zai/claude-x"))
    );
    assert!(
        s["working"]
            .as_array()
            .expect("list")
            .contains(&j!("openrouter/moonshotai/kimi-k2.5"))
    );

    let (_, s) = send(
        &app,
        "GET",
        "/v1/settings/models/suggestions",
        &b.token,
        None,
    )
    .await;
    assert!(
        !s.to_string().contains("zai/glm-9"),
        "B never sees A's history: {s}"
    );
}

#[tokio::test]
async fn tenants_have_their_own_settings_and_favorites() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &creds::admin(&app, &a),
        Some(j!({"pulseIntervalMinutes": 5})),
    )
    .await;
    assert_eq!(status, 200);
    set_up(
        &app,
        "PUT",
        "/v1/settings/favorites",
        &a.token,
        Some(j!({"favorites": ["a/b"]})),
    )
    .await;
    let (_, s) = send(&app, "GET", "/v1/settings/", &b.token, None).await;
    assert_eq!(s["pulseIntervalMinutes"], 30);
    let (_, f) = send(&app, "GET", "/v1/settings/favorites", &b.token, None).await;
    assert_eq!(f, j!({"favorites": []}));
    let (status, _) = send(
        &app,
        "PUT",
        "/v1/settings/",
        &creds::admin(&app, &b),
        Some(j!({"pulseIntervalMinutes": 60})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, s) = send(&app, "GET", "/v1/settings/", &a.token, None).await;
    assert_eq!(s["pulseIntervalMinutes"], 5, "B's change left A alone");
}
