-- Channels besides plain SMS (Twilio Conversations), and Event Grid's event ids for delivery reports.

ALTER TABLE conversation
    ADD COLUMN channel     text NOT NULL DEFAULT 'sms' CHECK (channel IN ('sms', 'twilio_conversations')),
    ADD COLUMN external_id text;

COMMENT ON COLUMN conversation.channel IS 'How the contact reaches us and is answered: sms (Messages API, ACS) or twilio_conversations (the Conversations API).';
COMMENT ON COLUMN conversation.external_id IS 'The provider''s id for the conversation, where the channel has one (Twilio Conversations CH…).';

ALTER TABLE sms_status_event
    ADD COLUMN event_id text,
    ADD COLUMN attempts jsonb;
CREATE UNIQUE INDEX sms_status_event_event_idx ON sms_status_event (provider, event_id) WHERE event_id IS NOT NULL;

COMMENT ON COLUMN sms_status_event.event_id IS 'The delivering service''s id for the report (Event Grid event id): a redelivered report is recorded once.';
COMMENT ON COLUMN sms_status_event.attempts IS 'The provider''s delivery attempts as it reported them (ACS deliveryAttempts: timestamp, segmentsSucceeded, segmentsFailed).';
