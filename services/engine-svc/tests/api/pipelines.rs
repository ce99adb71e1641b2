//! `/v1/pipelines`: the globals every tenant reads, a tenant's own pipelines, shadowing, who may
//! write, and YAML that is refused with the line of each problem.

use kit::TokenKind;
use kit::testing::{Method, StatusCode};
use serde_json::{Value, json};

use crate::pipelines_support::{body, fixture, repo_root, spawn, validate_stored, yaml};

fn ids(list: &Value) -> Vec<(String, bool)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            let id = p["id"].as_str().expect("id").to_owned();
            (id, p["is_global"].as_bool().expect("is_global"))
        })
        .collect()
}

#[tokio::test]
async fn globals_are_listed_and_read_by_every_credential_of_the_tenant() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let agent = app.token(&a.id, "agt_reader0000000", TokenKind::Agent);
    let service = app.token(&a.id, "svc:project-svc", TokenKind::Service);
    for token in [&a.token, &agent, &service] {
        let (status, list) = app.client.bearer(token).get("/v1/pipelines/").await;
        assert_eq!(status, StatusCode::OK, "{list}");
        for id in ["execute", "feature-delivery", "planning"] {
            assert!(ids(&list).contains(&(id.to_owned(), true)), "{id}: {list}");
        }
        let (status, one) = app.client.bearer(token).get("/v1/pipelines/planning").await;
        assert_eq!(status, StatusCode::OK, "{one}");
        assert_eq!(one["source"], "global");
        assert_eq!(one["name"], "Project Planning");
        assert_eq!(one["steps"][0]["id"], "BREAKDOWN");
        assert_eq!(one["agents"][0]["id"], "planner");
    }
    let (_, raw) = app
        .client
        .bearer(&a.token)
        .get("/v1/pipelines/execute/raw")
        .await;
    let file = std::fs::read_to_string(repo_root().join("pipelines/execute.yml")).expect("file");
    assert_eq!(
        raw,
        json!({"pipeline_id": "execute", "yaml": file, "file": "execute.yml"})
    );
    let (status, body) = app
        .client
        .bearer(&a.token)
        .get("/v1/pipelines/nothing")
        .await;
    kit::testing::assert_error(status.as_u16(), &body, 404, "not_found");
}

#[tokio::test]
async fn a_tenant_creates_reads_changes_and_deletes_its_pipeline() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    let created = app
        .client
        .setup_expect(
            Method::POST,
            "/v1/pipelines/",
            &a.token,
            body(&yaml("mine", "Mine", "do {{task_description}}")),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["id"], "mine");
    assert_eq!(created["is_global"], false);
    assert_eq!(created["source"], "tenant");
    assert_eq!(created["version"], "1.0.0");
    assert_eq!(created["description"], "a test pipeline");
    assert_eq!(created["steps"][0]["outputs"], json!(["summary"]));

    let (status, again) = user
        .post("/v1/pipelines/", body(&yaml("mine", "Again", "x")))
        .await;
    kit::testing::assert_error(status.as_u16(), &again, 409, "pipeline_exists");

    let (_, list) = user.get("/v1/pipelines/").await;
    assert!(ids(&list).contains(&("mine".to_owned(), false)), "{list}");

    let changed = yaml("mine", "Mine v2", "again {{task_description}}");
    let (status, put) = user.put("/v1/pipelines/mine", body(&changed)).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["status"], "updated");
    assert_eq!(put["file"], "mine.yml");
    assert_eq!(put["pipeline"]["name"], "Mine v2");
    let (_, raw) = user.get("/v1/pipelines/mine/raw").await;
    assert_eq!(raw["yaml"], changed.as_str());

    let (status, wrong) = user
        .put("/v1/pipelines/mine", body(&yaml("other", "Other", "x")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{wrong}");
    assert_eq!(wrong["code"], "invalid_pipeline");
    assert_eq!(
        (&wrong["errors"][0]["path"], &wrong["errors"][0]["line"]),
        (&json!("id"), &json!(1))
    );

    let (status, deleted) = user.delete("/v1/pipelines/mine").await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(
        deleted,
        json!({"pipeline_id": "mine", "status": "deleted", "global_restored": false})
    );
    assert_eq!(
        user.get("/v1/pipelines/mine").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        user.delete("/v1/pipelines/mine").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, missing) = user
        .put("/v1/pipelines/mine", body(&yaml("mine", "New", "x")))
        .await;
    kit::testing::assert_error(status.as_u16(), &missing, 404, "not_found");
}

#[tokio::test]
async fn a_tenant_copy_shadows_a_global_until_it_is_deleted() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    let user = app.client.bearer(&a.token);
    let mine = yaml("planning", "Our Planning", "plan {{task_description}}");
    let (status, created) = user.post("/v1/pipelines/", body(&mine)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let (_, list) = user.get("/v1/pipelines/").await;
    let planning: Vec<_> = ids(&list)
        .into_iter()
        .filter(|(id, _)| id == "planning")
        .collect();
    assert_eq!(
        planning,
        [("planning".to_owned(), false)],
        "one entry, A's own"
    );
    assert_eq!(
        user.get("/v1/pipelines/planning").await.1["name"],
        "Our Planning"
    );
    let (_, for_b) = app
        .client
        .bearer(&b.token)
        .get("/v1/pipelines/planning")
        .await;
    assert_eq!(
        for_b["name"], "Project Planning",
        "B still runs the global one"
    );

    let (status, deleted) = user.delete("/v1/pipelines/planning").await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["global_restored"], true);
    let (_, back) = user.get("/v1/pipelines/planning").await;
    assert_eq!(
        (&back["name"], &back["is_global"]),
        (&json!("Project Planning"), &json!(true))
    );

    // PUT on a global's id makes the tenant's copy; the global row is untouched.
    let (status, put) = user.put("/v1/pipelines/planning", body(&mine)).await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["status"], "created");
    assert_eq!(put["pipeline"]["is_global"], false);
    let (_, raw) = user.get("/v1/pipelines/planning/raw").await;
    assert_eq!(raw["yaml"], mine.as_str());
    let (_, for_b) = app
        .client
        .bearer(&b.token)
        .get("/v1/pipelines/planning/raw")
        .await;
    assert_ne!(for_b["yaml"], mine.as_str());

    assert_eq!(
        user.delete("/v1/pipelines/planning").await.0,
        StatusCode::OK
    );
    let (status, refused) = user.delete("/v1/pipelines/planning").await;
    kit::testing::assert_error(status.as_u16(), &refused, 403, "global_read_only");
    assert_eq!(
        user.get("/v1/pipelines/planning").await.1["is_global"],
        true
    );
}

#[tokio::test]
async fn agents_read_pipelines_but_only_users_and_services_write_them() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let agent = app.token(&a.id, "agt_writer0000000", TokenKind::Agent);
    let service = app.token(&a.id, "svc:project-svc", TokenKind::Service);
    let as_agent = app.client.bearer(&agent);
    let (status, refused) = as_agent
        .post("/v1/pipelines/", body(&yaml("by-agent", "A", "x")))
        .await;
    kit::testing::assert_error(status.as_u16(), &refused, 403, "forbidden");
    let (status, _) = app
        .client
        .bearer(&service)
        .post("/v1/pipelines/", body(&yaml("by-service", "S", "x")))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let change = body(&yaml("by-service", "Changed", "x"));
    assert_eq!(
        as_agent.put("/v1/pipelines/by-service", change).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_agent.delete("/v1/pipelines/by-service").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        as_agent
            .put("/v1/pipelines/planning", body(&yaml("planning", "P", "x")))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, still) = as_agent.get("/v1/pipelines/by-service").await;
    assert_eq!(still["name"], "S");
}

#[tokio::test]
async fn invalid_yaml_is_refused_with_the_line_of_each_problem() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    let refused = |text: &str| body(text);

    let (status, syntax) = user
        .post(
            "/v1/pipelines/",
            refused("id: x\nname: [unclosed\nversion: 1\n"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{syntax}");
    assert_eq!(syntax["code"], "invalid_pipeline");
    assert!(
        syntax["errors"][0]["line"].as_u64().expect("line") >= 2,
        "{syntax}"
    );

    let broken = "id: broken\nname: B\nversion: '1'\nagents:\n  - {id: a, name: A, persona: x}\n\
                  steps:\n  - id: S\n    agent: nobody\n    input: go\n    onComplete: NOWHERE\n";
    let (status, refs) = user.post("/v1/pipelines/", refused(broken)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refs}");
    let problems: Vec<(Value, Value, Value)> = refs["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["line"].clone(), e["column"].clone(), e["path"].clone()))
        .collect();
    assert_eq!(
        problems,
        [
            (json!(8), json!(12), json!("steps[0].agent")),
            (json!(10), json!(17), json!("steps[0].onComplete")),
        ]
    );

    let (status, bad_id) = user
        .post("/v1/pipelines/", refused(&yaml("_hidden", "H", "x")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad_id}");
    assert_eq!(bad_id["errors"][0]["path"], "id");

    let (status, empty) = user.post("/v1/pipelines/", refused("  ")).await;
    kit::testing::assert_error(status.as_u16(), &empty, 422, "validation_failed");

    let mut bomb = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let below = format!("*a{}", level - 1);
        bomb.push_str(&format!(
            "a{level}: &a{level} [{}]\n",
            vec![below; 9].join(", ")
        ));
    }
    let started = std::time::Instant::now();
    let (status, refused_bomb) = user.post("/v1/pipelines/", refused(&bomb)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused_bomb}");
    assert!(
        refused_bomb["errors"][0]["message"]
            .as_str()
            .expect("message")
            .contains("aliases"),
        "{refused_bomb}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    let huge = format!(
        "{}description: \"{}\"\n",
        yaml("huge", "H", "x"),
        "x".repeat(300 * 1024)
    );
    let (status, too_large) = user.put("/v1/pipelines/planning", refused(&huge)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{too_large}");
    assert!(
        too_large["detail"]
            .as_str()
            .expect("detail")
            .contains("256 KiB"),
        "{too_large}"
    );

    let (_, list) = user.get("/v1/pipelines/").await;
    assert!(
        ids(&list).iter().all(|(_, global)| *global),
        "nothing stored: {list}"
    );
}

#[tokio::test]
async fn the_shared_fixtures_are_accepted_and_validate_without_errors() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    for (name, id) in [
        ("feature-delivery.yml", "feature-delivery"),
        ("bug-triage.yml", "bug-triage"),
        ("docs-refresh.yml", "docs-refresh"),
    ] {
        let (status, created) = user.post("/v1/pipelines/", body(&fixture(name))).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {created}");
        assert_eq!(created["id"], id);
        let (status, report) = validate_stored(&app, &a.token, id).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(
            report,
            json!({"valid": true, "errors": [], "warnings": [], "pipeline_id": id}),
            "{name}"
        );
    }
}

#[tokio::test]
async fn concurrent_writes_of_one_id_make_one_pipeline_and_no_server_error() {
    let app = spawn().await;
    let a = app.tenant("Alpha").await;
    let user = app.client.bearer(&a.token);
    let posts = (0..4).map(|i| {
        user.post(
            "/v1/pipelines/",
            body(&yaml("raced", &format!("R{i}"), "x")),
        )
    });
    let puts = (0..4).map(|i| {
        user.put(
            "/v1/pipelines/execute",
            body(&yaml("execute", &format!("E{i}"), "x")),
        )
    });
    let (posts, puts) = tokio::join!(
        futures_util::future::join_all(posts),
        futures_util::future::join_all(puts)
    );
    let created = posts
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{posts:?}");
    assert!(
        posts
            .iter()
            .all(|(s, b)| *s == StatusCode::CREATED || b["code"] == "pipeline_exists"),
        "{posts:?}"
    );
    let copies = puts
        .iter()
        .filter(|(_, b)| b["status"] == "created")
        .count();
    assert_eq!(copies, 1, "one PUT makes the copy: {puts:?}");
    assert!(
        puts.iter()
            .all(|(s, b)| *s == StatusCode::OK || b["code"] == "pipeline_changed"),
        "{puts:?}"
    );
    let (_, list) = user.get("/v1/pipelines/").await;
    let ours: Vec<_> = ids(&list)
        .into_iter()
        .filter(|(id, _)| id == "execute" || id == "raced")
        .collect();
    assert_eq!(
        ours,
        [("execute".to_owned(), false), ("raced".to_owned(), false)]
    );
}
