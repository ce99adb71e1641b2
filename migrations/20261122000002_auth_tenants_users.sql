-- Tenants and users (spec §2.2, §2.2.1, §2.3; columns of the reference `users` table).
-- The circular tenant <-> owner reference is created in one transaction: insert the tenant with
-- owner_user_id null, insert the user, then set the owner (auth-svc does this).

create table auth.tenants (
    id            varchar(64)  primary key check (id ~ '^ten_[A-Za-z0-9_-]{1,60}$'),
    name          varchar(256) not null check (length(btrim(name)) > 0),
    slug          varchar(128) not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?$'),
    owner_user_id varchar(64),
    status        varchar(32)  not null default 'active'
                  check (status in ('active', 'suspended', 'deleted')),
    created_at    bigint       not null,
    updated_at    bigint       not null
);
create index idx_tenants_owner on auth.tenants (owner_user_id);

create table auth.users (
    id                varchar(64)  primary key check (id ~ '^usr_[A-Za-z0-9_-]{1,60}$'),
    tenant_id         varchar(64)  not null references auth.tenants (id) on delete cascade,
    email             varchar(320) not null check (email = lower(email)),
    display_name      varchar(256),
    password_hash     text,
    is_active         boolean      not null default true,
    -- Administrator of its tenant.
    is_admin          boolean      not null default false,
    -- Administrator of the whole installation (the first user of `auth/setup`).
    platform_admin    boolean      not null default false,
    totp_secret       text,
    totp_enabled      boolean      not null default false,
    totp_confirmed_at bigint,
    oidc_subject      varchar(512),
    slack_id          varchar(64),
    phone_number      varchar(32),
    created_at        bigint       not null,
    updated_at        bigint       not null,
    -- Emails identify a login across the installation.
    constraint users_email_key unique (email),
    -- Lets other tables reference (tenant_id, user_id) so a row can never point at a user of
    -- another tenant (spec §10.2, defense in depth).
    constraint users_tenant_id_id_key unique (tenant_id, id)
);
create index idx_users_tenant on auth.users (tenant_id);

-- The owner must be a user of the same tenant; checked at commit so the two-phase insert works.
alter table auth.tenants
    add constraint fk_tenants_owner foreign key (id, owner_user_id)
    references auth.users (tenant_id, id) on delete set null (owner_user_id)
    deferrable initially deferred;

-- A tenant sees only itself.
alter table auth.tenants enable row level security;
alter table auth.tenants force row level security;
create policy tenant_isolation on auth.tenants
    using (id = current_setting('app.tenant_id', true))
    with check (id = current_setting('app.tenant_id', true));

select djb.enable_tenant_rls('auth.users');
