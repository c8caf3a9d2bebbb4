-- Appointments booked through an assistant. No two confirmed appointments on one calendar overlap, whatever
-- calendar is behind it: the database itself refuses the second (an exclusion constraint), so bookings that
-- race for one slot cannot both win.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE appointment (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenant (id),
    assistant_id    uuid REFERENCES assistant (id) ON DELETE SET NULL,
    calendar        text NOT NULL CHECK (calendar <> ''),
    contact_number  text NOT NULL,
    name            text NOT NULL CHECK (name ~ '\S'),
    email           text,
    phone           text,
    language        text CHECK (language IN ('en', 'es')),
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    blocked_until   timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz,
    CHECK (starts_at < ends_at AND ends_at <= blocked_until),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL)),
    CONSTRAINT appointment_no_overlap EXCLUDE USING gist (
        calendar WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&
    ) WHERE (status = 'confirmed')
);

-- "Today's appointments" (per tenant or per assistant) and "this contact's appointments".
CREATE INDEX appointment_tenant_day_idx ON appointment (tenant_id, starts_at) WHERE status = 'confirmed';
CREATE INDEX appointment_assistant_day_idx ON appointment (assistant_id, starts_at);
CREATE INDEX appointment_contact_idx ON appointment (contact_number, starts_at);

COMMENT ON TABLE appointment IS 'Appointments booked through an assistant (by text, chat, voice or the API). Confirmed ones never overlap on one calendar (appointment_no_overlap).';
COMMENT ON COLUMN appointment.calendar IS 'The calendar the appointment is on: builtin:<assistant id> for the built-in one, or the external calendar''s address. Overlaps are refused per calendar.';
COMMENT ON COLUMN appointment.contact_number IS 'Who booked: the contact as conversations name it (+1…, whatsapp:+1…, chat:<session>).';
COMMENT ON COLUMN appointment.name IS 'The name the person gave for the appointment.';
COMMENT ON COLUMN appointment.email IS 'Where the confirmation and its invite go; NULL: none is sent.';
COMMENT ON COLUMN appointment.phone IS 'The phone number the person gave (E.164), for reminders.';
COMMENT ON COLUMN appointment.language IS 'The language of the confirmation and reminders: en or es.';
COMMENT ON COLUMN appointment.starts_at IS 'When the appointment starts.';
COMMENT ON COLUMN appointment.ends_at IS 'When it ends.';
COMMENT ON COLUMN appointment.blocked_until IS 'Until when the calendar stays blocked: ends_at plus the assistant''s buffer between appointments.';
COMMENT ON COLUMN appointment.status IS 'confirmed, or cancelled (which frees the time).';
