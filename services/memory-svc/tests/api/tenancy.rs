//! Tenant B never reaches tenant A's vaults: every route with a path parameter answers B's
//! tokens with A's ids exactly as with ids that exist nowhere, and nothing of A changes, in the
//! database or on disk.

use kit::testing::walk::CrossTenantWalk;
use serde_json::json as j;

use crate::support::{snapshot, spawn};

#[tokio::test]
async fn tenant_b_reaches_nothing_of_tenant_a() {
    let m = spawn().await;
    let a = m.tenant("alpha").await;
    let b = m.tenant("beta").await;
    let eric = m.agent(&a, "eric").await;
    let b_agent = m.agent(&b, "bea").await;
    m.note(&a, &eric, "people/alice.md", "alpha secret about [[bob]]")
        .await;
    m.note(&a, "shared", "team.md", "alpha shared secret").await;
    let before = snapshot(&m.data.join("tenants").join(a.id.as_str()));

    let doc = serde_json::to_value(memory_svc::openapi()).expect("doc");
    let report = CrossTenantWalk::new(&m.app, &doc, "memory", &a.id)
        .id("agent_id", &eric)
        .fixed("filename", "people/alice.md")
        .fixed("node_id", "people/alice")
        .body(j!({"content": "pwned", "filename": "pwned.md"}))
        .token(&b.token)
        .token(&m.service_token(&b))
        .token(&m.agent_token(&b, &b_agent))
        .run()
        .await;
    assert!(report.walked >= 10, "{report:?}");
    // Every call is a 404 but B's user on the two internal GETs: users are refused there (403)
    // before any id is looked at, with A's ids as with ids of nowhere.
    assert_eq!(report.not_found + 2, report.calls, "{report:?}");
    assert_eq!(
        snapshot(&m.data.join("tenants").join(a.id.as_str())),
        before,
        "A's files changed"
    );

    // Routes without an id: B's view holds nothing of A's.
    let api = m.app.client.bearer(&b.token);
    let (_, hits) = api.get("/v1/memory/search?q=secret").await;
    assert_eq!(hits, j!([]));
    let (_, hits) = api.get("/v1/memory/vaults/shared/search?q=secret").await;
    assert_eq!(hits, j!([]));
    let (_, vaults) = api.get("/v1/memory/vaults").await;
    assert_eq!(
        vaults,
        j!([{"agent_id": "shared", "file_count": 0, "total_size_bytes": 0}])
    );
    let (_, graph) = api.get("/v1/memory/vaults/shared/graph").await;
    assert_eq!(graph["stats"]["nodeCount"], 0);
    let (_, list) = api.get("/v1/memory/vaults/shared").await;
    assert_eq!(list, j!([]));
}
