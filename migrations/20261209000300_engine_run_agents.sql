-- engine-svc: each run keeps the tenant agents its pipeline's agent slugs resolved to when it
-- started (`{"slug": "agt_…"}`), so events name platform agents (agent-svc's activity recorder
-- reads `agentId`) even for an agent that owns no step (an `onResult.notify` target).
alter table engine.runs
    add column agents jsonb not null default '{}' check (jsonb_typeof(agents) = 'object');
