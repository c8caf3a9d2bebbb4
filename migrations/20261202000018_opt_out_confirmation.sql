-- Each number says who confirms a contact's STOP: Twilio answers it itself on its numbers (and refuses a
-- second confirmation), so there the provider's is the one.

ALTER TABLE phone_number ADD COLUMN opt_out_confirmed_by text NOT NULL DEFAULT 'smsagent'
    CHECK (opt_out_confirmed_by IN ('provider', 'smsagent'));
UPDATE phone_number SET opt_out_confirmed_by = 'provider' WHERE provider = 'twilio';
COMMENT ON COLUMN phone_number.opt_out_confirmed_by IS 'Who answers a contact''s STOP: provider (Twilio does on its numbers, and refuses a second confirmation with error 21610) or smsagent. The opt-out is recorded either way; on WhatsApp smsagent always confirms.';
