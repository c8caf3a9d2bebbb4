-- Each inbound text's keyword, decided once as it arrives (for the contact's standing then), so that nothing
-- reads the text again to find out.

ALTER TABLE sms_messages ADD COLUMN keyword text
    CHECK (keyword IN ('opt_out', 'opt_in', 'help', 'start_over', 'end'));
COMMENT ON COLUMN sms_messages.keyword IS 'For an inbound text that is a keyword, which: opt_out (STOP and the like), opt_in (START; YES while opted out), help, start_over (the form from the beginning) or end (a goodbye). Decided as the text arrived. NULL for any other text, and for texts stored before this column.';
