-- What is configured around an agent: channel credentials, tool overrides, messaging
-- permissions, and the two mailboxes an agent works from (its work queue and its inbox).
-- The reference kept the queue and the inbox in Redis (`djinnbot:agent:{id}:queue|inbox`); here
-- they are Postgres rows so they survive a Redis flush and sit behind the same RLS wall as the
-- rest of a tenant's data. Every table hangs off agent.agents, so deleting an agent removes them.

-- Bot tokens per agent and channel. Tokens are AES-256-GCM ciphertext (kit::crypto::SecretBox);
-- the *_masked columns hold the preview made at write time, so listing never decrypts.
create table agent.channel_credentials (
    tenant_id               varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id                varchar(128) not null,
    channel                 varchar(32)  not null
        check (channel in ('slack', 'discord', 'telegram', 'signal', 'whatsapp')),
    primary_token           text,
    primary_token_masked    varchar(64),
    secondary_token         text,
    secondary_token_masked  varchar(64),
    -- Non-secret settings only (bot user id, guild id, allow-list), by the catalog's keys.
    extra_config            jsonb        not null default '{}',
    enabled                 boolean      not null default true,
    created_at              bigint       not null,
    updated_at              bigint       not null,
    primary key (tenant_id, agent_id, channel),
    constraint channel_credentials_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.channel_credentials');
-- slack-svc's partition rebalance reads every enabled Slack bot (spec §3.8.5).
create index idx_channel_creds_channel on agent.channel_credentials (channel, tenant_id)
    where enabled;

-- Built-in tools switched on or off per agent; a tool without a row is enabled.
create table agent.tool_overrides (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id    varchar(128) not null,
    tool_name   varchar(256) not null,
    enabled     boolean      not null default false,
    updated_at  bigint       not null,
    updated_by  varchar(128) not null default 'ui',
    primary key (tenant_id, agent_id, tool_name),
    constraint tool_overrides_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.tool_overrides');

-- Outbound targets (chat ids, phone numbers, groups) an agent's messaging tools may reach.
create table agent.messaging_permissions (
    id          bigserial    primary key,
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id    varchar(128) not null,
    channel     varchar(32)  not null check (channel in ('telegram', 'whatsapp', 'signal')),
    target      varchar(256) not null check (length(btrim(target)) > 0),
    label       varchar(256),
    created_at  bigint       not null,
    updated_at  bigint       not null,
    constraint messaging_permissions_target_key unique (tenant_id, agent_id, channel, target),
    constraint messaging_permissions_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.messaging_permissions');

-- Work waiting for an agent (pipeline steps, assignments), produced by engine-svc.
create table agent.queue_items (
    id                  varchar(64)  primary key check (id ~ '^qi_[A-Za-z0-9_-]{1,60}$'),
    tenant_id           varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id            varchar(128) not null,
    kind                varchar(32)  not null,
    title               varchar(256) not null default '',
    run_id              varchar(128),
    step                varchar(128),
    payload             jsonb        not null default '{}',
    priority            varchar(16)  not null default 'normal'
        check (priority in ('normal', 'high', 'urgent')),
    estimated_duration  bigint,
    status              varchar(16)  not null default 'queued'
        check (status in ('queued', 'cancelled')),
    created_at          bigint       not null,
    -- Arrival order: ids are random and several items can share a millisecond.
    seq                 bigserial    not null,
    constraint queue_items_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.queue_items');
create index idx_queue_items_agent on agent.queue_items (tenant_id, agent_id, status, seq);

-- Messages to an agent from users, services or other agents of the tenant.
create table agent.inbox_messages (
    id              varchar(64)  primary key check (id ~ '^msg_[A-Za-z0-9_-]{1,60}$'),
    tenant_id       varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id        varchar(128) not null,
    sender          varchar(256) not null,
    -- The sending agent, when an agent sent it; no FK so a message outlives its sender.
    from_agent_id   varchar(128),
    type            varchar(32)  not null default 'info'
        check (type in ('info', 'review_request', 'help_request', 'urgent', 'work_assignment')),
    priority        varchar(16)  not null default 'normal'
        check (priority in ('normal', 'high', 'urgent')),
    subject         varchar(512),
    body            text         not null,
    run_context     varchar(256),
    step_context    varchar(256),
    read_at         bigint,
    created_at      bigint       not null,
    -- Arrival order: ids are random and several messages can share a millisecond.
    seq             bigserial    not null,
    constraint inbox_messages_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.inbox_messages');
create index idx_inbox_messages_agent on agent.inbox_messages (tenant_id, agent_id, seq desc);
