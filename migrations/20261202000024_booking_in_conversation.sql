-- Booking by text: which conversation booked an appointment (its reminders go there), and where each
-- conversation's booking stands between texts (the days or times just listed, or a cancel to confirm).

ALTER TABLE appointment ADD COLUMN conversation_id uuid REFERENCES conversation (id) ON DELETE SET NULL;
CREATE INDEX appointment_conversation_idx ON appointment (conversation_id, starts_at)
    WHERE conversation_id IS NOT NULL;
COMMENT ON COLUMN appointment.conversation_id IS 'The conversation it was booked in (by text or chat), where its reminder goes; NULL when booked by voice or through the API.';

CREATE TABLE booking_dialogue (
    conversation_id uuid PRIMARY KEY REFERENCES conversation (id) ON DELETE CASCADE,
    stage           text NOT NULL CHECK (stage IN ('choosing_day', 'choosing_slot', 'confirming_cancel')),
    state           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE booking_dialogue IS 'Where a conversation''s booking stands between texts; no row: nothing is being chosen.';
COMMENT ON COLUMN booking_dialogue.stage IS 'choosing_day or choosing_slot (a numbered list was sent), or confirming_cancel (asked whether to cancel).';
COMMENT ON COLUMN booking_dialogue.state IS 'The stage as the booking crate keeps it: the listed days or slot starts in their numbered order, and the appointment being moved or cancelled.';
