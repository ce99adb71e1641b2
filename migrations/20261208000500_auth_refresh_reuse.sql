-- Refresh-token reuse detection (security review M1).
--
-- `successor_id` names the session a rotation created and `successor_token` holds that
-- successor's refresh token encrypted with SECRET_ENCRYPTION_KEY, so a client retrying a lost
-- response inside the grace window gets the same successor back (not a new one). It is wiped
-- once the grace window is over or the family is revoked.
-- `revoke_reason` says why a token died (logout, reuse, deactivated, ...).
-- `family_expires_at` is the absolute end of the family (login + AUTH_REFRESH_FAMILY_MAX_SECS):
-- rotation never extends it. Older rows have none and keep their own `expires_at`.
alter table auth.user_sessions
    add column successor_id      varchar(64),
    add column successor_token   text,
    add column revoke_reason     varchar(32),
    add column family_expires_at bigint;
