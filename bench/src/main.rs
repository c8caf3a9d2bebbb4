//! `smsagent-bench`: runs the benchmarks against the release binary and writes the results (markdown and
//! JSON). `scripts/bench` builds both and finds Postgres first.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use smsagent_bench::plan::{EndToEnd, Parts};
use smsagent_bench::{BenchDatabase, Launch, Plan};

#[derive(Debug, Parser)]
#[command(
    name = "smsagent-bench",
    about = "Throughput, latency and memory of smsagent, beside the database's own limit"
)]
struct Args {
    /// The `smsagent` binary to measure (build it with --release).
    #[arg(long, default_value = "target/release/smsagent")]
    binary: PathBuf,
    /// A Postgres server to create the benchmark database on (any database on it; superuser for CHECKPOINT).
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The database to (re)create for the benchmark.
    #[arg(long, default_value = "smsagent_bench")]
    database_name: String,
    /// Seconds per timed run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// A few seconds of everything, to check the harness and the counts.
    #[arg(long)]
    smoke: bool,
    /// Where the results go: latest.md and latest.json.
    #[arg(long, default_value = "bench/results")]
    out: PathBuf,
    /// Only these parts, for a closer look: ack (the database's limit and the Twilio webhook), event-grid,
    /// e2e, scale, cost, booking, knowledge.
    #[arg(long, value_delimiter = ',')]
    only: Vec<Part>,
    /// Clients for the acknowledgement runs, instead of the plan's.
    #[arg(long, value_delimiter = ',')]
    clients: Vec<usize>,
    /// End-to-end runs as CLIENTS:MODEL_DELAY_MS, instead of the plan's.
    #[arg(long, value_delimiter = ',', value_parser = end_to_end)]
    e2e: Vec<EndToEnd>,
    /// Keep the service's log here instead of discarding it.
    #[arg(long)]
    server_log: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    Ack,
    EventGrid,
    E2e,
    Scale,
    Cost,
    Booking,
    Knowledge,
}

fn end_to_end(value: &str) -> Result<EndToEnd, String> {
    let (clients, delay) = value.split_once(':').ok_or("expected CLIENTS:MODEL_DELAY_MS")?;
    Ok(EndToEnd {
        clients: clients.parse().map_err(|e| format!("clients: {e}"))?,
        model_delay: Duration::from_millis(delay.parse().map_err(|e| format!("delay: {e}"))?),
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.binary.exists(),
        "{} does not exist: cargo build --release -p smsagent-server",
        args.binary.display()
    );
    let mut plan = if args.smoke { Plan::smoke() } else { Plan::full(Duration::from_secs(args.seconds)) };
    if !args.only.is_empty() {
        plan.parts = Parts {
            acknowledgement: args.only.contains(&Part::Ack),
            event_grid: args.only.contains(&Part::EventGrid),
            end_to_end: args.only.contains(&Part::E2e),
            scale: args.only.contains(&Part::Scale),
            cost: args.only.contains(&Part::Cost),
            booking: args.only.contains(&Part::Booking),
            knowledge: args.only.contains(&Part::Knowledge),
        };
    }
    if !args.clients.is_empty() {
        plan.concurrencies = args.clients.clone();
    }
    if !args.e2e.is_empty() {
        plan.end_to_end = args.e2e.clone();
    }
    let db = BenchDatabase::create(&args.database_url, &args.database_name).await?;
    let report = smsagent_bench::run(
        &plan,
        Launch::Binary { binary: args.binary.canonicalize()?, log: args.server_log.clone() },
        db,
        |line| eprintln!("{line}"),
    )
    .await?;

    std::fs::create_dir_all(&args.out)?;
    let markdown = report.markdown();
    std::fs::write(args.out.join("latest.md"), &markdown).context("writing latest.md")?;
    std::fs::write(args.out.join("latest.json"), serde_json::to_string_pretty(&report)?)
        .context("writing latest.json")?;
    std::io::stdout().write_all(markdown.as_bytes())?;
    let invalid = report.runs.iter().filter(|r| !r.check.valid).count()
        + report.costs.iter().filter(|c| !c.valid).count()
        + report.booking.iter().filter(|b| !b.valid).count()
        + report.knowledge.iter().filter(|k| !k.valid).count();
    anyhow::ensure!(invalid == 0, "{invalid} runs lost or duplicated work: see their checks");
    Ok(())
}
