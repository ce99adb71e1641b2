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
