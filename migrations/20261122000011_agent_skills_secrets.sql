-- Skills and secrets of agent-svc (spec §2.7; contract §1.3, §10).
--
-- Skills: global rows (tenant_id null, is_global) come from the repository's skills/ folder and
-- are read-only for tenants; tenants add their own. The slug is what people and agents write
-- (`load_skill("code-review")`); the id is generated because a tenant's skill and a global skill
-- could otherwise collide on it. agent-svc refuses a tenant slug that a global skill already has.

create table agent.skills (
    id              varchar(128) primary key check (id ~ '^skl_[A-Za-z0-9_-]{1,100}$'),
    tenant_id       varchar(64)  references auth.tenants (id) on delete cascade,
    is_global       boolean      not null default false,
    slug            varchar(128) not null check (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    name            varchar(256) not null check (length(btrim(name)) > 0),
    description     text         not null default '',
    tags            jsonb        not null default '[]' check (jsonb_typeof(tags) = 'array'),
    content         text         not null default '',
    enabled         boolean      not null default true,
    scope           varchar(16)  not null default 'global' check (scope in ('global', 'agent')),
    owner_agent_id  varchar(128),
    has_files       boolean      not null default false,
    created_by      varchar(128) not null,
    created_at      bigint       not null,
    updated_at      bigint       not null,
    constraint skills_global_is_tenantless check (is_global = (tenant_id is null)),
    -- Global skills belong to no agent; an agent-scoped skill names its owner.
    constraint skills_scope_owner check (
        (scope = 'agent') = (owner_agent_id is not null) and (not is_global or scope = 'global')),
    constraint skills_tenant_slug_key unique (tenant_id, slug),
    -- Deleting the owning agent removes its own skills (global rows have no owner: MATCH SIMPLE
    -- skips the check when a column is null).
    constraint skills_owner_agent_fk foreign key (tenant_id, owner_agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
-- (tenant_id, slug) does not constrain global rows (nulls are distinct): they get their own.
create unique index skills_global_slug_key on agent.skills (slug) where tenant_id is null;
create index idx_skills_tenant on agent.skills (tenant_id, slug);
select djb.enable_tenant_rls('agent.skills', true);

-- The catalog seeder writes global rows without being a tenant: a transaction that sets
-- `app.scope = 'catalog'` (kit::db::LookupTx) may write rows with tenant_id null and nothing else.
create policy catalog_seed on agent.skills
    using (tenant_id is null and current_setting('app.scope', true) = 'catalog')
    with check (tenant_id is null and current_setting('app.scope', true) = 'catalog');

-- Which agent may load which skill. Grants of global skills are tenant rows too.
create table agent.agent_skills (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id    varchar(128) not null,
    skill_id    varchar(128) not null references agent.skills (id) on delete cascade,
    granted     boolean      not null default true,
    granted_at  bigint       not null,
    granted_by  varchar(128) not null,
    constraint agent_skills_key primary key (tenant_id, agent_id, skill_id),
    constraint agent_skills_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
create index idx_agent_skills_skill on agent.agent_skills (skill_id);
select djb.enable_tenant_rls('agent.agent_skills');

-- Secrets: values encrypted with SECRET_ENCRYPTION_KEY (AES-256-GCM, kit::crypto::SecretBox);
-- only the engine's env endpoint ever decrypts them.
create table agent.secrets (
    id              varchar(128) primary key check (id ~ '^sec_[A-Za-z0-9_-]{1,100}$'),
    tenant_id       varchar(64)  not null references auth.tenants (id) on delete cascade,
    name            varchar(256) not null check (length(btrim(name)) > 0),
    description     text,
    secret_type     varchar(32)  not null default 'env_var' check (secret_type in
                        ('pat', 'ssh_key', 'env_var', 'password', 'api_key', 'token', 'other')),
    env_key         varchar(128) not null check (env_key ~ '^[A-Z_][A-Z0-9_]{0,127}$'),
    encrypted_value text         not null,
    masked_preview  varchar(64),
    created_by      varchar(128) not null,
    created_at      bigint       not null,
    updated_at      bigint       not null,
    constraint secrets_tenant_name_key unique (tenant_id, name),
    constraint secrets_tenant_id_key unique (tenant_id, id)
);
select djb.enable_tenant_rls('agent.secrets');

create table agent.agent_secret_grants (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    secret_id   varchar(128) not null,
    agent_id    varchar(128) not null,
    granted_at  bigint       not null,
    granted_by  varchar(128),
    constraint agent_secret_grants_key primary key (tenant_id, secret_id, agent_id),
    -- Both through (tenant_id, ...): a grant can never join one tenant's secret to another's agent.
    constraint agent_secret_grants_secret_fk foreign key (tenant_id, secret_id)
        references agent.secrets (tenant_id, id) on delete cascade,
    constraint agent_secret_grants_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
create index idx_agent_secret_grants_agent on agent.agent_secret_grants (tenant_id, agent_id);
select djb.enable_tenant_rls('agent.agent_secret_grants');
