//! Booking: the seed's `/voice/get-days` and `/voice/get-slots` with thousands of appointments already on
//! the calendar (p50, p99), and booking races: 50 callers at once on 5 free slots, every count checked
//! (each slot booked exactly once, every other caller refused with 409, nothing else).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Bench;
use crate::load::{Latency, Stop, closed_loop};
use crate::service::BENCH_KEY;

/// What the booking runs measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BookingFigures {
    /// Appointments on the calendar while days and slots were asked for.
    pub appointments: u64,
    pub clients: usize,
    pub get_days: Latency,
    pub get_days_per_second: f64,
    /// Days on offer in each answer.
    pub days_offered: usize,
    pub get_slots: Latency,
    pub get_slots_per_second: f64,
    /// Races run, each `race_clients` callers on `race_slots` slots.
    pub races: usize,
    pub race_clients: usize,
    pub race_slots: usize,
    /// 201s, 409s and anything else, over every race.
    pub booked: u64,
    pub refused: u64,
    pub other: u64,
    /// Until each caller's answer, booked or refused.
    pub race_latency: Latency,
    /// Every slot booked exactly once, every other caller refused, and the database agrees.
    pub valid: bool,
    pub detail: String,
}

const RACE_CLIENTS: usize = 50;
const RACE_SLOTS: usize = 5;

impl Bench {
    /// The booking runs: `appointments` on the calendar, `clients` asking for days and slots for the plan's
    /// time, then `races` booking races.
    pub async fn booking(
        &self,
        appointments: u64,
        clients: usize,
        stop: Stop,
        races: usize,
    ) -> anyhow::Result<BookingFigures> {
        self.db.empty().await?;
        self.prepare().await?;
        let service = self.start_service(1).await?;
        let assistant = self.db.booking_assistant(appointments).await?;
        let tomorrow = sqlx::query_scalar::<_, String>("SELECT to_char(current_date + 1, 'YYYY-MM-DD')")
            .fetch_one(&self.db.pool)
            .await?;
        let base = service.base_url.clone();

        let days = self.measure(&base, "/voice/get-days", json!({"assistant_id": assistant}), clients, stop).await;
        let slots_asked = json!({"assistant_id": assistant, "date": tomorrow});
        let slots = self.measure(&base, "/voice/get-slots", slots_asked.clone(), clients, stop).await;
        let offered = self.call(&base, "/voice/get-days", &json!({"assistant_id": assistant})).await?.1;
        let days_offered = offered["days"].as_array().map_or(0, Vec::len);

        let mut race_latency = crate::load::histogram();
        let (mut booked, mut refused, mut other, mut problems) = (0u64, 0u64, 0u64, Vec::new());
        for race in 0..races {
            let free = self.call(&base, "/voice/get-slots", &slots_asked).await?.1;
            let starts: Vec<String> = free["slots"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["start"].as_str().map(str::to_owned))
                .take(RACE_SLOTS)
                .collect();
            anyhow::ensure!(
                starts.len() == RACE_SLOTS,
                "race {race}: only {} free slots tomorrow: {free}",
                starts.len()
            );
            let mut callers = tokio::task::JoinSet::new();
            for caller in 0..RACE_CLIENTS {
                let (http, url) = (self.http.clone(), format!("{base}/voice/book"));
                let body = json!({"assistant_id": assistant, "start": starts[caller % RACE_SLOTS],
                                  "name": format!("Racer {race}-{caller}"), "phone": format!("+1555{race:03}{caller:04}")});
                callers.spawn(async move {
                    let began = Instant::now();
                    let status =
                        http.post(url).bearer_auth(BENCH_KEY).json(&body).send().await.map(|r| r.status().as_u16());
                    (status, began.elapsed())
                });
            }
            let mut per_race = (0u64, 0u64);
            while let Some(answer) = callers.join_next().await {
                let (status, took) = answer?;
                let _ = race_latency.record(took.as_micros().max(1) as u64);
                match status {
                    Ok(201) => per_race.0 += 1,
                    Ok(409) => per_race.1 += 1,
                    _ => other += 1,
                }
            }
            booked += per_race.0;
            refused += per_race.1;
            // The database's word, slot by slot: exactly one confirmed appointment on each.
            for start in &starts {
                let on_it: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM appointment WHERE status = 'confirmed' AND starts_at = $1::timestamptz",
                )
                .bind(start)
                .fetch_one(&self.db.pool)
                .await?;
                if on_it != 1 {
                    problems.push(format!("race {race}: {on_it} appointments at {start}"));
                }
            }
            if per_race != (RACE_SLOTS as u64, (RACE_CLIENTS - RACE_SLOTS) as u64) {
                problems.push(format!("race {race}: {} booked, {} refused", per_race.0, per_race.1));
            }
        }
        service.stop().await?;
        let ms = |micros: u64| micros as f64 / 1000.0;
        let race_latency = Latency {
            p50_ms: ms(race_latency.value_at_quantile(0.5)),
            p90_ms: ms(race_latency.value_at_quantile(0.9)),
            p99_ms: ms(race_latency.value_at_quantile(0.99)),
            max_ms: ms(race_latency.max()),
        };
        let errors = days.0.errors + slots.0.errors;
        if errors > 0 {
            problems.push(format!(
                "{errors} failed requests: {:?}",
                days.0.first_error.as_ref().or(slots.0.first_error.as_ref())
            ));
        }
        if other > 0 {
            problems.push(format!("{other} race answers were neither 201 nor 409"));
        }
        Ok(BookingFigures {
            appointments,
            clients,
            get_days: days.0.latency(),
            get_days_per_second: days.1,
            days_offered,
            get_slots: slots.0.latency(),
            get_slots_per_second: slots.1,
            races,
            race_clients: RACE_CLIENTS,
            race_slots: RACE_SLOTS,
            booked,
            refused,
            other,
            race_latency,
            valid: problems.is_empty(),
            detail: if problems.is_empty() { "every slot booked once".into() } else { problems.join("; ") },
        })
    }

    /// `clients` asking `path` with `body` in a closed loop until `stop`.
    async fn measure(
        &self,
        base: &str,
        path: &str,
        body: Value,
        clients: usize,
        stop: Stop,
    ) -> (crate::load::Outcome, f64) {
        let (http, url, body) = (self.http.clone(), format!("{base}{path}"), Arc::new(body));
        let outcome = closed_loop(clients, stop, move |_| {
            let (http, url, body) = (http.clone(), url.clone(), body.clone());
            async move {
                let began = Instant::now();
                let response =
                    http.post(&url).bearer_auth(BENCH_KEY).json(&*body).send().await.map_err(|e| e.to_string())?;
                let status = response.status();
                let answer: Value = response.json().await.map_err(|e| e.to_string())?;
                if !status.is_success() {
                    return Err(format!("{status}: {answer}"));
                }
                Ok::<Duration, String>(began.elapsed())
            }
        })
        .await;
        let per_second = outcome.per_second(outcome.requests);
        (outcome, per_second)
    }

    async fn call(&self, base: &str, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let response = self.http.post(format!("{base}{path}")).bearer_auth(BENCH_KEY).json(body).send().await?;
        Ok((response.status().as_u16(), response.json().await?))
    }
}
