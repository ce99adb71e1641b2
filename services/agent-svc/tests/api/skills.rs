//! Tenant skills: create, read, change and delete in their tenant, unique slugs, bad input, and
//! the parse helper. The global library has its own file (skill_library.rs).

use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, assert_error, send, spawn, tenant};

/// A skill written by the tenant's owner as an administrator (approved at once).
pub async fn create_skill(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let admin = crate::secrets::admin_token(app, t, &t.user);
    let (status, skill) = send(app, "POST", "/v1/skills/", &admin, Some(body)).await;
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
    // The contract's id is the slug; the internal id stays as `skill_id`, and both name it.
    assert_eq!(skill["id"], "release-notes");
    let id = skill["skill_id"].as_str().expect("skill_id");
    assert!(id.starts_with("skl_"), "{skill}");

    for key in [id, "release-notes"] {
        let (status, got) = send(&app, "GET", &format!("/v1/skills/{key}"), &a.token, None).await;
        assert_eq!(
            (status, &got["id"], &got["skill_id"]),
            (200, &j!("release-notes"), &j!(id))
        );
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
