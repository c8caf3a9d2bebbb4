-- Web chat sessions (POST /chat/{tenant_id}) are conversations whose contact is 'chat:' and the session's
-- id: no new column, only what the values may be.

COMMENT ON COLUMN conversation.contact_number IS 'The other party''s number, E.164; or, for a web chat session (POST /chat), ''chat:'' and the session''s id.';
COMMENT ON COLUMN sms_messages.contact_number IS 'The contact''s number whichever the direction (from_number for inbound, to_number for outbound); ''chat:<session id>'' for a web chat session.';
COMMENT ON COLUMN form_submission.contact_number IS 'Who filled the form in: their number, or ''chat:<session id>'' for a web chat session.';
