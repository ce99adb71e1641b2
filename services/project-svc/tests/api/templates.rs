//! `/v1/project-templates/`: the built-in catalog as tenants see it, tenant templates, clones,
//! validation, and tenant B against tenant A's templates.

use kit::TokenKind;
use kit::testing::Method;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, assert_error, send, spawn, tenant};

pub const BUILTINS: [&str; 4] = [
    "software-kanban",
    "research",
    "content-pipeline",
    "simple-todo",
];

pub fn board() -> Value {
    j!({
        "name": "Sales",
        "slug": "sales",
        "icon": "💼",
        "columns": [
            {"name": "Leads", "statuses": ["lead"]},
            {"name": "Talking", "statuses": ["talking"], "wip_limit": 3},
            {"name": "Won", "statuses": ["won"]},
            {"name": "Lost", "statuses": ["lost"]},
        ],
        "statusSemantics": {"initial": ["lead"], "terminal_done": ["won"], "terminal_fail": ["lost"]},
        "sortOrder": 15,
    })
}

pub async fn create(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let (status, body) = send(app, "POST", "/v1/project-templates/", &t.token, Some(body)).await;
    assert_eq!(status, 201, "{body}");
    body
}

pub fn slugs(list: &Value) -> Vec<String> {
    list["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["slug"].as_str().expect("slug").to_owned())
        .collect()
}

async fn tenant_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from project.project_templates where tenant_id is not null")
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_catalog_and_the_tenants_templates_are_listed_by_sort_order() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let (status, list) = send(&app, "GET", "/v1/project-templates/", &a.token, None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(slugs(&list), BUILTINS);
    let kanban = &list["templates"][0];
    assert_eq!(kanban["is_builtin"], true);
    assert_eq!(kanban["columns"][0]["name"], "Backlog");
    assert_eq!(kanban["columns"][0]["position"], 0);
    assert_eq!(kanban["columns"][2]["wip_limit"], 5);
    assert_eq!(kanban["status_semantics"]["terminal_done"], j!(["done"]));

    let mine = create(&app, &a, board()).await;
    assert_eq!(mine["is_builtin"], false);
    assert_eq!(mine["columns"][1]["position"], 1);
    assert!(mine["id"].as_str().expect("id").starts_with("tpl_"));
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &a.token, None)
        .await;
    assert_eq!(
        slugs(&list),
        [
            "software-kanban",
            "sales",
            "research",
            "content-pipeline",
            "simple-todo"
        ]
    );

    // By id or by slug, built-in or own; any credential of the tenant reads.
    let agent = app.token(&a.id, "agt_reader", TokenKind::Agent);
    for key in [mine["id"].as_str().expect("id"), "sales", "research"] {
        let (status, one) = send(
            &app,
            "GET",
            &format!("/v1/project-templates/{key}"),
            &agent,
            None,
        )
        .await;
        assert_eq!(status, 200, "{one}");
    }
    let (status, body) = send(&app, "GET", "/v1/project-templates/nope", &a.token, None).await;
    assert_error(status, &body, 404, "template_not_found");
}

#[tokio::test]
async fn a_template_with_a_broken_board_or_a_taken_slug_is_refused_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mut many = board();
    many["columns"] = (0..51)
        .map(|i| j!({"name": format!("c{i}"), "statuses": [format!("s{i}")]}))
        .collect();
    let cases: Vec<(Value, &str)> = vec![
        (j!({"columns": []}), "columns"),
        (many, "columns"),
        (
            j!({"columns": [{"name": "A", "statuses": ["lead"]}, {"name": "a", "statuses": ["won"]}]}),
            "columns[1].name",
        ),
        (
            j!({"columns": [{"name": "A", "statuses": []}, {"name": "B", "statuses": ["lead", "won"]}]}),
            "columns[0].statuses",
        ),
        (
            j!({"columns": [{"name": "A", "statuses": [""]}, {"name": "B", "statuses": ["lead", "won"]}]}),
            "columns[0].statuses[0]",
        ),
        (
            j!({"columns": [{"name": "A", "statuses": ["lead"]}, {"name": "B", "statuses": ["lead", "won"]}]}),
            "columns[1].statuses[0]",
        ),
        (
            j!({"statusSemantics": {"initial": ["nowhere"], "terminal_done": ["won"]}}),
            "statusSemantics.initial[0]",
        ),
        (j!({"slug": "Not A Slug"}), "slug"),
        (j!({"slug": "seed"}), "slug"),
        (j!({"name": " "}), "name"),
        (j!({"icon": "x".repeat(17)}), "icon"),
        (
            j!({"onboardingAgentChain": ["stas"]}),
            "onboardingAgentChain[0]",
        ),
        (j!({"defaultPipelineId": "bad id"}), "defaultPipelineId"),
    ];
    for (patch, path) in cases {
        let mut body = board();
        for (k, v) in patch.as_object().expect("patch") {
            body[k] = v.clone();
        }
        let (status, res) =
            send(&app, "POST", "/v1/project-templates/", &a.token, Some(body)).await;
        assert_error(status, &res, 422, "validation_failed");
        assert!(res.to_string().contains(path), "{path}: {res}");
    }
    let mut unknown = board();
    unknown["surprise"] = j!(1);
    let (status, res) = send(
        &app,
        "POST",
        "/v1/project-templates/",
        &a.token,
        Some(unknown),
    )
    .await;
    assert_eq!(status, 422, "{res}");
    assert_eq!(tenant_rows(&app).await, 0);

    // A built-in's slug, then the tenant's own slug twice: 409.
    let mut taken = board();
    taken["slug"] = j!("research");
    let (status, res) = send(
        &app,
        "POST",
        "/v1/project-templates/",
        &a.token,
        Some(taken),
    )
    .await;
    assert_error(status, &res, 409, "template_exists");
    create(&app, &a, board()).await;
    let (status, res) = send(
        &app,
        "POST",
        "/v1/project-templates/",
        &a.token,
        Some(board()),
    )
    .await;
    assert_error(status, &res, 409, "template_exists");
    assert_eq!(tenant_rows(&app).await, 1);

    // Writes are for users.
    let agent = app.token(&a.id, "agt_writer", TokenKind::Agent);
    let mut other = board();
    other["slug"] = j!("other");
    let (status, _) = send(&app, "POST", "/v1/project-templates/", &agent, Some(other)).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn built_ins_are_read_only_and_are_cloned_instead() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    for (method, body) in [("PUT", Some(j!({"name": "Mine now"}))), ("DELETE", None)] {
        let (status, res) = send(
            &app,
            method,
            "/v1/project-templates/research",
            &a.token,
            body,
        )
        .await;
        assert_error(status, &res, 403, "builtin_read_only");
    }
    let (_, research) = send(
        &app,
        "GET",
        "/v1/project-templates/research",
        &a.token,
        None,
    )
    .await;
    assert_eq!(research["name"], "Research project");

    let (status, copy) = send(
        &app,
        "POST",
        "/v1/project-templates/research/clone",
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 201, "{copy}");
    assert_eq!(copy["slug"], "research-copy");
    assert_eq!(copy["name"], "Research project (copy)");
    assert_eq!(copy["is_builtin"], false);
    assert_eq!(copy["columns"], research["columns"]);
    let (_, again) = send(
        &app,
        "POST",
        "/v1/project-templates/research/clone",
        &a.token,
        None,
    )
    .await;
    assert_eq!(again["slug"], "research-copy-2");

    // The copy is the tenant's: it changes (fields given, the rest kept) and goes away.
    let path = format!("/v1/project-templates/{}", copy["id"].as_str().expect("id"));
    let (status, changed) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"name": "Our research", "icon": "🧪", "metadata": {"team": "R&D"}})),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Our research");
    assert_eq!(changed["metadata"]["team"], "R&D");
    assert_eq!(changed["columns"], research["columns"]);
    let (status, res) = send(&app, "DELETE", &path, &a.token, None).await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["status"], "deleted");
    let (status, res) = send(&app, "GET", &path, &a.token, None).await;
    assert_error(status, &res, 404, "template_not_found");
}

#[tokio::test]
async fn an_update_is_checked_as_a_whole_and_a_refused_one_changes_nothing() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let mine = create(&app, &a, board()).await;
    let path = format!("/v1/project-templates/{}", mine["id"].as_str().expect("id"));
    // New columns without `lead`, which the semantics still call initial.
    let (status, res) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({"name": "Renamed", "columns": [{"name": "Won", "statuses": ["won"]}]})),
    )
    .await;
    assert_error(status, &res, 422, "validation_failed");
    assert!(
        res.to_string().contains("statusSemantics.initial[0]"),
        "{res}"
    );
    let now = app.client.setup(Method::GET, &path, &a.token, None).await;
    assert_eq!(now["name"], "Sales");
    assert_eq!(now["columns"], mine["columns"]);

    // Both together are fine; positions follow the given order.
    let (status, res) = send(
        &app,
        "PUT",
        &path,
        &a.token,
        Some(j!({
            "columns": [{"name": "Done", "position": 5, "statuses": ["won"]},
                        {"name": "New", "position": 1, "statuses": ["fresh"]}],
            "statusSemantics": {"initial": ["fresh"], "terminal_done": ["won"]},
        })),
    )
    .await;
    assert_eq!(status, 200, "{res}");
    assert_eq!(res["columns"][0]["name"], "New");
    assert_eq!(res["columns"][1]["position"], 1);
}

#[tokio::test]
async fn tenant_b_cannot_see_or_touch_tenant_a_templates() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let mine = create(&app, &a, board()).await;
    let id = mine["id"].as_str().expect("id");
    let list = app
        .client
        .setup(Method::GET, "/v1/project-templates/", &b.token, None)
        .await;
    assert_eq!(slugs(&list), BUILTINS);
    for key in [id, "sales"] {
        let path = format!("/v1/project-templates/{key}");
        let clone = format!("{path}/clone");
        for (method, path, body) in [
            ("GET", path.as_str(), None),
            ("PUT", path.as_str(), Some(j!({"name": "Stolen"}))),
            ("DELETE", path.as_str(), None),
            ("POST", clone.as_str(), None),
        ] {
            let (status, res) = send(&app, method, path, &b.token, body).await;
            assert_error(status, &res, 404, "template_not_found");
        }
    }
    // B may use the same slug for its own; A's is unchanged.
    create(&app, &b, board()).await;
    let (_, still) = send(
        &app,
        "GET",
        &format!("/v1/project-templates/{id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(still, mine);
}
