-- Tenants: the businesses the service answers for. Each owns its assistants and phone numbers, and through
-- the numbers their conversations. Operators reach a tenant's data with its API keys; what they delete is
-- recorded in audit_event.

CREATE TABLE tenant (
    id         uuid PRIMARY KEY,
    name       text NOT NULL CHECK (name <> ''),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE tenant IS 'A business using the service: it owns assistants and phone numbers, and through the numbers their conversations.';

-- What existed before tenants (a single-number deployment) belongs to the default tenant, as do numbers
-- registered from PHONE_NUMBER at start-up; API_BOOTSTRAP_KEY (kept in the settings) reaches it.
INSERT INTO tenant (id, name) VALUES ('00000000-0000-0000-0000-000000000001', 'default');

CREATE TABLE api_key (
    id           uuid PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    key_prefix   text NOT NULL,
    label        text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);

CREATE INDEX api_key_tenant_idx ON api_key (tenant_id);

COMMENT ON TABLE api_key IS 'Keys operators send as "Authorization: Bearer <key>". Only a hash is kept; the key is shown once, when made.';
COMMENT ON COLUMN api_key.key_hash IS 'SHA-256 of the whole key. Keys carry 256 random bits, so a fast hash cannot be reversed by guessing.';
COMMENT ON COLUMN api_key.key_prefix IS 'The key''s first characters, to tell keys apart in a list without revealing them.';
COMMENT ON COLUMN api_key.revoked_at IS 'Set when the key was withdrawn; a revoked key is refused.';

ALTER TABLE assistant ADD COLUMN tenant_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES tenant (id);
ALTER TABLE phone_number ADD COLUMN tenant_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000001' REFERENCES tenant (id);
CREATE INDEX assistant_tenant_idx ON assistant (tenant_id);
CREATE INDEX phone_number_tenant_idx ON phone_number (tenant_id);

COMMENT ON COLUMN assistant.tenant_id IS 'The tenant that owns the assistant (the default tenant unless made through the API).';
COMMENT ON COLUMN phone_number.tenant_id IS 'The tenant that owns the number and its conversations.';

-- Who did what to whose data: deletions for now. Never the content that was deleted.
CREATE TABLE audit_event (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    api_key_id uuid REFERENCES api_key (id) ON DELETE SET NULL,
    action     text NOT NULL,
    subject    text NOT NULL,
    detail     jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_event_tenant_idx ON audit_event (tenant_id, created_at);

COMMENT ON TABLE audit_event IS 'What operators did to a tenant''s data (such as deleting a conversation), by which key, and when. Phone numbers appear masked; no message content is kept.';
COMMENT ON COLUMN audit_event.action IS 'What was done, such as conversation.deleted.';
COMMENT ON COLUMN audit_event.subject IS 'What it was done to: an id, or a masked phone number.';
COMMENT ON COLUMN audit_event.detail IS 'Counts and ids of what went with it (messages, form submissions), never their content.';
