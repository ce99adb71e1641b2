//! The link graph of a fixture vault, through the API.

use kit::testing::assert_error;
use serde_json::{Value, json as j};

use crate::support::spawn;

fn edges(graph: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<_> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
            (s("source"), s("target"), s("type"))
        })
        .collect();
    out.sort();
    out
}

fn e(s: &str, t: &str, kind: &str) -> (String, String, String) {
    (s.to_owned(), t.to_owned(), kind.to_owned())
}

#[tokio::test]
async fn a_fixture_vault_gives_the_expected_graph() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    m.note(
        &t,
        &eric,
        "people/alice.md",
        "---\ntitle: Alice Smith\naliases: [Ali]\ntags: [team]\n---\n\
         Knows [[Bob#Early days|Bobby]] and [[ghost]].\n```\n[[Fenced]]\n```\n",
    )
    .await;
    m.note(
        &t,
        &eric,
        "people/bob.md",
        "# Bob\nSee [[ali]] and [[projects/x]].",
    )
    .await;
    let api = m.app.client.bearer(&t.token);
    // Written by the runtime before the note it links to exists: resolved once it does.
    m.note(
        &t,
        &eric,
        "projects/x.md",
        "---\nrelated: \"[[Alice Smith]]\"\n---\n[[later]]",
    )
    .await;
    m.note(&t, &eric, "later.md", "arrived later").await;

    let (status, graph) = api.get(&format!("/v1/memory/vaults/{eric}/graph")).await;
    assert_eq!(status, 200, "{graph}");
    assert_eq!(
        edges(&graph),
        vec![
            e("people/alice", "people/bob", "wiki_link"),
            e("people/alice", "tag:team", "tag"),
            e("people/alice", "unresolved:ghost", "wiki_link"),
            e("people/bob", "people/alice", "wiki_link"),
            e("people/bob", "projects/x", "wiki_link"),
            e("projects/x", "later", "wiki_link"),
            e("projects/x", "people/alice", "frontmatter"),
        ]
    );
    let alice = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| n["id"] == "people/alice")
        .expect("alice")
        .clone();
    assert_eq!(alice["title"], "Alice Smith");
    assert_eq!(alice["degree"], 5);
    assert_eq!(alice["path"], "people/alice.md");
    assert_eq!(graph["stats"]["nodeCount"], 6);
    assert_eq!(
        graph["stats"]["nodeTypeCounts"],
        j!({"note": 4, "tag": 1, "unresolved": 1})
    );
    let bobby = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["target"] == "people/bob")
        .expect("edge");
    assert_eq!(bobby["label"], "Bobby");

    let (status, near) = api
        .get(&format!(
            "/v1/memory/vaults/{eric}/graph/neighbors/projects/x?max_hops=1"
        ))
        .await;
    assert_eq!(status, 200, "{near}");
    let mut ids: Vec<_> = near["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        vec!["later", "people/alice", "people/bob", "projects/x"]
    );
    let (status, body) = api
        .get(&format!("/v1/memory/vaults/{eric}/graph/neighbors/nowhere"))
        .await;
    assert_error(status.as_u16(), &body, 404, "node_not_found");

    // A file dropped by the runtime shows after a rebuild.
    std::fs::write(m.vault_dir(&t, &eric).join("ghost.md"), "boo").expect("write");
    let (status, rebuilt) = api
        .post(&format!("/v1/memory/vaults/{eric}/graph/rebuild"), j!({}))
        .await;
    assert_eq!(status, 200, "{rebuilt}");
    assert_eq!(rebuilt["status"], "rebuilt");
    assert_eq!(rebuilt["nodes"], 6);
    let (_, graph) = api.get(&format!("/v1/memory/vaults/{eric}/graph")).await;
    assert!(edges(&graph).contains(&e("people/alice", "ghost", "wiki_link")));

    let (status, shared) = api.get("/v1/memory/vaults/shared/graph").await;
    assert_eq!(status, 200);
    assert_eq!(shared["stats"]["nodeCount"], 0);
}
