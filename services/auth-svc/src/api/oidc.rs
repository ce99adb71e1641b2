//! Request and response bodies of the `oidc` routes.

use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuthorizeQuery {
    /// A path on the dashboard to return to after signing in (e.g. `/projects`).
    pub redirect: Option<String>,
}
