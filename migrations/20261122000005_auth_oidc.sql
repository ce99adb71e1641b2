-- OIDC sign-in providers (columns of the reference `oidc_providers` table plus `tenant_id`).
-- A provider belongs to a tenant (its users join that tenant) or, with tenant_id null, to the
-- platform (created by a platform administrator, shown on the sign-in page, new users get a new
-- tenant). Slugs are global: they name the provider in `/v1/auth/oidc/{slug}/...` and in
-- `users.oidc_subject` (`{slug}:{sub}`).

create table auth.oidc_providers (
    id                     varchar(64)  primary key check (id ~ '^oidc_[A-Za-z0-9_-]{1,59}$'),
    tenant_id              varchar(64)  references auth.tenants (id) on delete cascade,
    slug                   varchar(64)  not null check (slug ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
    name                   varchar(256) not null check (length(btrim(name)) > 0),
    issuer_url             text         not null,
    client_id              text         not null,
    -- AES-256-GCM with SECRET_ENCRYPTION_KEY, base64(nonce || ciphertext || tag).
    client_secret          text         not null,
    authorization_endpoint text,
    token_endpoint         text,
    userinfo_endpoint      text,
    jwks_uri               text,
    scopes                 varchar(512) not null default 'openid email profile',
    button_text            varchar(128),
    button_color           varchar(32),
    icon_url               text,
    auto_discovery         boolean      not null default true,
    enabled                boolean      not null default true,
    created_at             bigint       not null,
    updated_at             bigint       not null,
    constraint oidc_providers_slug_key unique (slug)
);
create index idx_oidc_providers_tenant on auth.oidc_providers (tenant_id);

-- Tenant rows: the usual isolation (read and write only by their tenant). Not the
-- `allow_global` variant: its single policy would also let any tenant update or delete the
-- platform's rows, which must stay writable by platform administrators only.
select djb.enable_tenant_rls('auth.oidc_providers');

-- Platform rows are public configuration (the sign-in page lists them): readable by everyone.
create policy platform_rows_read on auth.oidc_providers for select
    using (tenant_id is null);
-- ... and written only in a platform-scope transaction (platform administrators).
create policy platform_scope on auth.oidc_providers
    using (tenant_id is null and current_setting('app.scope', true) = 'platform')
    with check (tenant_id is null and current_setting('app.scope', true) = 'platform');
-- The public authorize/callback endpoints find a provider by the slug in their URL before any
-- tenant is known.
create policy slug_lookup on auth.oidc_providers for select
    using (slug = current_setting('app.oidc_slug', true));

-- An OIDC identity (`{slug}:{sub}`) names at most one account, found before the tenant is known.
create unique index users_oidc_subject_key on auth.users (oidc_subject)
    where oidc_subject is not null;
create policy oidc_subject_lookup on auth.users for select
    using (oidc_subject = current_setting('app.oidc_subject', true));
