//! `smsagent-bench`: runs the benchmarks against the release binary and writes the results (markdown and
//! JSON). `scripts/bench` builds both and finds Postgres first.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.binary.exists(),
        "{} does not exist: cargo build --release -p smsagent-server",
        args.binary.display()
    );
    let plan = if args.smoke { Plan::smoke() } else { Plan::full(Duration::from_secs(args.seconds)) };
    let db = BenchDatabase::create(&args.database_url, &args.database_name).await?;
    let report =
        smsagent_bench::run(&plan, Launch::Binary(args.binary.canonicalize()?), db, |line| eprintln!("{line}")).await?;

    std::fs::create_dir_all(&args.out)?;
    let markdown = report.markdown();
    std::fs::write(args.out.join("latest.md"), &markdown).context("writing latest.md")?;
    std::fs::write(args.out.join("latest.json"), serde_json::to_string_pretty(&report)?)
        .context("writing latest.json")?;
    std::io::stdout().write_all(markdown.as_bytes())?;
    let invalid = report.runs.iter().filter(|r| !r.check.valid).count();
    anyhow::ensure!(invalid == 0, "{invalid} runs lost or duplicated work: see their checks");
    Ok(())
}
