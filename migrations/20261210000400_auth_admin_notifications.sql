-- Admin notifications (the dashboard's Admin panel): system messages for a tenant's
-- administrators, written by its services (slack-svc, engine-svc, …) or by an administrator, read
-- and marked read by its administrators. One row per notification; `read_at` null while unread.
create table auth.admin_notifications (
    id          varchar(64)  primary key,
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    level       varchar(16)  not null check (level in ('info', 'warning', 'error')),
    title       varchar(256) not null,
    detail      text,
    created_by  varchar(128) not null,
    read_at     bigint,
    created_at  bigint       not null
);
select djb.enable_tenant_rls('auth.admin_notifications');

-- Newest first, and the unread ones of a tenant.
create index admin_notifications_tenant_created
    on auth.admin_notifications (tenant_id, created_at desc, id desc);
create index admin_notifications_tenant_unread
    on auth.admin_notifications (tenant_id) where read_at is null;

-- Looking a user up by Slack member id within a tenant (`GET /v1/users/by-slack-id/{id}`).
create index users_tenant_slack_id on auth.users (tenant_id, slack_id) where slack_id is not null;
