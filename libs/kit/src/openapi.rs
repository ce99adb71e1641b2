//! The OpenAPI document of a service: kit's own routes plus the service's, generated from code.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::config::ServiceInfo;
use crate::error::{ErrorBody, FieldError};
use crate::health;

#[derive(OpenApi)]
#[openapi(
    paths(health::up, health::live, health::ready),
    components(schemas(ErrorBody, FieldError, health::Health, health::Checks))
)]
struct KitApi;

/// Merges the service's document into kit's and names it after the service.
pub fn document(service: &ServiceInfo, api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = KitApi::openapi();
    doc.merge(api);
    doc.info.title = format!("DjinnBot {}", service.name);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc
}

/// Registers `route` with its last path parameter as an axum catch-all (`{*path}`: a file path
/// may hold slashes) while the OpenAPI document names it plainly (`{path}`). Static segments win
/// over a catch-all in axum's router, so a sibling `git/…` route is never read as a file path.
pub fn wildcard<S>(
    router: utoipa_axum::router::OpenApiRouter<S>,
    (schemas, paths, method): utoipa_axum::router::UtoipaMethodRouter<S>,
) -> utoipa_axum::router::OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    let mut router = router;
    for path in paths.paths.keys() {
        if let Some(at) = path.rfind("/{") {
            let axum_path = format!("{}/{{*{}", &path[..at], &path[at + 2..]);
            router = router.route(&axum_path, method.clone());
        }
    }
    let mut doc = utoipa::openapi::OpenApi::default();
    doc.paths = paths;
    let mut components = utoipa::openapi::Components::new();
    components.schemas.extend(schemas);
    doc.components = Some(components);
    router.merge(utoipa_axum::router::OpenApiRouter::with_openapi(doc))
}
