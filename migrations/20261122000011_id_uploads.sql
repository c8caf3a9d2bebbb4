-- ID photos: applicants upload them through a signed, expiring link texted to them. Files live under
-- UPLOAD_DIR with random names; these rows say whose they are and what they hold.

ALTER TABLE assistant ADD COLUMN id_photos smallint NOT NULL DEFAULT 0 CHECK (id_photos BETWEEN 0 AND 2);
COMMENT ON COLUMN assistant.id_photos IS 'ID photos the assistant asks for when its form completes: 0 none, 1 the front, 2 front and back.';

CREATE TABLE id_upload (
    id              uuid PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    contact_number  text NOT NULL,
    side            text NOT NULL CHECK (side IN ('front', 'back')),
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic', 'image/webp', 'application/pdf')),
    size_bytes      bigint NOT NULL CHECK (size_bytes > 0),
    sha256          bytea NOT NULL CHECK (length(sha256) = 32),
    stored_name     text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX id_upload_conversation_idx ON id_upload (conversation_id, side, created_at DESC);
CREATE INDEX id_upload_contact_idx ON id_upload (contact_number, created_at);

COMMENT ON TABLE id_upload IS 'ID photos applicants uploaded. The newest per (conversation, side) is the current one; older ones are kept until the conversation is erased, which removes the files too.';
COMMENT ON COLUMN id_upload.contact_number IS 'Who uploaded it: the conversation''s contact when the link was used.';
COMMENT ON COLUMN id_upload.side IS 'front or back of the ID, as the applicant chose on the page.';
COMMENT ON COLUMN id_upload.content_type IS 'The type the file''s first bytes show (never its name or the browser''s claim).';
COMMENT ON COLUMN id_upload.sha256 IS 'SHA-256 of the file as stored, to check it was not changed.';
COMMENT ON COLUMN id_upload.stored_name IS 'The file''s name under UPLOAD_DIR: random, with nothing the applicant chose.';

ALTER TABLE sms_messages DROP CONSTRAINT sms_messages_purpose_check;
ALTER TABLE sms_messages ADD CONSTRAINT sms_messages_purpose_check
    CHECK (purpose IN ('reply', 'opt_out_confirmation', 'opt_in_confirmation', 'help', 'goodbye', 'operator',
                       'upload_link', 'upload_receipt'));
COMMENT ON COLUMN sms_messages.purpose IS 'For outbound texts: reply (the assistant answering), opt_out_confirmation, opt_in_confirmation, help, goodbye, operator (written by a person, sent through the API), upload_link (the link to upload an ID photo), upload_receipt (confirming one arrived).';
