//! Measures validation throughput against bare CSV parsing, on generated data.
//!
//! `cargo run --release -p tableschema --example throughput -- [rows] [threads]`
//! writes `rows` rows of a SCDL-like table in memory, then times: parsing only (csv crate),
//! parsing + validation on one thread, and validation on `threads` record-aligned chunks.

use std::time::Instant;

use serde_json::json;
use tableschema::{Options, Plan, Schema};

fn schema() -> Schema {
    let mut descriptor = json!({
        "fields": [
            {"name": "id", "type": "integer", "constraints": {"required": true, "unique": true}},
            {"name": "siret", "constraints": {"required": true, "pattern": "^[0-9]{14}$"}},
            {"name": "nom", "constraints": {"required": true, "maxLength": 200}},
            {"name": "date", "type": "date", "constraints": {"required": true}},
            {"name": "montant", "type": "number", "constraints": {"minimum": 0}},
            {"name": "nature", "constraints": {"enum": ["aide en numéraire", "aide en nature"]}},
            {"name": "annee", "type": "year"},
            {"name": "actif", "type": "boolean"},
            {"name": "courriel", "format": "email"},
            {"name": "quantite", "type": "integer"}
        ]
    });
    // THROUGHPUT_PLAIN=1 drops formats and constraints, to see what casting alone costs.
    if std::env::var_os("THROUGHPUT_PLAIN").is_some() {
        for field in descriptor["fields"].as_array_mut().expect("fields") {
            let object = field.as_object_mut().expect("field");
            object.remove("constraints");
            object.remove("format");
        }
    }
    // THROUGHPUT_DROP=unique,pattern,format... drops some constraints (or formats).
    if let Ok(dropped) = std::env::var("THROUGHPUT_DROP") {
        for field in descriptor["fields"].as_array_mut().expect("fields") {
            let object = field.as_object_mut().expect("field");
            for key in dropped.split(',') {
                object.remove(key);
                if let Some(constraints) = object
                    .get_mut("constraints")
                    .and_then(|value| value.as_object_mut())
                {
                    constraints.remove(key);
                }
            }
        }
    }
    Schema::from_json(&descriptor).expect("schema").0
}

fn generate(rows: usize) -> Vec<u8> {
    let mut text = String::from("id,siret,nom,date,montant,nature,annee,actif,courriel,quantite\n");
    for index in 0..rows {
        let nature = if index % 3 == 0 {
            "aide en nature"
        } else {
            "aide en numéraire"
        };
        let amount = if index % 1000 == 7 {
            "12,5".to_owned()
        } else {
            format!("{}.{}", index % 100_000, index % 100)
        };
        text.push_str(&format!(
            "{index},{:014},Association numéro {index},2024-{:02}-{:02},\"{amount}\",{nature},2024,{},contact{index}@exemple.fr,{}\n",
            21_000_000_000_000u64 + index as u64,
            index % 12 + 1,
            index % 28 + 1,
            if index % 2 == 0 { "true" } else { "false" },
            index % 50
        ));
    }
    text.into_bytes()
}

/// CPU time used by the calling thread so far (Linux; zero elsewhere), which is what the
/// throughput targets are about on a machine shared with other work.
fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|value| value.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the file, 12 and 13 after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let threads: usize = args
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(2);
    let data = generate(rows);
    let schema = schema();
    // THROUGHPUT_WRITE=file.csv also writes the data, to time other validators on it.
    if let Some(path) = std::env::var_os("THROUGHPUT_WRITE") {
        std::fs::write(path, &data).expect("write data");
    }
    println!("{rows} rows, {:.1} MB", data.len() as f64 / 1e6);

    let cpu = thread_cpu_seconds();
    let start = Instant::now();
    let mut reader = csv::ReaderBuilder::new().from_reader(data.as_slice());
    let mut record = csv::StringRecord::new();
    let mut count = 0u64;
    while reader.read_record(&mut record).expect("csv") {
        count += record.len() as u64;
    }
    let parse = start.elapsed();
    let parse_cpu = thread_cpu_seconds() - cpu;
    println!("parse only:        {parse:?}, cpu {parse_cpu:.2} s ({count} cells)");
    let cpu = thread_cpu_seconds();

    let start = Instant::now();
    let mut reader = csv::ReaderBuilder::new().from_reader(data.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let labels: Vec<&str> = header.iter().map(String::as_str).collect();
    let (plan, header_errors) = Plan::new(&schema, &labels, &Options::default());
    let mut part = plan.new_part();
    let mut row_number = 1;
    while reader.read_record(&mut record).expect("csv") {
        row_number += 1;
        let cells: Vec<&str> = record.iter().collect();
        plan.check_row(&mut part, row_number, &cells);
    }
    let report = plan.finish(header_errors.clone(), [(0, part)]);
    let serial = start.elapsed();
    let serial_cpu = thread_cpu_seconds() - cpu;
    println!(
        "parse + validate cpu {serial_cpu:.2} s: {:.0} rows/s of cpu, {:.2}x parse",
        rows as f64 / serial_cpu,
        serial_cpu / parse_cpu
    );
    println!(
        "parse + validate:  {serial:?} ({} errors, {:.0} rows/s, {:.2}x parse)",
        report.errors.len(),
        rows as f64 / serial.as_secs_f64(),
        serial.as_secs_f64() / parse.as_secs_f64()
    );

    // Record-aligned chunks: split after a newline (the generated data has no quoted newlines).
    let body_start = data
        .iter()
        .position(|byte| *byte == b'\n')
        .expect("header line")
        + 1;
    let body = &data[body_start..];
    let mut bounds = vec![0];
    for index in 1..threads {
        let target = body.len() * index / threads;
        let cut = body[target..]
            .iter()
            .position(|byte| *byte == b'\n')
            .map_or(body.len(), |offset| target + offset + 1);
        bounds.push(cut);
    }
    bounds.push(body.len());
    let start = Instant::now();
    let parts: Vec<(u64, tableschema::Part)> = std::thread::scope(|scope| {
        let handles: Vec<_> = bounds
            .windows(2)
            .map(|window| {
                let chunk = &body[window[0]..window[1]];
                let plan = &plan;
                scope.spawn(move || {
                    let mut reader = csv::ReaderBuilder::new()
                        .has_headers(false)
                        .from_reader(chunk);
                    let mut record = csv::StringRecord::new();
                    let mut part = plan.new_part();
                    let mut local = 0;
                    while reader.read_record(&mut record).expect("csv") {
                        local += 1;
                        let cells: Vec<&str> = record.iter().collect();
                        plan.check_row(&mut part, local, &cells);
                    }
                    part
                })
            })
            .collect();
        let mut offset = 1;
        handles
            .into_iter()
            .map(|handle| {
                let part = handle.join().expect("thread");
                let entry = (offset, part);
                offset += entry.1.rows();
                entry
            })
            .collect()
    });
    let chunked = plan.finish(header_errors, parts);
    let parallel = start.elapsed();
    assert_eq!(
        chunked, report,
        "chunked report differs from the serial one"
    );
    println!(
        "{threads} threads:         {parallel:?} ({:.0} rows/s)",
        rows as f64 / parallel.as_secs_f64()
    );
}
