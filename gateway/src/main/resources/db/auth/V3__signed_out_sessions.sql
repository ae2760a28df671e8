-- Sessions signed out, by their id (the sign-in JWT's `sid` claim, random: no secret), refused until
-- `until`, when every JWT of theirs has expired; expired rows are purged by the gateway.
CREATE TABLE signed_out_sessions (
    sid   text        PRIMARY KEY,
    until timestamptz NOT NULL
);
