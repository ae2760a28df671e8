-- Named API tokens: only the SHA-256 of each token is kept; the token itself is shown once.
CREATE TABLE tokens (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('admin', 'operator', 'viewer', 'emitter')),
    hash         text        NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz
);

CREATE UNIQUE INDEX tokens_name_unique ON tokens (lower(name));
