-- project-svc (spec §2.5): projects and their boards, tasks, dependencies, workflows, runs of
-- tasks, agents on projects, templates and onboarding. Every child row carries its tenant and
-- references its parent through (tenant_id, id) pairs, so a row can never point at another
-- tenant's project or task, and deleting a project cascades through all of it.

-- Templates: global rows (tenant_id null, seeded from project-templates/) and tenant-owned ones.
create table project.project_templates (
    id                     varchar(64)  primary key,
    tenant_id              varchar(64)  references auth.tenants (id) on delete cascade,
    slug                   varchar(128) not null check (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    name                   varchar(256) not null check (length(btrim(name)) > 0),
    description            text         not null default '',
    icon                   varchar(16),
    is_builtin             boolean      not null default false,
    board_columns          jsonb        not null,
    status_semantics       jsonb        not null default '{}',
    default_pipeline_id    varchar(128),
    onboarding_agent_chain jsonb,
    template_metadata      jsonb        not null default '{}',
    sort_order             integer      not null default 0,
    created_at             bigint       not null,
    updated_at             bigint       not null,
    check ((tenant_id is null) = is_builtin)
);
create unique index uq_project_templates_global_slug on project.project_templates (slug)
    where tenant_id is null;
create unique index uq_project_templates_tenant_slug on project.project_templates (tenant_id, slug)
    where tenant_id is not null;
select djb.enable_tenant_rls('project.project_templates', true);
-- Seeding the global catalog is the one write to global rows (see migrations/README.md).
create policy catalog_seed on project.project_templates for all
    using (tenant_id is null and current_setting('app.scope', true) = 'catalog')
    with check (tenant_id is null and current_setting('app.scope', true) = 'catalog');

create table project.projects (
    id                   varchar(64)  primary key check (id ~ '^prj_[A-Za-z0-9_-]{1,60}$'),
    tenant_id            varchar(64)  not null references auth.tenants (id) on delete cascade,
    name                 varchar(256) not null check (length(btrim(name)) > 0),
    description          text         not null default '',
    status               varchar(32)  not null default 'active'
                         check (status in ('active', 'completed', 'archived', 'paused')),
    repository           text,
    default_pipeline_id  varchar(128),
    onboarding_context   text,
    slack_channel_id     varchar(64),
    slack_notify_user_id varchar(64),
    vision               text,
    -- The template it was made from; templates may be deleted later (no FK).
    template_id          varchar(64),
    status_semantics     jsonb,
    workspace_type       varchar(32),
    key_user_id          varchar(64),
    completed_at         bigint,
    created_at           bigint       not null,
    updated_at           bigint       not null,
    constraint projects_tenant_id_key unique (tenant_id, id)
);
create index idx_projects_tenant on project.projects (tenant_id, status, created_at);
select djb.enable_tenant_rls('project.projects');

create table project.kanban_columns (
    id            varchar(64)  primary key,
    tenant_id     varchar(64)  not null,
    project_id    varchar(64)  not null,
    name          varchar(128) not null check (length(btrim(name)) > 0),
    position      integer      not null default 0,
    wip_limit     integer      check (wip_limit is null or wip_limit > 0),
    task_statuses jsonb        not null default '[]',
    constraint kanban_columns_project_fk foreign key (tenant_id, project_id)
        references project.projects (tenant_id, id) on delete cascade,
    constraint kanban_columns_key unique (tenant_id, project_id, id)
);
create index idx_kanban_project on project.kanban_columns (tenant_id, project_id, position);
select djb.enable_tenant_rls('project.kanban_columns');

create table project.tasks (
    id                    varchar(64)  primary key check (id ~ '^tsk_[A-Za-z0-9_-]{1,60}$'),
    tenant_id             varchar(64)  not null,
    project_id            varchar(64)  not null,
    title                 varchar(512) not null check (length(btrim(title)) > 0),
    description           text         not null default '',
    status                varchar(32)  not null default 'backlog',
    priority              varchar(8)   not null default 'P2' check (priority in ('P0', 'P1', 'P2', 'P3')),
    assigned_agent        varchar(128),
    workflow_id           varchar(64),
    pipeline_id           varchar(128),
    run_id                varchar(64),
    parent_task_id        varchar(64),
    tags                  jsonb        not null default '[]',
    estimated_hours       double precision check (estimated_hours is null or estimated_hours >= 0),
    column_id             varchar(64)  not null,
    column_position       integer      not null default 0,
    metadata              jsonb        not null default '{}',
    work_type             varchar(32),
    completed_stages      jsonb,
    spec_review_status    varchar(32),
    quality_review_status varchar(32),
    spec_review_notes     text,
    quality_review_notes  text,
    completed_at          bigint,
    created_at            bigint       not null,
    updated_at            bigint       not null,
    constraint tasks_project_fk foreign key (tenant_id, project_id)
        references project.projects (tenant_id, id) on delete cascade,
    -- A task's column belongs to the task's own project (and tenant).
    constraint tasks_column_fk foreign key (tenant_id, project_id, column_id)
        references project.kanban_columns (tenant_id, project_id, id),
    constraint tasks_key unique (tenant_id, project_id, id),
    constraint tasks_parent_fk foreign key (tenant_id, project_id, parent_task_id)
        references project.tasks (tenant_id, project_id, id) on delete set null (parent_task_id)
);
create index idx_tasks_project on project.tasks (tenant_id, project_id, status);
create index idx_tasks_column on project.tasks (tenant_id, column_id, column_position);
select djb.enable_tenant_rls('project.tasks');

create table project.dependency_edges (
    id           varchar(64) primary key,
    tenant_id    varchar(64) not null,
    project_id   varchar(64) not null,
    from_task_id varchar(64) not null,
    to_task_id   varchar(64) not null,
    type         varchar(32) not null default 'blocks' check (type in ('blocks', 'informs')),
    created_at   bigint      not null,
    constraint dependency_edges_from_fk foreign key (tenant_id, project_id, from_task_id)
        references project.tasks (tenant_id, project_id, id) on delete cascade,
    constraint dependency_edges_to_fk foreign key (tenant_id, project_id, to_task_id)
        references project.tasks (tenant_id, project_id, id) on delete cascade,
    constraint uq_dependency_edge unique (tenant_id, from_task_id, to_task_id),
    constraint dependency_edges_not_self check (from_task_id <> to_task_id)
);
create index idx_deps_project on project.dependency_edges (tenant_id, project_id);
create index idx_deps_to on project.dependency_edges (tenant_id, to_task_id);
select djb.enable_tenant_rls('project.dependency_edges');

create table project.project_workflows (
    id          varchar(64)  primary key,
    tenant_id   varchar(64)  not null,
    project_id  varchar(64)  not null,
    name        varchar(256) not null check (length(btrim(name)) > 0),
    pipeline_id varchar(128) not null,
    is_default  boolean      not null default false,
    task_filter jsonb        not null default '{}',
    trigger     varchar(64)  not null default 'manual',
    created_at  bigint       not null,
    updated_at  bigint       not null,
    constraint project_workflows_project_fk foreign key (tenant_id, project_id)
        references project.projects (tenant_id, id) on delete cascade
);
create index idx_workflows_project on project.project_workflows (tenant_id, project_id);
-- At most one default workflow per project.
create unique index uq_workflows_default on project.project_workflows (tenant_id, project_id)
    where is_default;
select djb.enable_tenant_rls('project.project_workflows');

create table project.workflow_policies (
    id          varchar(64) primary key,
    tenant_id   varchar(64) not null,
    project_id  varchar(64) not null,
    stage_rules jsonb       not null,
    created_at  bigint      not null,
    updated_at  bigint      not null,
    constraint workflow_policies_project_fk foreign key (tenant_id, project_id)
        references project.projects (tenant_id, id) on delete cascade,
    constraint workflow_policies_project_key unique (tenant_id, project_id)
);
select djb.enable_tenant_rls('project.workflow_policies');

create table project.task_runs (
    id           bigserial    primary key,
    tenant_id    varchar(64)  not null,
    project_id   varchar(64)  not null,
    task_id      varchar(64)  not null,
    run_id       varchar(64)  not null,
    pipeline_id  varchar(128) not null,
    status       varchar(32)  not null default 'pending',
    started_at   bigint,
    completed_at bigint,
    constraint task_runs_task_fk foreign key (tenant_id, project_id, task_id)
        references project.tasks (tenant_id, project_id, id) on delete cascade
);
create index idx_task_runs_task on project.task_runs (tenant_id, task_id);
select djb.enable_tenant_rls('project.task_runs');

-- Agents live in agent-svc: ids are stored next to the tenant, not referenced across schemas.
create table project.project_agents (
    tenant_id   varchar(64)  not null,
    project_id  varchar(64)  not null,
    agent_id    varchar(128) not null,
    role        varchar(32)  not null default 'member' check (role in ('lead', 'member', 'reviewer')),
    assigned_at bigint       not null,
    assigned_by varchar(128),
    primary key (tenant_id, project_id, agent_id),
    constraint project_agents_project_fk foreign key (tenant_id, project_id)
        references project.projects (tenant_id, id) on delete cascade
);
create index idx_project_agents_agent on project.project_agents (tenant_id, agent_id);
select djb.enable_tenant_rls('project.project_agents');

create table project.project_agent_routines (
    id             varchar(64)  primary key,
    tenant_id      varchar(64)  not null,
    project_id     varchar(64)  not null,
    agent_id       varchar(128) not null,
    routine_id     varchar(64)  not null,
    column_ids     jsonb,
    tool_overrides jsonb,
    enabled        boolean      not null default true,
    created_at     bigint       not null,
    updated_at     bigint       not null,
    constraint project_agent_routines_agent_fk foreign key (tenant_id, project_id, agent_id)
        references project.project_agents (tenant_id, project_id, agent_id) on delete cascade,
    constraint uq_project_agent_routine unique (tenant_id, project_id, agent_id, routine_id)
);
select djb.enable_tenant_rls('project.project_agent_routines');

create table project.onboarding_sessions (
    id                 varchar(64)  primary key,
    tenant_id          varchar(64)  not null references auth.tenants (id) on delete cascade,
    user_id            varchar(64),
    status             varchar(32)  not null default 'active'
                       check (status in ('active', 'paused', 'abandoned', 'completed')),
    project_id         varchar(64),
    current_agent_id   varchar(128),
    phase              varchar(32)  not null default 'intake',
    context            jsonb        not null default '{}',
    chat_session_id    varchar(128),
    template_id        varchar(64),
    model              varchar(128) not null,
    landing_page_state jsonb,
    created_at         bigint       not null,
    updated_at         bigint       not null,
    completed_at       bigint,
    constraint onboarding_sessions_key unique (tenant_id, id)
);
create index idx_onboarding_tenant on project.onboarding_sessions (tenant_id, created_at desc);
select djb.enable_tenant_rls('project.onboarding_sessions');

create table project.onboarding_messages (
    id               varchar(64)  primary key,
    tenant_id        varchar(64)  not null,
    session_id       varchar(64)  not null,
    role             varchar(16)  not null check (role in ('user', 'assistant', 'system')),
    content          text         not null,
    agent_id         varchar(128),
    agent_name       varchar(128),
    agent_emoji      varchar(16),
    tool_calls       jsonb,
    thinking         text,
    handoff_to_agent varchar(128),
    created_at       bigint       not null,
    constraint onboarding_messages_session_fk foreign key (tenant_id, session_id)
        references project.onboarding_sessions (tenant_id, id) on delete cascade
);
create index idx_onboarding_messages_session on project.onboarding_messages (tenant_id, session_id, created_at);
select djb.enable_tenant_rls('project.onboarding_messages');
