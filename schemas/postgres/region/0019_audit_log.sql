-- The audit trail of this region (compliance/audit): every read of personal data and every
-- administrative or compliance action, hash-chained. Entries are only ever inserted; seq is
-- gapless and hash = SHA-256(canonical entry || prev_hash), so a changed, deleted or reordered
-- entry breaks the chain. subject is a pseudonymous customer or conversation id, never
-- personal data.
CREATE TABLE audit_log (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    at          timestamptz NOT NULL,
    tenant_id   text        NOT NULL,
    key_id      text        NOT NULL DEFAULT '',
    role        text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    subject     text        NOT NULL DEFAULT '',
    region      text        NOT NULL,
    remote_addr text        NOT NULL DEFAULT '',
    outcome     text        NOT NULL DEFAULT '',
    prev_hash   bytea       NOT NULL,
    hash        bytea       NOT NULL
);

-- An auditor's questions: everything about one customer or conversation, one kind of action.
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- The chain's head, one row: appenders lock it (SELECT ... FOR UPDATE) so that appends from
-- every process form one linear chain. seq 0 with the zero hash is the empty log.
CREATE TABLE audit_head (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint  NOT NULL,
    hash bytea   NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Anchors: the head (seq, hash) recorded at a time, so that removing the tail of the log is
-- detectable: an anchor beyond the last entry, or whose hash the chain no longer reaches,
-- fails verification.
CREATE TABLE audit_anchors (
    seq  bigint      PRIMARY KEY,
    hash bytea       NOT NULL,
    at   timestamptz NOT NULL
);
