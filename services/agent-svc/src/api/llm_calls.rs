//! Request and response types of the routes in `routes::llm_calls`.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::api::support::{check_page, default_limit, present};
use crate::domain::llm_calls::{USAGE_STATUSES, USAGE_TYPES};
use crate::domain::validate::{err, finish};
use crate::store::llm_calls::{CallSummary, LlmCall, UsageRow, UsageSummary};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: String,
    pub ok: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LlmCallListResponse {
    pub calls: Vec<LlmCall>,
    pub total: i64,
    pub has_more: bool,
    pub summary: CallSummary,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: Option<String>,
    /// 1 to 500 (default 50).
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminListQuery {
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: Option<String>,
    pub user_id: Option<String>,
    pub provider: Option<String>,
    pub key_source: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl Validate for ListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        finish(e)
    }
}

impl Validate for AdminListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        finish(e)
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UsageQuery {
    /// `chat` or `run` (the reference's `type` is accepted too).
    #[serde(alias = "type")]
    pub item_type: Option<String>,
    /// `active`, `completed` or `failed` (or `status`).
    #[serde(alias = "status")]
    pub status_filter: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

impl Validate for UsageQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        check_page(self.limit, self.offset, &mut e);
        if present(&self.item_type).is_some_and(|t| !USAGE_TYPES.contains(&t.as_str())) {
            e.push(err("item_type", "must be chat or run"));
        }
        if present(&self.status_filter).is_some_and(|s| !USAGE_STATUSES.contains(&s.as_str())) {
            e.push(err("status_filter", "must be active, completed or failed"));
        }
        finish(e)
    }
}

/// One chat session or run of the user, folded from its calls.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUsageItem {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub agent_id: String,
    pub status: String,
    pub created_at: i64,
    /// The last call's time once the item is no longer active.
    pub completed_at: Option<i64>,
    pub last_call_at: i64,
    pub model: Option<String>,
    #[schema(value_type = Object)]
    pub key_resolution: serde_json::Value,
    pub llm_calls: i64,
    pub total_tokens: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_cost: f64,
}

impl From<UsageRow> for UserUsageItem {
    fn from(r: UsageRow) -> Self {
        Self {
            completed_at: (r.status != "active").then_some(r.last_call_at),
            key_resolution: json!({"source": r.key_source, "maskedKey": r.key_masked}),
            id: r.item_id,
            kind: r.kind,
            agent_id: r.agent_id,
            status: r.status,
            created_at: r.created_at,
            last_call_at: r.last_call_at,
            model: r.model,
            llm_calls: r.llm_calls,
            total_tokens: r.total_tokens,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            total_cost: r.total_cost,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserUsageResponse {
    pub items: Vec<UserUsageItem>,
    pub total: i64,
    pub has_more: bool,
    pub summary: UsageSummary,
}
