-- First run (issue 9, item 11): auth-svc must tell, before any tenant is known, whether the
-- installation has accounts at all (`GET /v1/auth/status` → `setupComplete`, the reference's
-- "users > 0") and whether a platform administrator exists (the start-up bootstrap of
-- BOOTSTRAP_ADMIN_EMAIL creates one only when none does).
--
-- A capability policy like the other lookups (migrations/README.md), not a role that bypasses
-- RLS: only a transaction that sets `app.scope = 'installation'` (auth-svc's store::installation,
-- which reads nothing but two `exists`) sees users across tenants, and for SELECT only.
create policy installation_probe on auth.users for select
    using (current_setting('app.scope', true) = 'installation');
