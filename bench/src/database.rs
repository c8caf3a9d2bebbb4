//! The benchmark's database: made fresh, emptied between runs, seeded with history, and counted after each
//! run to prove nothing was lost or duplicated.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

use crate::service::POOL_SIZE;

#[derive(Debug, Clone)]
pub struct BenchDatabase {
    pub url: String,
    /// For setting up, counting and sampling.
    pub pool: PgPool,
    /// For the database-limit runs: the size of the service's pool, so the two compare fairly.
    pub work_pool: PgPool,
}

/// What the tables hold after a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub inbound: i64,
    pub outbound: i64,
    pub jobs: i64,
    /// Inbound texts no outbound text replies to.
    pub unanswered: i64,
    /// Inbound texts more than one outbound text replies to.
    pub answered_twice: i64,
}

impl BenchDatabase {
    /// Drops and recreates `name` on the server `admin_url` points at, and applies the migrations.
    pub async fn create(admin_url: &str, name: &str) -> anyhow::Result<BenchDatabase> {
        anyhow::ensure!(
            !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "the database name must be lower-case letters, digits and underscores"
        );
        let mut admin = PgConnection::connect(admin_url).await.context("connecting to Postgres")?;
        // Identifiers cannot be bound; the name was checked above.
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
            .execute(&mut admin)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
        let url = replace_database(admin_url, name)?;
        let pool = PgPoolOptions::new().max_connections(4).connect(&url).await?;
        let work_pool = PgPoolOptions::new().max_connections(POOL_SIZE).connect(&url).await?;
        smsagent_store::MIGRATOR.run(&pool).await?;
        Ok(BenchDatabase { url, pool, work_pool })
    }

    /// A migrated database someone else made (the smoke test's).
    pub fn existing(pool: PgPool) -> BenchDatabase {
        BenchDatabase { url: "postgres://in-process".into(), work_pool: pool.clone(), pool }
    }

    /// Empties everything a run writes; assistants and numbers stay.
    pub async fn empty(&self) -> anyhow::Result<()> {
        sqlx::query(
            "TRUNCATE sms_status_event, consent_event, message_media, sms_messages, form_submission, form_session, id_upload, job, opt_out, email_outbox, booking_dialogue, appointment, handoff, conversation, knowledge_passage, knowledge_document",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Makes every assistant a general one that answers each text with the model: no form, no greeting, so
    /// every text costs exactly one model call.
    pub async fn model_answers_everything(&self) -> anyhow::Result<()> {
        sqlx::query("UPDATE assistant SET form = NULL, first_sms = ''").execute(&self.pool).await?;
        Ok(())
    }

    /// The assistant collects the tenant form again, greeting first (the cost run).
    pub async fn form_assistant(&self) -> anyhow::Result<()> {
        let form = serde_json::to_value(smsagent_domain::form::Form::tenant_screening())?;
        sqlx::query("UPDATE assistant SET form = $1, first_sms = $2")
            .bind(form)
            .bind(smsagent_server::bootstrap::DEFAULT_FIRST_SMS)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Gives the default tenant's assistant booking settings (every day, 5-minute slots, 60 days offered, no
    /// reminders) and `appointments` appointments from tomorrow on, one every 10 minutes (every other slot
    /// taken). Returns the assistant's id.
    pub async fn booking_assistant(&self, appointments: u64) -> anyhow::Result<uuid::Uuid> {
        let tenant = smsagent_store::tenants::DEFAULT_TENANT;
        let assistant: uuid::Uuid =
            sqlx::query_scalar("SELECT id FROM assistant WHERE tenant_id = $1 ORDER BY created_at LIMIT 1")
                .bind(tenant)
                .fetch_one(&self.pool)
                .await?;
        let day = serde_json::json!(["00:00", "23:55"]);
        let hours = serde_json::json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day,
                                       "friday": day, "saturday": day, "sunday": day});
        let settings = serde_json::json!({"time_zone": "Etc/UTC", "hours": hours, "slot_minutes": 5,
                                          "days_ahead": 60, "reminder_hours": 0});
        smsagent_store::booking_settings::set(&self.pool, tenant, assistant, &settings).await?;
        sqlx::query(
            "INSERT INTO appointment (id, tenant_id, assistant_id, calendar, contact_number, name, starts_at, ends_at,
                                      blocked_until)
             SELECT gen_random_uuid(), $1, $2, 'builtin:' || $2::text, '+1444' || lpad(i::text, 7, '0'), 'Seeded ' || i,
                    at, at + interval '5 minutes', at + interval '5 minutes'
             FROM generate_series(0, $3 - 1) i,
                  LATERAL (SELECT date_trunc('day', now()) + interval '1 day' + i * interval '10 minutes' AS at) t",
        )
        .bind(tenant)
        .bind(assistant)
        .bind(i64::try_from(appointments)?)
        .execute(&self.pool)
        .await?;
        Ok(assistant)
    }

    /// `passages` passages in the default tenant's knowledge base, in 100 documents, a tenth of them in
    /// Spanish, their words drawn from a clinic's vocabulary so that questions meet some of them.
    pub async fn seed_knowledge(&self, passages: u64) -> anyhow::Result<()> {
        let tenant = smsagent_store::tenants::DEFAULT_TENANT;
        sqlx::query(
            "INSERT INTO knowledge_document (id, tenant_id, title, media_type, language, size_bytes, sha256)
             SELECT ('00000000-0000-0000-0000-' || lpad(d::text, 12, '0'))::uuid, $1, 'Document ' || d, 'text/plain',
                    CASE WHEN d % 10 = 0 THEN 'es' ELSE 'en' END, 1000, md5(d::text)
             FROM generate_series(0, 99) d",
        )
        .bind(tenant)
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "INSERT INTO knowledge_passage (id, document_id, tenant_id, position, heading, body, config)
             SELECT gen_random_uuid(), ('00000000-0000-0000-0000-' || lpad((i % 100)::text, 12, '0'))::uuid, $1,
                    i / 100, 'Section ' || (i % 37),
                    CASE WHEN i % 10 = 0 THEN
                      (ARRAY['Una limpieza dental cuesta', 'El blanqueamiento dura', 'Aceptamos seguros de',
                             'Abrimos los sábados a las'])[1 + i % 4] || ' ' || (i % 500) || ' pesos. ' ||
                      (ARRAY['La clínica está en el centro.', 'Hay estacionamiento gratis.',
                             'Las citas se confirman por mensaje.'])[1 + i % 3]
                    ELSE
                      (ARRAY['A cleaning costs', 'Whitening takes', 'We accept insurance from',
                             'Our opening hours on Saturday are', 'Fillings start at', 'Parking is free for'])[1 + i % 6]
                      || ' ' || (i % 500) || ' dollars. ' ||
                      (ARRAY['Call us to book.', 'Bring your insurance card.', 'We see emergencies the same day.',
                             'Payment plans are available.'])[1 + i % 4]
                    END,
                    (CASE WHEN i % 10 = 0 THEN 'spanish' ELSE 'english' END)::regconfig
             FROM generate_series(0, $2 - 1) i",
        )
        .bind(tenant)
        .bind(i64::try_from(passages)?)
        .execute(&self.pool)
        .await?;
        sqlx::query("ANALYZE knowledge_passage").execute(&self.pool).await?;
        Ok(())
    }

    /// Every conversation's messages, each conversation in order.
    pub async fn conversations_in_order(&self) -> anyhow::Result<Vec<Vec<crate::scenarios::cost::Said>>> {
        let rows: Vec<(uuid::Uuid, String, String, Option<i32>)> = sqlx::query_as(
            "SELECT conversation_id, direction, body, num_segments FROM sms_messages ORDER BY conversation_id, created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut conversations: Vec<(uuid::Uuid, Vec<crate::scenarios::cost::Said>)> = Vec::new();
        for (conversation, direction, body, segments) in rows {
            let said = crate::scenarios::cost::Said {
                inbound: direction == "inbound",
                body,
                segments: u64::try_from(segments.unwrap_or(1)).unwrap_or(1),
            };
            match conversations.last_mut() {
                Some((id, messages)) if *id == conversation => messages.push(said),
                _ => conversations.push((conversation, vec![said])),
            }
        }
        Ok(conversations.into_iter().map(|(_, messages)| messages).collect())
    }

    /// A count the caller writes the query for.
    pub async fn count(&self, sql: &'static str) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

    /// A checkpoint, so a run does not pay for the one before. (No ANALYZE: statistics that say "empty"
    /// make Postgres cache sequential-scan plans that a run outgrows within seconds, which no real
    /// deployment sees; emptied tables keep "unknown" statistics, as a new deployment's have.)
    pub async fn checkpoint(&self) -> anyhow::Result<()> {
        // Needs superuser or pg_checkpoint; without it the run just shares the disk with a checkpoint.
        let _ = sqlx::query("CHECKPOINT").execute(&self.pool).await;
        Ok(())
    }

    /// The database's clock, to count what a run wrote from.
    pub async fn now(&self) -> anyhow::Result<String> {
        Ok(sqlx::query_scalar("SELECT clock_timestamp()::text").fetch_one(&self.pool).await?)
    }

    /// What the messages written since `since` (a [`BenchDatabase::now`]) add up to, and the queue.
    pub async fn counts(&self, since: &str) -> anyhow::Result<Counts> {
        let mut tx = self.pool.begin().await?;
        // With a million rows of analysed history, the planner expects almost nothing to be newer than
        // `since` and would match replies to texts by nested loops: minutes for a run's tens of thousands.
        sqlx::query("SET LOCAL enable_nestloop = off").execute(&mut *tx).await?;
        let (inbound, outbound, jobs, unanswered, answered_twice) = sqlx::query_as(
            "WITH run AS (SELECT id, direction, reply_to_message_id FROM sms_messages WHERE created_at >= $1::timestamptz)
             SELECT
               (SELECT count(*) FROM run WHERE direction = 'inbound'),
               (SELECT count(*) FROM run WHERE direction = 'outbound'),
               (SELECT count(*) FROM job),
               (SELECT count(*) FROM run i WHERE i.direction = 'inbound'
                  AND NOT EXISTS (SELECT 1 FROM run o WHERE o.reply_to_message_id = i.id)),
               (SELECT count(*) FROM (SELECT reply_to_message_id FROM run
                  WHERE direction = 'outbound' AND reply_to_message_id IS NOT NULL
                  GROUP BY reply_to_message_id HAVING count(*) > 1) twice)",
        )
        .bind(since)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Counts { inbound, outbound, jobs, unanswered, answered_twice })
    }

    /// Drops queued work a run left (acknowledgement runs queue replies nobody sends). Truncated rather
    /// than deleted: where autovacuum is off (as on the machine these figures come from), deleted rows would
    /// stay for the next run to step over.
    pub async fn clear_queue(&self) -> anyhow::Result<()> {
        sqlx::query("TRUNCATE job").execute(&self.pool).await?;
        Ok(())
    }

    /// Waits until the queue is empty (every reply sent and recorded), for `patience` at most.
    pub async fn wait_for_empty_queue(&self, patience: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM job").fetch_one(&self.pool).await?;
            if queued == 0 {
                return Ok(());
            }
            anyhow::ensure!(tokio::time::Instant::now() < deadline, "{queued} jobs still queued");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `rows` messages of history, as a service in use for three months would hold: conversations of 50
    /// texts, in and out alternately, with the statuses and sizes real ones have. Ids are time-ordered
    /// (UUIDv7) as the service's own are.
    pub async fn seed_history(&self, rows: u64, business: &str) -> anyhow::Result<()> {
        let conversations = rows.div_ceil(50).max(1);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversation (id, business_number, contact_number, assistant_id, started_at,
                                       last_message_at, inbound_count, answered_count)
             SELECT gen_random_uuid(), $1, '+1444' || lpad(g::text, 11, '0'), (SELECT id FROM assistant LIMIT 1),
                    now() - interval '90 days' + g * interval '1 second', now() - interval '1 day', 25, 25
             FROM generate_series(1, $2::bigint) g",
        )
        .bind(business)
        .bind(i64::try_from(conversations)?)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "WITH c AS (SELECT id, contact_number, started_at, row_number() OVER (ORDER BY started_at) AS n
                        FROM conversation WHERE contact_number LIKE '+1444%'),
                  m AS (SELECT c.id AS conversation_id, c.contact_number, k,
                               c.started_at + k * interval '37 minutes' AS at
                        FROM c CROSS JOIN generate_series(0, 49) k
                        WHERE (c.n - 1) * 50 + k < $2)
             INSERT INTO sms_messages (id, provider, message_sid, conversation_id, direction, to_number,
                                       from_number, body, status, num_segments, encoding, purpose,
                                       created_at, updated_at, date_created)
             SELECT (lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') || '7'
                     || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid,
                    'twilio', 'SM' || md5(conversation_id::text || k), conversation_id,
                    CASE WHEN k % 2 = 0 THEN 'inbound' ELSE 'outbound' END,
                    CASE WHEN k % 2 = 0 THEN $1 ELSE contact_number END,
                    CASE WHEN k % 2 = 0 THEN contact_number ELSE $1 END,
                    CASE WHEN k % 2 = 0 THEN 'Hi, is the two-bedroom on Elm Street still available?'
                         ELSE 'Yes, it is! Would you like to book a viewing this week?' END,
                    CASE WHEN k % 2 = 0 THEN 'received' WHEN k % 23 = 1 THEN 'undelivered' ELSE 'delivered' END,
                    1, 'gsm7', CASE WHEN k % 2 = 0 THEN NULL ELSE 'reply' END, at, at, at
             FROM m",
        )
        .bind(business)
        .bind(i64::try_from(rows)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        // What autovacuum would have done long since in a service with this much history.
        sqlx::query("VACUUM ANALYZE").execute(&self.pool).await?;
        self.checkpoint().await
    }
}

/// `url` with its database name replaced.
fn replace_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut parsed = url::Url::parse(url).context("DATABASE_URL is not a URL")?;
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}
