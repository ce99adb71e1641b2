//! Memory scores: batches, concurrent upserts, read-time scores, gaps and the settings.

use std::time::Duration;

use kit::TokenKind;
use kit::auth::Claims;
use kit::testing::assert_error;
use serde_json::json as j;

use crate::support::spawn;

#[tokio::test]
async fn retrievals_and_valuations_make_one_score_row_each() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let service = m.service_token(&t);
    let api = m.app.client.bearer(&service);

    // 8 concurrent batches, each retrieving `a` twice and `b` once.
    let batch = j!({"agent_id": "eric", "run_id": "run_1", "retrievals": [
        {"memory_id": "a", "memory_title": "A", "query": "q", "raw_score": 1.5},
        {"memory_id": "a"},
        {"memory_id": "b", "retrieval_source": "vector"}]});
    let calls = (0..8).map(|_| {
        let client = m.app.client.clone();
        let (token, body) = (service.clone(), batch.clone());
        async move {
            client
                .bearer(&token)
                .post("/v1/internal/memory-retrievals", body)
                .await
        }
    });
    for (status, body) in futures_join(calls).await {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, j!({"ok": true, "logged": 3, "scores_updated": 2}));
    }
    let (status, body) = api
        .post(
            "/v1/internal/memory-valuations",
            j!({"agent_id": eric, "valuations": [
                {"memory_id": "a", "useful": true}, {"memory_id": "a", "useful": true},
                {"memory_id": "a", "useful": false}, {"memory_id": "c", "useful": false}],
                "gap": "nothing about deploys", "gap_query": "deploy steps"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valuations_logged"], 4);
    assert_eq!(body["scores_updated"], 2);
    assert!(body["gap_id"].as_str().expect("gap").starts_with("gap_"));

    let rows: i64 = sqlx::query_scalar("select count(*) from memory.scores where memory_id = 'a'")
        .fetch_one(&m.app.db.admin)
        .await
        .expect("count");
    assert_eq!(rows, 1);
    let (status, body) = api.get("/v1/internal/memory-scores/eric").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(body["blend_base_factor"], 0.7);
    let a = &body["scores"][0];
    assert_eq!(
        (a["memory_id"].clone(), a["memory_title"].clone()),
        (j!("a"), j!("A"))
    );
    assert_eq!(a["access_count"], 16);
    assert_eq!(
        (a["valuation_count"].clone(), a["useful_count"].clone()),
        (j!(3), j!(2))
    );
    let usefulness = a["usefulness_rate"].as_f64().expect("rate");
    assert!((usefulness - 2.0 / 3.0).abs() < 1e-6, "{a}");
    assert!(a["adaptive_score"].as_f64().expect("adaptive") > 0.35);
    assert_eq!(body["scores"][1]["access_count"], 8);
    // Below min_valuations_for_signal: neutral.
    assert_eq!(body["scores"][2]["usefulness_rate"], 0.5);

    let (_, some) = api
        .get("/v1/internal/memory-scores/eric?memory_ids=b,c,zzz&limit=1")
        .await;
    assert_eq!(
        (
            some["total"].clone(),
            some["scores"][0]["memory_id"].clone()
        ),
        (j!(2), j!("b"))
    );
    let (status, body) = api.get("/v1/internal/memory-scores/eric?limit=0").await;
    assert_error(status.as_u16(), &body, 422, "validation_failed");

    let (_, gaps) = api.get(&format!("/v1/internal/memory-gaps/{eric}")).await;
    assert_eq!(gaps["total"], 1);
    assert_eq!(gaps["gaps"][0]["description"], "nothing about deploys");
    assert_eq!(gaps["gaps"][0]["query_attempted"], "deploy steps");
}

/// Runs the calls at once.
async fn futures_join<F>(calls: impl Iterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = calls.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("join"));
    }
    out
}

#[tokio::test]
async fn only_services_and_the_agent_itself_report() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let finn = m.agent(&t, "finn").await;
    let body = j!({"agent_id": eric, "retrievals": [{"memory_id": "x"}]});
    let (status, answer) = m
        .app
        .client
        .bearer(&t.token)
        .post("/v1/internal/memory-retrievals", body.clone())
        .await;
    assert_error(status.as_u16(), &answer, 403, "forbidden");
    let as_eric = m.agent_token(&t, &eric);
    let (status, _) = m
        .app
        .client
        .bearer(&as_eric)
        .post("/v1/internal/memory-retrievals", body.clone())
        .await;
    assert_eq!(status, 200);
    let as_finn = m.agent_token(&t, &finn);
    let (status, answer) = m
        .app
        .client
        .bearer(&as_finn)
        .post("/v1/internal/memory-retrievals", body)
        .await;
    assert_error(status.as_u16(), &answer, 403, "agent_scope");
    let (status, answer) = m
        .app
        .client
        .bearer(&m.service_token(&t))
        .post(
            "/v1/internal/memory-retrievals",
            j!({"agent_id": "nobody", "retrievals": []}),
        )
        .await;
    assert_error(status.as_u16(), &answer, 404, "agent_not_found");
    let (status, answer) = m
        .app
        .client
        .bearer(&m.service_token(&t))
        .post(
            "/v1/internal/memory-retrievals",
            j!({"agent_id": "eric", "retrievals": [{"memory_id": ""}]}),
        )
        .await;
    assert_error(status.as_u16(), &answer, 422, "validation_failed");
}

#[tokio::test]
async fn the_scoring_settings_are_per_tenant_and_validated() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let other = m.tenant("other").await;
    let mut claims = Claims::access(
        t.user.as_str(),
        t.id.clone(),
        TokenKind::User,
        Duration::from_secs(900),
    );
    claims.is_admin = true;
    let admin = m.app.mint(&claims);
    let api = m.app.client.bearer(&admin);

    let (status, defaults) = api.get("/v1/memory-scoring/config").await;
    assert_eq!(status, 200);
    assert_eq!(defaults["recency_half_life_days"], 30);
    assert_eq!(defaults["blend_usefulness_weight"], 0.6);

    let (status, body) = api
        .put(
            "/v1/memory-scoring/config",
            j!({"recency_half_life_days": 7, "recency_floor": 0.1}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (
            body["recency_half_life_days"].clone(),
            body["min_valuations_for_signal"].clone()
        ),
        (j!(7), j!(3))
    );
    let (status, body) = api
        .put(
            "/v1/memory-scoring/config",
            j!({"blend_base_factor": 2.0, "frequency_log_cap": 1}),
        )
        .await;
    assert_error(status.as_u16(), &body, 422, "validation_failed");
    let (status, body) = api.put("/v1/memory-scoring/config", j!({"nope": 1})).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = m
        .app
        .client
        .bearer(&t.token)
        .put("/v1/memory-scoring/config", j!({"recency_floor": 0.2}))
        .await;
    assert_error(status.as_u16(), &body, 403, "admin_required");

    let (_, mine) = m
        .app
        .client
        .bearer(&t.token)
        .get("/v1/memory-scoring/config")
        .await;
    assert_eq!(mine["recency_half_life_days"], 7);
    let (_, theirs) = m
        .app
        .client
        .bearer(&other.token)
        .get("/v1/memory-scoring/config")
        .await;
    assert_eq!(theirs, defaults, "another tenant keeps the defaults");

    let (status, body) = api.post("/v1/memory-scoring/config/reset", j!({})).await;
    assert_eq!((status.as_u16(), &body), (200, &defaults));
    let (_, mine) = api.get("/v1/memory-scoring/config").await;
    assert_eq!(mine, defaults);
}
