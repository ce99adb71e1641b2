//! SQL of `agent.llm_call_logs`: append, filtered lists with a summary, and per-user usage
//! grouped by chat session or run.

use kit::ApiError;
use kit::db::TenantTx;
use serde::Serialize;
use sqlx::FromRow;

use crate::domain::llm_calls::{CallFilter, RecordLlmCall};

/// One call as lists show it (the reference's snake_case `LlmCallResponse`).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct LlmCall {
    pub id: String,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub agent_id: String,
    pub request_id: Option<String>,
    pub user_id: Option<String>,
    pub provider: String,
    pub model: String,
    pub key_source: Option<String>,
    pub key_masked: Option<String>,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub cache_read_tokens: i64,
    pub cache_write_tokens: i64,
    pub total_tokens: i64,
    pub cost_input: Option<f64>,
    pub cost_output: Option<f64>,
    pub cost_total: Option<f64>,
    pub cost_approximate: bool,
    pub duration_ms: Option<i64>,
    pub tool_call_count: i32,
    pub has_thinking: bool,
    pub stop_reason: Option<String>,
    pub context_used_tokens: Option<i64>,
    pub context_window_tokens: Option<i64>,
    pub context_percent: Option<i32>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, session_id, run_id, agent_id, request_id, user_id, provider, model, \
    key_source, key_masked, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, \
    total_tokens, cost_input, cost_output, cost_total, cost_approximate, duration_ms, \
    tool_call_count, has_thinking, stop_reason, context_used_tokens, context_window_tokens, \
    context_percent, created_at";

/// Totals over the filtered calls.
#[derive(Debug, Clone, Default, FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CallSummary {
    pub total_calls: i64,
    pub total_tokens: i64,
    pub total_input_tokens: i64,
    pub total_output_tokens: i64,
    pub total_cache_read_tokens: i64,
    pub total_cache_write_tokens: i64,
    pub total_cost: f64,
    pub total_tool_calls: i64,
    pub avg_duration_ms: Option<f64>,
}

pub async fn insert(tx: &mut TenantTx, call: &RecordLlmCall, now: i64) -> Result<String, ApiError> {
    let id = format!("llm_{}", shared_schemas::ids::random_body());
    let tenant = tx.tenant().to_string();
    sqlx::query(
        "insert into agent.llm_call_logs (id, tenant_id, session_id, run_id, agent_id, request_id,
             user_id, provider, model, key_source, key_masked, input_tokens, output_tokens,
             cache_read_tokens, cache_write_tokens, total_tokens, cost_input, cost_output,
             cost_total, cost_approximate, duration_ms, tool_call_count, has_thinking,
             stop_reason, context_used_tokens, context_window_tokens, context_percent, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)",
    )
    .bind(&id)
    .bind(tenant)
    .bind(&call.session_id)
    .bind(&call.run_id)
    .bind(&call.agent_id)
    .bind(&call.request_id)
    .bind(&call.user_id)
    .bind(&call.provider)
    .bind(&call.model)
    .bind(&call.key_source)
    .bind(call.stored_key_mask())
    .bind(call.input_tokens)
    .bind(call.output_tokens)
    .bind(call.cache_read_tokens)
    .bind(call.cache_write_tokens)
    .bind(call.total())
    .bind(call.cost_input)
    .bind(call.cost_output)
    .bind(call.cost_total)
    .bind(call.cost_approximate)
    .bind(call.duration_ms)
    .bind(call.tool_call_count)
    .bind(call.has_thinking)
    .bind(&call.stop_reason)
    .bind(call.context_used_tokens)
    .bind(call.context_window_tokens)
    .bind(call.context_percent)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

const FILTER: &str = "tenant_id = $1
    and ($2::varchar is null or session_id = $2) and ($3::varchar is null or run_id = $3)
    and ($4::varchar is null or agent_id = $4) and ($5::varchar is null or user_id = $5)
    and ($6::varchar is null or provider = $6) and ($7::varchar is null or key_source = $7)";

fn filtered<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    tenant: String,
    f: &'q CallFilter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(tenant)
        .bind(&f.session_id)
        .bind(&f.run_id)
        .bind(&f.agent_id)
        .bind(&f.user_id)
        .bind(&f.provider)
        .bind(&f.key_source)
}

/// A page of calls, newest first, and the totals over every matching call.
pub async fn list(
    tx: &mut TenantTx,
    filter: &CallFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LlmCall>, CallSummary), ApiError> {
    let tenant = tx.tenant().to_string();
    let sql = format!(
        "select {COLUMNS} from agent.llm_call_logs where {FILTER}
          order by created_at desc, id desc limit $8 offset $9"
    );
    let calls = filtered(sqlx::query_as(&sql), tenant.clone(), filter)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut **tx)
        .await?;
    let sql = format!(
        "select count(*) as total_calls,
                coalesce(sum(total_tokens), 0)::bigint as total_tokens,
                coalesce(sum(input_tokens), 0)::bigint as total_input_tokens,
                coalesce(sum(output_tokens), 0)::bigint as total_output_tokens,
                coalesce(sum(cache_read_tokens), 0)::bigint as total_cache_read_tokens,
                coalesce(sum(cache_write_tokens), 0)::bigint as total_cache_write_tokens,
                coalesce(sum(cost_total), 0)::double precision as total_cost,
                coalesce(sum(tool_call_count), 0)::bigint as total_tool_calls,
                avg(duration_ms)::double precision as avg_duration_ms
           from agent.llm_call_logs where {FILTER}"
    );
    let summary = filtered(sqlx::query_as(&sql), tenant, filter)
        .fetch_one(&mut **tx)
        .await?;
    Ok((calls, summary))
}

/// One chat session or run of a user, folded from its calls.
#[derive(Debug, Clone, FromRow)]
pub struct UsageRow {
    pub kind: String,
    pub item_id: String,
    pub agent_id: String,
    pub model: Option<String>,
    pub key_source: Option<String>,
    pub key_masked: Option<String>,
    pub status: String,
    pub llm_calls: i64,
    pub total_tokens: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub total_cost: f64,
    pub created_at: i64,
    pub last_call_at: i64,
}

/// Folds a user's calls into items; statuses per `domain::llm_calls::USAGE_STATUSES`.
const USAGE_ITEMS: &str = "with items as (
    select case when run_id is not null then 'run' else 'chat' end as kind,
           coalesce(run_id, session_id) as item_id,
           (array_agg(agent_id order by created_at desc, id desc))[1] as agent_id,
           (array_agg(model order by created_at desc, id desc))[1] as model,
           (array_agg(key_source order by created_at desc, id desc))[1] as key_source,
           (array_agg(key_masked order by created_at desc, id desc))[1] as key_masked,
           (array_agg(stop_reason order by created_at desc, id desc))[1] as last_stop,
           count(*) as llm_calls,
           coalesce(sum(total_tokens), 0)::bigint as total_tokens,
           coalesce(sum(input_tokens), 0)::bigint as input_tokens,
           coalesce(sum(output_tokens), 0)::bigint as output_tokens,
           coalesce(sum(cost_total), 0)::double precision as total_cost,
           min(created_at) as created_at, max(created_at) as last_call_at
      from agent.llm_call_logs
     where tenant_id = $1 and user_id = $2 and (run_id is not null or session_id is not null)
     group by 1, 2
), typed as (
    select *, case when last_stop in ('error', 'aborted') then 'failed'
                   when last_stop = 'toolUse' then 'active' else 'completed' end as status
      from items
)";

pub async fn usage(
    tx: &mut TenantTx,
    user_id: &str,
    kind: Option<&str>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<UsageRow>, i64), ApiError> {
    let tenant = tx.tenant().to_string();
    let filter = "($3::varchar is null or kind = $3) and ($4::varchar is null or status = $4)";
    let rows = sqlx::query_as(&format!(
        "{USAGE_ITEMS} select kind, item_id, agent_id, model, key_source, key_masked, status,
             llm_calls, total_tokens, input_tokens, output_tokens, total_cost, created_at,
             last_call_at
           from typed where {filter} order by last_call_at desc, item_id limit $5 offset $6"
    ))
    .bind(&tenant)
    .bind(user_id)
    .bind(kind)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "{USAGE_ITEMS} select count(*) from typed where {filter}"
    ))
    .bind(&tenant)
    .bind(user_id)
    .bind(kind)
    .bind(status)
    .fetch_one(&mut **tx)
    .await?;
    Ok((rows, total))
}

/// All of a user's calls, summed.
#[derive(Debug, Clone, Default, FromRow, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UsageSummary {
    pub total_sessions: i64,
    pub total_runs: i64,
    pub total_llm_calls: i64,
    pub total_tokens: i64,
    pub total_input_tokens: i64,
    pub total_output_tokens: i64,
    pub total_cache_read_tokens: i64,
    pub total_cache_write_tokens: i64,
    pub total_cost: f64,
}

pub async fn usage_summary(tx: &mut TenantTx, user_id: &str) -> Result<UsageSummary, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(
        "select count(distinct session_id) filter (where run_id is null) as total_sessions,
                count(distinct run_id) as total_runs,
                count(*) as total_llm_calls,
                coalesce(sum(total_tokens), 0)::bigint as total_tokens,
                coalesce(sum(input_tokens), 0)::bigint as total_input_tokens,
                coalesce(sum(output_tokens), 0)::bigint as total_output_tokens,
                coalesce(sum(cache_read_tokens), 0)::bigint as total_cache_read_tokens,
                coalesce(sum(cache_write_tokens), 0)::bigint as total_cache_write_tokens,
                coalesce(sum(cost_total), 0)::double precision as total_cost
           from agent.llm_call_logs where tenant_id = $1 and user_id = $2",
    )
    .bind(tenant)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?)
}
