-- The transactional outbox of every service (ARCHITECTURE §5): an event that reports a database
-- change is written to its service's own `outbox` in the same transaction as the change, and the
-- service's relay (kit::outbox) publishes committed rows to Redis and marks them sent. Consumers
-- record the event ids they applied in `applied_events`, in the same transaction as the effect,
-- so a redelivered event changes nothing.
--
-- Neither table references auth.tenants: a tenant's deletion must not take its own
-- TENANT_DELETED event with it before the relay has published it. The relay prunes both.
--
-- Rows are tenant rows (forced RLS like every tenant table). The relay works across tenants
-- through a capability policy, `app.scope = 'outbox-relay'`, set transaction-locally by
-- kit::db::LookupTx — never through a role that bypasses RLS.

-- `djb.create_outbox(schema)` is the convention: a new service schema calls it once.
create or replace function djb.create_outbox(s text) returns void language plpgsql as $$
begin
    execute format($f$
        create table %1$I.outbox (
            seq        bigint generated always as identity primary key,
            tenant_id  varchar(64) not null,
            -- 'event': an envelope for the dual publish; 'notice': a pub/sub message.
            kind       text not null check (kind in ('event', 'notice')),
            run_id     varchar(64),
            channel    text,
            payload    text not null,
            created_at bigint not null,
            sent_at    bigint,
            -- Set when Redis refused the row for good (not a connection error): the row is
            -- skipped so it cannot block every later event, and the reason is kept.
            last_error text,
            check ((kind = 'notice') = (channel is not null))
        )$f$, s);
    execute format('create index outbox_unsent on %I.outbox (seq) where sent_at is null', s);
    execute format('create index outbox_sent on %I.outbox (sent_at) where sent_at is not null', s);
    perform djb.enable_tenant_rls(format('%I.outbox', s)::regclass);
    execute format($f$
        create policy outbox_relay on %I.outbox
            using (current_setting('app.scope', true) = 'outbox-relay')
            with check (current_setting('app.scope', true) = 'outbox-relay')$f$, s);

    execute format($f$
        create table %1$I.applied_events (
            consumer   text not null,
            event_id   varchar(64) not null,
            tenant_id  varchar(64) not null,
            applied_at bigint not null,
            primary key (consumer, event_id)
        )$f$, s);
    execute format('create index applied_events_age on %I.applied_events (applied_at)', s);
    perform djb.enable_tenant_rls(format('%I.applied_events', s)::regclass);
    execute format($f$
        create policy outbox_relay on %I.applied_events
            using (current_setting('app.scope', true) = 'outbox-relay')
            with check (current_setting('app.scope', true) = 'outbox-relay')$f$, s);
end
$$;

select djb.create_outbox(s)
  from unnest(array['auth', 'agent', 'project', 'memory', 'engine', 'sse', 'webhook', 'slack', 'mcp']) as s;
