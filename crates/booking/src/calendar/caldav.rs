//! A CalDAV calendar collection (RFC 4791): busy times from a `calendar-query` REPORT with a time range,
//! recurrences expanded by the server; each appointment a resource `<id>.ics` written with PUT and
//! removed with DELETE. Works with Nextcloud, iCloud, Fastmail and Radicale (the tests' server).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, Event, EventLike, EventStatus,
};
use quick_xml::events::Event as Xml;
use secrecy::{ExposeSecret, SecretString};
use smsagent_egress::GuardedClient;

use super::{CalendarError, CalendarEvent, ExternalCalendar, from_status, unreachable};
use crate::availability::Busy;

#[derive(Debug, Clone)]
pub struct CalDav {
    http: GuardedClient,
    collection: String,
    username: String,
    password: SecretString,
    /// The business's zone: an all-day event blocks its whole local day.
    zone: Tz,
}

impl CalDav {
    pub fn new(http: GuardedClient, collection: &str, username: &str, password: SecretString, zone: Tz) -> CalDav {
        CalDav { http, collection: collection.to_owned(), username: username.to_owned(), password, zone }
    }

    fn resource(&self, id: uuid::Uuid) -> String {
        format!("{}{id}.ics", self.collection)
    }

    fn request(&self, method: &str, url: &str) -> Result<reqwest::RequestBuilder, CalendarError> {
        let method =
            reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| CalendarError::Refused(e.to_string()))?;
        let request = self.http.request(method, url).map_err(|e| CalendarError::Refused(format!("CalDAV: {e}")))?;
        Ok(request.basic_auth(&self.username, Some(self.password.expose_secret())))
    }
}

/// RFC 4791's UTC form: `20261203T150000Z`.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

#[async_trait]
impl ExternalCalendar for CalDav {
    async fn busy(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Busy>, CalendarError> {
        let (start, end) = (stamp(from), stamp(to));
        let query = format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start}" end="{end}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"#
        );
        let response = self
            .request("REPORT", &self.collection)?
            .header("Depth", "1")
            .header("Content-Type", "application/xml; charset=utf-8")
            .body(query)
            .send()
            .await
            .map_err(|e| unreachable("CalDAV REPORT", &e))?;
        if response.status().as_u16() != 207 {
            return Err(from_status(response.status(), response.headers(), "CalDAV REPORT"));
        }
        let body = response.text().await.map_err(|e| unreachable("CalDAV REPORT", &e))?;
        let calendars = calendar_data(&body).map_err(|e| CalendarError::Refused(format!("CalDAV REPORT: {e}")))?;
        Ok(calendars
            .iter()
            .flat_map(|text| busy_in(text, self.zone))
            .filter(|b| b.start < to && from < b.end)
            .collect())
    }

    async fn put(&self, event: &CalendarEvent, _existing: Option<&str>) -> Result<Option<String>, CalendarError> {
        let response = self
            .request("PUT", &self.resource(event.id))?
            .header("Content-Type", "text/calendar; charset=utf-8")
            .body(resource(event))
            .send()
            .await
            .map_err(|e| unreachable("CalDAV PUT", &e))?;
        if response.status().is_success() {
            // The resource's name is the appointment's: nothing to keep.
            Ok(None)
        } else {
            Err(from_status(response.status(), response.headers(), "CalDAV PUT"))
        }
    }

    async fn remove(&self, id: uuid::Uuid, _existing: Option<&str>) -> Result<(), CalendarError> {
        let response =
            self.request("DELETE", &self.resource(id))?.send().await.map_err(|e| unreachable("CalDAV DELETE", &e))?;
        match response.status() {
            status if status.is_success() || status == reqwest::StatusCode::NOT_FOUND => Ok(()),
            status => Err(from_status(status, response.headers(), "CalDAV DELETE")),
        }
    }
}

/// The stored resource: one event, its UID the appointment's, and no METHOD (that belongs to email).
fn resource(event: &CalendarEvent) -> String {
    let mut calendar = Calendar::new();
    calendar.push(
        Event::new()
            .uid(&format!("{}@smsagent", event.id))
            .summary(&event.summary)
            .description(&event.description)
            .starts(event.start)
            .ends(event.end)
            .status(EventStatus::Confirmed)
            .done(),
    );
    calendar.done().to_string()
}

/// The text of every `calendar-data` element in a multistatus answer.
fn calendar_data(xml: &str) -> Result<Vec<String>, quick_xml::Error> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut found, mut inside, mut text) = (Vec::new(), false, String::new());
    loop {
        match reader.read_event()? {
            Xml::Start(e) if e.local_name().as_ref() == b"calendar-data" => {
                inside = true;
                text.clear();
            }
            Xml::Text(t) if inside => text.push_str(&t.decode().map_err(quick_xml::Error::from)?),
            Xml::GeneralRef(r) if inside => {
                // &amp; and the like, and character references.
                let name = r.decode().map_err(quick_xml::Error::from)?;
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(resolved) => text.push_str(resolved),
                    None => {
                        if let Ok(Some(c)) = r.resolve_char_ref() {
                            text.push(c);
                        }
                    }
                }
            }
            Xml::CData(t) if inside => text.push_str(&String::from_utf8_lossy(&t)),
            Xml::End(e) if e.local_name().as_ref() == b"calendar-data" => {
                inside = false;
                found.push(std::mem::take(&mut text));
            }
            Xml::Eof => return Ok(found),
            _ => {}
        }
    }
}

/// The busy times of the events in one calendar object: cancelled and transparent (free) ones left out.
fn busy_in(text: &str, zone: Tz) -> Vec<Busy> {
    let Ok(calendar) = text.parse::<Calendar>() else { return Vec::new() };
    calendar
        .components
        .iter()
        .filter_map(CalendarComponent::as_event)
        .filter(|e| e.get_status() != Some(EventStatus::Cancelled) && e.property_value("TRANSP") != Some("TRANSPARENT"))
        .filter_map(|e| {
            let starts = e.get_start()?;
            let start = instant(starts.clone(), zone)?;
            // RFC 5545 §3.6.1: without DTEND, a DURATION; without either, a date lasts the day and a time
            // an instant (which blocks nothing).
            let end = match (e.get_end(), e.property_value("DURATION").and_then(duration)) {
                (Some(end), _) => instant(end, zone)?,
                (None, Some(duration)) => start + duration,
                (None, None) if matches!(starts, DatePerhapsTime::Date(_)) => {
                    instant(DatePerhapsTime::Date(start.with_timezone(&zone).date_naive().succ_opt()?), zone)?
                }
                (None, None) => start,
            };
            (start < end).then_some(Busy { start, end })
        })
        .collect()
}

/// An iCalendar DURATION ("PT30M", "P1D", "P1DT2H", "P2W"); `None` for a negative or unreadable one.
fn duration(text: &str) -> Option<chrono::TimeDelta> {
    let rest = text.trim().strip_prefix('+').unwrap_or(text.trim()).strip_prefix('P')?;
    let (mut total, mut number, mut in_time) = (chrono::TimeDelta::zero(), String::new(), false);
    for c in rest.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' => in_time = true,
            unit => {
                let n: i64 = std::mem::take(&mut number).parse().ok()?;
                total += match (unit, in_time) {
                    ('W', false) => chrono::TimeDelta::weeks(n),
                    ('D', false) => chrono::TimeDelta::days(n),
                    ('H', true) => chrono::TimeDelta::hours(n),
                    ('M', true) => chrono::TimeDelta::minutes(n),
                    ('S', true) => chrono::TimeDelta::seconds(n),
                    _ => return None,
                };
            }
        }
    }
    number.is_empty().then_some(total)
}

/// An event's start or end in absolute time; a date alone is the start of that day in the business's zone.
fn instant(at: DatePerhapsTime, zone: Tz) -> Option<DateTime<Utc>> {
    let local = |zone: Tz, naive: chrono::NaiveDateTime| zone.from_local_datetime(&naive).earliest();
    match at {
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(at)) => Some(at),
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(naive)) => local(zone, naive).map(|t| t.to_utc()),
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid }) => {
            local(tzid.parse().unwrap_or(zone), date_time).map(|t| t.to_utc())
        }
        DatePerhapsTime::Date(date) => local(zone, NaiveDate::and_time(&date, Default::default())).map(|t| t.to_utc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multistatus_gives_the_busy_times_of_its_events_but_not_free_or_cancelled_ones() {
        let xml = r#"<?xml version='1.0' encoding='utf-8'?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/u/cal/a.ics</href>
<propstat><prop><C:calendar-data>BEGIN:VCALENDAR
VERSION:2.0
PRODID:x
BEGIN:VEVENT
UID:a
DTSTART:20261203T150000Z
DTEND:20261203T160000Z
SUMMARY:Lunch &amp; learn
END:VEVENT
BEGIN:VEVENT
UID:b
DTSTART;TZID=America/Mexico_City:20261204T090000
DTEND;TZID=America/Mexico_City:20261204T100000
END:VEVENT
BEGIN:VEVENT
UID:c
DTSTART:20261205T150000Z
DTEND:20261205T160000Z
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:d
DTSTART:20261206T150000Z
DTEND:20261206T160000Z
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:e
DTSTART;VALUE=DATE:20261207
DTEND;VALUE=DATE:20261208
END:VEVENT
BEGIN:VEVENT
UID:f
DTSTART:20261209T150000Z
DURATION:PT45M
END:VEVENT
BEGIN:VEVENT
UID:g
DTSTART;VALUE=DATE:20261210
END:VEVENT
END:VCALENDAR
</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#;
        let data = calendar_data(xml).unwrap();
        assert_eq!(data.len(), 1);
        assert!(data[0].contains("Lunch & learn"), "entities are read: {}", data[0]);
        let zone = chrono_tz::America::Mexico_City;
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            busy_in(&data[0], zone),
            [
                Busy { start: at("2026-12-03T15:00:00Z"), end: at("2026-12-03T16:00:00Z") },
                Busy { start: at("2026-12-04T15:00:00Z"), end: at("2026-12-04T16:00:00Z") },
                Busy { start: at("2026-12-07T06:00:00Z"), end: at("2026-12-08T06:00:00Z") },
                Busy { start: at("2026-12-09T15:00:00Z"), end: at("2026-12-09T15:45:00Z") },
                Busy { start: at("2026-12-10T06:00:00Z"), end: at("2026-12-11T06:00:00Z") },
            ]
        );
    }
}
