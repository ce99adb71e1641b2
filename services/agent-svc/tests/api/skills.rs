//! The skill library: global skills seeded from skills/, tenant skills, read-only globals (API and
//! row-level security), the parse helper, and seeding itself.

use kit::db::{LookupTx, TenantTx};
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};

pub async fn create_skill(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let (status, skill) = send(app, "POST", "/v1/skills/", &t.token, Some(body)).await;
    assert_eq!(status, 200, "{skill}");
    skill
}

pub fn slugs(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug").to_owned())
        .collect()
}

async fn global_id(app: &TestApp, t: &Tenant, slug: &str) -> String {
    let (status, skill) = send(app, "GET", &format!("/v1/skills/{slug}"), &t.token, None).await;
    assert_eq!(status, 200, "{skill}");
    skill["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_repository_library_is_seeded_as_global_skills() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (status, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        slugs(&list),
        [
            "code-review",
            "incident-postmortem",
            "summarize-document",
            "task-breakdown"
        ]
    );
    let review = &list[0];
    assert_eq!(review["is_global"], true);
    assert_eq!(review["name"], "Code Review");
    assert_eq!(review["scope"], "global");
    assert_eq!(review["has_files"], true);
    assert_eq!(review["enabled"], true);
    assert!(review["id"].as_str().expect("id").starts_with("skl_"));
    assert!(
        review["tags"]
            .as_array()
            .expect("tags")
            .contains(&j!("review"))
    );
    assert!(
        review["content"]
            .as_str()
            .expect("body")
            .starts_with("# Reviewing code")
    );
    assert_eq!(
        list[2]["has_files"], false,
        "summarize-document has no companions"
    );
}

#[tokio::test]
async fn tenant_skills_round_trip_and_stay_in_their_tenant() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let skill = create_skill(
        &app,
        &a,
        j!({"name": "Release Notes", "description": "Write release notes",
            "tags": ["writing"], "content": "# Notes\nList changes."}),
    )
    .await;
    assert_eq!(skill["slug"], "release-notes");
    assert_eq!(skill["is_global"], false);
    assert_eq!(skill["created_by"], a.user.as_str());
    let id = skill["id"].as_str().expect("id");

    for key in [id, "release-notes"] {
        let (status, got) = send(&app, "GET", &format!("/v1/skills/{key}"), &a.token, None).await;
        assert_eq!((status, &got["id"]), (200, &j!(id)));
    }
    let (status, updated) = send(
        &app,
        "PUT",
        &format!("/v1/skills/{id}"),
        &a.token,
        Some(j!({"content": "# Notes v2", "tags": ["writing", "release"]})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["content"], "# Notes v2");
    assert_eq!(updated["description"], "Write release notes", "untouched");
    let (status, off) = send(
        &app,
        "PATCH",
        "/v1/skills/release-notes/enabled?enabled=false",
        &a.token,
        None,
    )
    .await;
    assert_eq!((status, &off["enabled"]), (200, &j!(false)));
    let (status, err) = send(
        &app,
        "PATCH",
        "/v1/skills/release-notes/enabled?enabled=maybe",
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");

    let (_, b_list) = send(&app, "GET", "/v1/skills/", &b.token, None).await;
    assert!(!slugs(&b_list).contains(&"release-notes".to_owned()));
    // Beta may create its own skill with the same slug.
    create_skill(
        &app,
        &b,
        j!({"name": "release-notes", "description": "d", "content": "x"}),
    )
    .await;

    let (status, gone) = send(&app, "DELETE", &format!("/v1/skills/{id}"), &a.token, None).await;
    assert_eq!((status, &gone["deleted"]), (200, &j!(id)));
    let (status, err) = send(&app, "GET", &format!("/v1/skills/{id}"), &a.token, None).await;
    assert_error(status, &err, 404, "skill_not_found");
}

#[tokio::test]
async fn slugs_are_unique_across_the_tenant_and_the_global_library() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let body = j!({"name": "Mine", "slug": "mine", "description": "d", "content": "x"});
    create_skill(&app, &a, body.clone()).await;
    let (status, err) = send(&app, "POST", "/v1/skills/", &a.token, Some(body)).await;
    assert_error(status, &err, 409, "skill_exists");
    let (status, err) = send(
        &app,
        "POST",
        "/v1/skills/",
        &a.token,
        Some(j!({"name": "Code Review", "description": "d", "content": "x"})),
    )
    .await;
    assert_error(status, &err, 409, "skill_exists");
}

#[tokio::test]
async fn global_skills_are_read_only_through_the_api() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = global_id(&app, &a, "code-review").await;
    for (method, path, body) in [
        (
            "PUT",
            format!("/v1/skills/{id}"),
            Some(j!({"content": "mine now"})),
        ),
        (
            "PUT",
            "/v1/skills/code-review".to_owned(),
            Some(j!({"enabled": false})),
        ),
        (
            "PATCH",
            format!("/v1/skills/{id}/enabled?enabled=false"),
            None,
        ),
        ("DELETE", format!("/v1/skills/{id}"), None),
    ] {
        let (status, err) = send(&app, method, &path, &a.token, body).await;
        assert_error(status, &err, 403, "global_read_only");
    }
    let (_, skill) = send(&app, "GET", &format!("/v1/skills/{id}"), &a.token, None).await;
    assert_eq!(skill["enabled"], true);
    assert!(
        skill["content"]
            .as_str()
            .expect("c")
            .starts_with("# Reviewing code")
    );
}

#[tokio::test]
async fn a_tenant_transaction_cannot_write_global_rows() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let id = global_id(&app, &a, "code-review").await;
    let pool = app.platform.db.pool();

    let mut tx = TenantTx::begin(pool, &a.id).await.expect("tx");
    let seen: i64 = sqlx::query_scalar("select count(*) from agent.skills where tenant_id is null")
        .fetch_one(&mut *tx)
        .await
        .expect("read");
    assert_eq!(seen, 4, "global rows are readable");
    let updated = sqlx::query("update agent.skills set content = 'x' where id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .expect("update runs");
    assert_eq!(updated.rows_affected(), 0);
    let deleted = sqlx::query("delete from agent.skills where id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await
        .expect("delete runs");
    assert_eq!(deleted.rows_affected(), 0);
    let inserted = sqlx::query(
        "insert into agent.skills (id, tenant_id, is_global, slug, name, created_by, created_at, updated_at)
         values ('skl_forged', null, true, 'forged', 'Forged', 'x', 0, 0)",
    )
    .execute(&mut *tx)
    .await;
    let err = inserted.expect_err("RLS refuses a global insert");
    assert!(err.to_string().contains("row-level security"), "{err}");
    drop(tx);

    // Claiming a global row for the tenant is refused too (WITH CHECK on the new row).
    let mut tx = TenantTx::begin(pool, &a.id).await.expect("tx");
    let claimed =
        sqlx::query("update agent.skills set tenant_id = $1, is_global = false where id = $2")
            .bind(a.id.as_str())
            .bind(&id)
            .execute(&mut *tx)
            .await
            .expect("update runs");
    assert_eq!(claimed.rows_affected(), 0);
    drop(tx);

    // The catalog capability reaches global rows only, never a tenant's.
    let own = create_skill(
        &app,
        &a,
        j!({"name": "own", "description": "d", "content": "x"}),
    )
    .await;
    let mut tx = LookupTx::begin(pool, "app.scope", "catalog")
        .await
        .expect("tx");
    let touched = sqlx::query("update agent.skills set content = 'x' where id = $1")
        .bind(own["id"].as_str())
        .execute(&mut *tx)
        .await
        .expect("update runs");
    assert_eq!(touched.rows_affected(), 0);
    let content: String = sqlx::query_scalar("select content from agent.skills where id = $1")
        .bind(&id)
        .fetch_one(&app.db.admin)
        .await
        .expect("read");
    assert!(
        content.starts_with("# Reviewing code"),
        "global row unchanged"
    );
}

#[tokio::test]
async fn bad_skills_are_refused_with_field_paths_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let ok = j!({"name": "N", "description": "d", "content": "x"});
    let with = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    let huge = "x".repeat(300 * 1024);
    let tags: Vec<String> = (0..33).map(|i| format!("t{i}")).collect();
    for (body, path) in [
        (with("name", j!("")), "name"),
        (with("name", j!("!!!")), "name"),
        (with("slug", j!("Bad Slug")), "slug"),
        (with("slug", j!("parse")), "slug"),
        (with("description", j!(" ")), "description"),
        (with("content", j!("")), "content"),
        (with("content", j!(huge)), "content"),
        (with("tags", j!(tags)), "tags"),
        (with("tags", j!(["x".repeat(65)])), "tags[0]"),
        (with("scope", j!("team")), "scope"),
        (with("scope", j!("agent")), "owner_agent_id"),
        (with("has_files", j!(true)), "has_files"),
        (with("colour", j!("red")), "colour"),
    ] {
        let (status, err) = send(&app, "POST", "/v1/skills/", &a.token, Some(body.clone())).await;
        assert!(status == 422 || status == 413, "{body}: {status} {err}");
        if status == 422 {
            assert!(err.to_string().contains(path), "{path} missing in {err}");
        }
    }
    let (status, err) = send(
        &app,
        "POST",
        "/v1/skills/",
        &a.token,
        Some(with("owner_agent_id", j!("agt_nobody"))),
    )
    .await;
    assert_error(status, &err, 404, "agent_not_found");
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(list.as_array().expect("list").len(), 4, "only the globals");
}

#[tokio::test]
async fn parse_checks_a_skill_document() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let raw =
        "---\nname: Data Cleanup\ndescription: Tidy a CSV\ntags: [data]\n---\n# Steps\n1. Load";
    let (status, parsed) = send(
        &app,
        "POST",
        "/v1/skills/parse",
        &a.token,
        Some(j!({ "raw": raw })),
    )
    .await;
    assert_eq!(status, 200, "{parsed}");
    assert_eq!(parsed["valid"], true);
    assert_eq!(parsed["name"], "data-cleanup");
    assert_eq!(parsed["content"], "# Steps\n1. Load");
    assert_eq!(parsed["tags"], j!(["data"]));
    assert_eq!(parsed["name_conflict"], false);

    let clash = "---\nname: code-review\ndescription: mine\n---\nbody";
    let (_, parsed) = send(
        &app,
        "POST",
        "/v1/skills/parse",
        &a.token,
        Some(j!({ "raw": clash })),
    )
    .await;
    assert_eq!(parsed["name_conflict"], true);

    let (status, parsed) = send(
        &app,
        "POST",
        "/v1/skills/parse",
        &a.token,
        Some(j!({"raw": "no frontmatter"})),
    )
    .await;
    assert_eq!((status, &parsed["valid"]), (200, &j!(false)));
    assert!(
        parsed["error"]
            .as_str()
            .expect("error")
            .contains("frontmatter")
    );

    let (status, err) = send(
        &app,
        "POST",
        "/v1/skills/parse",
        &a.token,
        Some(j!({"url": "https://example.com/SKILL.md"})),
    )
    .await;
    assert_error(status, &err, 422, "validation_failed");
    assert!(err.to_string().contains("raw"), "{err}");
}

fn write_skill(dir: &std::path::Path, slug: &str, body: &str) {
    std::fs::create_dir_all(dir.join(slug)).expect("mkdir");
    let doc = format!("---\nname: {slug}\ndescription: about {slug}\n---\n{body}");
    std::fs::write(dir.join(slug).join("SKILL.md"), doc).expect("write");
}

#[tokio::test]
async fn reseeding_updates_in_place_and_removes_skills_whose_folder_is_gone() {
    let dir =
        std::env::temp_dir().join(format!("djb-skills-{}", shared_schemas::ids::random_body()));
    write_skill(&dir, "alpha-skill", "one");
    write_skill(&dir, "beta-skill", "two");
    let app = crate::helpers::spawn_with(j!({ "skills_dir": dir })).await;
    let config = crate::helpers::agent_config(j!({ "skills_dir": dir }));
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let beta = global_id(&app, &a, "beta-skill").await;
    let alpha = global_id(&app, &a, "alpha-skill").await;
    let (status, _) = send(
        &app,
        "POST",
        &format!("/v1/skills/agents/{agent_id}/{beta}/grant"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200);

    write_skill(&dir, "alpha-skill", "one, revised");
    std::fs::remove_dir_all(dir.join("beta-skill")).expect("rm");
    std::fs::create_dir_all(dir.join("broken")).expect("mkdir");
    std::fs::write(dir.join("broken/SKILL.md"), "no frontmatter").expect("write");
    agent_svc::catalog::seed(&app.platform, &config)
        .await
        .expect("reseed");

    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(
        slugs(&list),
        ["alpha-skill"],
        "beta removed, broken skipped"
    );
    assert_eq!(list[0]["id"], j!(alpha), "ids survive a reseed");
    assert_eq!(list[0]["content"], "one, revised");
    let grants: i64 = sqlx::query_scalar("select count(*) from agent.agent_skills")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(grants, 0, "the grant of the removed skill went with it");

    // A SKILL.md that breaks keeps the last good version (and the grants of it).
    std::fs::write(dir.join("alpha-skill/SKILL.md"), "frontmatter gone").expect("write");
    agent_svc::catalog::seed(&app.platform, &config)
        .await
        .expect("reseed");
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(list[0]["content"], "one, revised");

    // A SKILLS_DIR that does not exist leaves the library alone.
    let missing = crate::helpers::agent_config(j!({ "skills_dir": dir.join("absent") }));
    agent_svc::catalog::seed(&app.platform, &missing)
        .await
        .expect("seed");
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(slugs(&list), ["alpha-skill"]);
}
