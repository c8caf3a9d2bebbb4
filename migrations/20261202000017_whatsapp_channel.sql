-- WhatsApp through Twilio's Messaging API is a channel of its own: its contacts are stored as
-- 'whatsapp:+1…', so a contact who also texts by SMS has two conversations, each keeping its channel.

ALTER TABLE conversation DROP CONSTRAINT conversation_channel_check;
ALTER TABLE conversation ADD CONSTRAINT conversation_channel_check
    CHECK (channel IN ('sms', 'twilio_conversations', 'api', 'whatsapp'));
COMMENT ON COLUMN conversation.channel IS 'How the contact reaches us and is answered: sms (Messages API, ACS), twilio_conversations (the Conversations API), whatsapp (Twilio''s Messages API, whatsapp: addresses) or api (texts fed in through the operators'' API; replies are kept, not sent).';

ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_channel_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_channel_check
    CHECK (channel IN ('sms', 'twilio_conversations', 'api', 'whatsapp'));
COMMENT ON COLUMN sms_messages.channel IS 'How the text travelled: sms (Messages API, ACS), twilio_conversations (posted into a Twilio conversation), whatsapp (Twilio''s Messages API; no segments) or api (fed in through the operators'' API, or a reply to such a text: kept, never sent).';
