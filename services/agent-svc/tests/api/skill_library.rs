//! The global skill library: seeded from the repository's skills/, readable by every tenant,
//! changed by none (through the API or in SQL), reseeded in place.

use kit::db::{LookupTx, TenantTx};
use kit::testing::TestApp;
use serde_json::json as j;

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};
use crate::skills::{create_skill, slugs};

async fn global_id(app: &TestApp, t: &Tenant, slug: &str) -> String {
    let (status, skill) = send(app, "GET", &format!("/v1/skills/{slug}"), &t.token, None).await;
    assert_eq!(status, 200, "{skill}");
    skill["skill_id"].as_str().expect("skill_id").to_owned()
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
    assert!(
        review["skill_id"]
            .as_str()
            .expect("skill_id")
            .starts_with("skl_")
    );
    assert_eq!(review["id"], "code-review", "the contract's id is the slug");
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
        .bind(own["skill_id"].as_str())
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
    agent_svc::flows::catalog::seed(&app.platform, &config)
        .await
        .expect("reseed");

    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(
        slugs(&list),
        ["alpha-skill"],
        "beta removed, broken skipped"
    );
    assert_eq!(list[0]["skill_id"], j!(alpha), "ids survive a reseed");
    assert_eq!(list[0]["content"], "one, revised");
    let grants: i64 = sqlx::query_scalar("select count(*) from agent.agent_skills")
        .fetch_one(&app.db.admin)
        .await
        .expect("count");
    assert_eq!(grants, 0, "the grant of the removed skill went with it");

    // A SKILL.md that breaks keeps the last good version (and the grants of it).
    std::fs::write(dir.join("alpha-skill/SKILL.md"), "frontmatter gone").expect("write");
    agent_svc::flows::catalog::seed(&app.platform, &config)
        .await
        .expect("reseed");
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(list[0]["content"], "one, revised");

    // A SKILLS_DIR that does not exist leaves the library alone.
    let missing = crate::helpers::agent_config(j!({ "skills_dir": dir.join("absent") }));
    agent_svc::flows::catalog::seed(&app.platform, &missing)
        .await
        .expect("seed");
    let (_, list) = send(&app, "GET", "/v1/skills/", &a.token, None).await;
    assert_eq!(slugs(&list), ["alpha-skill"]);
}
