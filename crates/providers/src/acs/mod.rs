//! Azure Communication Services: Event Grid deliveries in, the SMS REST API out.

mod connection;
mod events;
mod identity;
pub mod samples;
mod signing;
mod sms_api;

pub use connection::{AcsCredentials, ConnectionStringError};
pub use events::{
    DELIVERY_REPORT, Delivery, DeliveryReport, EventsError, GridEvent, ReceivedSms, SMS_RECEIVED, VALIDATION_EVENT,
    parse_delivery,
};
pub use identity::ManagedIdentity;
pub use signing::{SignedHeaders, sign};
pub use sms_api::{AcsAuth, AcsSender};
