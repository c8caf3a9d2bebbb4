//! `GET /api/v1/sms/stats`: messages by direction and status, segments, delivery rate and cost, per number
//! and in total, over a period (`from` and `to`, RFC 3339; the last 30 days by default).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use smsagent_domain::PhoneNumber;
use smsagent_store::history::{self, TrafficRow};

use super::auth::Operator;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The start: a date (2026-12-01, from midnight UTC) or a date and time (2026-12-01T09:30:00Z).
    /// 30 days before `to` when left out.
    #[param(value_type = Option<String>, example = "2026-11-01")]
    from: Option<String>,
    /// The end, written as `from` is; now when left out.
    #[param(value_type = Option<String>, example = "2026-12-01T00:00:00Z")]
    to: Option<String>,
    /// Only this one of the tenant's numbers.
    phone_number: Option<String>,
}

/// The figures for one number, or for all.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Figures {
    inbound: i64,
    /// Inbound texts by what they were about: `appointment`, `question`, `complaint`, `opt_out`, `other`.
    #[schema(example = json!({"appointment": 12, "question": 30, "other": 58}))]
    inbound_by_intent: BTreeMap<String, i64>,
    outbound: i64,
    /// Outbound messages by their current status.
    outbound_by_status: BTreeMap<String, i64>,
    inbound_segments: i64,
    outbound_segments: i64,
    /// Delivered among outbound texts whose fate is known (delivered, undelivered or failed); null when none is.
    delivery_rate: Option<f64>,
    /// What the providers reported charging, where they did.
    cost: Option<Cost>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Cost {
    amount: f64,
    unit: Option<String>,
}

impl Figures {
    fn add(&mut self, row: &TrafficRow) {
        if row.direction == "inbound" {
            self.inbound += row.messages;
            self.inbound_segments += row.segments;
            if let Some(intent) = &row.intent {
                *self.inbound_by_intent.entry(intent.clone()).or_default() += row.messages;
            }
        } else {
            self.outbound += row.messages;
            self.outbound_segments += row.segments;
            *self.outbound_by_status.entry(row.status.clone()).or_default() += row.messages;
        }
        if let Some(price) = row.price {
            let cost = self.cost.get_or_insert(Cost { amount: 0.0, unit: row.price_unit.clone() });
            // Twilio reports what it charged as a negative price.
            cost.amount += price.abs();
        }
    }

    fn finish(mut self) -> Self {
        let status = |s: &str| self.outbound_by_status.get(s).copied().unwrap_or(0);
        let known = status("delivered") + status("undelivered") + status("failed");
        self.delivery_rate = (known > 0).then(|| status("delivered") as f64 / known as f64);
        if let Some(cost) = &mut self.cost {
            cost.amount = (cost.amount * 100_000.0).round() / 100_000.0;
        }
        self
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NumberFigures {
    phone_number: String,
    figures: Figures,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Stats {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    numbers: Vec<NumberFigures>,
    total: Figures,
}

/// Messages by direction and status, segments, delivery rate and cost, per number and in total.
#[utoipa::path(get, path = "/api/v1/sms/stats", tag = "stats", security(("api_key" = [])), params(Period),
    responses((status = 200, body = Stats), (status = 400, body = crate::error::ErrorBody)))]
pub async fn stats(
    operator: Operator,
    state: web::Data<AppState>,
    period: web::Query<Period>,
) -> Result<HttpResponse, ApiError> {
    let until = super::moment("to", period.to.as_deref())?.unwrap_or_else(Utc::now);
    let since = super::moment("from", period.from.as_deref())?.unwrap_or(until - TimeDelta::days(30));
    if since >= until {
        return Err(ApiError::bad_request("invalid_query", "from must be before to"));
    }
    let number = match &period.phone_number {
        Some(n) => {
            Some(PhoneNumber::parse(n).map_err(|e| ApiError::bad_request("invalid_phone_number", e.to_string()))?)
        }
        None => None,
    };
    let rows =
        history::traffic(&state.pool, operator.tenant_id(), since, until, number.as_ref().map(|n| n.as_str())).await?;

    let mut per_number: BTreeMap<String, Figures> = BTreeMap::new();
    let mut total = Figures::default();
    for row in &rows {
        per_number.entry(row.business_number.clone()).or_default().add(row);
        total.add(row);
    }
    let numbers = per_number
        .into_iter()
        .map(|(phone_number, figures)| NumberFigures { phone_number, figures: figures.finish() })
        .collect();
    Ok(HttpResponse::Ok().json(Stats { from: since, to: until, numbers, total: total.finish() }))
}
