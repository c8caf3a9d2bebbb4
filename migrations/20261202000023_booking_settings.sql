-- Which assistants book appointments, and how: an assistant without a row does not book.

CREATE TABLE booking_settings (
    assistant_id uuid PRIMARY KEY REFERENCES assistant (id) ON DELETE CASCADE,
    settings     jsonb NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE booking_settings IS 'An assistant''s booking rules: time zone, opening hours per weekday, slot length, buffer, days offered, closed dates, the admin''s email. Written checked by the service (PUT /api/v1/assistants/{id}/booking).';
COMMENT ON COLUMN booking_settings.settings IS 'The settings as JSON, in the API''s shape (see the OpenAPI schema BookingSettings).';
