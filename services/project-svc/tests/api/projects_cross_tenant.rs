//! Tenant B's credentials on tenant A's project, columns and settings: 404 on every route,
//! A's rows unchanged, no event on either tenant's stream.

use kit::TokenKind;
use kit::testing::Method;
use serde_json::{Value, json as j};

use crate::helpers::{assert_error, board, send, spawn, task_row, tenant};
use crate::projects::events;

#[tokio::test]
async fn tenant_b_cannot_reach_tenant_a_projects_columns_or_settings() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (p, cols) = board(&app, &a, "A's").await;
    task_row(&app, &a, &p, &cols[0], "secret task", "backlog").await;
    let (b_project, _) = board(&app, &b, "B's").await;
    let before = app
        .client
        .setup(Method::GET, &format!("/v1/projects/{p}"), &a.token, None)
        .await;

    let base = format!("/v1/projects/{p}");
    let col = format!("{base}/columns/{}", cols[1]);
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", base.clone(), None),
        (
            "PUT",
            base.clone(),
            Some(j!({"name": "pwned", "status": "archived"})),
        ),
        ("DELETE", base.clone(), None),
        ("POST", format!("{base}/archive"), None),
        ("GET", format!("{base}/slack"), None),
        (
            "PUT",
            format!("{base}/slack"),
            Some(j!({"slack_channel_id": "C666"})),
        ),
        ("GET", format!("{base}/key-user"), None),
        (
            "PUT",
            format!("{base}/key-user"),
            Some(j!({"key_user_id": b.user})),
        ),
        ("GET", format!("{base}/vision"), None),
        (
            "PUT",
            format!("{base}/vision"),
            Some(j!({"vision": "mine now"})),
        ),
        (
            "POST",
            format!("{base}/columns"),
            Some(j!({"name": "Injected", "position": 0})),
        ),
        (
            "PUT",
            col.clone(),
            Some(j!({"name": "Renamed", "position": 3})),
        ),
        ("DELETE", col.clone(), None),
    ];
    let service = app.token(&b.id, "svc:engine-svc", TokenKind::Service);
    for token in [&b.token, &service] {
        for (method, path, body) in &routes {
            let (s, err) = send(&app, method, path, token, body.clone()).await;
            if token == &service && *method == "PUT" && path.ends_with("/key-user") {
                // Refused for the kind of credential before any project is looked up.
                assert_error(s, &err, 403, "forbidden");
                continue;
            }
            assert_error(s, &err, 404, "project_not_found");
        }
    }
    // B's own project does not open A's columns either.
    for method in ["PUT", "DELETE"] {
        let body = (method == "PUT").then(|| j!({"name": "Renamed"}));
        let url = format!("/v1/projects/{b_project}/columns/{}", cols[1]);
        let (s, err) = send(&app, method, &url, &b.token, body).await;
        assert_error(s, &err, 404, "column_not_found");
    }
    // Nor does a template of A's serve B.
    sqlx::query(
        "insert into project.project_templates (id, tenant_id, slug, name, is_builtin, board_columns,
             created_at, updated_at)
         values ('tpl_a', $1, 'a-only', 'A only', false, '[{\"name\": \"A\", \"statuses\": [\"a\"]}]', 1, 1)",
    )
    .bind(a.id.as_str())
    .execute(&app.db.admin)
    .await
    .expect("template");
    for id in ["tpl_a", "a-only"] {
        let (s, err) = send(
            &app,
            "POST",
            "/v1/projects/",
            &b.token,
            Some(j!({"name": "Copy", "templateId": id})),
        )
        .await;
        assert_error(s, &err, 404, "template_not_found");
    }
    let listed = app
        .client
        .setup(Method::GET, "/v1/projects/", &b.token, None)
        .await;
    assert_eq!(listed.as_array().expect("list").len(), 1);
    assert_eq!(listed[0]["id"], j!(b_project));

    let (s, after) = send(&app, "GET", &format!("/v1/projects/{p}"), &a.token, None).await;
    assert_eq!(s, 200);
    assert_eq!(before, after, "A's board is unchanged");
    assert!(events(&app, &a).await.is_empty());
    assert!(events(&app, &b).await.is_empty());
}
