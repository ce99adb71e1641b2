//! Every JSON endpoint of the core answers bad bodies with our error body and writes nothing.

use crate::helpers::*;

/// (method, path, needs a token)
const JSON_ENDPOINTS: &[(&str, &str, bool)] = &[
    ("POST", "/v1/auth/setup", false),
    ("POST", "/v1/auth/register", false),
    ("POST", "/v1/auth/login", false),
    ("POST", "/v1/auth/refresh", false),
    ("POST", "/v1/auth/logout", false),
    ("PUT", "/v1/tenants/me", true),
    ("POST", "/v1/users/", true),
    ("PUT", "/v1/users/me/profile", true),
    ("POST", "/v1/waitlist/join", false),
    ("PUT", "/v1/waitlist/email-settings", true),
    ("POST", "/v1/waitlist/email-settings/test", true),
];

#[tokio::test]
async fn malformed_wrong_type_and_unknown_fields_are_4xx_everywhere() {
    let app = spawn().await;
    let owner = register(&app, "owner@x.io").await;
    let token = access(&owner);
    let users_before = count(&app, "select count(*) from auth.users").await;
    let tenants_before = count(&app, "select count(*) from auth.tenants").await;
    let cases: &[(&str, &str, u16, &str)] = &[
        ("application/json", "{\"email\":", 400, "malformed_json"),
        ("application/json", "[1,2]", 422, "validation_failed"),
        ("application/json", "{}", 422, "validation_failed"),
        (
            "application/json",
            "{\"unexpected\": 1}",
            422,
            "validation_failed",
        ),
        ("text/plain", "{}", 415, "unsupported_media_type"),
        // Postgres cannot store NUL in text; found by `make fuzz` on login.
        (
            "application/json",
            "{\"email\": \"a\\u0000@x.io\", \"password\": \"x\"}",
            422,
            "validation_failed",
        ),
    ];
    for (method, path, authed) in JSON_ENDPOINTS {
        for (content_type, body, status, code) in cases {
            // `{}` is valid for the all-optional update bodies; skip those pairs.
            if *body == "{}" && (path.ends_with("/me") || path.ends_with("/profile")) {
                continue;
            }
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let mut req = app
                .client
                .request(method, path)
                .header("content-type", *content_type)
                .body(*body);
            if *authed {
                req = req.bearer_auth(&token);
            }
            let (got, answer) = kit::testing::json(req.send().await.expect("send")).await;
            assert_eq!(
                (got, answer["code"].as_str()),
                (*status, Some(*code)),
                "{path} {body} -> {answer}"
            );
            assert!(answer["detail"].is_string());
        }
    }
    assert_eq!(
        count(&app, "select count(*) from auth.users").await,
        users_before
    );
    assert_eq!(
        count(&app, "select count(*) from auth.tenants").await,
        tenants_before
    );
}

#[tokio::test]
async fn protected_routes_need_a_user_token() {
    let app = spawn().await;
    for (method, path) in [
        ("GET", "/v1/auth/me"),
        ("GET", "/v1/tenants/me"),
        ("GET", "/v1/users/"),
        ("GET", "/v1/users/me/profile"),
    ] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let (status, body) =
            kit::testing::json(app.client.request(method, path).send().await.expect("send")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("unauthorized")),
            "{path}"
        );
    }
    // An agent token is not a user.
    let (tenant, _) = app.create_tenant("Acme").await;
    let agent = app.token(&tenant, "agt_1", kit::TokenKind::Agent);
    let (status, _) = send(&app, "GET", "/v1/users/", &agent, None).await;
    assert_eq!(status, 403);
    let (status, me) = send(&app, "GET", "/v1/auth/me", &agent, None).await;
    assert_eq!((status, me["isService"].as_bool()), (200, Some(true)));
}
