//! Ranked search: title over body, top-k over every vault, snippets, filters.

use kit::testing::assert_error;
use serde_json::{Value, json as j};

use crate::support::spawn;

fn files(hits: &Value) -> Vec<String> {
    hits.as_array()
        .expect("hits")
        .iter()
        .map(|h| h["filename"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn the_best_matches_come_first_over_all_vaults() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let finn = m.agent(&t, "finn").await;
    // Many weak matches first, so a cut at the first `limit` hits (the monolith's) would miss
    // the strong ones written last.
    for i in 0..30 {
        let filler = "unrelated words about the weather and lunch. ".repeat(20);
        m.note(
            &t,
            &eric,
            &format!("weak/{i:02}.md"),
            &format!("{filler} kubernetes once."),
        )
        .await;
    }
    m.note(
        &t,
        &finn,
        "strong/body.md",
        "kubernetes kubernetes kubernetes cluster upgrade notes",
    )
    .await;
    m.note(
        &t,
        "shared",
        "strong/title.md",
        "---\ntitle: Kubernetes runbook\n---\nsteps",
    )
    .await;
    let api = m.app.client.bearer(&t.token);

    let (status, hits) = api.get("/v1/memory/search?q=kubernetes&limit=3").await;
    assert_eq!(status, 200, "{hits}");
    let got = files(&hits);
    assert_eq!(got.len(), 3);
    assert_eq!(
        got[0], "strong/title.md",
        "a title match weighs most: {hits}"
    );
    assert_eq!(got[1], "strong/body.md", "{hits}");
    assert_eq!(hits[0]["agent_id"], "shared");
    assert_eq!(hits[1]["agent_id"], finn.as_str());
    let scores: Vec<f64> = hits
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["score"].as_f64().expect("score"))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(
        hits[1]["snippet"]
            .as_str()
            .expect("snippet")
            .contains("**kubernetes**"),
        "{hits}"
    );

    // Stemming and web-search syntax.
    let (_, hits) = api.get("/v1/memory/search?q=upgrades%20-weather").await;
    assert_eq!(files(&hits), vec!["strong/body.md"]);
    // Filters: one agent's vault (by slug), the shared vault.
    let (_, hits) = api
        .get("/v1/memory/search?q=kubernetes&agent_id=finn")
        .await;
    assert_eq!(files(&hits), vec!["strong/body.md"]);
    let (_, hits) = api
        .get("/v1/memory/vaults/shared/search?q=kubernetes")
        .await;
    assert_eq!(files(&hits), vec!["strong/title.md"]);
    let (_, hits) = api.get("/v1/memory/search?q=kubernetes&limit=100").await;
    assert_eq!(files(&hits).len(), 32);

    for bad in [
        "/v1/memory/search?q=",
        "/v1/memory/search?q=%20%20",
        "/v1/memory/search",
    ] {
        let (status, body) = api.get(bad).await;
        assert_error(status.as_u16(), &body, 400, "query_required");
    }
    let (status, body) = api.get("/v1/memory/search?q=x&agent_id=nobody").await;
    assert_error(status.as_u16(), &body, 404, "agent_not_found");
    // Only stop words: nothing to find, not an error.
    let (status, hits) = api.get("/v1/memory/search?q=the").await;
    assert_eq!((status.as_u16(), hits), (200, j!([])));
}

#[tokio::test]
async fn the_shared_store_writes_frontmatter_and_never_overwrites() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let api = m.app.client.bearer(&t.token);
    let body = j!({
        "category": "Decisions", "title": "Use Postgres: for \"everything\"",
        "content": "Because [[RLS]].", "agent_id": "eric",
        "frontmatter": {"importance": "high", "title": "ignored"}
    });
    let (status, first) = api
        .post("/v1/memory/vaults/shared/store", body.clone())
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        first["filename"],
        "decisions/use-postgres-for-everything.md"
    );
    let (_, second) = api.post("/v1/memory/vaults/shared/store", body).await;
    assert_eq!(
        second["filename"],
        "decisions/use-postgres-for-everything-2.md"
    );

    let (_, note) = api
        .get("/v1/memory/vaults/shared/decisions/use-postgres-for-everything.md")
        .await;
    let meta = &note["metadata"];
    assert_eq!(meta["title"], "Use Postgres: for \"everything\"");
    assert_eq!(meta["author"], eric.as_str());
    assert_eq!(meta["category"], "decisions");
    assert_eq!(meta["importance"], "high");
    assert!(meta["created"].as_str().expect("created").ends_with('Z'));
    let (_, hits) = api.get("/v1/memory/vaults/shared/search?q=postgres").await;
    assert_eq!(hits.as_array().map(Vec::len), Some(2));

    let (status, body) = api
        .post(
            "/v1/memory/vaults/shared/store",
            j!({"category": "x", "title": "!!!", "content": "c", "agent_id": "eric"}),
        )
        .await;
    assert_error(status.as_u16(), &body, 400, "invalid_name");
}
