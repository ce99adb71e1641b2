//! Notes through the API: create, read, list, update, delete, and the agent-memory aliases.

use kit::testing::assert_error;
use serde_json::json as j;

use crate::support::spawn;

#[tokio::test]
async fn a_note_is_created_read_listed_updated_and_deleted() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let api = m.app.client.bearer(&t.token);
    let content = "---\ntitle: Deploys\ntags: [ops]\n---\nWe deploy on [[Fridays]].\n";

    let (status, body) = api
        .post(
            &format!("/v1/memory/vaults/{eric}/files"),
            j!({"filename": "ops/deploys.md", "content": content}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        body,
        j!({"filename": "ops/deploys.md", "size": content.len(), "created": true})
    );
    let on_disk = m.vault_dir(&t, &eric).join("ops/deploys.md");
    assert_eq!(std::fs::read_to_string(&on_disk).expect("file"), content);

    // O_EXCL: the same name again is a conflict, and the file is untouched.
    let (status, body) = api
        .post(
            "/v1/memory/vaults/eric/files",
            j!({"filename": "ops/deploys.md", "content": "other"}),
        )
        .await;
    assert_error(status.as_u16(), &body, 409, "file_exists");
    assert_eq!(std::fs::read_to_string(&on_disk).expect("file"), content);

    // By slug too; the metadata is the parsed frontmatter.
    let (status, body) = api.get("/v1/memory/vaults/eric/ops/deploys.md").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["content"], content);
    assert_eq!(body["metadata"], j!({"title": "Deploys", "tags": ["ops"]}));

    let (status, list) = api.get(&format!("/v1/memory/vaults/{eric}")).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["filename"], "ops/deploys.md");
    assert_eq!(list[0]["directory"], "ops");
    assert_eq!(list[0]["title"], "Deploys");
    assert_eq!(list[0]["size_bytes"], content.len());

    let (status, body) = api
        .put(
            "/v1/memory/vaults/eric/ops/deploys.md",
            j!({"content": "# Deploys\nnow on Mondays"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["updated"], true);
    assert_eq!(
        std::fs::read_to_string(&on_disk).expect("file"),
        "# Deploys\nnow on Mondays"
    );
    let (_, hits) = api.get("/v1/memory/search?q=mondays").await;
    assert_eq!(hits[0]["filename"], "ops/deploys.md", "{hits}");

    // The agent API's aliases.
    let (status, body) = api
        .get(&format!("/v1/agents/{eric}/memory/ops/deploys.md"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        j!({"filename": "ops/deploys.md", "content": "# Deploys\nnow on Mondays"})
    );
    let (status, body) = api.get("/v1/agents/eric/memory").await;
    assert_eq!(
        (status.as_u16(), body[0]["filename"].clone()),
        (200, j!("ops/deploys.md"))
    );
    let (status, body) = api.delete("/v1/agents/eric/memory/ops/deploys.md").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        j!({"agent_id": eric, "deleted": true, "filename": "ops/deploys.md"})
    );
    assert!(!on_disk.exists());
    let (status, body) = api.get("/v1/memory/vaults/eric/ops/deploys.md").await;
    assert_error(status.as_u16(), &body, 404, "file_not_found");
    let (_, hits) = api.get("/v1/memory/search?q=mondays").await;
    assert_eq!(hits, j!([]));
    let (status, body) = api.delete("/v1/agents/eric/memory/ops/deploys.md").await;
    assert_error(status.as_u16(), &body, 404, "file_not_found");
}

#[tokio::test]
async fn defaults_limits_and_unknown_vaults() {
    let m = spawn_small().await;
    let t = m.tenant("acme").await;
    m.agent(&t, "eric").await;
    let api = m.app.client.bearer(&t.token);

    let (status, body) = api
        .post(
            "/v1/memory/vaults/eric/files",
            j!({"content": "quick thought"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let name = body["filename"].as_str().expect("filename");
    assert!(
        name.starts_with("inbox/note-") && name.ends_with(".md"),
        "{name}"
    );

    let big = "x".repeat(2_000);
    let (status, body) = api
        .post(
            "/v1/memory/vaults/eric/files",
            j!({"filename": "big.md", "content": big}),
        )
        .await;
    assert_error(status.as_u16(), &body, 413, "note_too_large");
    let (status, body) = api
        .put("/v1/memory/vaults/eric/nothing.md", j!({"content": "x"}))
        .await;
    assert_error(status.as_u16(), &body, 404, "file_not_found");

    for vault in ["nobody", "agt_nowhere"] {
        let (status, body) = api.get(&format!("/v1/memory/vaults/{vault}")).await;
        assert_error(status.as_u16(), &body, 404, "agent_not_found");
    }
    let (status, body) = api.get("/v1/memory/vaults").await;
    assert_eq!(status, 200);
    let names: Vec<_> = body
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v["agent_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names.len(), 2, "{body}");
    assert!(names.contains(&"shared".to_owned()));
}

async fn spawn_small() -> crate::support::Memory {
    crate::support::spawn_with(|c| c.max_note_bytes = 1_000).await
}

#[tokio::test]
async fn an_agent_reaches_its_own_vault_and_the_shared_one_only() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    let finn = m.agent(&t, "finn").await;
    m.note(&t, &finn, "secret.md", "finn's plans about zebras")
        .await;
    m.note(&t, "shared", "team.md", "shared zebras").await;
    let eric_token = m.agent_token(&t, &eric);
    let as_eric = m.app.client.bearer(&eric_token);

    let (status, body) = as_eric
        .post(
            "/v1/memory/vaults/eric/files",
            j!({"filename": "mine.md", "content": "zebras too"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = as_eric
        .get(&format!("/v1/memory/vaults/{finn}/secret.md"))
        .await;
    assert_error(status.as_u16(), &body, 403, "agent_scope");
    let (status, _) = as_eric.get("/v1/memory/vaults/shared/team.md").await;
    assert_eq!(status, 200);

    let (_, hits) = as_eric.get("/v1/memory/search?q=zebras").await;
    let mut vaults: Vec<_> = hits
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["agent_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    vaults.sort();
    assert_eq!(vaults, vec![eric.clone(), "shared".to_owned()]);
    let (_, vaults) = as_eric.get("/v1/memory/vaults").await;
    assert_eq!(vaults.as_array().map(Vec::len), Some(2), "{vaults}");
}

#[tokio::test]
async fn files_written_by_a_runtime_are_picked_up() {
    let m = spawn().await;
    let t = m.tenant("acme").await;
    let eric = m.agent(&t, "eric").await;
    m.note(&t, &eric, "a.md", "first").await;
    let dir = m.vault_dir(&t, &eric);
    std::fs::create_dir_all(dir.join("people")).expect("mkdir");
    std::fs::write(dir.join("people/zoe.md"), "# Zoe\nLikes [[a]] and kayaks").expect("write");
    std::fs::create_dir_all(dir.join("templates")).expect("mkdir");
    std::fs::write(dir.join("templates/ignored.md"), "x").expect("write");
    std::fs::write(dir.join("people/.hidden.md"), "x").expect("write");
    std::fs::write(dir.join("a.md"), "first, edited by the runtime: canoes").expect("write");

    // The periodic scan (run here by hand) brings them into search.
    let changed = memory_svc::workers::scan::scan_all(&m.state, &Default::default())
        .await
        .expect("scan");
    assert_eq!(changed, 2);
    let api = m.app.client.bearer(&t.token);
    let (_, hits) = api.get("/v1/memory/search?q=kayaks").await;
    assert_eq!(hits[0]["filename"], "people/zoe.md", "{hits}");
    let (_, hits) = api.get("/v1/memory/search?q=canoes").await;
    assert_eq!(hits[0]["filename"], "a.md", "{hits}");

    // A file removed on disk leaves the index at the next look at the vault.
    std::fs::remove_file(dir.join("people/zoe.md")).expect("rm");
    let (_, list) = api.get(&format!("/v1/memory/vaults/{eric}")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let (_, hits) = api.get("/v1/memory/search?q=kayaks").await;
    assert_eq!(hits, j!([]));
}
