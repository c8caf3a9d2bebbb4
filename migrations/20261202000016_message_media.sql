-- Photos and other media that come with a text (MMS). Each is recorded as the text is stored, then fetched
-- from the provider with the account's credentials, judged by its bytes and kept under UPLOAD_DIR like an ID
-- photo upload, under the same limits.

CREATE TABLE message_media (
    id              uuid PRIMARY KEY,
    message_id      uuid NOT NULL REFERENCES sms_messages (id) ON DELETE CASCADE,
    conversation_id uuid NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    position        smallint NOT NULL CHECK (position BETWEEN 0 AND 9),
    provider_url    text,
    declared_type   text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'stored', 'refused', 'failed', 'not_fetched')),
    content_type    text CHECK (content_type IN ('image/jpeg', 'image/png', 'image/heic', 'image/webp', 'application/pdf')),
    size_bytes      bigint CHECK (size_bytes > 0),
    sha256          bytea CHECK (length(sha256) = 32),
    stored_name     text UNIQUE,
    upload_id       uuid REFERENCES id_upload (id) ON DELETE SET NULL,
    reason          text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    stored_at       timestamptz,
    UNIQUE (message_id, position),
    CHECK ((status = 'stored') = (stored_name IS NOT NULL))
);

CREATE INDEX message_media_conversation_idx ON message_media (conversation_id, created_at);

COMMENT ON TABLE message_media IS 'Media that came with inbound texts (MMS): one row per item, in the order the provider listed them.';
COMMENT ON COLUMN message_media.position IS 'Its place in the text: MediaUrl0 is 0.';
COMMENT ON COLUMN message_media.provider_url IS 'Where the provider keeps it (fetched with the account''s credentials); null where the provider gives no address.';
COMMENT ON COLUMN message_media.declared_type IS 'The type the provider declared (MediaContentType{N}); the kept file''s type is content_type.';
COMMENT ON COLUMN message_media.status IS 'pending (to fetch), stored (kept under UPLOAD_DIR), refused (not a kind we keep, too big, or over the conversation''s limit: see reason), failed (could not be fetched), not_fetched (the channel gives no way to fetch it).';
COMMENT ON COLUMN message_media.content_type IS 'The type the file''s first bytes show, once stored.';
COMMENT ON COLUMN message_media.stored_name IS 'The file''s name under UPLOAD_DIR, once stored.';
COMMENT ON COLUMN message_media.upload_id IS 'The ID photo upload it counted as, when the assistant was asking for ID photos (the file is the upload''s).';
