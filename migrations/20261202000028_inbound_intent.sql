-- What each inbound text is about, labelled once as it arrives, so that stats can count by it.

ALTER TABLE sms_messages ADD COLUMN intent text
    CHECK (intent IN ('appointment', 'question', 'complaint', 'opt_out', 'other'));
COMMENT ON COLUMN sms_messages.intent IS 'For inbound texts: what the text is about, labelled by rules as it arrived (appointment, question, complaint, opt_out, other). NULL for outbound texts and texts stored before it was labelled.';
