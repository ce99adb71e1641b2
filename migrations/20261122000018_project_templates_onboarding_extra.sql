-- project-svc: onboarding messages keep the order they arrived in. Two messages of one session
-- can share a millisecond (created_at), and ids are random, so a sequence number breaks the tie.
alter table project.onboarding_messages
    add column seq bigint generated always as identity;
create index idx_onboarding_messages_order
    on project.onboarding_messages (tenant_id, session_id, created_at, seq);
drop index project.idx_onboarding_messages_session;
