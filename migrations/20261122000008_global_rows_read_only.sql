-- Global rows (tenant_id is null: global skills, pipelines, templates) must be readable by every
-- tenant but changed by none. The first version of djb.enable_tenant_rls(tbl, true) used one
-- policy whose USING clause also governed UPDATE and DELETE, so a tenant could modify or delete
-- a global row. Reads and writes now get separate policies. No table used the variant yet.

create or replace function djb.enable_tenant_rls(tbl regclass, allow_global boolean default false)
returns void language plpgsql as $$
begin
    execute format('alter table %s enable row level security', tbl);
    execute format('alter table %s force row level security', tbl);
    -- Writes (and reads) of the tenant's own rows.
    execute format(
        'create policy tenant_isolation on %s
            using (tenant_id = current_setting(''app.tenant_id'', true))
            with check (tenant_id = current_setting(''app.tenant_id'', true))', tbl);
    if allow_global then
        -- Permissive, SELECT only: global rows are visible, never writable.
        execute format(
            'create policy global_read on %s for select using (tenant_id is null)', tbl);
    end if;
end
$$;
