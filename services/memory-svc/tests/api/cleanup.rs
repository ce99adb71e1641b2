//! AGENT_DELETED and TENANT_DELETED, from the global stream through `cg:memory-cleanup`.

use std::time::Duration;

use serde_json::json as j;
use shared_schemas::events::platform::{AgentDeleted, TenantDeleted};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::AgentId;
use tokio_util::sync::CancellationToken;

use crate::support::spawn;

async fn eventually(what: &str, check: impl Fn() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 10 s");
}

#[tokio::test]
async fn a_deleted_agent_and_a_deleted_tenant_lose_their_vaults() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let finn = m.agent(&t, "finn").await;
    m.note(&t, &eric, "a/b.md", "eric's words").await;
    m.note(&t, &finn, "c.md", "finn's words").await;
    m.note(&t, "shared", "s.md", "shared words").await;
    let service = m.service_token(&t);
    let (status, _) = m
        .app
        .client
        .bearer(&service)
        .post(
            "/v1/internal/memory-retrievals",
            j!({"agent_id": eric, "retrievals": [{"memory_id": "a/b.md"}]}),
        )
        .await;
    assert_eq!(status, 200);
    let stop = CancellationToken::new();
    tokio::spawn(memory_svc::workers::cleanup::run(
        m.state.clone(),
        stop.clone(),
    ));

    let deleted = EventEnvelope::new(
        t.id.clone(),
        None,
        Event::AgentDeleted(AgentDeleted {
            agent_id: AgentId::parse(&eric).expect("agent id"),
        }),
    );
    let publisher = m.app.platform.publisher();
    publisher.publish_event(&deleted).await.expect("publish");
    // Redelivered: changes nothing more.
    publisher.publish_event(&deleted).await.expect("publish");
    let eric_dir = m.vault_dir(&t, &eric);
    eventually("eric's vault removal", || !eric_dir.exists()).await;
    let notes = "select count(*) from memory.notes where vault = $1";
    for _ in 0..50 {
        if rows(&m, notes, &eric).await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(rows(&m, notes, &eric).await, 0);
    let scores = "select count(*) from memory.scores where agent_id = $1";
    assert_eq!(rows(&m, scores, &eric).await, 0);
    assert!(
        m.vault_dir(&t, &finn).join("c.md").exists(),
        "finn keeps his vault"
    );
    let (_, hits) = m
        .app
        .client
        .bearer(&t.token)
        .get("/v1/memory/search?q=words")
        .await;
    assert_eq!(hits.as_array().map(Vec::len), Some(2), "{hits}");

    let gone = EventEnvelope::new(t.id.clone(), None, Event::TenantDeleted(TenantDeleted {}));
    publisher.publish_event(&gone).await.expect("publish");
    let vaults = m.data.join("tenants").join(t.id.as_str()).join("vaults");
    eventually("the tenant's vault tree removal", || !vaults.exists()).await;
    stop.cancel();
}

async fn rows(m: &crate::support::Memory, sql: &str, agent: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .bind(agent)
        .fetch_one(&m.app.db.admin)
        .await
        .expect("count")
}
