//! Single-number deployments: with PHONE_NUMBER set, start-up makes sure that number exists and is answered
//! by an assistant (the tenant-screening one), so no API call is needed before the first text.

use secrecy::{ExposeSecret, SecretString};
use smsagent_domain::assistant::AssistantDraft;
use smsagent_domain::form::Form;
use smsagent_domain::{PhoneNumber, Provider};
use smsagent_store::{PgPool, StoreError, assistants, phone_numbers, tenants};
use tracing::{info, warn};

pub const DEFAULT_ASSISTANT_NAME: &str = "Default assistant";

pub const DEFAULT_FIRST_SMS: &str = "Hi! Thanks for your interest in renting with us. I'll ask a few quick questions to \
start your application. Reply STOP to opt out.";

pub const DEFAULT_SMS_PROMPT: &str = "You are a friendly leasing assistant answering text messages for a property \
manager. Reply in plain text, in one or two short sentences: no emoji, no markdown, no links unless asked. Answer in \
the language the person writes in. If you do not know something, say so and offer to have a person follow up.";

/// Registers `number` and, when nobody answers it yet, a default assistant. The number is carried by
/// `configured` (PHONE_NUMBER_PROVIDER, or the provider whose credentials are set), else by the simulator.
/// A number a real provider carries is never quietly moved to the simulator: its replies would be stored
/// as sent and never leave, so without a word from the settings it stays put (and sends fail visibly
/// until the credentials come back).
pub async fn ensure_phone_number(
    pool: &PgPool,
    number: &PhoneNumber,
    configured: Option<Provider>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // Several instances may start at once; one registers the number, the others find it.
    phone_numbers::lock_for_setup(&mut *tx).await?;
    let existing = phone_numbers::find_for_update(&mut *tx, number).await?;
    let assistant_id = match existing.as_ref().and_then(|n| n.inbound_assistant_id) {
        Some(id) => id,
        None => {
            let draft = AssistantDraft {
                first_sms: DEFAULT_FIRST_SMS.to_owned(),
                ..AssistantDraft::new(DEFAULT_ASSISTANT_NAME, DEFAULT_SMS_PROMPT)
            };
            let mut settings = draft.check().expect("the default assistant's settings are within every range");
            settings.form = Some(Form::tenant_screening());
            assistants::create(&mut *tx, tenants::DEFAULT_TENANT, &settings).await?
        }
    };
    let provider = match (&existing, configured) {
        (_, Some(provider)) => provider,
        (Some(found), None) if found.provider != Provider::Simulator => {
            warn!(number = number.masked(), provider = %found.provider, "PHONE_NUMBER's provider has no credentials configured: its texts cannot be sent");
            found.provider
        }
        _ => Provider::Simulator,
    };
    match existing {
        None => {
            phone_numbers::insert(&mut *tx, number, provider, Some(assistant_id)).await?;
            info!(number = number.masked(), %provider, "registered PHONE_NUMBER with the default assistant");
        }
        Some(found) if found.provider != provider || found.inbound_assistant_id != Some(assistant_id) => {
            phone_numbers::update(&mut *tx, found.id, provider, Some(assistant_id)).await?;
            info!(number = number.masked(), %provider, "updated PHONE_NUMBER");
        }
        Some(_) => {}
    }
    tx.commit().await?;
    Ok(())
}

/// Says, at start, what API_BOOTSTRAP_KEY speaks for: the default tenant, with its id (which
/// `/chat/{tenant_id}` takes), its numbers (masked) and its assistants, as `GET /api/v1/me` answers.
pub async fn announce_bootstrap_key(pool: &PgPool, key: &SecretString) -> Result<(), StoreError> {
    let tenant = tenants::DEFAULT_TENANT;
    let name = tenants::name(pool, tenant).await?.unwrap_or_default();
    let numbers: Vec<String> = phone_numbers::list(pool, tenant)
        .await?
        .into_iter()
        .map(|n| PhoneNumber::parse(&n.number).map(|p| p.masked()).unwrap_or_default())
        .collect();
    let assistants: Vec<String> = assistants::list(pool, tenant).await?.into_iter().map(|a| a.settings.name).collect();
    let shown: String = key.expose_secret().chars().take(6).collect();
    info!(
        tenant_id = %tenant,
        numbers = numbers.join(", "),
        assistants = assistants.join(", "),
        "API_BOOTSTRAP_KEY ({shown}…) speaks for the tenant {name:?}, id {tenant}: chat at /chat/{tenant}, \
         and GET /api/v1/me tells the same"
    );
    Ok(())
}
