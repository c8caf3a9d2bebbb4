-- What each inbound text is about, labelled once as it arrives, so that stats can count by it.

-- The column is new and empty; its check is added unvalidated and then validated, which lets texts keep
-- arriving meanwhile (a CHECK added with the column would scan the table under an exclusive lock).
ALTER TABLE sms_messages ADD COLUMN intent text;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_intent_check
    CHECK (intent IN ('appointment', 'question', 'complaint', 'opt_out', 'other')) NOT VALID;
ALTER TABLE sms_messages VALIDATE CONSTRAINT sms_messages_intent_check;
COMMENT ON COLUMN sms_messages.intent IS 'For inbound texts: what the text is about, labelled by rules as it arrived (appointment, question, complaint, opt_out, other). NULL for outbound texts and texts stored before it was labelled.';
