//! Blobs on S3-compatible object storage, through `object_store`.
//!
//! The store's API is synchronous (the server calls it on tokio's blocking pool, the CLI has no
//! runtime at all) while `object_store` is async. The bridge is a small runtime owned by the blob
//! store ([`Bridge`]): every request is spawned onto it and the calling thread waits on a plain
//! channel for the answer. Unlike `Handle::block_on` or `Runtime::block_on`, this never panics
//! whatever thread calls it (an async worker of another runtime included) and never depends on
//! the caller's runtime, and the runtime is shut down without blocking when the store is dropped
//! (dropping a runtime inside an async context would panic).

use std::fmt;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::path::Path as FsPath;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use model::Sha256;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, WriteMultipart};
use tokio::io::AsyncReadExt;

use crate::error::{Error, Result, io_context};

/// Blobs up to this size are uploaded in one request; larger ones as a multipart upload of parts
/// of this size (S3 wants at least 5 MiB per part but the last).
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Parts uploaded at once: memory stays under `(PARTS_IN_FLIGHT + 1) * PART_SIZE` per upload.
const PARTS_IN_FLIGHT: usize = 2;

/// Where and how to reach the bucket (`blob_store = "s3://bucket/prefix"` and the `s3_*`
/// settings; unset credentials and region fall back to the standard `AWS_*` variables).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// Key prefix inside the bucket, without surrounding slashes (may be empty).
    pub prefix: String,
    /// The S3 server's address (`https://…`); `None`: AWS itself.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    /// Allow `http://` endpoints (a local S3 server); off by default.
    pub allow_http: bool,
}

impl fmt::Debug for S3Settings {
    /// Never prints the secrets.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

impl S3Settings {
    /// Parses `s3://bucket` or `s3://bucket/prefix/…`.
    pub fn from_url(url: &str) -> Result<S3Settings> {
        let invalid = |why: &str| {
            Error::Invalid(format!(
                "stockage des fichiers « {url} » : {why} (attendu : s3://seau/préfixe)"
            ))
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| invalid("seule l'adresse s3:// est reconnue"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid("nom du seau manquant"));
        }
        Ok(S3Settings {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            ..S3Settings::default()
        })
    }

    /// Fills the settings left unset from the standard AWS variables among `vars`
    /// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` or
    /// `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` or `AWS_ENDPOINT`, `AWS_ALLOW_HTTP`).
    pub fn with_aws_env(mut self, vars: impl IntoIterator<Item = (String, String)>) -> S3Settings {
        let mut allow_http = false;
        for (name, value) in vars {
            let slot = match name.as_str() {
                "AWS_ACCESS_KEY_ID" => &mut self.access_key_id,
                "AWS_SECRET_ACCESS_KEY" => &mut self.secret_access_key,
                "AWS_SESSION_TOKEN" => &mut self.session_token,
                "AWS_REGION" | "AWS_DEFAULT_REGION" => &mut self.region,
                "AWS_ENDPOINT_URL" | "AWS_ENDPOINT" => &mut self.endpoint,
                "AWS_ALLOW_HTTP" => {
                    allow_http = value.eq_ignore_ascii_case("true") || value == "1";
                    continue;
                }
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value);
            }
        }
        self.allow_http |= allow_http;
        self
    }
}

/// A small runtime of the blob store's own, on which every request runs (see the module doc).
struct Bridge {
    runtime: Option<tokio::runtime::Runtime>,
}

impl Bridge {
    fn new() -> Result<Bridge> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("socle-blobs")
            .enable_all()
            .build()
            .map_err(io_context("démarrage du client de stockage objet"))?;
        Ok(Bridge {
            runtime: Some(runtime),
        })
    }

    /// Runs `work` on the bridge's runtime and waits for its outcome.
    fn run<F>(&self, work: F) -> Result<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let runtime = self
            .runtime
            .as_ref()
            .expect("the runtime lives as long as the bridge");
        runtime.spawn(async move {
            let _ = sender.send(work.await);
        });
        receiver
            .recv()
            .map_err(|_| remote_error("requête", "tâche interrompue"))
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn remote_error(context: &str, error: impl fmt::Display) -> Error {
    Error::ObjectStore(format!("{context} : {error}"))
}

/// The S3 backend of the blob store.
pub(crate) struct S3Blobs {
    client: Arc<AmazonS3>,
    prefix: String,
    bridge: Arc<Bridge>,
}

impl S3Blobs {
    pub(crate) fn open(settings: &S3Settings) -> Result<S3Blobs> {
        // reqwest is compiled without a default crypto provider (aws-lc is costly to build).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_allow_http(settings.allow_http)
            .with_region(settings.region.as_deref().unwrap_or("us-east-1"));
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(key) = &settings.access_key_id {
            builder = builder.with_access_key_id(key);
        }
        if let Some(secret) = &settings.secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(token) = &settings.session_token {
            builder = builder.with_token(token);
        }
        let client = builder
            .build()
            .map_err(|error| remote_error(&format!("seau « {} »", settings.bucket), error))?;
        Ok(S3Blobs {
            client: Arc::new(client),
            prefix: settings.prefix.clone(),
            bridge: Arc::new(Bridge::new()?),
        })
    }

    /// `<prefix>/sha256/ab/cdef…`.
    fn key(&self, sha256: &Sha256) -> Path {
        let hex = sha256.to_hex();
        let name = format!("sha256/{}/{}", &hex[..2], &hex[2..]);
        if self.prefix.is_empty() {
            Path::from(name)
        } else {
            Path::from(format!("{}/{name}", self.prefix))
        }
    }

    pub(crate) fn contains(&self, sha256: &Sha256) -> Result<bool> {
        let client = self.client.clone();
        let key = self.key(sha256);
        match self.bridge.run(async move { client.head(&key).await })? {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(remote_error(&format!("fichier {sha256}"), error)),
        }
    }

    /// Uploads the spooled file `local` as the blob `sha256` unless the bucket has it already.
    pub(crate) fn upload(&self, local: &FsPath, sha256: &Sha256, size: u64) -> Result<()> {
        if self.contains(sha256)? {
            return Ok(());
        }
        let client = self.client.clone();
        let key = self.key(sha256);
        let context = format!("envoi du fichier {sha256}");
        if size <= PART_SIZE as u64 {
            let bytes = std::fs::read(local).map_err(io_context(context.clone()))?;
            return self
                .bridge
                .run(async move { client.put(&key, bytes.into()).await })?
                .map(|_| ())
                .map_err(|error| remote_error(&context, error));
        }
        let local = local.to_path_buf();
        self.bridge
            .run(async move { upload_in_parts(client, key, &local).await })?
            .map_err(|error| remote_error(&context, error))
    }

    pub(crate) fn open_object(&self, sha256: &Sha256) -> Result<Option<ObjectReader>> {
        let mut reader = ObjectReader {
            client: self.client.clone(),
            key: self.key(sha256),
            bridge: self.bridge.clone(),
            size: 0,
            position: 0,
            chunk: Bytes::new(),
            chunk_start: 0,
            stream: None,
            stream_next: 0,
        };
        match reader.request_from(0) {
            Ok(()) => Ok(Some(reader)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(remote_error(&format!("lecture du fichier {sha256}"), error)),
        }
    }

    pub(crate) fn overwrite(&self, sha256: &Sha256, bytes: &[u8]) -> Result<()> {
        let client = self.client.clone();
        let key = self.key(sha256);
        let payload = Bytes::copy_from_slice(bytes);
        self.bridge
            .run(async move { client.put(&key, payload.into()).await })?
            .map(|_| ())
            .map_err(|error| remote_error(&format!("écriture du fichier {sha256}"), error))
    }

    pub(crate) fn remove(&self, sha256: &Sha256) -> Result<()> {
        let client = self.client.clone();
        let key = self.key(sha256);
        self.bridge
            .run(async move { client.delete(&key).await })?
            .map_err(|error| remote_error(&format!("suppression du fichier {sha256}"), error))
    }
}

/// A multipart upload of a local file, at most [`PARTS_IN_FLIGHT`] parts in memory at once;
/// aborted on any failure, so no part outlives it.
async fn upload_in_parts(
    client: Arc<AmazonS3>,
    key: Path,
    local: &FsPath,
) -> std::result::Result<(), String> {
    let mut file = tokio::fs::File::open(local)
        .await
        .map_err(|error| error.to_string())?;
    let upload = client
        .put_multipart(&key)
        .await
        .map_err(|error| error.to_string())?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut buffer = vec![0u8; 1024 * 1024];
    let copied: std::result::Result<(), String> = async {
        loop {
            let n_read = file
                .read(&mut buffer)
                .await
                .map_err(|error| error.to_string())?;
            if n_read == 0 {
                return Ok(());
            }
            writer
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(|error| error.to_string())?;
            writer.write(&buffer[..n_read]);
        }
    }
    .await;
    match copied {
        Ok(()) => writer
            .finish()
            .await
            .map(|_| ())
            .map_err(|error| error.to_string()),
        Err(error) => {
            let _ = writer.abort().await;
            Err(error)
        }
    }
}

type ByteStream = BoxStream<'static, object_store::Result<Bytes>>;

/// Reads an object chunk by chunk as the network delivers it (one chunk in memory).
pub(crate) struct ObjectReader {
    client: Arc<AmazonS3>,
    key: Path,
    bridge: Arc<Bridge>,
    size: u64,
    /// The reader's offset: the next byte `read` returns.
    position: u64,
    /// The last chunk received, which starts at `chunk_start`.
    chunk: Bytes,
    chunk_start: u64,
    /// The response being read, whose next chunk starts at `stream_next`.
    stream: Option<ByteStream>,
    stream_next: u64,
}

impl ObjectReader {
    /// Starts a GET of the object from `offset` to its end (its whole size is learned from the
    /// first one).
    fn request_from(&mut self, offset: u64) -> object_store::Result<()> {
        let client = self.client.clone();
        let key = self.key.clone();
        let options = GetOptions {
            range: (offset > 0).then_some(GetRange::Offset(offset)),
            ..GetOptions::default()
        };
        let answer = self
            .bridge
            .run(async move { client.get_opts(&key, options).await })
            .map_err(|error| object_store::Error::Generic {
                store: "S3",
                source: error.into(),
            })??;
        if offset == 0 {
            self.size = answer.meta.size;
        }
        self.stream = Some(answer.into_stream());
        self.stream_next = offset;
        Ok(())
    }

    /// Receives the stream's next chunk; `false` at its end.
    fn next_chunk(&mut self) -> io::Result<bool> {
        let Some(mut stream) = self.stream.take() else {
            return Ok(false);
        };
        let (stream, item) = self
            .bridge
            .run(async move {
                let item = stream.next().await;
                (stream, item)
            })
            .map_err(io::Error::other)?;
        match item {
            Some(Ok(bytes)) => {
                self.chunk_start = self.stream_next;
                self.stream_next += bytes.len() as u64;
                self.chunk = bytes;
                self.stream = Some(stream);
                Ok(true)
            }
            Some(Err(error)) => Err(io::Error::other(error)),
            None => Ok(false),
        }
    }

    pub(crate) fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        if buffer.is_empty() || self.position >= self.size {
            return Ok(0);
        }
        loop {
            let chunk_end = self.chunk_start + self.chunk.len() as u64;
            if (self.chunk_start..chunk_end).contains(&self.position) {
                let from = (self.position - self.chunk_start) as usize;
                let n_copied = buffer.len().min(self.chunk.len() - from);
                buffer[..n_copied].copy_from_slice(&self.chunk[from..from + n_copied]);
                self.position += n_copied as u64;
                return Ok(n_copied);
            }
            if self.stream.is_none() || self.stream_next != self.position {
                self.request_from(self.position).map_err(io::Error::other)?;
            }
            if !self.next_chunk()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("{} : réponse interrompue", self.key),
                ));
            }
        }
    }

    /// Only moves the offset: the next `read` continues the current response when it can and
    /// starts a ranged one otherwise.
    pub(crate) fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        let target = match position {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "position avant le début")
        })?;
        self.position = target;
        Ok(target)
    }
}
