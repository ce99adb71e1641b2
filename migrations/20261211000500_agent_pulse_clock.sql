-- The pulse clock (agent-svc workers/pulse_clock.rs) fires scheduled pulses: every tick it
-- looks for tenants with pulse-enabled agents (a read-only look across tenants under
-- `app.scope = 'pulse-clock'`), then, inside each tenant's own transaction, records every due
-- firing once in `agent.pulse_fires` together with its `pulse_triggers` row and its
-- PULSE_TRIGGERED outbox event. The primary key makes a firing happen once however many
-- replicas tick at the same minute.
create table agent.pulse_fires (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    agent_id    varchar(128) not null,
    -- '' for the agent's own schedule (a primary key column cannot be null).
    routine_id  varchar(128) not null default '',
    fire_at     bigint       not null,
    trigger_id  varchar(128) not null,
    created_at  bigint       not null,
    primary key (tenant_id, agent_id, routine_id, fire_at),
    constraint pulse_fires_agent_fk foreign key (tenant_id, agent_id)
        references agent.agents (tenant_id, id) on delete cascade
);
create index idx_pulse_fires_created on agent.pulse_fires (tenant_id, created_at);
select djb.enable_tenant_rls('agent.pulse_fires');

create policy pulse_clock on agent.agents for select
    using (current_setting('app.scope', true) = 'pulse-clock');
