//! Managing providers: tenant administrators manage their tenant's, platform administrators the
//! platform's (`scope: platform`). Secrets are encrypted on the way in and masked on the way out.

use kit::db::{LookupTx, TenantTx};
use kit::{ApiError, TenantContext};
use sqlx::PgConnection;

use crate::AppState;
use crate::api::providers::{DiscoveryReport, ProviderOut};
use crate::domain::crypto::{bound, mask};
use crate::domain::oidc::{
    self, CreateProvider, DEFAULT_SCOPES, ProviderScope, UpdateProvider, merge_optional,
};
use crate::domain::tokens::now_ms;
use crate::flows::oidc::client;
use crate::flows::tenancy::{require_admin, require_platform_admin};
use crate::store::oidc::{self as store, Provider};

/// The stored client secret in clear (for the token exchange and for masking).
pub fn reveal(app: &AppState, p: &Provider) -> Result<String, ApiError> {
    app.secrets
        .decrypt_bound(&p.client_secret, &bound::oidc_client_secret(&p.id))
        .map(|opened| opened.plaintext)
        .map_err(ApiError::internal)
}

fn out(app: &AppState, p: Provider) -> Result<ProviderOut, ApiError> {
    let secret = mask(&reveal(app, &p)?);
    Ok(ProviderOut {
        scope: if p.tenant_id.is_some() {
            "tenant"
        } else {
            "platform"
        },
        client_secret: secret,
        id: p.id,
        slug: p.slug,
        name: p.name,
        tenant_id: p.tenant_id,
        issuer_url: p.issuer_url,
        client_id: p.client_id,
        scopes: p.scopes,
        button_text: p.button_text,
        button_color: p.button_color,
        icon_url: p.icon_url,
        auto_discovery: p.auto_discovery,
        enabled: p.enabled,
        trusted_email_domains: p.trusted_email_domains,
        allow_unverified_email: p.allow_unverified_email,
        authorization_endpoint: p.authorization_endpoint,
        token_endpoint: p.token_endpoint,
        userinfo_endpoint: p.userinfo_endpoint,
        jwks_uri: p.jwks_uri,
        created_at: p.created_at,
        updated_at: p.updated_at,
    })
}

/// The transaction a provider is changed in: the owning tenant's, or platform scope.
enum OwnerTx {
    Tenant(TenantTx),
    Platform(LookupTx),
}

impl OwnerTx {
    /// Checks the caller may manage providers of `scope` and opens the matching transaction.
    async fn open(
        app: &AppState,
        ctx: &TenantContext,
        scope: ProviderScope,
    ) -> Result<Self, ApiError> {
        match scope {
            ProviderScope::Tenant => {
                let mut tx = app.platform.db.begin_tenant(ctx).await?;
                require_admin(&mut tx, ctx).await?;
                Ok(Self::Tenant(tx))
            }
            ProviderScope::Platform => {
                require_platform_admin(app, ctx).await?;
                let pool = app.platform.db.pool();
                Ok(Self::Platform(
                    LookupTx::begin(pool, "app.scope", "platform").await?,
                ))
            }
        }
    }

    fn owner(&self) -> Option<String> {
        match self {
            Self::Tenant(tx) => Some(tx.tenant().to_string()),
            Self::Platform(_) => None,
        }
    }

    fn conn(&mut self) -> &mut PgConnection {
        match self {
            Self::Tenant(tx) => tx,
            Self::Platform(tx) => tx,
        }
    }

    async fn commit(self) -> Result<(), ApiError> {
        match self {
            Self::Tenant(tx) => tx.commit().await?,
            Self::Platform(tx) => tx.commit().await?,
        }
        Ok(())
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("OIDC provider not found")
}

/// Opens the transaction for an existing provider: the caller's tenant's own (tenant admin) or
/// a platform provider (platform admin). Another tenant's provider is invisible: 404.
async fn open_existing(
    app: &AppState,
    ctx: &TenantContext,
    id: &str,
) -> Result<(OwnerTx, Provider), ApiError> {
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let found = store::get_visible(&mut tx, ctx.tenant_id.as_str(), id)
        .await?
        .ok_or_else(not_found)?;
    tx.commit().await?;
    let scope = match found.tenant_id {
        Some(_) => ProviderScope::Tenant,
        None => ProviderScope::Platform,
    };
    let mut owner = OwnerTx::open(app, ctx, scope).await?;
    let owner_id = owner.owner();
    let current = store::get(owner.conn(), owner_id.as_deref(), id)
        .await?
        .ok_or_else(not_found)?;
    Ok((owner, current))
}

/// URLs the server fetches must be https unless the installation allows http (development);
/// only platform providers can be trusted for email domains.
fn check_urls(app: &AppState, p: &Provider) -> Result<(), ApiError> {
    oidc::trust_is_platform_only(p.tenant_id.is_some(), &p.trusted_email_domains)
        .map_err(ApiError::validation)?;
    oidc::manual_endpoints_complete(
        p.auto_discovery,
        p.authorization_endpoint.as_deref(),
        p.token_endpoint.as_deref(),
        p.jwks_uri.as_deref(),
    )
    .and_then(|()| {
        oidc::require_tls(
            &[
                ("issuerUrl", Some(&p.issuer_url)),
                ("tokenEndpoint", p.token_endpoint.as_deref()),
                ("userinfoEndpoint", p.userinfo_endpoint.as_deref()),
                ("jwksUri", p.jwks_uri.as_deref()),
            ],
            app.config.oidc_allow_insecure_http,
        )
    })
    .map_err(ApiError::validation)
}

pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    scope: ProviderScope,
) -> Result<Vec<ProviderOut>, ApiError> {
    let mut tx = OwnerTx::open(app, ctx, scope).await?;
    let owner = tx.owner();
    let rows = store::list(tx.conn(), owner.as_deref()).await?;
    tx.commit().await?;
    rows.into_iter().map(|p| out(app, p)).collect()
}

pub async fn create(
    app: &AppState,
    ctx: &TenantContext,
    req: CreateProvider,
) -> Result<ProviderOut, ApiError> {
    // A leaked API key must not be able to install a sign-in backdoor (review M10).
    ctx.require_session()?;
    let mut tx = OwnerTx::open(app, ctx, req.scope).await?;
    let now = now_ms();
    let clean = |v: Option<String>| merge_optional(None, v.as_deref());
    let id = oidc::new_provider_id();
    let client_secret = app
        .secrets
        .encrypt_bound(&req.client_secret, &bound::oidc_client_secret(&id));
    let row = Provider {
        id,
        tenant_id: tx.owner(),
        slug: req.slug,
        name: req.name.trim().to_owned(),
        issuer_url: req.issuer_url,
        client_id: req.client_id,
        client_secret,
        authorization_endpoint: clean(req.authorization_endpoint),
        token_endpoint: clean(req.token_endpoint),
        userinfo_endpoint: clean(req.userinfo_endpoint),
        jwks_uri: clean(req.jwks_uri),
        scopes: req.scopes.unwrap_or_else(|| DEFAULT_SCOPES.to_owned()),
        button_text: clean(req.button_text),
        button_color: clean(req.button_color),
        icon_url: clean(req.icon_url),
        auto_discovery: req.auto_discovery.unwrap_or(true),
        enabled: req.enabled.unwrap_or(true),
        trusted_email_domains: oidc::normalize_domains(
            req.trusted_email_domains.unwrap_or_default(),
        ),
        allow_unverified_email: req.allow_unverified_email.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    check_urls(app, &row)?;
    let saved = store::insert(tx.conn(), &row).await?;
    tx.commit().await?;
    tracing::info!(provider = %saved.id, slug = %saved.slug, tenant = ?saved.tenant_id, "OIDC provider created");
    out(app, saved)
}

/// What decides who an identity `{slug}:{sub}` is: the issuer, the client and the endpoints.
fn identity_source(p: &Provider) -> impl PartialEq + use<> {
    (
        p.issuer_url.clone(),
        p.client_id.clone(),
        p.auto_discovery,
        p.authorization_endpoint.clone(),
        p.token_endpoint.clone(),
        p.userinfo_endpoint.clone(),
        p.jwks_uri.clone(),
    )
}

pub async fn update(
    app: &AppState,
    ctx: &TenantContext,
    id: &str,
    req: UpdateProvider,
) -> Result<ProviderOut, ApiError> {
    ctx.require_session()?;
    let (mut tx, mut p) = open_existing(app, ctx, id).await?;
    let before = identity_source(&p);
    if let Some(secret) = req.client_secret.as_deref()
        && secret != mask(&reveal(app, &p)?)
    {
        p.client_secret = app
            .secrets
            .encrypt_bound(secret, &bound::oidc_client_secret(&p.id));
    }
    p.name = req.name.map_or(p.name, |n| n.trim().to_owned());
    p.issuer_url = req.issuer_url.unwrap_or(p.issuer_url);
    p.client_id = req.client_id.unwrap_or(p.client_id);
    p.scopes = req.scopes.unwrap_or(p.scopes);
    p.button_text = merge_optional(p.button_text, req.button_text.as_deref());
    p.button_color = merge_optional(p.button_color, req.button_color.as_deref());
    p.icon_url = merge_optional(p.icon_url, req.icon_url.as_deref());
    p.authorization_endpoint = merge_optional(
        p.authorization_endpoint,
        req.authorization_endpoint.as_deref(),
    );
    p.token_endpoint = merge_optional(p.token_endpoint, req.token_endpoint.as_deref());
    p.userinfo_endpoint = merge_optional(p.userinfo_endpoint, req.userinfo_endpoint.as_deref());
    p.jwks_uri = merge_optional(p.jwks_uri, req.jwks_uri.as_deref());
    p.auto_discovery = req.auto_discovery.unwrap_or(p.auto_discovery);
    p.enabled = req.enabled.unwrap_or(p.enabled);
    if let Some(domains) = req.trusted_email_domains {
        p.trusted_email_domains = oidc::normalize_domains(domains);
    }
    p.allow_unverified_email = req
        .allow_unverified_email
        .unwrap_or(p.allow_unverified_email);
    p.updated_at = now_ms();
    check_urls(app, &p)?;
    if let Some(tenant) = p.tenant_id.as_deref()
        && identity_source(&p) != before
    {
        store::unlink_identities(tx.conn(), tenant, &p.slug).await?;
    }
    let saved = store::update(tx.conn(), &p).await?.ok_or_else(not_found)?;
    tx.commit().await?;
    out(app, saved)
}

pub async fn delete(app: &AppState, ctx: &TenantContext, id: &str) -> Result<(), ApiError> {
    ctx.require_session()?;
    let (mut tx, p) = open_existing(app, ctx, id).await?;
    if !store::delete(tx.conn(), p.tenant_id.as_deref(), &p.id).await? {
        return Err(not_found());
    }
    // The slug is free again: whoever reuses it must not inherit the linked accounts.
    if let Some(tenant) = p.tenant_id.as_deref() {
        store::unlink_identities(tx.conn(), tenant, &p.slug).await?;
    }
    tx.commit().await?;
    tracing::info!(provider = %p.id, slug = %p.slug, "OIDC provider deleted");
    Ok(())
}

/// Loads the provider's metadata and keys exactly as a login would (fresh, refreshing the
/// cache), and reports them. A failure is a fixed code and text: the network's or the
/// provider's own words would let an administrator map the internal network through `/test`.
pub async fn test(
    app: &AppState,
    ctx: &TenantContext,
    id: &str,
) -> Result<DiscoveryReport, ApiError> {
    ctx.require_session()?;
    let (tx, p) = open_existing(app, ctx, id).await?;
    tx.commit().await?;
    let meta = client::load(&app.oidc, &p).await.map_err(|e| {
        tracing::info!(provider = %p.id, error = %e, "OIDC provider test failed");
        ApiError::bad_request(e.code, e.detail())
    })?;
    Ok(DiscoveryReport {
        status: "ok",
        issuer: meta.issuer().to_string(),
        authorization_endpoint: meta.authorization_endpoint().to_string(),
        token_endpoint: meta.token_endpoint().map(ToString::to_string),
        userinfo_endpoint: meta.userinfo_endpoint().map(ToString::to_string),
        jwks_uri: meta.jwks_uri().to_string(),
        keys: meta.jwks().keys().len(),
    })
}
