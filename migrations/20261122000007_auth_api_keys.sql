-- API keys (reference `api_keys` columns plus tenant, kind and agent). A key is shown once;
-- only its SHA-256 is kept. `kind` says whom it speaks for: `user` (acts as user_id), `service`
-- (tenant automation, internal endpoints only) or `agent` (acts only as agent_id).

create table auth.api_keys (
    id             varchar(64)  primary key check (id ~ '^ak_[A-Za-z0-9_-]{1,60}$'),
    tenant_id      varchar(64)  not null references auth.tenants (id) on delete cascade,
    user_id        varchar(64),
    kind           varchar(16)  not null check (kind in ('user', 'service', 'agent')),
    agent_id       varchar(128),
    name           varchar(256) not null check (length(btrim(name)) > 0),
    key_hash       varchar(128) not null,
    key_prefix     varchar(16)  not null,
    -- Reference compatibility: `{"agent_id": "..."}` on agent keys; agent_id is what we enforce.
    scopes         text,
    is_service_key boolean      not null default false,
    is_active      boolean      not null default true,
    expires_at     bigint,
    last_used_at   bigint,
    created_at     bigint       not null,
    -- Who created it (a user id); service and agent keys belong to no user.
    created_by     varchar(64),
    revoked_at     bigint,
    constraint api_keys_key_hash_key unique (key_hash),
    constraint api_keys_user_fk foreign key (tenant_id, user_id)
        references auth.users (tenant_id, id) on delete cascade,
    constraint api_keys_kind_shape check (
        (kind = 'user') = (user_id is not null)
        and (kind = 'agent') = (agent_id is not null)
        and is_service_key = (kind <> 'user')
    )
);
create index idx_api_keys_user on auth.api_keys (tenant_id, user_id);
create index idx_api_keys_prefix on auth.api_keys (key_prefix);
-- At most one live key per agent: `POST /v1/auth/api-keys/agent` is idempotent on it.
create unique index uq_api_keys_agent_active on auth.api_keys (tenant_id, agent_id)
    where kind = 'agent' and is_active;
select djb.enable_tenant_rls('auth.api_keys');

-- Introspection finds a key before it knows the tenant, only by the hash of the key it holds.
create policy api_key_lookup on auth.api_keys for select
    using (key_hash = current_setting('app.api_key_hash', true));
