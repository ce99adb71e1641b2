-- One schema and one login role per service. A role is granted only its own schema, is not the
-- owner of anything, and has no BYPASSRLS: row-level security always applies to it.
-- Roles are cluster-wide, so they are created only when missing; passwords are never stored here
-- (`<svc> migrate` sets them from *_DB_PASSWORD variables).

do $$
declare
    svc record;
begin
    for svc in
        select * from (values
            ('auth', 'auth_svc'), ('agent', 'agent_svc'), ('project', 'project_svc'),
            ('memory', 'memory_svc'), ('engine', 'engine_svc'), ('sse', 'sse_relay'),
            ('webhook', 'webhook_gw'), ('slack', 'slack_svc'), ('mcp', 'mcp_svc')
        ) as t(schema_name, role_name)
    loop
        if not exists (select 1 from pg_roles where rolname = svc.role_name) then
            execute format(
                'create role %I login nosuperuser nocreatedb nocreaterole noinherit nobypassrls noreplication',
                svc.role_name);
        end if;
        execute format('alter role %I set search_path = %I', svc.role_name, svc.schema_name);
        execute format('create schema if not exists %I', svc.schema_name);
        execute format('revoke all on schema %I from public', svc.schema_name);
        execute format('grant usage on schema %I to %I', svc.schema_name, svc.role_name);
        -- Tables and sequences created later by the migration owner are usable by the role.
        execute format(
            'alter default privileges in schema %I grant select, insert, update, delete on tables to %I',
            svc.schema_name, svc.role_name);
        execute format(
            'alter default privileges in schema %I grant usage, select, update on sequences to %I',
            svc.schema_name, svc.role_name);
        execute format('grant connect on database %I to %I', current_database(), svc.role_name);
    end loop;
end
$$;

revoke create on schema public from public;

-- Helpers of the migrations themselves; no service role can use them.
create schema if not exists djb;
revoke all on schema djb from public;

-- The row-level-security convention every tenant table follows:
--   enable_tenant_rls('agent.agents')        rows visible only to their tenant;
--   enable_tenant_rls('agent.skills', true)  plus global rows (tenant_id is null), read-only.
-- The tenant comes from `app.tenant_id`, set per transaction by kit's TenantTx. When it is unset
-- current_setting(..., true) is null and the policy matches nothing.
create or replace function djb.enable_tenant_rls(tbl regclass, allow_global boolean default false)
returns void language plpgsql as $$
begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    if allow_global then
        execute format(
            'create policy tenant_isolation on %s
                using (tenant_id is null or tenant_id = current_setting(''app.tenant_id'', true))
                with check (tenant_id = current_setting(''app.tenant_id'', true))', tbl);
    else
        execute format(
            'create policy tenant_isolation on %s
                using (tenant_id = current_setting(''app.tenant_id'', true))
                with check (tenant_id = current_setting(''app.tenant_id'', true))', tbl);
    end if;
end
$$;
