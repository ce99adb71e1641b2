-- Pulse routines (contract §2 `pulse_routines`) and the record of manual pulse triggers.
-- An agent's own pulse schedule (interval, offset, blackouts, one-offs) lives in its typed
-- config (`agents.config_json`), not here.

create table agent.pulse_routines (
    id                   varchar(128) primary key check (id ~ '^pr_[A-Za-z0-9_-]{1,100}$'),
    tenant_id            varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id             varchar(128) not null,
    name                 varchar(256) not null check (length(btrim(name)) > 0),
    description          text,
    instructions         text         not null default '' check (octet_length(instructions) <= 65536),
    enabled              boolean      not null default true,
    interval_minutes     integer      not null default 30 check (interval_minutes between 1 and 10080),
    offset_minutes       integer      not null default 0,
    -- Our addition: a routine runs either every interval (+ offset) or on this cron schedule.
    cron                 varchar(256),
    blackouts            jsonb        not null default '[]',
    one_offs             jsonb        not null default '[]',
    timeout_ms           integer,
    max_concurrent       integer      not null default 1 check (max_concurrent between 1 and 10),
    pulse_columns        jsonb,
    color                varchar(32)  check (color ~ '^#[0-9a-fA-F]{6}$'),
    planning_model       varchar(256),
    executor_model       varchar(256),
    executor_timeout_sec integer      check (executor_timeout_sec between 30 and 3600),
    tools                jsonb,
    stage_affinity       jsonb,
    task_work_types      jsonb,
    sort_order           integer      not null default 0,
    last_run_at          bigint,
    total_runs           integer      not null default 0,
    created_at           bigint       not null,
    updated_at           bigint       not null,
    constraint pulse_routines_offset_check check (offset_minutes >= 0 and offset_minutes < interval_minutes),
    constraint pulse_routines_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade,
    constraint pulse_routines_agent_name_key unique (tenant_id, agent_id, name)
);
create index idx_pulse_routines_agent on agent.pulse_routines (tenant_id, agent_id, sort_order);
select djb.enable_tenant_rls('agent.pulse_routines');

-- Every manual "pulse now" request, written before the PULSE_TRIGGERED event is published so a
-- request is never lost silently: `failed` when the bus refused it.
create table agent.pulse_triggers (
    id            varchar(128) primary key,
    tenant_id     varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id      varchar(128) not null,
    -- No foreign key: the record outlives a deleted routine.
    routine_id    varchar(128),
    source        varchar(32)  not null,
    requested_by  varchar(256) not null,
    event_id      varchar(128) not null,
    status        varchar(16)  not null check (status in ('queued', 'failed')),
    created_at    bigint       not null,
    constraint pulse_triggers_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
create index idx_pulse_triggers_agent on agent.pulse_triggers (tenant_id, agent_id, created_at desc);
select djb.enable_tenant_rls('agent.pulse_triggers');
