-- Memory scores (docs/memory.md#scores): what agents retrieved and how useful they found it,
-- per tenant and agent. `scores` keeps one row per (tenant, agent, memory) with counters that
-- every batch upserts (`insert … on conflict do update`, so concurrent batches never make two
-- rows); usefulness and the adaptive score are computed when read, with the tenant's config.

create table memory.retrieval_log (
    id               bigint generated always as identity primary key,
    tenant_id        varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id         varchar(128) not null,
    memory_id        text         not null,
    memory_title     text,
    query            text,
    retrieval_source text         not null,
    raw_score        double precision not null,
    session_id       text,
    run_id           text,
    request_id       text,
    created_at       bigint       not null
);
create index retrieval_log_agent on memory.retrieval_log (tenant_id, agent_id, created_at);
select djb.enable_tenant_rls('memory.retrieval_log');

create table memory.valuations (
    id           bigint generated always as identity primary key,
    tenant_id    varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id     varchar(128) not null,
    memory_id    text         not null,
    memory_title text,
    useful       boolean      not null,
    session_id   text,
    run_id       text,
    created_at   bigint       not null
);
create index valuations_agent on memory.valuations (tenant_id, agent_id, created_at);
select djb.enable_tenant_rls('memory.valuations');

create table memory.gaps (
    id              varchar(64)  primary key,
    tenant_id       varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id        varchar(128) not null,
    description     text         not null,
    query_attempted text,
    session_id      text,
    run_id          text,
    created_at      bigint       not null
);
create index gaps_agent on memory.gaps (tenant_id, agent_id, created_at desc, id);
select djb.enable_tenant_rls('memory.gaps');

create table memory.scores (
    tenant_id        varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id         varchar(128) not null,
    memory_id        text         not null,
    memory_title     text,
    access_count     bigint       not null default 0,
    valuation_count  bigint       not null default 0,
    useful_count     bigint       not null default 0,
    not_useful_count bigint       not null default 0,
    last_accessed    bigint,
    last_valued      bigint,
    created_at       bigint       not null,
    updated_at       bigint       not null,
    primary key (tenant_id, agent_id, memory_id)
);
select djb.enable_tenant_rls('memory.scores');

-- One row per tenant that changed the defaults; no row means the defaults.
create table memory.scoring_config (
    tenant_id  varchar(64) primary key references auth.tenants (id) on delete cascade,
    config     jsonb       not null,
    updated_at bigint      not null
);
select djb.enable_tenant_rls('memory.scoring_config');
