-- The audit log: who did which control action, on what, when, from where, and how it ended.
-- Never a secret: no token, no JWT, no request body (a definition's env values stay out).
CREATE TABLE audit (
    id      bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text        NOT NULL,
    role    text,
    action  text        NOT NULL,
    target  text,
    outcome text        NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    status  integer,
    detail  text,
    address text,
    via     text        NOT NULL CHECK (via IN ('api', 'hub'))
);

-- retention deletes by age
CREATE INDEX audit_at ON audit (at);
