//! Appointment booking: an assistant's opening hours and the free slots in them (`availability`), its
//! settings as operators write them (`settings`), and days and times as people read them (`labels`).
//! Calendars, the conversation and reminders build on it.

pub mod availability;
pub mod book;
pub mod calendar;
pub mod conversation;
pub mod hours;
pub mod labels;
pub mod notice;
pub mod settings;
