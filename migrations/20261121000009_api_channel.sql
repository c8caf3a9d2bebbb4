-- Texts fed in through the operators' API (POST /api/v1/sms/test), for trying an assistant without a
-- phone: their replies are kept and shown, never handed to a provider.

ALTER TABLE conversation DROP CONSTRAINT conversation_channel_check;
ALTER TABLE conversation ADD CONSTRAINT conversation_channel_check CHECK (channel IN ('sms', 'twilio_conversations', 'api'));
COMMENT ON COLUMN conversation.channel IS 'How the contact reaches us and is answered: sms (Messages API, ACS), twilio_conversations (the Conversations API) or api (texts fed in through the operators'' API; replies are kept, not sent).';

ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_channel_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_channel_check CHECK (channel IN ('sms', 'twilio_conversations', 'api'));
COMMENT ON COLUMN sms_messages.channel IS 'How the text travelled: sms (Messages API, ACS), twilio_conversations (posted into a Twilio conversation) or api (fed in through the operators'' API, or a reply to such a text: kept, never sent).';
