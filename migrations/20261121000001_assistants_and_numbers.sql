-- Assistants (who answers) and the business's phone numbers (where texts arrive).

CREATE TABLE assistant (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL CHECK (name <> ''),
    first_sms              text NOT NULL DEFAULT '',
    sms_prompt             text NOT NULL,
    model                  text,
    temperature            real CHECK (temperature BETWEEN 0 AND 2),
    max_reply_tokens       integer NOT NULL DEFAULT 100 CHECK (max_reply_tokens BETWEEN 1 AND 100),
    history_limit          integer NOT NULL DEFAULT 20 CHECK (history_limit BETWEEN 1 AND 200),
    session_window_minutes integer NOT NULL DEFAULT 30 CHECK (session_window_minutes > 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE assistant IS 'An AI assistant that answers texts: its greeting, its instructions and its model settings.';
COMMENT ON COLUMN assistant.first_sms IS 'Sent as the first reply of every new session (a first text, or one after a pause longer than session_window_minutes). Empty: the model answers instead.';
COMMENT ON COLUMN assistant.sms_prompt IS 'The system prompt given to the chat model.';
COMMENT ON COLUMN assistant.model IS 'Chat model name; NULL uses the service default (OPENAI_MODEL).';
COMMENT ON COLUMN assistant.temperature IS 'Sampling temperature; NULL uses the model default.';
COMMENT ON COLUMN assistant.max_reply_tokens IS 'Completion token cap per reply; never above 100, to keep replies to a few segments.';
COMMENT ON COLUMN assistant.history_limit IS 'How many of the newest messages of the conversation the model sees.';
COMMENT ON COLUMN assistant.session_window_minutes IS 'A pause longer than this starts a new session, which is greeted with first_sms.';

CREATE TABLE phone_number (
    id                   uuid PRIMARY KEY,
    number               text NOT NULL UNIQUE CHECK (number ~ '^\+[1-9][0-9]{6,14}$'),
    provider             text NOT NULL CHECK (provider IN ('twilio', 'acs', 'simulator')),
    inbound_assistant_id uuid REFERENCES assistant (id) ON DELETE SET NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX phone_number_inbound_assistant_idx ON phone_number (inbound_assistant_id);

COMMENT ON TABLE phone_number IS 'The business''s own phone numbers. Texts to a number are answered by its inbound assistant.';
COMMENT ON COLUMN phone_number.number IS 'The number in E.164 form, such as +15557654321.';
COMMENT ON COLUMN phone_number.provider IS 'Who carries the number: twilio, acs (Azure Communication Services) or simulator (nothing leaves the machine).';
COMMENT ON COLUMN phone_number.inbound_assistant_id IS 'The assistant that answers texts to this number. NULL: texts are stored and not answered.';
