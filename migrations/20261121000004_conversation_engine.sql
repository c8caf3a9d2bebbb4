-- The conversation engine: forms collected in conversation, their submissions, the contact's language,
-- and what each outbound text was for.

ALTER TABLE assistant
    ADD COLUMN form                   jsonb,
    ADD COLUMN segment_budget         integer NOT NULL DEFAULT 2 CHECK (segment_budget BETWEEN 1 AND 10),
    ADD COLUMN help_text              text,
    ADD COLUMN completion_url         text,
    ADD COLUMN completion_secret      text,
    ADD COLUMN form_stale_after_hours integer NOT NULL DEFAULT 72 CHECK (form_stale_after_hours > 0);

COMMENT ON COLUMN assistant.form IS 'The form the assistant collects (ordered slots, as JSON); NULL: a general assistant.';
COMMENT ON COLUMN assistant.segment_budget IS 'Most SMS segments one reply may use; longer replies are shortened at a sentence or word boundary.';
COMMENT ON COLUMN assistant.help_text IS 'The support contact given in answer to HELP (a phone number or email).';
COMMENT ON COLUMN assistant.completion_url IS 'Where completed forms are POSTed as signed JSON; NULL: they are only stored.';
COMMENT ON COLUMN assistant.completion_secret IS 'The key that signs completion POSTs (HMAC-SHA256 in the Smsagent-Signature header).';
COMMENT ON COLUMN assistant.form_stale_after_hours IS 'A half-finished form older than this starts over when the contact returns; a younger one resumes.';

ALTER TABLE conversation ADD COLUMN language text CHECK (language IN ('en', 'es'));
COMMENT ON COLUMN conversation.language IS 'The contact''s language as detected from their texts (en or es); NULL until one is clear.';

ALTER TABLE sms_messages
    ADD COLUMN encoding text CHECK (encoding IN ('gsm7', 'ucs2')),
    ADD COLUMN purpose  text CHECK (purpose IN ('reply', 'opt_out_confirmation', 'opt_in_confirmation', 'help', 'goodbye'));

COMMENT ON COLUMN sms_messages.encoding IS 'For outbound texts: gsm7 (160 characters a segment) or ucs2 (70), as counted before sending.';
COMMENT ON COLUMN sms_messages.purpose IS 'For outbound texts: reply (the assistant answering), opt_out_confirmation, opt_in_confirmation, help, goodbye.';

CREATE TABLE form_session (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    assistant_id    uuid REFERENCES assistant (id) ON DELETE SET NULL,
    state           jsonb NOT NULL,
    status          text NOT NULL CHECK (status IN ('in_progress', 'completed', 'abandoned')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz
);

-- One form in play per conversation; earlier ones are kept as abandoned.
CREATE UNIQUE INDEX form_session_current_idx ON form_session (conversation_id) WHERE status <> 'abandoned';

COMMENT ON TABLE form_session IS 'A form being collected in a conversation: each slot''s value and whether the contact confirmed it.';
COMMENT ON COLUMN form_session.state IS 'The engine''s state: slots (proposed or confirmed values), what it waits for, submissions so far.';
COMMENT ON COLUMN form_session.status IS 'in_progress; completed (every value confirmed and submitted; corrections are still taken); abandoned (started over, or went stale).';

CREATE TABLE form_submission (
    id              uuid PRIMARY KEY,
    form_session_id uuid NOT NULL REFERENCES form_session (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    assistant_id    uuid REFERENCES assistant (id) ON DELETE SET NULL,
    contact_number  text NOT NULL,
    answers         jsonb NOT NULL,
    delivery_status text NOT NULL CHECK (delivery_status IN ('not_configured', 'pending', 'delivered', 'failed')),
    delivered_at    timestamptz,
    delivery_error  text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX form_submission_assistant_idx ON form_submission (assistant_id, created_at);
CREATE INDEX form_submission_conversation_idx ON form_submission (conversation_id);
CREATE INDEX form_submission_session_idx ON form_submission (form_session_id);

COMMENT ON TABLE form_submission IS 'A completed form: who, when, the confirmed answers. A correction after completion adds a new submission.';
COMMENT ON COLUMN form_submission.answers IS 'The confirmed values by slot key: text as strings, money as numbers in currency units, yes/no as booleans.';
COMMENT ON COLUMN form_submission.delivery_status IS 'The POST to the assistant''s completion_url: not_configured, pending, delivered, failed.';
