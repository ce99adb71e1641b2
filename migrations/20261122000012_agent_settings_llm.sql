-- Settings, model providers and the LLM call log, per tenant (spec §2.5, §2.8; contract §2, §10).
-- The reference keeps provider keys in plaintext; here every key and every extra-config blob is
-- AES-256-GCM ciphertext written by agent-svc (SECRET_ENCRYPTION_KEY), next to a display mask.
-- User ids cannot reference auth.users (schemas do not reach into each other), so they are
-- stored next to tenant_id and only ever taken from the caller's token or from these rows.

-- Tenant settings as key/value rows (`value` is the JSON of one GlobalSettings field, or of
-- `favorites`); the key set is typed in agent-svc's domain::settings.
create table agent.global_settings (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    key         varchar(128) not null,
    value       text         not null,
    updated_at  bigint       not null,
    primary key (tenant_id, key)
);
select djb.enable_tenant_rls('agent.global_settings');

-- The tenant's provider configuration ("instance" keys in the reference). Catalog providers
-- and custom OpenAI-compatible ones (`custom-{slug}`, display name in `display_name`).
create table agent.model_providers (
    tenant_id          varchar(64)  not null references auth.tenants (id) on delete cascade,
    provider_id        varchar(64)  not null check (provider_id ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    enabled            boolean      not null default true,
    api_key_enc        text,
    api_key_masked     varchar(64),
    -- JSON object {ENV_VAR: value}, encrypted as a whole.
    extra_config_enc   text,
    display_name       varchar(256),
    is_custom          boolean      not null default false,
    created_at         bigint       not null,
    updated_at         bigint       not null,
    primary key (tenant_id, provider_id)
);
select djb.enable_tenant_rls('agent.model_providers');

-- A user's own provider keys.
create table agent.user_model_providers (
    tenant_id          varchar(64)  not null references auth.tenants (id) on delete cascade,
    user_id            varchar(64)  not null,
    provider_id        varchar(64)  not null check (provider_id ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$'),
    enabled            boolean      not null default true,
    api_key_enc        text,
    api_key_masked     varchar(64),
    extra_config_enc   text,
    created_at         bigint       not null,
    updated_at         bigint       not null,
    primary key (tenant_id, user_id, provider_id)
);
create index idx_user_model_providers_provider on agent.user_model_providers (tenant_id, provider_id);
select djb.enable_tenant_rls('agent.user_model_providers');

-- A tenant admin shares one of the tenant's provider keys with one user of the tenant, or with
-- all of them (target_user_id null). Removing the tenant's provider removes its shares.
create table agent.admin_shared_providers (
    id                    varchar(64)  primary key check (id ~ '^shr_[A-Za-z0-9_-]{1,60}$'),
    tenant_id             varchar(64)  not null references auth.tenants (id) on delete cascade,
    admin_user_id         varchar(64)  not null,
    provider_id           varchar(64)  not null,
    target_user_id        varchar(64),
    created_at            bigint       not null,
    expires_at            bigint,
    allowed_models        text,
    daily_limit           integer      check (daily_limit is null or daily_limit >= 0),
    daily_cost_limit_usd  double precision check (daily_cost_limit_usd is null or daily_cost_limit_usd >= 0),
    constraint admin_shared_providers_provider_fk foreign key (tenant_id, provider_id)
        references agent.model_providers (tenant_id, provider_id) on delete cascade,
    constraint uq_admin_shared_provider_target
        unique nulls not distinct (tenant_id, provider_id, target_user_id)
);
create index idx_admin_shared_providers_tenant on agent.admin_shared_providers (tenant_id, target_user_id);
select djb.enable_tenant_rls('agent.admin_shared_providers');

-- One row per LLM API call, appended by agent runtimes (through the engine's service token or
-- their own agent token). Deliberately NO foreign key to agent.agents: this is the usage
-- ledger that admin-share daily limits and usage reports count, so deleting an agent must not
-- erase its calls (otherwise deleting an agent would reset a user's daily limit). The agent is
-- checked to exist in the tenant when a call is recorded.
create table agent.llm_call_logs (
    id                     varchar(128) primary key check (id ~ '^llm_[A-Za-z0-9_-]{1,100}$'),
    tenant_id              varchar(64)  not null references auth.tenants (id) on delete cascade,
    session_id             varchar(256),
    run_id                 varchar(256),
    agent_id               varchar(128) not null,
    request_id             varchar(256),
    user_id                varchar(64),
    provider               varchar(64)  not null,
    model                  varchar(128) not null,
    key_source             varchar(32),
    key_masked             varchar(64),
    input_tokens           bigint       not null default 0,
    output_tokens          bigint       not null default 0,
    cache_read_tokens      bigint       not null default 0,
    cache_write_tokens     bigint       not null default 0,
    total_tokens           bigint       not null default 0,
    cost_input             double precision,
    cost_output            double precision,
    cost_total             double precision,
    cost_approximate       boolean      not null default false,
    duration_ms            bigint,
    tool_call_count        integer      not null default 0,
    has_thinking           boolean      not null default false,
    stop_reason            varchar(32),
    context_used_tokens    bigint,
    context_window_tokens  bigint,
    context_percent        integer,
    created_at             bigint       not null
);
create index idx_llm_calls_tenant on agent.llm_call_logs (tenant_id, created_at desc);
create index idx_llm_calls_agent on agent.llm_call_logs (tenant_id, agent_id);
create index idx_llm_calls_user on agent.llm_call_logs (tenant_id, user_id, created_at desc);
create index idx_llm_calls_session on agent.llm_call_logs (tenant_id, session_id);
create index idx_llm_calls_run on agent.llm_call_logs (tenant_id, run_id);
select djb.enable_tenant_rls('agent.llm_call_logs');
