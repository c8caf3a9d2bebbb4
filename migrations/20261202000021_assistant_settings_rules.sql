-- An assistant's settings have one home for their defaults and ranges: the domain's AssistantDraft, which
-- the API and the store both check with. The schema keeps its CHECK constraints, now the same ranges, so a
-- row edited by hand cannot hold what the service would refuse to read; the column defaults go, so no
-- second set of defaults can drift from the first.

-- Rows from before these rules, brought within them (names and prompts trimmed of any white space, as the
-- service trims them; a short secret, which only a hand edit could make, cannot be repaired and is removed).
DO $$
DECLARE
    unsigned uuid[];
BEGIN
    SELECT array_agg(id) INTO unsigned FROM assistant WHERE char_length(completion_secret) < 16;
    IF unsigned IS NOT NULL THEN
        RAISE NOTICE 'completion_secret shorter than 16 characters removed from assistants %: set a new one', unsigned;
        UPDATE assistant SET completion_secret = NULL WHERE id = ANY (unsigned);
    END IF;
END $$;

UPDATE assistant
SET name = CASE WHEN name ~ '\S' THEN left(regexp_replace(name, '^\s+|\s+$', '', 'g'), 100) ELSE 'Assistant' END,
    sms_prompt = CASE WHEN sms_prompt ~ '\S' THEN sms_prompt
                      ELSE 'You answer text messages for a business. Reply in plain text, in one or two short sentences: no emoji, no markdown. Answer in the language the person writes in. If you do not know something, say so and offer to have a person follow up.' END,
    session_window_minutes = LEAST(session_window_minutes, 10080),
    form_stale_after_hours = LEAST(form_stale_after_hours, 8760)
WHERE name !~ '\S' OR name <> left(regexp_replace(name, '^\s+|\s+$', '', 'g'), 100) OR sms_prompt !~ '\S'
   OR session_window_minutes > 10080 OR form_stale_after_hours > 8760;

ALTER TABLE assistant
    DROP CONSTRAINT assistant_name_check,
    ADD CONSTRAINT assistant_name_check CHECK (name ~ '\S' AND char_length(name) <= 100),
    ADD CONSTRAINT assistant_sms_prompt_check CHECK (sms_prompt ~ '\S'),
    DROP CONSTRAINT assistant_session_window_minutes_check,
    ADD CONSTRAINT assistant_session_window_minutes_check CHECK (session_window_minutes BETWEEN 1 AND 10080),
    DROP CONSTRAINT assistant_form_stale_after_hours_check,
    ADD CONSTRAINT assistant_form_stale_after_hours_check CHECK (form_stale_after_hours BETWEEN 1 AND 8760),
    ADD CONSTRAINT assistant_completion_secret_check
        CHECK (completion_secret IS NULL OR char_length(completion_secret) >= 16),
    ALTER COLUMN first_sms DROP DEFAULT,
    ALTER COLUMN max_reply_tokens DROP DEFAULT,
    ALTER COLUMN history_limit DROP DEFAULT,
    ALTER COLUMN session_window_minutes DROP DEFAULT,
    ALTER COLUMN segment_budget DROP DEFAULT,
    ALTER COLUMN form_stale_after_hours DROP DEFAULT,
    ALTER COLUMN id_photos DROP DEFAULT;

COMMENT ON COLUMN assistant.name IS 'The assistant''s name, also the program name in compliance texts: 1 to 100 characters.';
COMMENT ON COLUMN assistant.max_reply_tokens IS 'Completion token cap per reply: 1 to 100 (default 100), to keep replies to a few segments.';
COMMENT ON COLUMN assistant.history_limit IS 'How many of the newest messages of the conversation the model sees: 1 to 200 (default 20).';
COMMENT ON COLUMN assistant.session_window_minutes IS 'A pause longer than this starts a new session, which is greeted with first_sms: 1 to 10080 minutes (default 30).';
COMMENT ON COLUMN assistant.segment_budget IS 'Most SMS segments one reply may use: 1 to 10 (default 2); longer replies are shortened at a sentence or word boundary.';
COMMENT ON COLUMN assistant.form_stale_after_hours IS 'A half-finished form older than this starts over when the contact returns; a younger one resumes: 1 to 8760 hours (default 72).';
