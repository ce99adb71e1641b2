//! The generic cross-tenant walk: it passes on routes that keep tenants apart and fails on each
//! way a route can leak (telling A's ids apart, changing A's rows, a success), and the typed
//! client's set-up calls refuse to go on after a failure.

use std::sync::{Arc, OnceLock};

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use kit::testing::walk::CrossTenantWalk;
use kit::testing::{Method, TestApp, TestTenant};
use kit::{ApiError, Platform, TenantContext};
use serde_json::{Value, json};
use shared_schemas::ids::UserId;
use sqlx::PgPool;

use crate::app::SVC;

#[derive(Clone, FromRef)]
struct WalkState {
    platform: Platform,
    /// The superuser pool, for the routes that leak on purpose.
    admin: Arc<OnceLock<PgPool>>,
}

/// A user of the caller's tenant, or 404: the shape every route should have.
async fn get_user(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let found: Option<UserId> =
        sqlx::query_scalar("select id from auth.users where tenant_id = $1 and id = $2")
            .bind(&ctx.tenant_id)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
    let id = found.ok_or_else(|| ApiError::not_found("user not found"))?;
    Ok(Json(json!({ "id": id })))
}

async fn rename_user(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let done =
        sqlx::query("update auth.users set display_name = 'x' where tenant_id = $1 and id = $2")
            .bind(&ctx.tenant_id)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    tx.commit().await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found("user not found"));
    }
    Ok(StatusCode::NO_CONTENT)
}

fn admin(state: &WalkState) -> &PgPool {
    state.admin.get().expect("admin pool set after spawn")
}

/// 403 for an id that exists in any tenant: tells A's ids apart.
async fn probe_user(State(state): State<WalkState>, Path(id): Path<String>) -> ApiError {
    let exists: bool = sqlx::query_scalar("select exists (select 1 from auth.users where id = $1)")
        .bind(&id)
        .fetch_one(admin(&state))
        .await
        .expect("probe");
    if exists {
        ApiError::forbidden("not yours")
    } else {
        ApiError::not_found("user not found")
    }
}

/// Answers 404 like a good route but writes A's row first.
async fn scribble_user(State(state): State<WalkState>, Path(id): Path<String>) -> ApiError {
    sqlx::query("update auth.users set display_name = 'scribbled' where id = $1")
        .bind(&id)
        .execute(admin(&state))
        .await
        .expect("scribble");
    ApiError::not_found("user not found")
}

/// A success whatever the id.
async fn open_user(Path(id): Path<String>) -> Json<Value> {
    Json(json!({ "id": id }))
}

fn doc() -> Value {
    let op = json!({"parameters": [{"name": "user_id", "in": "path"}]});
    json!({"paths": {
        "/v1/users/{user_id}": {"get": op, "put": op},
        "/v1/probe/{user_id}": {"get": op},
        "/v1/scribble/{user_id}": {"delete": op},
        "/v1/open/{user_id}": {"get": op},
        "/v1/health": {"get": {}},
    }})
}

async fn spawn() -> (TestApp, TestTenant, TestTenant) {
    let admin = Arc::new(OnceLock::new());
    let pools = admin.clone();
    let app = TestApp::spawn(SVC, move |platform| {
        let routes = Router::new()
            .route("/v1/users/{user_id}", get(get_user).put(rename_user))
            .route("/v1/probe/{user_id}", get(probe_user))
            .route(
                "/v1/scribble/{user_id}",
                axum::routing::delete(scribble_user),
            )
            .route("/v1/open/{user_id}", get(open_user))
            .with_state(WalkState {
                platform: platform.clone(),
                admin: pools,
            });
        kit::http::service_router(platform, routes, utoipa::openapi::OpenApi::default())
    })
    .await;
    admin.set(app.db.admin.clone()).expect("set once");
    let a = app.tenant("Alpha").await;
    let b = app.tenant("Beta").await;
    (app, a, b)
}

fn walk<'a>(
    app: &'a TestApp,
    doc: &Value,
    a: &TestTenant,
    b: &TestTenant,
    only: &'static str,
) -> CrossTenantWalk<'a> {
    CrossTenantWalk::new(app, doc, "auth", &a.id)
        .id("user_id", a.user.as_str())
        .token(&b.token)
        .skip(move |_, path| !path.starts_with(only))
}

#[tokio::test]
async fn routes_that_keep_tenants_apart_pass_the_walk() {
    let (app, a, b) = spawn().await;
    let doc = doc();
    let walk = walk(&app, &doc, &a, &b, "/v1/users/");
    assert_eq!(
        walk.operations().len(),
        2,
        "GET and PUT, not the route without an id"
    );
    let report = walk.run().await;
    assert_eq!(report.walked, 2);
    assert_eq!(report.not_found, 2);
    // The same routes answer A itself: the walk's 404s are the wall, not a broken route.
    let me = format!("/v1/users/{}", a.user);
    assert_eq!(app.client.bearer(&a.token).get(&me).await.0, StatusCode::OK);
}

#[tokio::test]
#[should_panic(expected = "must answer like ids that exist nowhere")]
async fn a_route_that_tells_a_s_ids_apart_fails_the_walk() {
    let (app, a, b) = spawn().await;
    walk(&app, &doc(), &a, &b, "/v1/probe/").run().await;
}

#[tokio::test]
#[should_panic(expected = "tenant A's rows in `auth` changed")]
async fn a_route_that_changes_a_s_rows_fails_the_walk() {
    let (app, a, b) = spawn().await;
    walk(&app, &doc(), &a, &b, "/v1/scribble/").run().await;
}

#[tokio::test]
#[should_panic(expected = "answered tenant B 200 OK")]
async fn a_route_that_answers_b_with_a_success_fails_the_walk() {
    let (app, a, b) = spawn().await;
    walk(&app, &doc(), &a, &b, "/v1/open/").run().await;
}

#[tokio::test]
#[should_panic(expected = "map every path parameter")]
async fn an_unmapped_path_parameter_fails_the_walk() {
    let (app, a, b) = spawn().await;
    CrossTenantWalk::new(&app, &doc(), "auth", &a.id)
        .token(&b.token)
        .run()
        .await;
}

#[tokio::test]
async fn typed_calls_answer_status_and_json() {
    let (app, a, _) = spawn().await;
    let me = format!("/v1/users/{}", a.user);
    let answer = app.client.setup(Method::GET, &me, &a.token, None).await;
    assert_eq!(answer["id"], a.user.as_str());
    app.client
        .setup_expect(
            Method::PUT,
            &me,
            &a.token,
            json!({}),
            StatusCode::NO_CONTENT,
        )
        .await;
    let (status, body) = app.client.anonymous().get(&me).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["code"], "unauthorized");
}

#[tokio::test]
#[should_panic(expected = "set-up call GET /v1/users/usr_nowhere failed: 404 Not Found")]
async fn a_failed_set_up_call_stops_the_test() {
    let (app, a, _) = spawn().await;
    app.client
        .setup(Method::GET, "/v1/users/usr_nowhere", &a.token, None)
        .await;
}

#[tokio::test]
#[should_panic(expected = "answered 204 No Content, expected 201 Created")]
async fn a_set_up_call_with_another_status_than_expected_stops_the_test() {
    let (app, a, _) = spawn().await;
    let me = format!("/v1/users/{}", a.user);
    app.client
        .setup_expect(Method::PUT, &me, &a.token, json!({}), StatusCode::CREATED)
        .await;
}
