-- OIDC account linking (security review H3/H4).
--
-- An OIDC login links an existing account found by its email only through a platform provider
-- that a platform administrator trusts for that email's domain (`trusted_email_domains`, e.g.
-- the company's own Google Workspace for `example.com`). Tenant providers never link by email:
-- their administrators control what their identity provider asserts.
--
-- `allow_unverified_email`: a provider that sends no `email_verified` claim may still create
-- new accounts (never reach existing ones) when its administrators say so.
alter table auth.oidc_providers
    add column trusted_email_domains text[] not null default '{}',
    add column allow_unverified_email boolean not null default false,
    add constraint oidc_providers_trust_is_platform_only
        check (tenant_id is null or cardinality(trusted_email_domains) = 0);
