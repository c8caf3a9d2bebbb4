-- What an appointment sends: its reminder text (a purpose of its own), and emails to the person and the
-- business, kept as written so that each goes once and an admin can see what was sent.

ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_purpose_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_purpose_check
    CHECK (purpose IN ('reply', 'opt_out_confirmation', 'opt_in_confirmation', 'help', 'goodbye', 'operator',
                       'upload_link', 'upload_receipt', 'reminder'));
COMMENT ON COLUMN sms_messages.purpose IS 'For outbound texts: reply (the assistant answering), opt_out_confirmation, opt_in_confirmation, help, goodbye, operator (written by a person, sent through the API), upload_link (the link to upload an ID photo), upload_receipt (confirming one arrived), reminder (of an appointment).';

CREATE TABLE email_outbox (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenant (id) ON DELETE CASCADE,
    appointment_id  uuid REFERENCES appointment (id) ON DELETE CASCADE,
    recipient       text NOT NULL CHECK (recipient LIKE '%@%'),
    subject         text NOT NULL,
    body            text NOT NULL,
    invite          text,
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'skipped')),
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE INDEX email_outbox_appointment_idx ON email_outbox (appointment_id);

COMMENT ON TABLE email_outbox IS 'Emails to send (appointment confirmations and notices), one row each; a row is sent once, by the send_email job.';
COMMENT ON COLUMN email_outbox.recipient IS 'The address it goes to: the person who booked, or the business''s admin.';
COMMENT ON COLUMN email_outbox.invite IS 'The attached iCalendar invite (RFC 5545; METHOD:REQUEST, or CANCEL on a cancellation), if any.';
COMMENT ON COLUMN email_outbox.status IS 'queued; sent (the mail server or SendGrid accepted it); failed (refused for good, see error); skipped (no SMTP_URL or SENDGRID_API_KEY is set).';
COMMENT ON COLUMN email_outbox.appointment_id IS 'The appointment it is about; erasing the contact erases it with its emails.';
