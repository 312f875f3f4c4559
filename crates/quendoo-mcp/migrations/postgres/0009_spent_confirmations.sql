-- Confirmation codes that have been used: a code runs its write once, and
-- the same code again (a replay, a client's retry) is refused on every
-- replica. Only a digest of the code is kept, and only until the code
-- would have expired anyway.
CREATE TABLE spent_confirmations (
    digest     TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_confirmations_expiry ON spent_confirmations (expires_at);
