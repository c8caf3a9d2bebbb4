-- Every opt-out and opt-in as it happened: who (the contact, by keyword; the provider, refusing to deliver;
-- an operator), when, why, and through which channel. opt_out says who may not be texted now; this says
-- how it came to be, so "why did we text this person after they said STOP?" is answered from the tables.

CREATE TABLE consent_event (
    id              uuid PRIMARY KEY,
    business_number text NOT NULL,
    contact_number  text NOT NULL,
    action          text NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
    source          text NOT NULL CHECK (source IN ('keyword', 'provider', 'operator')),
    detail          text,
    changed         boolean NOT NULL,
    message_id      uuid REFERENCES sms_messages (id) ON DELETE SET NULL,
    provider        text,
    channel         text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX consent_event_contact_idx ON consent_event (contact_number, created_at);
CREATE INDEX consent_event_business_idx ON consent_event (business_number, created_at);
-- Erasing a contact's messages sets their events' message_id to NULL: found by this, not by a scan.
CREATE INDEX consent_event_message_idx ON consent_event (message_id) WHERE message_id IS NOT NULL;

COMMENT ON TABLE consent_event IS 'Every opt-out and opt-in, oldest first per contact: the history behind opt_out. Kept when a contact is erased, as opt_out is: it is the proof of their consent (and of its withdrawal), and holds only their number and the keyword.';
COMMENT ON COLUMN consent_event.contact_number IS 'The contact, E.164 (or chat:<session>, test:<number> for the operators'' simulated contacts).';
COMMENT ON COLUMN consent_event.action IS 'opt_out: texts to the contact stop; opt_in: they may resume.';
COMMENT ON COLUMN consent_event.source IS 'Who: keyword (the contact texted STOP, START or similar), provider (the provider refused to deliver because the contact opted out with it, e.g. Twilio 21610), operator (a person).';
COMMENT ON COLUMN consent_event.detail IS 'Why: the contact''s text, or the provider''s error code or message.';
COMMENT ON COLUMN consent_event.changed IS 'Whether it changed anything: a second STOP from a contact already opted out is recorded with false.';
COMMENT ON COLUMN consent_event.message_id IS 'The text that carried it: the contact''s keyword, or our text the provider refused. NULL once erased.';
COMMENT ON COLUMN consent_event.provider IS 'twilio, acs or simulator: whose channel it came through, copied from the message.';
COMMENT ON COLUMN consent_event.channel IS 'sms, twilio_conversations or api, copied from the message (so it outlives the message''s erasure).';

-- The opt-outs recorded before this table existed, as their one event each.
INSERT INTO consent_event (id, business_number, contact_number, action, source, detail, changed, created_at)
SELECT gen_random_uuid(), business_number, contact_number, 'opt_out', source, detail, true, opted_out_at FROM opt_out;
