-- Agents as tenant-owned rows (spec §2.4): the persona files and config.yml of the reference's
-- AGENTS_DIR become columns. The id is global (`agt_…`); the slug is unique per tenant only.
-- Every other agent-svc table hangs off an agent through (tenant_id, agent_id), so deleting an
-- agent cascades through all of them and no row can point at another tenant's agent.

create table agent.agents (
    id              varchar(128) primary key check (id ~ '^agt_[A-Za-z0-9_-]{1,100}$'),
    tenant_id       varchar(64)  not null references auth.tenants (id) on delete cascade,
    name            varchar(256) not null check (length(btrim(name)) > 0),
    slug            varchar(128) not null check (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    emoji           varchar(16),
    role            varchar(256),
    description     text         not null default '',
    model           varchar(256),
    thinking_level  varchar(32)  not null default 'off',
    pulse_enabled   boolean      not null default false,
    identity_md     text,
    soul_md         text,
    agents_md       text,
    decision_md     text,
    config_json     text         not null default '{}',
    slack_config    text,
    status          varchar(32)  not null default 'active',
    -- The catalog template this agent was cloned from, if any (no FK: templates may go away).
    template_id     varchar(128),
    created_at      bigint       not null,
    updated_at      bigint       not null,
    constraint agents_tenant_slug_key unique (tenant_id, slug),
    constraint agents_tenant_id_key unique (tenant_id, id)
);
create index idx_agents_tenant on agent.agents (tenant_id, created_at);
select djb.enable_tenant_rls('agent.agents');

-- The global template catalog, rewritten from agent-templates/ at every start. No tenant data:
-- readable by everyone, no RLS needed.
create table agent.agent_templates (
    id              varchar(128) primary key,
    name            varchar(256) not null,
    emoji           varchar(16),
    role            varchar(256),
    description     text         not null default '',
    identity_md     text,
    soul_md         text,
    agents_md       text,
    decision_md     text,
    config_json     text         not null default '{}',
    updated_at      bigint       not null
);

-- What agents did, appended from bus events (lifecycle/activity endpoints read it).
create table agent.agent_activity (
    id          bigserial    primary key,
    tenant_id   varchar(64)  not null,
    agent_id    varchar(128) not null,
    -- The bus event id: redelivered events do not append twice.
    event_id    varchar(128) not null,
    event_type  varchar(64)  not null,
    run_id      varchar(128),
    session_id  varchar(128),
    summary     text         not null default '',
    data        jsonb        not null default '{}',
    tokens      bigint       not null default 0,
    cost_usd    double precision not null default 0,
    is_error    boolean      not null default false,
    created_at  bigint       not null,
    constraint agent_activity_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade,
    constraint agent_activity_event_key unique (tenant_id, agent_id, event_id)
);
create index idx_agent_activity_agent on agent.agent_activity (tenant_id, agent_id, created_at desc);
select djb.enable_tenant_rls('agent.agent_activity');
