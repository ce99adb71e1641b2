//! `/internal/auth/...`: service-to-service endpoints. Not under `/v1`, so HAProxy never routes
//! them; callers present an internal service token (`kit::auth::Claims::internal`).

use axum::Json;
use axum::extract::State;
use kit::ApiError;
use kit::auth::api_key::Introspection;
use kit::auth::scope::InternalService;
use kit::extract::ValidJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::api::internal::IntrospectRequest;
use crate::flows::introspect::{self};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(introspect_key))
}

/// Resolves an API key for another service: who it acts for, or `{"active": false}`.
#[utoipa::path(post, path = "/internal/auth/introspect", tag = "internal", request_body = IntrospectRequest,
    security(("bearer" = [])), responses((status = 200, body = Introspection),
              (status = 401, body = kit::error::ErrorBody), (status = 403, body = kit::error::ErrorBody)))]
async fn introspect_key(
    State(app): State<AppState>,
    caller: InternalService,
    ValidJson(req): ValidJson<IntrospectRequest>,
) -> Result<Json<Introspection>, ApiError> {
    tracing::debug!(service = caller.service, "api key introspection");
    Ok(Json(
        introspect::introspect(&app.platform.db, &req.key).await?,
    ))
}
