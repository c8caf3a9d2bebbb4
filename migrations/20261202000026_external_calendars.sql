-- Appointments on an external calendar (CalDAV, Microsoft Graph) keep the calendar's own id for their event,
-- where it makes one (Graph), so a move or a cancellation changes that event rather than making another.

ALTER TABLE appointment ADD COLUMN calendar_event_id text;
COMMENT ON COLUMN appointment.calendar_event_id IS 'The external calendar''s id for the appointment''s event (Microsoft Graph); NULL on the built-in calendar and on CalDAV, whose resource is named after the appointment.';
COMMENT ON COLUMN appointment.calendar IS 'The book the appointment is in: builtin:<assistant id>, whatever external calendar the assistant also writes to. Confirmed appointments in one book never overlap.';
