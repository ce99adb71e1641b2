-- The installation's waitlist and its outgoing mail settings (reference tables
-- `waitlist_entries`, `email_settings`). Both belong to the installation, not to a tenant: no
-- tenant_id, no tenant policy. Only auth_svc is granted the `auth` schema, and auth-svc lets only
-- platform administrators read or change them (`POST /v1/waitlist/join` only inserts).

create table auth.waitlist_entries (
    id                varchar(64)  primary key check (id ~ '^wl_[A-Za-z0-9_-]{1,60}$'),
    email             varchar(320) not null check (email = lower(email)),
    status            varchar(32)  not null default 'waiting'
                      check (status in ('waiting', 'invited', 'registered')),
    invited_at        bigint,
    registered_at     bigint,
    created_at        bigint       not null,
    -- sha256 of the single-use registration token of the latest invitation; cleared once used.
    invite_token_hash varchar(128),
    invite_expires_at bigint,
    constraint waitlist_entries_email_key unique (email),
    constraint waitlist_entries_invite_hash_key unique (invite_token_hash)
);
create index idx_waitlist_entries_status on auth.waitlist_entries (status, created_at);

-- One row (id 'default'). `smtp_password` holds AES-256-GCM ciphertext under
-- SECRET_ENCRYPTION_KEY, or '' when the server needs no password.
create table auth.email_settings (
    id            varchar(64)  primary key default 'default' check (id = 'default'),
    smtp_host     varchar(256) not null default '',
    smtp_port     bigint       not null default 587 check (smtp_port between 1 and 65535),
    smtp_username varchar(256) not null default '',
    smtp_password text         not null default '',
    smtp_use_tls  boolean      not null default true,
    from_email    varchar(320) not null default '',
    from_name     varchar(256) not null default 'DjinnBot',
    updated_at    bigint       not null
);
