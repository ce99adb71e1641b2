-- Skill approval (the Admin panel's pending approvals): a skill a tenant member writes waits for
-- one of the tenant's administrators before an agent can load it. Existing and global skills, and
-- skills administrators write, are approved.
alter table agent.skills
    add column approval_status varchar(16) not null default 'approved'
        check (approval_status in ('pending', 'approved', 'rejected')),
    add constraint skills_global_approved check (tenant_id is not null or approval_status = 'approved');

create index skills_tenant_pending on agent.skills (tenant_id, created_at)
    where approval_status = 'pending';

-- Instance secrets granted to users (`/v1/admin/secrets/{secret}/grant-user/{user}`): which of
-- the tenant's users may use a secret of the tenant (`GET /v1/users/me/secrets`). User ids are
-- auth-svc's, stored beside the tenant without a foreign key (schemas do not reach each other).
create table agent.secret_user_grants (
    tenant_id   varchar(64)  not null references auth.tenants (id) on delete cascade,
    secret_id   varchar(128) not null,
    user_id     varchar(64)  not null,
    granted_by  varchar(128) not null,
    granted_at  bigint       not null,
    primary key (tenant_id, secret_id, user_id),
    constraint secret_user_grants_secret_fk foreign key (tenant_id, secret_id)
        references agent.secrets (tenant_id, id) on delete cascade
);
select djb.enable_tenant_rls('agent.secret_user_grants');
create index secret_user_grants_user on agent.secret_user_grants (tenant_id, user_id);
