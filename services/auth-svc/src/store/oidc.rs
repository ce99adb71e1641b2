//! `auth.oidc_providers`. A provider row is a tenant's (`tenant_id` set) or the platform's
//! (`tenant_id` null). Every query names the owner it expects, on top of row-level security.

use kit::ApiError;
use kit::error::OnConstraint;
use sqlx::{FromRow, PgConnection};

/// A stored provider; `client_secret` is the encrypted form.
#[derive(Debug, Clone, FromRow)]
pub struct Provider {
    pub id: String,
    pub tenant_id: Option<String>,
    pub slug: String,
    pub name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub scopes: String,
    pub button_text: Option<String>,
    pub button_color: Option<String>,
    pub icon_url: Option<String>,
    pub auto_discovery: bool,
    pub enabled: bool,
    /// Email domains whose existing accounts this (platform) provider may link by email.
    pub trusted_email_domains: Vec<String>,
    /// Logins without an `email_verified` claim may create new accounts.
    pub allow_unverified_email: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What the public sign-in page shows of a provider.
#[derive(Debug, Clone, FromRow, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderButton {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub button_text: Option<String>,
    pub button_color: Option<String>,
    pub icon_url: Option<String>,
}

const COLUMNS: &str = "id, tenant_id, slug, name, issuer_url, client_id, client_secret, \
     authorization_endpoint, token_endpoint, userinfo_endpoint, jwks_uri, scopes, button_text, \
     button_color, icon_url, auto_discovery, enabled, trusted_email_domains, \
     allow_unverified_email, created_at, updated_at";

pub fn slug_taken() -> ApiError {
    ApiError::conflict(
        "slug_taken",
        "an OIDC provider with this slug already exists",
    )
}

pub async fn insert(conn: &mut PgConnection, p: &Provider) -> Result<Provider, ApiError> {
    sqlx::query_as(&format!(
        "insert into auth.oidc_providers ({COLUMNS})
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21)
         returning {COLUMNS}"
    ))
    .bind(&p.id)
    .bind(&p.tenant_id)
    .bind(&p.slug)
    .bind(&p.name)
    .bind(&p.issuer_url)
    .bind(&p.client_id)
    .bind(&p.client_secret)
    .bind(&p.authorization_endpoint)
    .bind(&p.token_endpoint)
    .bind(&p.userinfo_endpoint)
    .bind(&p.jwks_uri)
    .bind(&p.scopes)
    .bind(&p.button_text)
    .bind(&p.button_color)
    .bind(&p.icon_url)
    .bind(p.auto_discovery)
    .bind(p.enabled)
    .bind(&p.trusted_email_domains)
    .bind(p.allow_unverified_email)
    .bind(p.created_at)
    .bind(p.updated_at)
    .fetch_one(conn)
    .await
    .on_constraint("oidc_providers_slug_key", slug_taken)
}

/// The providers of one owner: a tenant id, or `None` for the platform's.
pub async fn list(conn: &mut PgConnection, owner: Option<&str>) -> Result<Vec<Provider>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.oidc_providers
          where tenant_id is not distinct from $1 order by created_at, id"
    ))
    .bind(owner)
    .fetch_all(conn)
    .await?)
}

/// A provider a tenant transaction may see: its own or the platform's.
pub async fn get_visible(
    conn: &mut PgConnection,
    tenant: &str,
    id: &str,
) -> Result<Option<Provider>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.oidc_providers
          where id = $2 and (tenant_id = $1 or tenant_id is null)"
    ))
    .bind(tenant)
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// A provider of one owner (a tenant id, or `None` for the platform).
pub async fn get(
    conn: &mut PgConnection,
    owner: Option<&str>,
    id: &str,
) -> Result<Option<Provider>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.oidc_providers
          where id = $1 and tenant_id is not distinct from $2"
    ))
    .bind(id)
    .bind(owner)
    .fetch_optional(conn)
    .await?)
}

/// Writes every changeable column of `p` (the flow merged the request into it), for its owner.
pub async fn update(conn: &mut PgConnection, p: &Provider) -> Result<Option<Provider>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "update auth.oidc_providers
            set name = $3, issuer_url = $4, client_id = $5, client_secret = $6,
                authorization_endpoint = $7, token_endpoint = $8, userinfo_endpoint = $9,
                jwks_uri = $10, scopes = $11, button_text = $12, button_color = $13,
                icon_url = $14, auto_discovery = $15, enabled = $16, updated_at = $17,
                trusted_email_domains = $18, allow_unverified_email = $19
          where id = $1 and tenant_id is not distinct from $2
          returning {COLUMNS}"
    ))
    .bind(&p.id)
    .bind(&p.tenant_id)
    .bind(&p.name)
    .bind(&p.issuer_url)
    .bind(&p.client_id)
    .bind(&p.client_secret)
    .bind(&p.authorization_endpoint)
    .bind(&p.token_endpoint)
    .bind(&p.userinfo_endpoint)
    .bind(&p.jwks_uri)
    .bind(&p.scopes)
    .bind(&p.button_text)
    .bind(&p.button_color)
    .bind(&p.icon_url)
    .bind(p.auto_discovery)
    .bind(p.enabled)
    .bind(p.updated_at)
    .bind(&p.trusted_email_domains)
    .bind(p.allow_unverified_email)
    .fetch_optional(conn)
    .await?)
}

pub async fn delete(
    conn: &mut PgConnection,
    owner: Option<&str>,
    id: &str,
) -> Result<bool, ApiError> {
    let done = sqlx::query(
        "delete from auth.oidc_providers where id = $1 and tenant_id is not distinct from $2",
    )
    .bind(id)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Public lookup by slug: only works inside a `LookupTx` holding `app.oidc_slug` (tenant
/// providers) or for platform providers.
pub async fn find_by_slug(
    conn: &mut PgConnection,
    slug: &str,
) -> Result<Option<Provider>, ApiError> {
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from auth.oidc_providers where slug = $1"
    ))
    .bind(slug)
    .fetch_optional(conn)
    .await?)
}

/// The enabled platform providers, for the public sign-in page.
pub async fn platform_buttons(conn: &mut PgConnection) -> Result<Vec<ProviderButton>, ApiError> {
    Ok(sqlx::query_as(
        "select id, slug, name, button_text, button_color, icon_url from auth.oidc_providers
          where tenant_id is null and enabled order by name, id",
    )
    .fetch_all(conn)
    .await?)
}

/// Unlinks every identity of a tenant provider from the tenant's accounts: after its issuer,
/// client or endpoints change (or it is deleted), `{slug}:{sub}` may name someone else, and an
/// administrator repointing the provider must not inherit the accounts linked to it. Slugs are
/// `[a-z0-9-]`, so the pattern needs no escaping.
pub async fn unlink_identities(
    conn: &mut PgConnection,
    tenant: &str,
    slug: &str,
) -> Result<u64, ApiError> {
    let done = sqlx::query(
        "update auth.users set oidc_subject = null
          where tenant_id = $1 and oidc_subject like $2",
    )
    .bind(tenant)
    .bind(format!("{slug}:%"))
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
