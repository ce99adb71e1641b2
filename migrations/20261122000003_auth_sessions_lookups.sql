-- Login sessions (refresh-token families), the installation record, and the capability
-- policies that let auth-svc find a row before it knows the tenant.

-- Set once by `POST /v1/auth/setup`; its presence means the installation has a first user.
create table auth.installation (
    singleton          boolean primary key default true check (singleton),
    first_user_id      varchar(64) not null,
    setup_completed_at bigint      not null
);

-- One row per refresh token. Rotation marks the old row `rotated_at` and inserts its successor
-- in the same family; presenting a rotated token after the grace window revokes the family.
create table auth.user_sessions (
    id                 varchar(64)  primary key check (id ~ '^ses_[A-Za-z0-9_-]{1,60}$'),
    tenant_id          varchar(64)  not null references auth.tenants (id) on delete cascade,
    user_id            varchar(64)  not null,
    family_id          varchar(64)  not null,
    refresh_token_hash varchar(128) not null,
    expires_at         bigint       not null,
    created_at         bigint       not null,
    rotated_at         bigint,
    revoked_at         bigint,
    ip_address         varchar(64),
    user_agent         text,
    constraint user_sessions_refresh_hash_key unique (refresh_token_hash),
    constraint user_sessions_user_fk foreign key (tenant_id, user_id)
        references auth.users (tenant_id, id) on delete cascade
);
create index idx_user_sessions_user on auth.user_sessions (tenant_id, user_id);
create index idx_user_sessions_family on auth.user_sessions (family_id);
select djb.enable_tenant_rls('auth.user_sessions');

-- Capability policies (permissive, so they widen the tenant policy for SELECT only): a row is
-- visible without a tenant only to a transaction that already holds its secret or login name.
create policy login_lookup on auth.users for select
    using (email = current_setting('app.login_email', true));
create policy refresh_lookup on auth.user_sessions for select
    using (refresh_token_hash = current_setting('app.refresh_hash', true));

-- Platform-wide reads of tenants: the status sync that republishes suspensions to Redis, and
-- platform administrators managing tenants. kit never sets `app.scope` on its own.
create policy platform_scope on auth.tenants
    using (current_setting('app.scope', true) = 'platform')
    with check (current_setting('app.scope', true) = 'platform');
