-- engine-svc: pipelines, runs, their steps and step attempts, outputs, loop state and activity
-- sessions (spec §2.5, §2.6; contract §1.5, §4; ARCHITECTURE §6).
--
-- Pipelines are keyed by (tenant, id): global rows (tenant_id null) are seeded from the
-- repository's pipelines/ folder and read-only for tenants; a tenant's pipeline with a global's
-- id shadows it for that tenant only. A run keeps the YAML it started with (`pipeline_yaml`), so
-- editing a pipeline never changes a running run.

create table engine.pipelines (
    seq          bigint generated always as identity primary key,
    tenant_id    varchar(64)  references auth.tenants (id) on delete cascade,
    id           varchar(128) not null check (id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    is_global    boolean      not null default false,
    name         varchar(256) not null,
    description  text         not null default '',
    version      varchar(64)  not null default '',
    yaml_content text         not null,
    -- SHA-256 of yaml_content: seeding rewrites a global row only when its file changed.
    content_hash varchar(64)  not null,
    created_by   varchar(128),
    created_at   bigint       not null,
    updated_at   bigint       not null,
    constraint pipelines_global_is_tenantless check (is_global = (tenant_id is null)),
    constraint pipelines_tenant_id_key unique (tenant_id, id)
);
create unique index pipelines_global_id_key on engine.pipelines (id) where tenant_id is null;
select djb.enable_tenant_rls('engine.pipelines', true);
create policy catalog_seed on engine.pipelines
    using (tenant_id is null and current_setting('app.scope', true) = 'catalog')
    with check (tenant_id is null and current_setting('app.scope', true) = 'catalog');

-- Runs. `status`: queued (waiting for one of the tenant's run slots) -> running -> completed |
-- failed | cancelled, and paused in between; `pending` is a run not yet admitted.
create table engine.runs (
    id                   varchar(64)  primary key check (id ~ '^run_[A-Za-z0-9_-]{1,60}$'),
    tenant_id            varchar(64)  not null references auth.tenants (id) on delete cascade,
    pipeline_id          varchar(128) not null,
    pipeline_yaml        text         not null,
    task                 text         not null,
    status               varchar(16)  not null check (status in
        ('pending', 'queued', 'running', 'paused', 'completed', 'failed', 'cancelled')),
    outputs              jsonb        not null default '{}' check (jsonb_typeof(outputs) = 'object'),
    current_step_id      varchar(128),
    human_context        text,
    error                text,
    project_id           varchar(64),
    task_id              varchar(64),
    -- The agent a run was started for (execute: the task's agent), a platform `agt_` id.
    agent_id             varchar(128),
    task_branch          varchar(256),
    workspace_type       varchar(32),
    initiated_by_user_id varchar(64),
    key_user_id          varchar(64),
    model_override       varchar(256),
    key_resolution       jsonb,
    -- Bumped by a restart of the whole run; step attempts of an older generation are stale.
    generation           integer      not null default 0,
    created_at           bigint       not null,
    updated_at           bigint       not null,
    started_at           bigint,
    completed_at         bigint,
    constraint runs_tenant_id_key unique (tenant_id, id)
);
create index idx_runs_tenant_status on engine.runs (tenant_id, status);
create index idx_runs_tenant_created on engine.runs (tenant_id, created_at desc);
create index idx_runs_tenant_project on engine.runs (tenant_id, project_id) where project_id is not null;
create index idx_runs_tenant_task on engine.runs (tenant_id, task_id) where task_id is not null;
select djb.enable_tenant_rls('engine.runs');

-- One row per pipeline step of a run: its current state. Each execution is an attempt (below).
create table engine.steps (
    tenant_id     varchar(64)  not null references auth.tenants (id) on delete cascade,
    run_id        varchar(64)  not null,
    step_id       varchar(128) not null,
    -- The pipeline's agent slug and the tenant's agent it resolved to (`agt_`).
    agent_slug    varchar(128) not null,
    agent_id      varchar(128),
    status        varchar(16)  not null check (status in
        ('pending', 'queued', 'running', 'completed', 'failed', 'cancelled', 'retrying')),
    -- The current attempt's number (0 before the first); queueing a step again starts a new one.
    attempt       integer      not null default 0,
    session_id    varchar(160),
    inputs        jsonb        not null default '{}',
    outputs       jsonb        not null default '{}',
    error         text,
    retry_count   integer      not null default 0,
    max_retries   integer      not null default 3,
    human_context text,
    model_used    varchar(256),
    queued_at     bigint,
    started_at    bigint,
    completed_at  bigint,
    updated_at    bigint       not null,
    primary key (run_id, step_id),
    constraint steps_run_fk foreign key (tenant_id, run_id)
        references engine.runs (tenant_id, id) on delete cascade
);
create index idx_steps_tenant_status on engine.steps (tenant_id, status);
select djb.enable_tenant_rls('engine.steps');

-- Every execution of a step. The fencing token of the run lease that ran it is kept, so a
-- replica that lost its lease cannot record a result over the one that took the run over.
create table engine.step_attempts (
    tenant_id    varchar(64)  not null references auth.tenants (id) on delete cascade,
    run_id       varchar(64)  not null,
    step_id      varchar(128) not null,
    attempt      integer      not null,
    status       varchar(16)  not null check (status in
        ('queued', 'running', 'completed', 'failed', 'cancelled')),
    fence        bigint,
    instance_id  varchar(128),
    prompt       text,
    outputs      jsonb,
    error        text,
    started_at   bigint,
    ended_at     bigint,
    created_at   bigint       not null,
    primary key (run_id, step_id, attempt),
    constraint step_attempts_step_fk foreign key (run_id, step_id)
        references engine.steps (run_id, step_id) on delete cascade
);
create index idx_step_attempts_tenant on engine.step_attempts (tenant_id, status);
select djb.enable_tenant_rls('engine.step_attempts');

-- A run's accumulated outputs by key (the contract's `outputs` table).
create table engine.outputs (
    tenant_id  varchar(64)  not null references auth.tenants (id) on delete cascade,
    run_id     varchar(64)  not null,
    key        varchar(256) not null,
    step_id    varchar(128) not null,
    value      text         not null,
    updated_at bigint       not null,
    primary key (run_id, key),
    constraint outputs_run_fk foreign key (tenant_id, run_id)
        references engine.runs (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('engine.outputs');

-- Loop state of a loop step: items `{id, index, data, status, retryCount, output}`.
create table engine.loop_state (
    tenant_id     varchar(64)  not null references auth.tenants (id) on delete cascade,
    run_id        varchar(64)  not null,
    step_id       varchar(128) not null,
    items         jsonb        not null default '[]' check (jsonb_typeof(items) = 'array'),
    current_index integer      not null default 0,
    updated_at    bigint       not null,
    primary key (run_id, step_id),
    constraint loop_state_run_fk foreign key (tenant_id, run_id)
        references engine.runs (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('engine.loop_state');

-- Activity sessions: one per agent execution (pipeline step, pulse, executor, chat turn).
create table engine.sessions (
    id             varchar(160) primary key,
    tenant_id      varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id       varchar(128) not null,
    user_id        varchar(64),
    source         varchar(32)  not null,
    source_id      varchar(160),
    status         varchar(16)  not null check (status in
        ('starting', 'running', 'completed', 'failed', 'cancelled')),
    user_prompt    text,
    output         text,
    error          text,
    model          varchar(256),
    turn_count     integer      not null default 0,
    key_resolution jsonb,
    created_at     bigint       not null,
    started_at     bigint,
    completed_at   bigint,
    constraint sessions_tenant_id_key unique (tenant_id, id)
);
create index idx_sessions_tenant_agent on engine.sessions (tenant_id, agent_id, created_at desc);
select djb.enable_tenant_rls('engine.sessions');

create table engine.session_events (
    id         bigint generated always as identity primary key,
    tenant_id  varchar(64)  not null references auth.tenants (id) on delete cascade,
    session_id varchar(160) not null,
    event_type varchar(64)  not null,
    timestamp  bigint       not null,
    data       jsonb        not null default '{}',
    constraint session_events_session_fk foreign key (tenant_id, session_id)
        references engine.sessions (tenant_id, id) on delete cascade
);
create index idx_session_events_session on engine.session_events (session_id, id);
select djb.enable_tenant_rls('engine.session_events');

-- The engine's sweeps (admission of queued runs, the reconciler) look across tenants: they may
-- read runs and steps under `app.scope = 'engine-sweep'` (kit::db::LookupTx) and then act on
-- each through that tenant's own TenantTx. Reading only: every write stays tenant-scoped.
create policy engine_sweep on engine.runs for select
    using (current_setting('app.scope', true) = 'engine-sweep');
create policy engine_sweep on engine.steps for select
    using (current_setting('app.scope', true) = 'engine-sweep');
