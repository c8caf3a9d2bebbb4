//! `GET /api/v1/assistants/{id}/submissions`: the forms an assistant completed, as JSON (paginated) or,
//! with `?format=csv`, as one spreadsheet with a column per form field in the form's order.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use smsagent_domain::form::Form;
use smsagent_store::assistants;
use smsagent_store::forms::{self, SubmissionRow};
use uuid::Uuid;

use super::auth::Operator;
use crate::error::ApiError;
use crate::state::AppState;

/// The most rows one CSV export holds.
const MAX_EXPORT_ROWS: i64 = 100_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// json (the default) or csv.
    #[serde(default)]
    #[param(inline)]
    format: Format,
    #[serde(default = "default_limit")]
    limit: i64,
    #[serde(default)]
    offset: i64,
}

#[derive(Debug, Default, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    Csv,
}

fn default_limit() -> i64 {
    50
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Submission {
    id: Uuid,
    conversation_id: Uuid,
    contact_number: String,
    #[schema(value_type = Object)]
    answers: Value,
    /// Keys of the answers taken as the contact gave them, without their yes or without passing their check
    /// (after they were asked too often): verify them before relying on them.
    unverified: Vec<String>,
    /// not_configured, pending, delivered or failed (to the assistant's completion URL).
    delivery_status: String,
    created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SubmissionPage {
    submissions: Vec<Submission>,
    limit: i64,
    offset: i64,
}

/// An assistant's completed forms, as JSON or (format=csv) as a spreadsheet.
#[utoipa::path(get, path = "/api/v1/assistants/{id}/submissions", tag = "assistants", security(("api_key" = [])),
    params(("id" = Uuid, Path), Listing),
    responses((status = 200, body = SubmissionPage, description = "JSON, or text/csv with format=csv"),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn list(
    operator: Operator,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    listing: web::Query<Listing>,
) -> Result<HttpResponse, ApiError> {
    let assistant = assistants::get(&state.pool, operator.tenant_id(), *id).await?;
    let assistant = assistant.ok_or_else(|| ApiError::not_found("no such assistant"))?;
    if listing.format == Format::Csv {
        let rows = forms::submissions(&state.pool, operator.tenant_id(), *id, MAX_EXPORT_ROWS, 0).await?;
        let csv = to_csv(assistant.settings.form.as_ref(), &rows).map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", format!("attachment; filename=\"submissions-{id}.csv\"")))
            .body(csv));
    }
    let page = super::Page { limit: listing.limit, offset: listing.offset }.checked()?;
    let rows = forms::submissions(&state.pool, operator.tenant_id(), *id, page.limit, page.offset).await?;
    let submissions = rows
        .into_iter()
        .map(|s| Submission {
            id: s.id,
            conversation_id: s.conversation_id,
            contact_number: s.contact_number,
            answers: s.answers,
            unverified: s.unverified,
            delivery_status: s.delivery_status,
            created_at: s.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SubmissionPage { submissions, limit: page.limit, offset: page.offset }))
}

/// One row per submission: the form's fields in its order (then any other answers), never a formula.
fn to_csv(form: Option<&Form>, rows: &[SubmissionRow]) -> anyhow::Result<Vec<u8>> {
    let mut fields: Vec<String> = form.map(|f| f.slots.iter().map(|s| s.key.clone()).collect()).unwrap_or_default();
    for row in rows {
        if let Value::Object(answers) = &row.answers {
            let mut extra: Vec<&String> = answers.keys().filter(|k| !fields.contains(k)).collect();
            extra.sort();
            fields.extend(extra.into_iter().cloned());
        }
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = ["submission_id", "created_at", "contact_number"].into_iter().map(str::to_owned);
    let trailer = ["unverified", "delivery_status"].into_iter().map(str::to_owned);
    let header: Vec<String> = header.chain(fields.iter().cloned()).chain(trailer).collect();
    out.write_record(header.iter().map(|cell| defused(cell)))?;
    for row in rows {
        let answer = |field: &String| match row.answers.get(field) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let mut record = vec![row.id.to_string(), row.created_at.to_rfc3339(), row.contact_number.clone()];
        record.extend(fields.iter().map(answer));
        record.push(row.unverified.join(" "));
        record.push(row.delivery_status.clone());
        out.write_record(record.iter().map(|cell| defused(cell)))?;
    }
    Ok(out.into_inner()?)
}

/// A spreadsheet runs a cell that starts like a formula (`+1+cmd|' /C calc'!A0` too), so every cell that
/// starts with `=`, `+`, `-`, `@`, a tab or a carriage return is opened with an apostrophe, as OWASP
/// advises: a phone number reads `'+15551234567`, shown as text, and runs nothing.
fn defused(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn every_cell_that_could_start_a_formula_is_defused() {
        assert_eq!(defused("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        assert_eq!(defused("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defused("+cmd"), "'+cmd");
        assert_eq!(defused("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
        assert_eq!(defused("-2+3+cmd|' /C calc'!A0"), "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(defused("+15551234567"), "'+15551234567");
        assert_eq!(defused("\tx"), "'\tx");
        assert_eq!(defused("\r=1"), "'\r=1");
        assert_eq!(defused("Maria"), "Maria");
        assert_eq!(defused("85000"), "85000");
    }
}
