//! `/api/v1/phone-numbers`: the tenant's numbers and which assistant answers each.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use smsagent_domain::{OptOutConfirmer, PhoneNumber, Provider};
use smsagent_store::assistants;
use smsagent_store::phone_numbers::{self, Addition, OwnedNumber, Removal};
use uuid::Uuid;

use super::auth::Operator;
use super::json::Json;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNumber {
    /// E.164, such as +15557654321.
    #[schema(pattern = r"^\+[1-9][0-9]{6,14}$")]
    number: String,
    /// twilio, acs or simulator.
    #[schema(pattern = "^(twilio|acs|simulator)$")]
    provider: String,
    #[serde(default)]
    inbound_assistant_id: Option<Uuid>,
    /// For a Twilio number: point its "A message comes in" webhook at this service (POST).
    #[serde(default)]
    configure_twilio_webhook: bool,
    /// Who answers a contact's STOP: provider (Twilio does on its numbers, and would refuse our
    /// confirmation) or smsagent. Default: provider for Twilio numbers, smsagent for the others.
    #[serde(default)]
    #[schema(pattern = "^(provider|smsagent)$")]
    opt_out_confirmed_by: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The assistant to answer the number's texts; null: texts are stored and not answered. Left as it is
    /// when absent.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    inbound_assistant_id: Option<Option<Uuid>>,
    /// For a Twilio number: point its "A message comes in" webhook at this service (POST).
    #[serde(default)]
    configure_twilio_webhook: bool,
    /// Who answers a contact's STOP: provider or smsagent. Left as it is when absent.
    #[serde(default)]
    #[schema(pattern = "^(provider|smsagent)$")]
    opt_out_confirmed_by: Option<String>,
}

/// A field that is there, null or not: `Some(None)` for null, where absent is `None`.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Option::<Uuid>::deserialize(deserializer).map(Some)
}

fn confirmer(value: &str) -> Result<OptOutConfirmer, ApiError> {
    OptOutConfirmer::parse(value).ok_or_else(|| {
        ApiError::bad_request("invalid_opt_out_confirmed_by", "opt_out_confirmed_by must be provider or smsagent")
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NumberView {
    id: Uuid,
    number: String,
    provider: String,
    inbound_assistant_id: Option<Uuid>,
    /// Who answers a contact's STOP: provider or smsagent (the opt-out is recorded either way).
    opt_out_confirmed_by: String,
    created_at: DateTime<Utc>,
}

impl From<OwnedNumber> for NumberView {
    fn from(n: OwnedNumber) -> Self {
        NumberView {
            id: n.id,
            number: n.number,
            provider: n.provider,
            inbound_assistant_id: n.inbound_assistant_id,
            opt_out_confirmed_by: n.opt_out_confirmed_by,
            created_at: n.created_at,
        }
    }
}

/// Adds a number to the tenant. A Twilio number must be in the service's Twilio account. A number that is
/// already the tenant's is a 409; one that cannot be theirs (not in the account, or another tenant's) is the
/// same 422 either way, so nobody learns who holds a number.
#[utoipa::path(post, path = "/api/v1/phone-numbers", tag = "phone numbers", security(("api_key" = [])),
    request_body = NewNumber,
    responses((status = 201, body = NumberView), (status = 400, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 502, body = crate::error::ErrorBody)))]
pub async fn add(
    operator: Operator,
    state: web::Data<AppState>,
    body: Json<NewNumber>,
) -> Result<HttpResponse, ApiError> {
    let NewNumber { number, provider, inbound_assistant_id, configure_twilio_webhook, opt_out_confirmed_by } =
        body.into_inner();
    let number =
        PhoneNumber::parse(&number).map_err(|e| ApiError::bad_request("invalid_phone_number", e.to_string()))?;
    let provider = Provider::parse(&provider)
        .map_err(|_| ApiError::bad_request("invalid_provider", "provider must be twilio, acs or simulator"))?;
    let opt_out_confirmer = match opt_out_confirmed_by.as_deref() {
        Some(value) => confirmer(value)?,
        None => OptOutConfirmer::default_for(provider),
    };
    check_assistant(&state.pool, operator, inbound_assistant_id).await?;
    if let Some(setup) = &state.twilio_numbers {
        // The Twilio account says which numbers it holds: a Twilio number must be one, and a number it
        // holds can be nothing else (registered as another provider's, its texts would reach that tenant).
        // ACS numbers have no such lookup here.
        let held = setup.client.find(&number).await.map_err(twilio_error)?.is_some();
        if held != (provider == Provider::Twilio) {
            return Err(unavailable());
        }
    }
    let point =
        async |added: &OwnedNumber| if configure_twilio_webhook { point_webhook(&state, added).await } else { Ok(()) };
    let tenant_id = operator.tenant_id();
    let addition = phone_numbers::add_with(
        &state.pool,
        tenant_id,
        &number,
        provider,
        inbound_assistant_id,
        opt_out_confirmer,
        point,
    )
    .await?;
    match addition {
        Addition::Added(added) => Ok(HttpResponse::Created().json(NumberView::from(added))),
        Addition::Ours => Err(ApiError::conflict("number_taken", "this number is one of yours already")),
        Addition::Taken => Err(unavailable()),
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NumberList {
    phone_numbers: Vec<NumberView>,
}

/// The tenant's numbers.
#[utoipa::path(get, path = "/api/v1/phone-numbers", tag = "phone numbers", security(("api_key" = [])),
    responses((status = 200, body = NumberList), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let phone_numbers =
        phone_numbers::list(&state.pool, operator.tenant_id()).await?.into_iter().map(NumberView::from).collect();
    Ok(HttpResponse::Ok().json(NumberList { phone_numbers }))
}

/// Gives the number to an assistant, or to nobody (null); sets who answers a contact's STOP on it.
#[utoipa::path(patch, path = "/api/v1/phone-numbers/{id}", tag = "phone numbers", security(("api_key" = [])),
    params(("id" = Uuid, Path)), request_body = Assignment,
    responses((status = 200, body = NumberView), (status = 400, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 502, body = crate::error::ErrorBody)))]
pub async fn assign(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Json<Assignment>,
) -> Result<HttpResponse, ApiError> {
    let Assignment { inbound_assistant_id: assistant, configure_twilio_webhook, opt_out_confirmed_by } =
        body.into_inner();
    let opt_out_confirmer = opt_out_confirmed_by.as_deref().map(confirmer).transpose()?;
    if let Some(assistant) = assistant {
        check_assistant(&state.pool, operator, assistant).await?;
    }
    let point = async |number: &OwnedNumber| {
        if configure_twilio_webhook { point_webhook(&state, number).await } else { Ok(()) }
    };
    let number =
        phone_numbers::change_with(&state.pool, operator.tenant_id(), *id, assistant, opt_out_confirmer, point)
            .await?
            .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(NumberView::from(number)))
}

#[utoipa::path(delete, path = "/api/v1/phone-numbers/{id}", tag = "phone numbers", security(("api_key" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
/// Removes a number without history. One with conversations keeps them reachable through it: erase them
/// first (`DELETE /api/conversations/{phone_number}`), so nothing is orphaned by accident.
pub async fn remove(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    match phone_numbers::remove(&state.pool, operator.tenant_id(), *id).await? {
        Removal::Removed => Ok(HttpResponse::NoContent().finish()),
        Removal::NotFound => Err(not_found()),
        Removal::HasConversations(conversations) => Err(ApiError::conflict(
            "number_has_conversations",
            format!("the number has {conversations} conversation(s); delete them first"),
        )),
    }
}

/// Points a Twilio number's SMS webhook at this service, before the change is committed: if Twilio
/// refuses, nothing is changed here either.
async fn point_webhook(state: &AppState, number: &OwnedNumber) -> Result<(), ApiError> {
    if number.provider != Provider::Twilio.as_str() {
        return Err(ApiError::bad_request("not_twilio", "configure_twilio_webhook is for Twilio numbers"));
    }
    let setup = state.twilio_numbers.as_ref().and_then(|setup| Some((setup, setup.webhook_url.as_ref()?)));
    let (setup, webhook_url) = setup.ok_or_else(|| {
        ApiError::bad_request("twilio_not_configured", "Twilio's credentials and PUBLIC_BASE_URL must be set")
    })?;
    let parsed = PhoneNumber::parse(&number.number).map_err(ApiError::internal)?;
    setup.client.point_sms_webhook(&parsed, webhook_url).await.map_err(twilio_error)
}

/// Twilio refused or failed: a clean summary for the tenant (the rest is in our log).
fn twilio_error(e: smsagent_providers::twilio::NumberSetupError) -> ApiError {
    ApiError::new(actix_web::http::StatusCode::BAD_GATEWAY, "twilio_error", format!("Twilio: {e}"))
}

/// A number the tenant cannot register, said the same way whatever the reason.
fn unavailable() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        "number_unavailable",
        "this number cannot be added to your account: it must be in the service's provider account and not in use",
    )
}

/// The tenant's number a request names in `field` (its name, and the error code when it must be named),
/// or, when the request names none, the tenant's only number; with its provider.
pub(super) async fn business_number(
    db: impl sqlx::PgExecutor<'_>,
    operator: Operator,
    named: Option<&str>,
    (field, required_code): (&'static str, &'static str),
) -> Result<(PhoneNumber, Provider), ApiError> {
    let numbers = phone_numbers::list(db, operator.tenant_id()).await?;
    let chosen = match named {
        Some(named) => {
            let named = PhoneNumber::parse(named)
                .map_err(|e| ApiError::bad_request("invalid_phone_number", format!("{field}: {e}")))?;
            numbers.into_iter().find(|n| n.number == named.as_str()).ok_or_else(|| {
                ApiError::bad_request(
                    "unknown_number",
                    format!("{field} is not one of your numbers (see /api/v1/phone-numbers)"),
                )
            })?
        }
        None => match <[_; 1]>::try_from(numbers) {
            Ok([only]) => only,
            Err(numbers) if numbers.is_empty() => {
                return Err(ApiError::bad_request(
                    "no_number",
                    "add a phone number first (POST /api/v1/phone-numbers)",
                ));
            }
            Err(numbers) => {
                return Err(ApiError::bad_request(
                    required_code,
                    format!("you have {} numbers: say which one ({field})", numbers.len()),
                ));
            }
        },
    };
    let number = PhoneNumber::parse(&chosen.number).map_err(ApiError::internal)?;
    let provider = Provider::parse(&chosen.provider).map_err(ApiError::internal)?;
    Ok((number, provider))
}

/// A number may only be given to one of its own tenant's assistants.
async fn check_assistant(
    db: impl sqlx::PgExecutor<'_>,
    operator: Operator,
    assistant: Option<Uuid>,
) -> Result<(), ApiError> {
    if let Some(assistant) = assistant
        && !assistants::owned_by(db, operator.tenant_id(), assistant).await?
    {
        return Err(ApiError::bad_request("unknown_assistant", "inbound_assistant_id names no assistant of yours"));
    }
    Ok(())
}

fn not_found() -> ApiError {
    ApiError::not_found("no such phone number")
}
