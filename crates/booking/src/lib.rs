//! Appointment booking: an assistant's opening hours and the free slots in them (`availability`). Calendars,
//! the conversation and reminders build on it.

pub mod availability;
