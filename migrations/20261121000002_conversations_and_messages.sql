-- Conversations with contacts, every message in and out, and the delivery reports about them.

CREATE TABLE conversation (
    id              uuid PRIMARY KEY,
    business_number text NOT NULL,
    contact_number  text NOT NULL,
    assistant_id    uuid REFERENCES assistant (id) ON DELETE SET NULL,
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    started_at      timestamptz NOT NULL DEFAULT now(),
    last_message_at timestamptz NOT NULL DEFAULT now(),
    inbound_count   bigint NOT NULL DEFAULT 0,
    answered_count  bigint NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (business_number, contact_number)
);

CREATE INDEX conversation_contact_idx ON conversation (contact_number);
CREATE INDEX conversation_last_message_idx ON conversation (last_message_at DESC);
CREATE INDEX conversation_assistant_idx ON conversation (assistant_id);

COMMENT ON TABLE conversation IS 'One thread per (business number, contact number), for as long as they text each other.';
COMMENT ON COLUMN conversation.business_number IS 'Our number (phone_number.number), E.164.';
COMMENT ON COLUMN conversation.contact_number IS 'The other party''s number, E.164.';
COMMENT ON COLUMN conversation.assistant_id IS 'The assistant answering: the business number''s inbound assistant when the contact last wrote.';
COMMENT ON COLUMN conversation.status IS 'active: the assistant answers; paused: a person has taken over and nothing is sent automatically.';
COMMENT ON COLUMN conversation.last_message_at IS 'When the newest message in either direction was stored.';
COMMENT ON COLUMN conversation.inbound_count IS 'Texts received from the contact so far.';
COMMENT ON COLUMN conversation.answered_count IS 'How many of those texts the latest automatic reply took into account. A reply is only sent if no text arrived while it was being written.';

CREATE TABLE sms_messages (
    id                  uuid PRIMARY KEY,
    provider            text NOT NULL CHECK (provider IN ('twilio', 'acs', 'simulator')),
    message_sid         text,
    conversation_id     uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    reply_to_message_id uuid REFERENCES sms_messages (id) ON DELETE SET NULL,
    direction           text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    to_number           text NOT NULL,
    from_number         text NOT NULL,
    contact_number      text NOT NULL GENERATED ALWAYS AS (
                            CASE direction WHEN 'inbound' THEN from_number ELSE to_number END
                        ) STORED,
    body                text NOT NULL,
    status              text NOT NULL CHECK (status IN (
                            'queued', 'accepted', 'scheduled', 'sending', 'sent', 'partially_delivered',
                            'delivered', 'undelivered', 'failed', 'canceled', 'read', 'receiving', 'received')),
    error_code          text,
    error_message       text,
    num_segments        integer CHECK (num_segments >= 0),
    price               numeric(12, 5),
    price_unit          text,
    date_created        timestamptz,
    date_sent           timestamptz,
    date_updated        timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, message_sid)
);

CREATE INDEX sms_messages_conversation_idx ON sms_messages (conversation_id, created_at);
CREATE INDEX sms_messages_contact_idx ON sms_messages (contact_number, created_at);
CREATE INDEX sms_messages_status_idx ON sms_messages (status, created_at);
CREATE INDEX sms_messages_reply_to_idx ON sms_messages (reply_to_message_id) WHERE reply_to_message_id IS NOT NULL;

COMMENT ON TABLE sms_messages IS 'Every text received or sent, one row each. A contact''s history: WHERE contact_number = ''+1…'' ORDER BY created_at.';
COMMENT ON COLUMN sms_messages.id IS 'Our id (UUIDv7, so ordering by id follows creation time).';
COMMENT ON COLUMN sms_messages.provider IS 'twilio, acs or simulator.';
COMMENT ON COLUMN sms_messages.message_sid IS 'The provider''s id for the message (Twilio SM…, ACS messageId). NULL for an outbound message the provider has not accepted yet. Unique per provider: a retried webhook cannot store a message twice.';
COMMENT ON COLUMN sms_messages.reply_to_message_id IS 'For an automatic reply: the newest inbound message it answers (texts that arrived together get one reply).';
COMMENT ON COLUMN sms_messages.direction IS 'inbound (contact to business) or outbound (business to contact).';
COMMENT ON COLUMN sms_messages.contact_number IS 'The contact''s number whichever the direction (from_number for inbound, to_number for outbound).';
COMMENT ON COLUMN sms_messages.status IS 'Delivery status in Twilio''s vocabulary. Only ever moves forward: a late report never undoes a later one. Outbound rows start as queued; received for inbound.';
COMMENT ON COLUMN sms_messages.error_code IS 'The provider''s error code when sending or delivery failed (Twilio 21610 = recipient opted out, 30003 = unreachable handset).';
COMMENT ON COLUMN sms_messages.num_segments IS 'SMS segments billed: 160 GSM-7 or 70 UCS-2 characters each, fewer when a message needs several.';
COMMENT ON COLUMN sms_messages.price IS 'Price reported by the provider, in price_unit (Twilio reports it negative, as a charge).';
COMMENT ON COLUMN sms_messages.date_created IS 'When the provider created the message (for inbound: when it arrived).';
COMMENT ON COLUMN sms_messages.date_sent IS 'When the provider sent the message to the carrier.';
COMMENT ON COLUMN sms_messages.date_updated IS 'When the provider last reported on the message.';
COMMENT ON COLUMN sms_messages.created_at IS 'When we stored the row.';

CREATE TABLE sms_status_event (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sms_message_id uuid REFERENCES sms_messages (id) ON DELETE CASCADE,
    provider       text NOT NULL,
    message_sid    text NOT NULL,
    status         text NOT NULL,
    error_code     text,
    error_message  text,
    applied        boolean NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sms_status_event_message_idx ON sms_status_event (sms_message_id, received_at);
CREATE INDEX sms_status_event_sid_idx ON sms_status_event (provider, message_sid);

COMMENT ON TABLE sms_status_event IS 'Every delivery report received, in arrival order: the history behind sms_messages.status.';
COMMENT ON COLUMN sms_status_event.sms_message_id IS 'The message reported on; NULL when no stored message matched the report.';
COMMENT ON COLUMN sms_status_event.applied IS 'Whether the report moved the message''s status (false: it arrived late or repeated an earlier one).';
