//! The SMS providers smsagent speaks to, and the email services its notices go through.
//!
//! Each provider parses and authenticates what it sends us (webhooks) and implements [`SmsSender`] for
//! what we send it. Everything crosses this boundary as `smsagent_domain` types.

pub mod acs;
pub mod email;
mod http;
mod sender;
pub mod simulator;
pub mod twilio;

pub use sender::{OutboundSms, SendError, SmsSender, parse_retry_after};
