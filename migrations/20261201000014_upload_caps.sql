-- Uploads are capped per link and per conversation: each upload records the link that brought it, told
-- apart from the conversation's other links by when it expires.

ALTER TABLE id_upload ADD COLUMN link_expires_at timestamptz;

COMMENT ON COLUMN id_upload.link_expires_at IS 'When the link the file came through expires: which link brought it (a link takes a few files; a conversation a few more).';
