-- Channels besides plain SMS (Twilio Conversations), and Event Grid's event ids for delivery reports.

ALTER TABLE conversation
    ADD COLUMN channel     text NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms', 'twilio_conversations')),
    ADD COLUMN external_id text;

COMMENT ON COLUMN conversation.channel IS 'How the contact reaches us and is answered: sms (Messages API, ACS) or twilio_conversations (the Conversations API).';
COMMENT ON COLUMN conversation.external_id IS 'The provider''s id for the conversation, where the channel has one (Twilio Conversations CH…).';

-- Each message keeps the channel it travels on: a reply goes where it was written for, even if the contact
-- writes on another channel before it is sent.
ALTER TABLE sms_messages
    ADD COLUMN channel                  text NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms', 'twilio_conversations')),
    ADD COLUMN external_conversation_id text;

COMMENT ON COLUMN sms_messages.channel IS 'How the text travelled: sms (Messages API, ACS) or twilio_conversations (posted into a Twilio conversation).';
COMMENT ON COLUMN sms_messages.external_conversation_id IS 'The Twilio conversation (CH…) the text was in, on the twilio_conversations channel.';

ALTER TABLE sms_status_event
    ADD COLUMN event_id text,
    ADD COLUMN attempts jsonb;
CREATE UNIQUE INDEX sms_status_event_event_idx ON sms_status_event (provider, event_id) WHERE event_id IS NOT NULL;

COMMENT ON COLUMN sms_status_event.event_id IS 'The delivering service''s id for the report (Event Grid event id): a redelivered report is recorded once.';
COMMENT ON COLUMN sms_status_event.attempts IS 'The provider''s delivery attempts as it reported them (ACS deliveryAttempts: timestamp, segmentsSucceeded, segmentsFailed).';
