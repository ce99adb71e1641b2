-- The step sweep looks across tenants for running attempts whose engine instance died before it
-- registered the attempt's runtime (nothing else would ever fail them over). Reading only, under
-- `app.scope = 'engine-sweep'` (kit::db::LookupTx); the fail-over itself is a tenant-scoped write.
create policy engine_sweep on engine.step_attempts for select
    using (current_setting('app.scope', true) = 'engine-sweep');
