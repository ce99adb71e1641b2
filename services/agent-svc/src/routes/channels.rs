//! `/v1/agents/{agent_id}/channels`: an agent's bot credentials per channel (contract §10).
//! Tokens are encrypted at rest and answered masked; only a service of the same tenant reads
//! them in clear (`/channels/keys/all`, for the bridges).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use kit::auth::scope::ServiceOnly;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::channels::{self, CATALOG, ChannelSpec, ExtraField};
use crate::flows;
use crate::flows::access::open_agent;
use crate::store::{self, channels::Credential};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(keys))
        .routes(routes!(get_one, upsert, remove))
}

/// A catalog channel as the settings page shows it: labels from the catalog, tokens masked.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelView {
    pub agent_id: String,
    pub channel: String,
    pub name: String,
    pub description: String,
    pub docs_url: Option<String>,
    pub shared_channel: bool,
    pub configured: bool,
    pub enabled: bool,
    pub primary_token_label: Option<String>,
    pub primary_token_env_var_suffix: Option<String>,
    pub primary_token_hint: Option<String>,
    pub masked_primary_token: Option<String>,
    pub secondary_token_label: Option<String>,
    pub secondary_token_env_var_suffix: Option<String>,
    pub secondary_token_hint: Option<String>,
    pub masked_secondary_token: Option<String>,
    pub extra_fields: Vec<ExtraField>,
    /// The settings (none of them secret), or null when there are none.
    pub masked_extra: Option<BTreeMap<String, String>>,
    pub updated_at: Option<i64>,
}

impl ChannelView {
    fn new(agent_id: &str, spec: &ChannelSpec, row: Option<&Credential>) -> Self {
        let empty = BTreeMap::new();
        let extra = row.map_or(&empty, |r| &r.extra_config.0);
        let owned = |s: &str| s.to_owned();
        Self {
            agent_id: agent_id.to_owned(),
            channel: spec.id.to_owned(),
            name: spec.name.to_owned(),
            description: spec.description.to_owned(),
            docs_url: spec.docs_url.map(owned),
            shared_channel: spec.shared,
            configured: row.is_some_and(|r| {
                channels::configured(
                    spec,
                    r.enabled,
                    r.primary_token.is_some(),
                    r.secondary_token.is_some(),
                    extra,
                )
            }),
            enabled: row.is_some_and(|r| r.enabled),
            primary_token_label: spec.primary.map(|t| t.label.to_owned()),
            primary_token_env_var_suffix: spec.primary.map(|t| t.env_suffix.to_owned()),
            primary_token_hint: spec.primary.map(|t| t.hint.to_owned()),
            masked_primary_token: row.and_then(|r| r.primary_token_masked.clone()),
            secondary_token_label: spec.secondary.map(|t| t.label.to_owned()),
            secondary_token_env_var_suffix: spec.secondary.map(|t| t.env_suffix.to_owned()),
            secondary_token_hint: spec.secondary.map(|t| t.hint.to_owned()),
            masked_secondary_token: row.and_then(|r| r.secondary_token_masked.clone()),
            extra_fields: spec.extra_fields.to_vec(),
            masked_extra: (!extra.is_empty()).then(|| extra.clone()),
            updated_at: row.map(|r| r.updated_at),
        }
    }
}

/// A partial change: absent fields (and empty tokens) keep what is stored; an empty setting
/// value removes that setting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpsertChannel {
    pub enabled: Option<bool>,
    pub primary_token: Option<String>,
    pub secondary_token: Option<String>,
    pub extra_config: Option<BTreeMap<String, String>>,
}

/// The channel-specific checks need the channel from the path; they run in the handler.
impl Validate for UpsertChannel {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelRemoved {
    pub status: &'static str,
    pub agent_id: String,
    pub channel: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelKey {
    pub primary_token: Option<String>,
    pub secondary_token: Option<String>,
    pub extra: BTreeMap<String, String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelKeys {
    pub channels: BTreeMap<String, ChannelKey>,
}

/// Every catalog channel, configured or not.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels", tag = "channels",
    responses((status = 200, body = [ChannelView]), (status = 404)))]
async fn list(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<Vec<ChannelView>>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let rows = store::channels::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let view = |spec: &ChannelSpec| {
        let row = rows.iter().find(|r| r.channel == spec.id);
        ChannelView::new(&agent_id, spec, row)
    };
    Ok(Json(CATALOG.iter().map(view).collect()))
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    responses((status = 200, body = ChannelView), (status = 404)))]
async fn get_one(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
) -> Result<Json<ChannelView>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let spec = channels::find(&channel)?;
    let row = store::channels::get(&mut tx, &agent_id, spec.id).await?;
    tx.commit().await?;
    Ok(Json(ChannelView::new(&agent_id, spec, row.as_ref())))
}

/// Creates or partially updates a channel's credentials (users and services; not the agent).
#[utoipa::path(put, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    request_body = UpsertChannel,
    responses((status = 200, body = ChannelView), (status = 403), (status = 404), (status = 422)))]
async fn upsert(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
    ValidJson(body): ValidJson<UpsertChannel>,
) -> Result<Json<ChannelView>, ApiError> {
    let change = channels::Change {
        enabled: body.enabled,
        primary_token: body.primary_token,
        secondary_token: body.secondary_token,
        extra_config: body.extra_config,
    };
    let (agent_id, spec, row) =
        flows::channels::upsert(&app, &ctx, &agent_id, &channel, change).await?;
    Ok(Json(ChannelView::new(&agent_id, spec, Some(&row))))
}

/// Removes a channel's credentials; removing an unconfigured channel is not an error.
#[utoipa::path(delete, path = "/v1/agents/{agent_id}/channels/{channel}", tag = "channels",
    responses((status = 200, body = ChannelRemoved), (status = 403), (status = 404)))]
async fn remove(
    State(app): State<AppState>,
    ctx: TenantContext,
    Path((agent_id, channel)): Path<(String, String)>,
) -> Result<Json<ChannelRemoved>, ApiError> {
    let (agent_id, spec) = flows::channels::remove(&app, &ctx, &agent_id, &channel).await?;
    let (status, channel) = ("ok", spec.id.to_owned());
    Ok(Json(ChannelRemoved {
        status,
        agent_id,
        channel,
    }))
}

/// The enabled channels' tokens in clear, for the bridges: services of the agent's tenant only.
#[utoipa::path(get, path = "/v1/agents/{agent_id}/channels/keys/all", tag = "channels",
    responses((status = 200, body = ChannelKeys), (status = 403), (status = 404)))]
async fn keys(
    State(app): State<AppState>,
    ServiceOnly(ctx): ServiceOnly,
    Path(agent_id): Path<String>,
) -> Result<Json<ChannelKeys>, ApiError> {
    let (mut tx, agent_id) = open_agent(&app.platform, &ctx, &agent_id).await?;
    let rows = store::channels::list(&mut tx, &agent_id).await?;
    tx.commit().await?;
    let reveal = |token: Option<String>| {
        token
            .map(|t| app.secrets.decrypt(&t).map_err(ApiError::internal))
            .transpose()
    };
    let mut channels = BTreeMap::new();
    for row in rows.into_iter().filter(|r| r.enabled) {
        let key = ChannelKey {
            primary_token: reveal(row.primary_token)?,
            secondary_token: reveal(row.secondary_token)?,
            extra: row.extra_config.0,
        };
        channels.insert(row.channel, key);
    }
    Ok(Json(ChannelKeys { channels }))
}
