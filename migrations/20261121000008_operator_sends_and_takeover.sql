-- Texts an operator sends through the API, human takeover of a conversation, and idempotent API calls.

ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_purpose_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_purpose_check
    CHECK (purpose IN ('reply', 'opt_out_confirmation', 'opt_in_confirmation', 'help', 'goodbye', 'operator'));
COMMENT ON COLUMN sms_messages.purpose IS 'For outbound texts: reply (the assistant answering), opt_out_confirmation, opt_in_confirmation, help, goodbye, operator (written by a person, sent through the API).';

ALTER TABLE conversation ADD COLUMN paused_at timestamptz;
COMMENT ON COLUMN conversation.paused_at IS 'When a person took over (or last sent while in charge). A pause left idle for TAKEOVER_IDLE_MINUTES ends by itself.';
CREATE INDEX conversation_paused_idx ON conversation (paused_at) WHERE status = 'paused';

-- An API call made with an Idempotency-Key answers every repeat with its first answer.
CREATE TABLE api_idempotency (
    tenant_id       uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    request_hash    bytea NOT NULL,
    response_status smallint NOT NULL,
    response_body   jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

COMMENT ON TABLE api_idempotency IS 'The first answer to each API call made with an Idempotency-Key, given again to its repeats. A repeat with a different body is refused.';
COMMENT ON COLUMN api_idempotency.request_hash IS 'SHA-256 of the method, path and body, to tell a repeat from a different call reusing the key.';
