//! `/v1/projects/`: boards from the default set, explicit columns or templates; list, board,
//! update, archive, delete; events once after commit and none for refused or empty changes.

use kit::TokenKind;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, assert_error, send, spawn, tenant};

/// Every event on the tenant's stream so far, oldest first.
pub async fn events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    crate::helpers::tenant_events(app, t).await
}

pub fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

pub async fn create(app: &TestApp, t: &Tenant, body: Value) -> Value {
    let (status, project) = send(app, "POST", "/v1/projects/", &t.token, Some(body)).await;
    assert_eq!(status, 201, "{project}");
    project
}

pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.admin)
        .await
        .expect("count")
}

pub fn names(project: &Value) -> Vec<String> {
    project["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

fn positions(project: &Value) -> Vec<i64> {
    project["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c["position"].as_i64().expect("position"))
        .collect()
}

async fn template(app: &TestApp, owner: Option<&Tenant>, id: &str, slug: &str, columns: Value) {
    sqlx::query(
        "insert into project.project_templates (id, tenant_id, slug, name, is_builtin,
             board_columns, status_semantics, default_pipeline_id, created_at, updated_at)
         values ($1, $2, $3, $3, $4, $5, $6, 'engineering', 1, 1)",
    )
    .bind(id)
    .bind(owner.map(|t| t.id.as_str()))
    .bind(slug)
    .bind(owner.is_none())
    .bind(columns)
    .bind(j!({"initial": ["todo"], "terminal_done": ["shipped"]}))
    .execute(&app.db.admin)
    .await
    .expect("template");
}

#[tokio::test]
async fn a_new_project_gets_the_default_board_and_announces_itself_once() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = create(
        &app,
        &a,
        j!({"name": "  Apollo ", "description": "to the moon"}),
    )
    .await;
    assert_eq!(p["name"], "Apollo");
    assert_eq!(p["status"], "active");
    assert!(p["id"].as_str().expect("id").starts_with("prj_"));
    assert_eq!(p["template_id"], Value::Null);
    assert_eq!(
        names(&p),
        [
            "Backlog",
            "Planning",
            "Blocked",
            "Ready",
            "In Progress",
            "Review",
            "Done",
            "Failed"
        ]
    );
    assert_eq!(positions(&p), (0..8).collect::<Vec<_>>());
    assert_eq!(p["columns"][4]["wip_limit"], 5);
    assert_eq!(p["columns"][4]["task_statuses"], j!(["in_progress"]));
    assert_eq!(p["tasks"], j!([]));
    let evs = events(&app, &a).await;
    let created = of_type(&evs, "PROJECT_CREATED");
    assert_eq!(created.len(), 1, "{evs:?}");
    assert_eq!(created[0]["projectId"], p["id"]);
    assert_eq!(created[0]["name"], "Apollo");
    assert_eq!(created[0]["tenantId"], a.id.as_str());
}

#[tokio::test]
async fn explicit_columns_are_ordered_by_position_and_get_derived_semantics() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let p = create(
        &app,
        &a,
        j!({"name": "Custom", "columns": [
            {"name": "Done", "position": 2, "taskStatuses": ["done"]},
            {"name": "Todo", "position": 0, "statuses": ["todo"], "wipLimit": 3},
            {"name": "Doing", "position": 1, "task_statuses": ["doing"], "wip_limit": 2},
        ]}),
    )
    .await;
    assert_eq!(names(&p), ["Todo", "Doing", "Done"]);
    assert_eq!(positions(&p), [0, 1, 2]);
    assert_eq!(p["columns"][0]["wip_limit"], 3);
    assert_eq!(p["columns"][1]["wip_limit"], 2);
    assert_eq!(p["status_semantics"]["initial"], j!(["todo"]));
    assert_eq!(p["status_semantics"]["terminal_done"], j!(["done"]));
}

#[tokio::test]
async fn templates_give_columns_by_id_or_slug_and_only_the_tenants_own_or_global_ones() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let cols = j!([
        {"name": "Shipped", "position": 1, "statuses": ["shipped"]},
        {"name": "Todo", "position": 0, "statuses": ["todo"], "wip_limit": 4},
    ]);
    template(&app, None, "tpl_global", "kanban", cols).await;
    template(
        &app,
        Some(&a),
        "tpl_mine",
        "kanban",
        j!([{"name": "Mine", "statuses": ["todo", "shipped"]}]),
    )
    .await;
    template(
        &app,
        Some(&b),
        "tpl_theirs",
        "secret",
        j!([{"name": "B", "statuses": ["x"]}]),
    )
    .await;

    let by_id = create(&app, &a, j!({"name": "G", "templateId": "tpl_global"})).await;
    assert_eq!(names(&by_id), ["Todo", "Shipped"]);
    assert_eq!(by_id["columns"][0]["wip_limit"], 4);
    assert_eq!(by_id["template_id"], "tpl_global");
    assert_eq!(by_id["default_pipeline_id"], "engineering");
    assert_eq!(by_id["status_semantics"]["terminal_done"], j!(["shipped"]));
    // The tenant's own template wins over the global one with the same slug.
    let by_slug = create(&app, &a, j!({"name": "M", "templateId": "kanban"})).await;
    assert_eq!(
        (names(&by_slug), &by_slug["template_id"]),
        (vec!["Mine".to_owned()], &j!("tpl_mine"))
    );
    // B sees the global template under that slug, never A's.
    let for_b = create(&app, &b, j!({"name": "B", "templateId": "kanban"})).await;
    assert_eq!(for_b["template_id"], "tpl_global");
    // Explicit columns win over the template's; the template is still recorded.
    let mixed = create(
        &app,
        &a,
        j!({"name": "X", "templateId": "tpl_global",
        "columns": [{"name": "Only", "taskStatuses": ["todo"]}]}),
    )
    .await;
    assert_eq!(
        (names(&mixed), &mixed["template_id"]),
        (vec!["Only".to_owned()], &j!("tpl_global"))
    );

    let before = count(&app, "select count(*) from project.projects").await;
    for missing in ["tpl_theirs", "secret", "nope"] {
        let (s, body) = send(
            &app,
            "POST",
            "/v1/projects/",
            &a.token,
            Some(j!({"name": "N", "templateId": missing})),
        )
        .await;
        assert_error(s, &body, 404, "template_not_found");
    }
    assert_eq!(
        count(&app, "select count(*) from project.projects").await,
        before
    );
    assert_eq!(of_type(&events(&app, &a).await, "PROJECT_CREATED").len(), 3);
}

#[tokio::test]
async fn bad_input_is_refused_with_field_paths_and_nothing_is_written() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let cases = [
        (j!({"name": " "}), "name"),
        (j!({"name": "x".repeat(257)}), "name"),
        (
            j!({"name": "P", "description": "d".repeat(64 * 1024 + 1)}),
            "description",
        ),
        (j!({"name": "P", "repository": "not a url"}), "repository"),
        (j!({"name": "P", "columns": []}), "columns"),
        (
            j!({"name": "P", "columns": [{"name": "A", "taskStatuses": ["ok", "Bad"]}]}),
            "columns[0].taskStatuses[1]",
        ),
        (
            j!({"name": "P", "columns": [{"name": "A"}, {"name": "B", "wipLimit": 0}]}),
            "columns[1].wipLimit",
        ),
        (
            j!({"name": "P", "columns": [{"name": "A", "position": -1}]}),
            "columns[0].position",
        ),
        (
            j!({"name": "P", "statusSemantics": {"blocked": ["nowhere"]}}),
            "statusSemantics.blocked[0]",
        ),
        (j!({"name": "P", "templateId": ""}), "templateId"),
    ];
    for (body, path) in cases {
        let (s, err) = send(&app, "POST", "/v1/projects/", &a.token, Some(body)).await;
        assert_error(s, &err, 422, "validation_failed");
        assert!(
            err["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e["path"] == path),
            "{path}: {err}"
        );
    }
    let (s, err) = send(
        &app,
        "POST",
        "/v1/projects/",
        &a.token,
        Some(j!({"name": "P", "owner": "x"})),
    )
    .await;
    assert!(s == 400 || s == 422, "{err}");
    let (s, err) = send(
        &app,
        "POST",
        "/v1/projects/",
        &a.token,
        Some(j!({"name": "P", "statusSemantics": {"done": ["x"]}})),
    )
    .await;
    assert!(s == 400 || s == 422, "{err}");
    let agent = app.token(&a.id, "agt_bot", TokenKind::Agent);
    let (s, err) = send(
        &app,
        "POST",
        "/v1/projects/",
        &agent,
        Some(j!({"name": "P"})),
    )
    .await;
    assert_error(s, &err, 403, "forbidden");
    assert_eq!(
        count(&app, "select count(*) from project.projects").await,
        0
    );
    assert_eq!(
        count(&app, "select count(*) from project.kanban_columns").await,
        0
    );
    assert!(events(&app, &a).await.is_empty());
}
