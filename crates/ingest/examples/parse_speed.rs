//! Parse-only throughput of `BlockReader` + `parse_block`, against the `csv` crate on the same
//! file (the baseline the product's speed target is phrased in).
//!
//! ```text
//! cargo run --release -p ingest --example parse_speed -- FILE.csv [ROUNDS] [ingest|csv]
//! ```
//!
//! Runs on one thread; prints the best of `ROUNDS` (default 3) for each reader. Every cell is
//! touched (lengths summed) so that no work can be optimised away, and both readers should agree
//! on the number of non-blank records and bytes of cells. With `ingest` or `csv`, only that
//! reader runs: on a busy machine, compare the CPU time of such runs (`/usr/bin/time -f %U`),
//! which other jobs disturb far less than the wall-clock figures printed here.

use std::fs::File;
use std::io::BufReader;
use std::time::{Duration, Instant};

use ingest::{BlockReader, Options, parse_block};

/// What a reader saw: (non-blank records, total bytes of cells).
type Tally = (u64, u64);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: parse_speed FILE.csv [ROUNDS]")?;
    let rounds: usize = args.next().map(|n| n.parse()).transpose()?.unwrap_or(3);
    let only = args.next();
    let size = std::fs::metadata(&path)?.len() as f64;
    if let Some(only) = only {
        let (time, tally) = match only.as_str() {
            "ingest" => best_of(rounds, || ingest_pass(&path))?,
            "csv" => best_of(rounds, || csv_pass(&path))?,
            other => return Err(format!("unknown reader {other:?}: ingest or csv").into()),
        };
        let speed = size / 1e6 / time.as_secs_f64();
        println!("{only}: {speed:7.1} MB/s {tally:?}");
        return Ok(());
    }
    let (ingest_time, ingest_tally) = best_of(rounds, || ingest_pass(&path))?;
    let (csv_time, csv_tally) = best_of(rounds, || csv_pass(&path))?;
    if ingest_tally != csv_tally {
        // Expected only when rows are not UTF-8 (ingest reports them, csv keeps the bytes).
        eprintln!("warning: readers disagree: ingest {ingest_tally:?}, csv {csv_tally:?}");
    }
    let speed = |time: Duration| size / 1e6 / time.as_secs_f64();
    println!(
        "file: {path} ({:.1} MB, {} records)",
        size / 1e6,
        csv_tally.0
    );
    println!(
        "ingest BlockReader+parse_block: {:7.1} MB/s",
        speed(ingest_time)
    );
    println!(
        "csv crate ByteRecord:           {:7.1} MB/s",
        speed(csv_time)
    );
    println!(
        "ratio ingest/csv:               {:7.2}",
        csv_time.as_secs_f64() / ingest_time.as_secs_f64()
    );
    Ok(())
}

fn best_of(
    rounds: usize,
    mut pass: impl FnMut() -> Result<Tally, Box<dyn std::error::Error>>,
) -> Result<(Duration, Tally), Box<dyn std::error::Error>> {
    let mut best = (Duration::MAX, (0, 0));
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let tally = pass()?;
        best = best.min((start.elapsed(), tally));
    }
    Ok(best)
}

fn ingest_pass(path: &str) -> Result<Tally, Box<dyn std::error::Error>> {
    let mut blocks = BlockReader::open(File::open(path)?, &Options::default())?;
    let dialect = blocks.dialect();
    let (mut records, mut bytes) = (0, 0);
    while let Some(block) = blocks.next_block()? {
        parse_block(&dialect, &block.bytes, |row| {
            if let Ok(row) = row {
                records += u64::from(!row.is_empty());
                bytes += row.cells().map(|cell| cell.len() as u64).sum::<u64>();
            }
        });
    }
    Ok((records, bytes))
}

fn csv_pass(path: &str) -> Result<Tally, Box<dyn std::error::Error>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(File::open(path)?));
    let mut record = csv::ByteRecord::new();
    let (mut records, mut bytes) = (0, 0);
    while reader.read_byte_record(&mut record)? {
        records += 1;
        bytes += record.iter().map(|cell| cell.len() as u64).sum::<u64>();
    }
    Ok((records, bytes))
}
