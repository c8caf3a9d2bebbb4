-- Exactly once under faults: every claim of a job gets a token of its own, which fences what the job does
-- next; and every attempt to hand a text to its provider is on record before the provider hears of it, so
-- an attempt whose outcome was lost (a killed worker, a crashed database, a timeout) is looked up at the
-- provider before the text is sent again.

ALTER TABLE job ADD COLUMN claim_token uuid;

COMMENT ON COLUMN job.claim_token IS 'Drawn afresh by every claim. Only the worker holding it may finish, retry or bury the job: one whose lease ran out, or whose claim a database crash undid, cannot.';
COMMENT ON COLUMN job.attempts IS 'Attempts started so far (each claim is one).';

ALTER TABLE sms_messages
    ADD COLUMN send_attempts integer NOT NULL DEFAULT 0 CHECK (send_attempts >= 0),
    ADD COLUMN first_send_attempt_at timestamptz,
    ADD COLUMN send_outcome_unknown boolean NOT NULL DEFAULT false;

COMMENT ON COLUMN sms_messages.send_attempts IS 'Outbound: attempts to hand the text to the provider, each recorded before the provider was called.';
COMMENT ON COLUMN sms_messages.first_send_attempt_at IS 'Outbound: when the first attempt to hand the text to the provider began; the provider''s records are searched from then when an attempt''s outcome was lost.';
COMMENT ON COLUMN sms_messages.send_outcome_unknown IS 'Outbound: the latest attempt may have reached the provider without our learning what became of it (the worker died, the database went down, no answer came, a server error). Set as each attempt begins, cleared when the provider says it did not take the text. While it is set, the provider is asked whether it has the text before it is sent again.';
