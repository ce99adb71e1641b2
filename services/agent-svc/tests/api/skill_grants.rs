//! Per-agent skills: grants, the prompt manifest, the gated content endpoint and companion files,
//! who may call them, and the cross-tenant matrix over every skill route.

use std::time::Duration;

use kit::testing::TestApp;
use kit::{Claims, TokenKind};
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, set_up, spawn, tenant};
use crate::skills::{create_skill, slugs};

pub fn agent_token(app: &TestApp, t: &Tenant, agent_id: &str) -> String {
    let mut claims = Claims::access(
        format!("agent:{agent_id}"),
        t.id.clone(),
        TokenKind::Agent,
        Duration::from_secs(600),
    );
    claims.agent_id = Some(agent_id.to_owned());
    app.mint(&claims)
}

async fn grant(app: &TestApp, token: &str, agent_id: &str, skill: &str) -> (u16, Value) {
    let path = format!("/v1/skills/agents/{agent_id}/{skill}/grant");
    send(app, "POST", &path, token, None).await
}

#[tokio::test]
async fn granted_skills_show_in_the_manifest_and_load() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let base = format!("/v1/skills/agents/{agent_id}");

    let (status, manifest) = send(&app, "GET", &format!("{base}/manifest"), &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(manifest, j!({"skills": [], "manifest_text": ""}));
    let (status, err) = send(
        &app,
        "GET",
        &format!("{base}/code-review/content"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 403, "skill_not_granted");

    let (status, granted) = grant(&app, &a.token, &agent_id, "code-review").await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["slug"], "code-review");
    assert_eq!(granted["granted_by"], a.user.as_str());
    let again = grant(&app, &a.token, &agent_id, "code-review").await;
    assert_eq!(again.0, 200, "granting twice is fine");
    let own = create_skill(
        &app,
        &a,
        j!({"name": "house-style", "description": "Our writing\nrules", "content": "Be brief."}),
    )
    .await;
    grant(&app, &a.token, &agent_id, own["id"].as_str().expect("id")).await;

    let (_, list) = send(&app, "GET", &base, &a.token, None).await;
    assert_eq!(slugs(&list), ["code-review", "house-style"]);
    let (_, manifest) = send(&app, "GET", &format!("{base}/manifest"), &a.token, None).await;
    assert_eq!(slugs(&manifest["skills"]), ["code-review", "house-style"]);
    let text = manifest["manifest_text"].as_str().expect("text");
    assert!(text.starts_with("# SKILLS"), "{text}");
    assert!(
        text.contains("- **code-review** (+files): Use when asked to review"),
        "{text}"
    );
    assert!(
        text.contains("- **house-style**: Our writing rules\n"),
        "{text}"
    );

    let (status, content) = send(
        &app,
        "GET",
        &format!("{base}/code-review/content"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{content}");
    assert!(
        content["content"]
            .as_str()
            .expect("c")
            .starts_with("# Reviewing code")
    );
    assert_eq!(content["has_files"], true);
    let (status, files) = send(
        &app,
        "GET",
        &format!("{base}/code-review/files"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (status, &files["files"]),
        (200, &j!(["references/checklist.md"]))
    );
    let (status, file) = send(
        &app,
        "GET",
        &format!("{base}/code-review/content?file=references/checklist.md"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{file}");
    assert_eq!(file["file"], "references/checklist.md");
    assert!(
        file["content"]
            .as_str()
            .expect("c")
            .starts_with("# Code review checklist")
    );

    // Disabled skills drop out of the manifest and refuse to load.
    set_up(
        &app,
        "PATCH",
        "/v1/skills/house-style/enabled?enabled=false",
        &a.token,
        None,
    )
    .await;
    let (_, manifest) = send(&app, "GET", &format!("{base}/manifest"), &a.token, None).await;
    assert_eq!(slugs(&manifest["skills"]), ["code-review"]);
    let (status, err) = send(
        &app,
        "GET",
        &format!("{base}/house-style/content"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 409, "skill_disabled");

    let (status, revoked) = send(
        &app,
        "DELETE",
        &format!("{base}/code-review"),
        &a.token,
        None,
    )
    .await;
    assert_eq!((status, &revoked["agent_id"]), (200, &j!(agent_id)));
    let (_, manifest) = send(&app, "GET", &format!("{base}/manifest"), &a.token, None).await;
    assert_eq!(manifest["skills"], j!([]));
    let (status, err) = send(
        &app,
        "GET",
        &format!("{base}/code-review/content"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 403, "skill_not_granted");
}

#[tokio::test]
async fn companion_files_stay_inside_the_skill_folder() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    grant(&app, &a.token, &agent_id, "code-review").await;
    grant(&app, &a.token, &agent_id, "summarize-document").await;
    let base = format!("/v1/skills/agents/{agent_id}");
    for file in [
        "../task-breakdown/SKILL.md",
        "references/../../../Cargo.toml",
        "..%2F..%2Fetc%2Fpasswd",
    ] {
        let (status, err) = send(
            &app,
            "GET",
            &format!("{base}/code-review/content?file={file}"),
            &a.token,
            None,
        )
        .await;
        assert_error(status, &err, 400, "invalid_path");
    }
    let (status, err) = send(
        &app,
        "GET",
        &format!("{base}/code-review/content?file=references/none.md"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 404, "skill_file_not_found");
    let (status, err) = send(
        &app,
        "GET",
        &format!("{base}/summarize-document/content?file=SKILL.md"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 404, "skill_file_not_found");
}

#[tokio::test]
async fn agents_use_their_own_skill_routes_only_and_services_cannot_grant() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mine = agent(&app, &a, "researcher").await;
    let other = agent(&app, &a, "writer").await;
    let token = agent_token(&app, &a, &mine);

    let (status, granted) = grant(&app, &token, &mine, "task-breakdown").await;
    assert_eq!(status, 200, "an agent may grant itself: {granted}");
    let (status, _) = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{mine}/task-breakdown/content"),
        &token,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, err) = grant(&app, &token, &other, "task-breakdown").await;
    assert_error(status, &err, 403, "agent_scope");
    let (status, err) = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{other}/manifest"),
        &token,
        None,
    )
    .await;
    assert_error(status, &err, 403, "agent_scope");
    let (status, err) = send(
        &app,
        "POST",
        "/v1/skills/",
        &token,
        Some(j!({"name": "x", "description": "d", "content": "c"})),
    )
    .await;
    assert_error(status, &err, 403, "forbidden");

    let service = app.token(&a.id, "engine-svc", TokenKind::Service);
    let (status, err) = grant(&app, &service, &other, "task-breakdown").await;
    assert_error(status, &err, 403, "forbidden");
    let (status, _) = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{mine}/manifest"),
        &service,
        None,
    )
    .await;
    assert_eq!(status, 200, "services read manifests");
}

#[tokio::test]
async fn an_agents_own_skill_is_granted_to_it_and_deleted_with_it() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let skill = create_skill(
        &app,
        &a,
        j!({"name": "my-notes", "description": "d", "content": "c", "scope": "agent",
            "owner_agent_id": agent_id}),
    )
    .await;
    assert_eq!(
        (&skill["scope"], &skill["owner_agent_id"]),
        (&j!("agent"), &j!(agent_id))
    );
    grant(&app, &a.token, &agent_id, "code-review").await;
    let (_, manifest) = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{agent_id}/manifest"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(slugs(&manifest["skills"]), ["code-review", "my-notes"]);

    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/agents/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert!(!slugs(&list).contains(&"my-notes".to_owned()));
    let grants: i64 = sqlx::query_scalar("select count(*) from agent.agent_skills")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(grants, 0);
}

#[tokio::test]
async fn tenant_b_reaches_none_of_tenant_a_skill_routes() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let a_agent = agent(&app, &a, "researcher").await;
    let b_agent = agent(&app, &b, "researcher").await;
    let skill = create_skill(
        &app,
        &a,
        j!({"name": "secret-sauce", "description": "d", "content": "c"}),
    )
    .await;
    let sid = skill["id"].as_str().expect("id").to_owned();
    grant(&app, &a.token, &a_agent, &sid).await;
    grant(&app, &a.token, &a_agent, "code-review").await;
    let before = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{a_agent}"),
        &a.token,
        None,
    )
    .await;

    let b_agent_token = agent_token(&app, &b, &b_agent);
    let b_service = app.token(&b.id, "engine-svc", TokenKind::Service);
    let agent_routes = [
        ("GET", format!("/v1/skills/agents/{a_agent}")),
        ("GET", format!("/v1/skills/agents/{a_agent}/manifest")),
        (
            "POST",
            format!("/v1/skills/agents/{a_agent}/code-review/grant"),
        ),
        ("DELETE", format!("/v1/skills/agents/{a_agent}/{sid}")),
        ("GET", format!("/v1/skills/agents/{a_agent}/{sid}/content")),
        (
            "GET",
            format!("/v1/skills/agents/{a_agent}/code-review/content?file=references/checklist.md"),
        ),
        (
            "GET",
            format!("/v1/skills/agents/{a_agent}/code-review/files"),
        ),
    ];
    for (method, path) in &agent_routes {
        for token in [&b.token, &b_agent_token, &b_service] {
            let (status, err) = send(&app, method, path, token, None).await;
            if token == &b_service && *method != "GET" {
                // Services never change grants: refused by kind, before any lookup.
                assert_error(status, &err, 403, "forbidden");
            } else {
                assert_error(status, &err, 404, "agent_not_found");
            }
        }
    }
    for (method, path, body) in [
        ("GET", format!("/v1/skills/{sid}"), None),
        ("GET", "/v1/skills/secret-sauce".to_owned(), None),
        (
            "PUT",
            format!("/v1/skills/{sid}"),
            Some(j!({"content": "stolen"})),
        ),
        (
            "PATCH",
            format!("/v1/skills/{sid}/enabled?enabled=false"),
            None,
        ),
        ("DELETE", format!("/v1/skills/{sid}"), None),
        (
            "POST",
            format!("/v1/skills/agents/{b_agent}/{sid}/grant"),
            None,
        ),
        (
            "GET",
            format!("/v1/skills/agents/{b_agent}/{sid}/content"),
            None,
        ),
    ] {
        let (status, err) = send(&app, method, &path, &b.token, body).await;
        assert_error(status, &err, 404, "skill_not_found");
    }
    let (_, b_list) = send(&app, "GET", "/v1/skills/", &b.token, None).await;
    assert!(!slugs(&b_list).contains(&"secret-sauce".to_owned()));
    let after = send(
        &app,
        "GET",
        &format!("/v1/skills/agents/{a_agent}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(before, after, "A's grants unchanged");
    let (_, still) = send(&app, "GET", &format!("/v1/skills/{sid}"), &a.token, None).await;
    assert_eq!(
        (&still["content"], &still["enabled"]),
        (&j!("c"), &j!(true))
    );
}
