//! The HTTP admin API under `/_fake`, for processes that cannot hold the Rust handle (`make
//! up`, the binary, end-to-end suites). Bad input answers 400 `{"detail","code"}`.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::reply::Reply;
use crate::state::{FakeState, Recorded, ScriptError};

pub(crate) fn routes() -> Router<FakeState> {
    Router::new()
        .route("/_fake/health", get(health))
        .route("/_fake/script", post(push_script).delete(clear_script))
        .route("/_fake/auto", put(set_auto))
        .route("/_fake/requests", get(requests).delete(clear_requests))
}

/// The admin API's error: a status and `{"detail","code"}`, like the platform's services.
struct AdminError {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl AdminError {
    fn bad(detail: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            detail: detail.into(),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({"detail": self.detail, "code": self.code})),
        )
            .into_response()
    }
}

impl From<ScriptError> for AdminError {
    fn from(error: ScriptError) -> Self {
        Self::bad(error.to_string())
    }
}

impl From<BytesRejection> for AdminError {
    fn from(rejection: BytesRejection) -> Self {
        Self {
            status: rejection.status(),
            code: "invalid_body",
            detail: rejection.body_text(),
        }
    }
}

impl From<QueryRejection> for AdminError {
    fn from(rejection: QueryRejection) -> Self {
        Self::bad(rejection.body_text())
    }
}

fn parse<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, AdminError> {
    serde_json::from_slice(&body?)
        .map_err(|error| AdminError::bad(format!("invalid JSON body: {error}")))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptRequest {
    model: String,
    replies: Vec<Reply>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoRequest {
    model: String,
    #[serde(default)]
    outputs: Option<Map<String, Value>>,
    #[serde(default)]
    json: Option<Value>,
}

#[derive(Deserialize)]
struct ModelQuery {
    model: String,
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

async fn push_script(
    State(state): State<FakeState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AdminError> {
    let request: ScriptRequest = parse(body)?;
    let queued = state.push_script(&request.model, request.replies)?;
    Ok(Json(json!({"model": request.model, "queued": queued})))
}

async fn clear_script(
    State(state): State<FakeState>,
    query: Result<Query<ModelQuery>, QueryRejection>,
) -> Result<Json<Value>, AdminError> {
    let Query(query) = query?;
    let dropped = state.clear_script(&query.model);
    Ok(Json(json!({"model": query.model, "dropped": dropped})))
}

async fn set_auto(
    State(state): State<FakeState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AdminError> {
    let request: AutoRequest = parse(body)?;
    let config = state.set_auto(&request.model, request.outputs, request.json)?;
    Ok(Json(
        json!({"model": request.model, "outputs": config.outputs, "json": config.json}),
    ))
}

async fn requests(
    State(state): State<FakeState>,
    query: Result<Query<ModelQuery>, QueryRejection>,
) -> Result<Json<Vec<Recorded>>, AdminError> {
    let Query(query) = query?;
    Ok(Json(state.requests(&query.model)))
}

async fn clear_requests(
    State(state): State<FakeState>,
    query: Result<Query<ModelQuery>, QueryRejection>,
) -> Result<Json<Value>, AdminError> {
    let Query(query) = query?;
    let dropped = state.clear_requests(&query.model);
    Ok(Json(json!({"model": query.model, "dropped": dropped})))
}
