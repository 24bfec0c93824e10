//! Several `socle serve` processes on one PostgreSQL database and one data directory: what
//! one publishes the other serves at once, and background jobs run exactly once, surviving
//! the death of the server running them (another takes the job over when its lease runs out).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::success_stdout;

/// Short, so that a dead server's job is taken over within the test's time.
const LEASE_SECS: &str = "3";

/// A data directory on a PostgreSQL schema of its own, prepared for publishing: an
/// organisation, a dataset with one resource (id 1), and an instance administrator's token.
struct Instance {
    dir: tempfile::TempDir,
    database: store::conformance::TestDatabase,
    token: String,
}

impl Instance {
    /// `None` (after a loud warning) when PostgreSQL is unreachable outside CI.
    fn create() -> Option<Instance> {
        let database = store::conformance::TestDatabase::create()?;
        let instance = Instance {
            dir: tempfile::tempdir().unwrap(),
            database,
            token: String::new(),
        };
        instance.ok(&[
            "org",
            "add",
            "--siren",
            "213401722",
            "--name",
            "Ville de Montpellier",
            "--kind",
            "commune",
        ]);
        instance.ok(&[
            "dataset",
            "create",
            "essais",
            "--title",
            "Essais",
            "--org",
            "213401722",
        ]);
        let first = instance.file("premier.csv", &table(0, 3));
        instance.ok(&["publish", &first, "--dataset", "essais"]);
        instance.ok(&["user", "add", "admin@exemple.fr", "--admin"]);
        let token = instance.ok(&["token", "create", "--user", "admin@exemple.fr"]);
        Some(Instance {
            token: token.trim().to_owned(),
            ..instance
        })
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_socle"));
        command
            .arg("--data")
            .arg(self.data())
            .args(["--database-url", &self.database.url]);
        command
    }

    fn ok(&self, args: &[&str]) -> String {
        success_stdout(args, &self.command().args(args).output().unwrap())
    }

    fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// Starts `socle serve` on a free loopback port and waits until it listens.
    fn serve(&self) -> Server {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("SOCLE_JOB_LEASE_SECS", LEASE_SECS)
            .env("SOCLE_RATE_LIMIT_PER_ADDRESS", "0")
            .env("SOCLE_RATE_LIMIT_PER_TOKEN", "0")
            .env("SOCLE_LOG", "warn")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let address = loop {
            let line = lines
                .next()
                .expect("the server says where it listens")
                .unwrap();
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        };
        // Keep reading its log so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server {
            child,
            address,
            token: self.token.clone(),
        }
    }
}

/// A running `socle serve`, killed when dropped.
struct Server {
    child: Child,
    address: String,
    token: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body.
struct Answer {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Answer {
    /// The answer, after checking its status.
    fn expect(self, status: u16) -> Answer {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "{} : {error} : {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl Server {
    /// One HTTP/1.1 request on a fresh connection, the body streamed from `body`.
    fn request(&self, method: &str, target: &str, body: Option<&Path>) -> Answer {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let length = body.map_or(0, |path| std::fs::metadata(path).unwrap().len());
        write!(
            stream,
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
            self.address, self.token
        )
        .unwrap();
        if let Some(path) = body {
            std::io::copy(&mut std::fs::File::open(path).unwrap(), &mut stream).unwrap();
        }
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|window| window == b"\r\n\r\n")
            .expect("an HTTP answer");
        let headers = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status = headers[9..12].parse().unwrap();
        let mut body = raw[split + 4..].to_vec();
        if headers.contains("transfer-encoding: chunked") {
            body = unchunk(&body);
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    fn get(&self, target: &str) -> Answer {
        self.request("GET", target, None)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn unchunk(mut chunked: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let end = chunked.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&chunked[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&chunked[end + 2..end + 2 + size]);
        chunked = &chunked[end + 2 + size + 2..];
    }
}

/// A CSV of `rows` rows whose values start at `first` (different `first`, different bytes).
fn table(first: u64, rows: u64) -> String {
    let mut text = String::from("code;libelle;montant;date\n");
    for n in first..first + rows {
        text.push_str(&format!(
            "C{n:08};Subvention numéro {n} à l'association;{}.{:02};2024-{:02}-{:02}\n",
            n % 100_000,
            n % 100,
            n % 12 + 1,
            n % 28 + 1
        ));
    }
    text
}

/// Polls a job through `server` until `done` says so (or panics after `within`).
fn wait_for_job(
    server: &Server,
    job: i64,
    within: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let status = server
            .get(&format!("/api/v1/jobs/{job}"))
            .expect(200)
            .json();
        if done(&status) {
            return status;
        }
        assert!(start.elapsed() < within, "job {job} stuck: {status}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn versions_of_resource(server: &Server) -> Vec<Value> {
    let answer = server.get("/api/v1/resources/1/versions").expect(200);
    answer.json().as_array().unwrap().clone()
}

/// Publishes `path` in the background through `server`; returns the job's id.
fn publish_in_background(server: &Server, path: &Path) -> i64 {
    let name = path.file_name().unwrap().to_string_lossy();
    let answer = server
        .request(
            "POST",
            &format!("/api/v1/resources/1/versions?async=true&filename={name}"),
            Some(path),
        )
        .expect(202);
    let job = answer.json();
    let id = job["id"].as_i64().unwrap();
    assert!(
        answer
            .headers
            .contains(&format!("location: /api/v1/jobs/{id}")),
        "{}",
        answer.headers
    );
    assert_eq!(job["kind"], "publish");
    id
}

#[test]
fn two_servers_share_one_database() {
    let Some(instance) = Instance::create() else {
        return;
    };
    let mut servers = vec![instance.serve(), instance.serve()];
    let (a, b) = (&servers[0], &servers[1]);

    // (a) What A publishes, B serves at once: catalogue, version, original file, export.
    let small = instance.file("second.csv", &table(100, 5));
    let published = a
        .request(
            "POST",
            "/api/v1/resources/1/versions?filename=second.csv",
            Some(Path::new(&small)),
        )
        .expect(201);
    let version = published.json()["version"]["id"].as_i64().unwrap();
    let shown = b.get(&format!("/api/v1/versions/{version}")).expect(200);
    assert_eq!(shown.json()["status"], "published");
    assert_eq!(versions_of_resource(b)[0]["id"], version);
    let catalogue = b.get("/api/v1/datasets").json().to_string();
    assert!(catalogue.contains("essais"), "{catalogue}");
    let original = b
        .get(&format!("/api/v1/versions/{version}/original"))
        .expect(200);
    assert_eq!(original.body, std::fs::read(&small).unwrap());
    let export = b.get("/api/v1/resources/1/exports/csv").expect(200);
    let exported = String::from_utf8_lossy(&export.body).into_owned();
    assert!(
        exported.contains("C00000104") && !exported.contains("C00000002"),
        "the live version is A's: {exported}"
    );

    // (c) Jobs sent to both servers each run once.
    let before = versions_of_resource(b).len();
    let jobs: Vec<i64> = (0..6)
        .map(|n| {
            let path = instance.file(&format!("lot-{n}.csv"), &table(1_000 * (n + 1), 20));
            let through = if n % 2 == 0 { a } else { b };
            publish_in_background(through, Path::new(&path))
        })
        .collect();
    for job in &jobs {
        let status = wait_for_job(a, *job, Duration::from_secs(30), |s| s["state"] == "done");
        assert_eq!(status["attempts"], 1, "{status}");
        assert_eq!(status["publication"]["outcome"], "published", "{status}");
    }
    assert_eq!(versions_of_resource(a).len(), before + jobs.len());

    // (b) A large publication; the server running it dies; the other finishes it, once.
    let large = instance.file("grand.csv", &table(1_000_000, 400_000));
    let before = versions_of_resource(a).len();
    let job = publish_in_background(a, Path::new(&large));
    let running = wait_for_job(a, job, Duration::from_secs(20), |s| {
        s["state"] == "running" && s["worker"].is_string()
    });
    let worker = running["worker"].as_str().unwrap().to_owned();
    let victim = servers
        .iter()
        .position(|server| worker == format!("pid {}", server.pid()))
        .unwrap_or_else(|| panic!("the worker is one of the servers: {running}"));
    let mut dead = servers.remove(victim);
    dead.child.kill().unwrap();
    dead.child.wait().unwrap();
    let survivor = &servers[0];
    let done = wait_for_job(survivor, job, Duration::from_secs(45), |s| {
        s["state"] == "done" || s["state"] == "failed"
    });
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(done["attempts"], 2, "{done}");
    assert_eq!(done["publication"]["outcome"], "published", "{done}");
    assert_ne!(done["worker"].as_str(), Some(worker.as_str()), "{done}");
    assert_eq!(done["rows_read"], 400_000, "{done}");
    let versions = versions_of_resource(survivor);
    assert_eq!(
        versions.len(),
        before + 1,
        "exactly one version: {versions:?}"
    );
    assert_eq!(versions[0]["filename"], "grand.csv");
}
