//! What the machine says during a run: the machine itself, CPU time per process, peak memory, and what the
//! database's backends are waiting on (sampled from `pg_stat_activity`), so each figure's limit is found by
//! looking rather than guessed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// Linux reports CPU time in ticks of 1/100 s (USER_HZ, fixed on every mainstream architecture).
const TICKS_PER_SECOND: f64 = 100.0;

/// The machine the figures come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub memory_mb: u64,
    pub cpu: String,
    pub kernel: String,
    pub postgres: String,
    /// The settings that decide what a commit costs.
    pub postgres_settings: Vec<(String, String)>,
}

impl Machine {
    pub async fn read(pool: &PgPool) -> anyhow::Result<Machine> {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kb: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0);
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".into());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default().trim().to_owned();
        let postgres: String = sqlx::query_scalar("SHOW server_version").fetch_one(pool).await?;
        let mut postgres_settings = Vec::new();
        for name in
            ["synchronous_commit", "fsync", "wal_sync_method", "shared_buffers", "max_connections", "autovacuum"]
        {
            let value: String = sqlx::query_scalar("SELECT current_setting($1)").bind(name).fetch_one(pool).await?;
            postgres_settings.push((name.to_owned(), value));
        }
        Ok(Machine {
            cores: std::thread::available_parallelism().map(usize::from).unwrap_or(1),
            memory_mb: memory_kb / 1024,
            cpu,
            kernel,
            postgres,
            postgres_settings,
        })
    }
}

/// CPU used during a run, in percent of one core (200% = both cores of a 2-core machine, all the time).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct CpuUse {
    pub service_pct: Option<f64>,
    pub postgres_pct: f64,
    pub load_generator_pct: f64,
    /// Every process on the machine.
    pub machine_pct: f64,
}

/// CPU counters at one moment.
#[derive(Debug, Clone)]
pub struct CpuClock {
    at: Instant,
    service: Option<u64>,
    postgres: u64,
    load_generator: u64,
    machine: u64,
    service_pid: Option<u32>,
}

impl CpuClock {
    pub fn start(service_pid: Option<u32>) -> CpuClock {
        CpuClock {
            at: Instant::now(),
            service: service_pid.and_then(process_ticks),
            postgres: postgres_ticks(),
            load_generator: process_ticks(std::process::id()).unwrap_or(0),
            machine: machine_ticks(),
            service_pid,
        }
    }

    pub fn stop(&self) -> CpuUse {
        let seconds = self.at.elapsed().as_secs_f64();
        let pct = |before: u64, after: u64| after.saturating_sub(before) as f64 / TICKS_PER_SECOND / seconds * 100.0;
        CpuUse {
            service_pct: self
                .service_pid
                .and_then(process_ticks)
                .zip(self.service)
                .map(|(after, before)| pct(before, after)),
            postgres_pct: pct(self.postgres, postgres_ticks()),
            load_generator_pct: pct(self.load_generator, process_ticks(std::process::id()).unwrap_or(0)),
            machine_pct: pct(self.machine, machine_ticks()),
        }
    }
}

/// utime + stime of a process, in ticks.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after its closing one.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Every Postgres process's CPU time. A backend that exits mid-run takes its share with it; the pools keep
/// theirs open, so what is measured is what the runs used.
fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(process_ticks)
        .sum()
}

/// Busy ticks of the whole machine (everything but idle and iowait), summed over cores.
fn machine_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(cpu) = stat.lines().next() else { return 0 };
    let values: Vec<u64> = cpu.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal
    values.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, v)| v).sum()
}

/// The most memory a process ever held (VmHWM), in MB.
pub fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.split_whitespace().next()?.parse().ok()?;
    Some(kb / 1024.0)
}

/// What the database's busy backends were doing, as a share of samples.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Wait {
    /// `CPU` (running, waiting on nothing), or the wait event (`IO:WALSync`, `LWLock:WALWrite`, `Lock:tuple`…).
    pub event: String,
    pub share_pct: f64,
}

/// Samples `pg_stat_activity` every 10 ms until stopped.
#[derive(Debug)]
pub struct WaitSampler {
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<HashMap<String, u64>>,
}

impl WaitSampler {
    pub fn start(pool: PgPool) -> WaitSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let task = tokio::spawn(async move {
            let mut counts = HashMap::new();
            let Ok(mut connection) = pool.acquire().await else { return counts };
            while !stopped.load(Ordering::SeqCst) {
                let events: Vec<String> = sqlx::query_scalar(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
                     WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
                )
                .fetch_all(&mut *connection)
                .await
                .unwrap_or_default();
                for event in events {
                    *counts.entry(event).or_default() += 1;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            counts
        });
        WaitSampler { stop, task }
    }

    /// The five commonest states of busy backends.
    pub async fn stop(self) -> Vec<Wait> {
        self.stop.store(true, Ordering::SeqCst);
        let counts = self.task.await.unwrap_or_default();
        let total: u64 = counts.values().sum();
        let mut waits: Vec<Wait> = counts
            .into_iter()
            .map(|(event, n)| Wait { event, share_pct: n as f64 * 100.0 / total.max(1) as f64 })
            .collect();
        waits.sort_by(|a, b| b.share_pct.total_cmp(&a.share_pct));
        waits.truncate(5);
        waits
    }
}
