//! Request and response bodies of the `oidc` routes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuthorizeQuery {
    /// A path on the dashboard to return to after signing in (e.g. `/projects`).
    pub redirect: Option<String>,
    /// A link ticket from `POST /v1/auth/oidc/{slug}/link`: this login links the identity to
    /// the signed-in account that asked for the ticket instead of signing in.
    pub link: Option<String>,
}

/// Where to send the browser to link a provider's identity to the caller's account.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkStarted {
    /// `{PUBLIC_API_URL}/v1/auth/oidc/{slug}/authorize?link=…`; works once, for 2 minutes.
    pub authorize_url: String,
}
