-- TOTP second factor (spec §3 "TOTP 2FA"): the last accepted time step, and recovery codes.

-- RFC 6238 §5.2: a code is accepted once. The step of the last accepted code is kept so the
-- same code (or an older one still inside the ±1 step window) cannot be replayed.
alter table auth.users add column totp_last_step bigint;

-- Ten single-use codes per user, stored as sha256 hex of the normalised `XXXX-XXXX` code.
-- `used_at` is set by one conditional update, so two concurrent uses of a code cannot both win.
create table auth.user_recovery_codes (
    tenant_id  varchar(64)  not null references auth.tenants (id) on delete cascade,
    user_id    varchar(64)  not null,
    code_hash  varchar(128) not null,
    used_at    bigint,
    created_at bigint       not null,
    constraint user_recovery_codes_pkey primary key (tenant_id, user_id, code_hash),
    constraint user_recovery_codes_user_fk foreign key (tenant_id, user_id)
        references auth.users (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('auth.user_recovery_codes');
