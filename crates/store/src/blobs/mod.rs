//! The content-addressed blob store: original files kept byte for byte, named by their SHA-256,
//! on the local disk (the default) or on S3-compatible object storage ([`BlobBackend`]).
//!
//! Local layout: `<data>/blobs/ab/cdef…` (the first two hex digits as a directory, so no directory
//! holds more than a few thousand files). Object storage: `<prefix>/sha256/ab/cdef…` in a bucket.
//! Both backends first stream the bytes into `<data>/blobs/tmp/`, hashing on the way (the address
//! is only known at the end), then:
//! - local: the temporary file is fsynced, renamed into place, and its directory fsynced;
//! - S3: the object is uploaded under its final key unless it is already there, in one request
//!   up to [`s3::PART_SIZE`] and as a multipart upload beyond, which S3 only makes visible when
//!   it completes (an interrupted upload leaves no object, only parts that the bucket's
//!   `AbortIncompleteMultipartUpload` lifecycle rule removes). Spooling to disk rather than
//!   uploading to a temporary key and copying keeps a duplicate from being sent at all and avoids
//!   S3's 5 GB limit on server-side copies.
//!
//! A crash leaves either the whole blob or a temporary file, which the next `Store::open` removes.

mod s3;

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use model::Sha256;
use sha2::Digest;

use crate::error::{Error, Result, io_context};

pub use s3::{PART_SIZE, S3Settings};

/// Where the blobs live (`StoreOptions::blobs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BlobBackend {
    /// `blobs/` in the data directory (the default; servers share it as a volume).
    #[default]
    Local,
    /// A bucket of an S3-compatible object store, shared by every server that names it.
    S3(S3Settings),
}

/// What `put` learned about the bytes it stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobInfo {
    pub sha256: Sha256,
    pub size: u64,
}

/// The outcome of re-hashing one blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobState {
    Intact,
    Missing,
    Altered { actual: Sha256 },
}

/// The bytes of one blob, read in order or at any offset (XLSX and ODS files are zip archives,
/// read from their end). Constant memory whatever the backend: an object is fetched chunk by
/// chunk as it is read, and a seek elsewhere starts a ranged request at the new offset.
pub struct BlobReader {
    source: ReaderSource,
}

enum ReaderSource {
    File(File),
    Object(Box<s3::ObjectReader>),
}

impl Read for BlobReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        match &mut self.source {
            ReaderSource::File(file) => file.read(buffer),
            ReaderSource::Object(object) => object.read(buffer),
        }
    }
}

impl Seek for BlobReader {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        match &mut self.source {
            ReaderSource::File(file) => file.seek(position),
            ReaderSource::Object(object) => object.seek(position),
        }
    }
}

pub(crate) struct BlobStore {
    /// `<data>/blobs`: the local blobs, and `tmp/` where every backend spools its writes.
    root: PathBuf,
    remote: Option<s3::S3Blobs>,
}

/// Distinguishes temporary files written concurrently by one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

const BUFFER_SIZE: usize = 256 * 1024;

impl BlobStore {
    pub(crate) fn open(root: PathBuf, backend: &BlobBackend) -> Result<BlobStore> {
        let temp = root.join("tmp");
        fs::create_dir_all(&temp).map_err(io_context(format!(
            "création du dossier {}",
            temp.display()
        )))?;
        let remote = match backend {
            BlobBackend::Local => None,
            BlobBackend::S3(settings) => Some(s3::S3Blobs::open(settings)?),
        };
        Ok(BlobStore { root, remote })
    }

    /// Where a blob lives on the local disk; `None` when blobs are on object storage.
    pub(crate) fn local_path(&self, sha256: &Sha256) -> Option<PathBuf> {
        self.remote.is_none().then(|| self.path(sha256))
    }

    fn path(&self, sha256: &Sha256) -> PathBuf {
        let hex = sha256.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A new, unique path under `tmp/` for bytes being spooled.
    fn temp_path(&self) -> PathBuf {
        self.temp_dir().join(format!(
            "{}-{}.part",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ))
    }

    /// Streams `reader` into the store (constant memory) and returns its address and size.
    /// Storing bytes that are already present leaves the existing blob untouched.
    pub(crate) fn put(&self, mut reader: impl Read) -> Result<BlobInfo> {
        let temp_path = self.temp_path();
        let written = write_hashing(&mut reader, &temp_path);
        self.keep(&temp_path, written)
    }

    /// Starts spooling a blob whose bytes are handed over piece by piece (see [`Spool`]).
    pub(crate) fn spool(&self) -> Result<Spool> {
        Spool::start(self.temp_path())
    }

    /// The last step of every write: the spooled file at `temp_path`, hashed as `written`, takes
    /// its place (renamed or uploaded); the temporary file is removed whatever happens.
    pub(crate) fn keep(
        &self,
        temp_path: &Path,
        written: Result<(Sha256, u64)>,
    ) -> Result<BlobInfo> {
        let (sha256, size) = match written {
            Ok(info) => info,
            Err(error) => {
                let _ = fs::remove_file(temp_path);
                return Err(error);
            }
        };
        let stored = match &self.remote {
            None => self.rename_into_place(temp_path, &sha256),
            Some(remote) => remote.upload(temp_path, &sha256, size),
        };
        let _ = fs::remove_file(temp_path);
        stored?;
        Ok(BlobInfo { sha256, size })
    }

    /// The local backend's last step of `put`: the fsynced temporary file takes its name.
    fn rename_into_place(&self, temp_path: &Path, sha256: &Sha256) -> Result<()> {
        let target = self.path(sha256);
        if target.exists() {
            return Ok(());
        }
        let directory = target.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&directory).map_err(io_context(format!(
            "création du dossier {}",
            directory.display()
        )))?;
        fs::rename(temp_path, &target).map_err(io_context(format!(
            "rangement du fichier {}",
            target.display()
        )))?;
        sync_directory(&directory)
    }

    pub(crate) fn open_blob(&self, sha256: &Sha256) -> Result<Option<BlobReader>> {
        let source = match &self.remote {
            Some(remote) => remote
                .open_object(sha256)?
                .map(|object| ReaderSource::Object(Box::new(object))),
            None => match File::open(self.path(sha256)) {
                Ok(file) => Some(ReaderSource::File(file)),
                Err(error) if error.kind() == io::ErrorKind::NotFound => None,
                Err(error) => {
                    return Err(io_context(format!("ouverture du fichier {sha256}"))(error));
                }
            },
        };
        Ok(source.map(|source| BlobReader { source }))
    }

    /// Whether the blob is stored (without reading it).
    pub(crate) fn contains(&self, sha256: &Sha256) -> Result<bool> {
        match &self.remote {
            Some(remote) => remote.contains(sha256),
            None => Ok(self.path(sha256).is_file()),
        }
    }

    /// Re-hashes a blob to detect loss or corruption.
    pub(crate) fn verify(&self, sha256: &Sha256) -> Result<BlobState> {
        let Some(mut reader) = self.open_blob(sha256)? else {
            return Ok(BlobState::Missing);
        };
        let (actual, _) =
            hash_reader(&mut reader).map_err(io_context(format!("lecture du fichier {sha256}")))?;
        Ok(if actual == *sha256 {
            BlobState::Intact
        } else {
            BlobState::Altered { actual }
        })
    }

    /// Test support: stores `bytes` under the address of another content (a damaged blob).
    pub(crate) fn overwrite_for_tests(&self, sha256: &Sha256, bytes: &[u8]) -> Result<()> {
        match &self.remote {
            Some(remote) => remote.overwrite(sha256, bytes),
            None => fs::write(self.path(sha256), bytes)
                .map_err(io_context(format!("écriture du fichier {sha256}"))),
        }
    }

    /// Test support: removes a blob (a lost file).
    pub(crate) fn remove_for_tests(&self, sha256: &Sha256) -> Result<()> {
        match &self.remote {
            Some(remote) => remote.remove(sha256),
            None => fs::remove_file(self.path(sha256))
                .map_err(io_context(format!("suppression du fichier {sha256}"))),
        }
    }

    /// Temporary files left by interrupted writes.
    pub(crate) fn temp_files(&self) -> Result<Vec<PathBuf>> {
        let entries = fs::read_dir(self.temp_dir())
            .map_err(io_context("lecture du dossier des fichiers temporaires"))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_context("lecture du dossier des fichiers temporaires"))?;
            paths.push(entry.path());
        }
        Ok(paths)
    }

    /// Removes temporary files. Only called when this process holds the data directory alone.
    pub(crate) fn remove_temp_files(&self) -> Result<usize> {
        let paths = self.temp_files()?;
        for path in &paths {
            fs::remove_file(path)
                .map_err(io_context(format!("suppression de {}", path.display())))?;
        }
        Ok(paths.len())
    }
}

/// Bytes handed to the spooling thread at a time: large writes cost the kernel markedly less
/// than 256 KiB ones on tmpfs (fewer page allocations per call).
const SPOOL_CHUNK: usize = 2 * 1024 * 1024;

/// Chunks queued for the spooling thread beyond the one it works on (memory stays bounded:
/// with the one being filled, ten chunks, 20 MiB, per blob being written). Enough for the
/// writer not to wait whenever the spooling thread is off the processor for a while (a
/// publication runs three threads on two cores).
const SPOOL_QUEUE: usize = 8;

/// A blob being written as its bytes arrive: a thread of its own hashes them and writes them to
/// a temporary file, so that whoever hands them over (a publication reading its input, loading
/// rows meanwhile) does not wait for either. Chunks go back and forth between the two threads,
/// so a blob of any size allocates only a few. Dropped without [`Spool::finish`], the thread
/// stops and the temporary file is removed.
pub(crate) struct Spool {
    temp_path: PathBuf,
    chunk: Vec<u8>,
    to_spooler: Option<SyncSender<Vec<u8>>>,
    emptied: Receiver<Vec<u8>>,
    spooler: Option<JoinHandle<Result<(Sha256, u64)>>>,
    /// The thread's outcome once it stopped (kept to be reported by [`Spool::finish`]).
    written: Option<Result<(Sha256, u64)>>,
}

impl Spool {
    fn start(temp_path: PathBuf) -> Result<Spool> {
        let context = format!("écriture du fichier temporaire {}", temp_path.display());
        let file = File::create_new(&temp_path).map_err(io_context(context.clone()))?;
        let (to_spooler, chunks) = mpsc::sync_channel::<Vec<u8>>(SPOOL_QUEUE);
        let (to_writer, emptied) = mpsc::channel::<Vec<u8>>();
        let spooler = std::thread::Builder::new()
            .name("blob-spool".to_owned())
            .spawn(move || spool_chunks(file, &chunks, &to_writer).map_err(io_context(context)));
        let spooler = match spooler {
            Ok(spooler) => spooler,
            Err(error) => {
                let _ = fs::remove_file(&temp_path);
                return Err(io_context("démarrage de l'écriture du fichier")(error));
            }
        };
        Ok(Spool {
            temp_path,
            chunk: Vec::new(),
            to_spooler: Some(to_spooler),
            emptied,
            spooler: Some(spooler),
            written: None,
        })
    }

    /// Hands the chunk being filled to the spooling thread; fails if the thread stopped (on an
    /// error that [`Spool::finish`] reports).
    fn send_chunk(&mut self) -> io::Result<()> {
        let full = std::mem::take(&mut self.chunk);
        if let Some(sender) = &self.to_spooler
            && sender.send(full).is_ok()
        {
            return Ok(());
        }
        self.stop();
        Err(io::Error::other(
            "l'écriture du fichier d'origine s'est arrêtée",
        ))
    }

    /// Closes the queue and waits for the thread (once).
    fn stop(&mut self) {
        self.to_spooler = None;
        if let Some(spooler) = self.spooler.take() {
            self.written = Some(spooler.join().unwrap_or_else(|_| {
                Err(Error::Invalid(
                    "l'écriture du fichier d'origine s'est interrompue".to_owned(),
                ))
            }));
        }
    }

    /// Waits until every byte is written and fsynced; the temporary file's path and its hash
    /// and size, for [`BlobStore::keep`] (which removes the file).
    pub(crate) fn finish(mut self) -> (PathBuf, Result<(Sha256, u64)>) {
        if !self.chunk.is_empty() {
            let _ = self.send_chunk();
        }
        self.stop();
        let written = self.written.take().unwrap_or_else(|| {
            Err(Error::Invalid(
                "l'écriture du fichier d'origine s'est interrompue".to_owned(),
            ))
        });
        (std::mem::take(&mut self.temp_path), written)
    }
}

impl Write for Spool {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.chunk.capacity() == 0 {
            self.chunk = self
                .emptied
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(SPOOL_CHUNK));
        }
        let taken = bytes.len().min(SPOOL_CHUNK - self.chunk.len());
        self.chunk.extend_from_slice(&bytes[..taken]);
        if self.chunk.len() == SPOOL_CHUNK {
            self.send_chunk()?;
        }
        Ok(taken)
    }

    /// Nothing to do: [`Spool::finish`] hands the last chunk over.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        self.stop();
        if !self.temp_path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// How far the spooling thread lowers its own priority (a `nice` increment, per thread on
/// Linux). A publication runs three busy threads on the machine's cores: checking the rows,
/// inserting them, spooling the original. The spooling thread has the least urgent work (its
/// queue of chunks lets it catch up later), so the two others, which set the pace, get the
/// cores first: rows of the 1,000,000-row subventions file became queryable after 0.59 s
/// instead of 0.625 s (medians of 14 alternated publications; 0.60 s with 10 or 19).
const SPOOL_NICENESS: i32 = 5;

/// Lowers the calling thread's scheduling priority by [`SPOOL_NICENESS`] (up to the lowest,
/// 19); nothing elsewhere than on Linux, where `setpriority` on the calling process applies to
/// the calling thread alone. Lowering one's priority needs no privilege; failing to changes
/// nothing else, so a failure is ignored.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    if let Ok(current) = rustix::process::getpriority_process(None) {
        let _ = rustix::process::setpriority_process(None, (current + SPOOL_NICENESS).min(19));
    }
}

/// The spooling thread: hashes and writes every chunk, hands it back, fsyncs at the end.
fn spool_chunks(
    mut file: File,
    chunks: &Receiver<Vec<u8>>,
    emptied: &mpsc::Sender<Vec<u8>>,
) -> io::Result<(Sha256, u64)> {
    lower_thread_priority();
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    for mut chunk in chunks {
        hasher.update(&chunk);
        file.write_all(&chunk)?;
        size += chunk.len() as u64;
        chunk.clear();
        // The writer may be done already: the chunk is then simply dropped.
        let _ = emptied.send(chunk);
    }
    file.sync_all()?;
    Ok((Sha256(hasher.finalize().into()), size))
}

/// Copies `reader` into a new file at `path`, hashing on the way, and fsyncs the file.
fn write_hashing(reader: &mut impl Read, path: &Path) -> Result<(Sha256, u64)> {
    let context = || format!("écriture du fichier temporaire {}", path.display());
    let mut file = File::create_new(path).map_err(io_context(context()))?;
    let hashed = copy_hashing(reader, &mut file).map_err(io_context(context()))?;
    file.sync_all().map_err(io_context(context()))?;
    Ok(hashed)
}

pub(crate) fn hash_reader(reader: &mut impl Read) -> io::Result<(Sha256, u64)> {
    copy_hashing(reader, &mut io::sink())
}

/// Copies `reader` into `writer`, returning the SHA-256 and size of what went through.
fn copy_hashing(reader: &mut impl Read, writer: &mut impl Write) -> io::Result<(Sha256, u64)> {
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut size = 0u64;
    loop {
        let n_read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n_read) => n_read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        hasher.update(&buffer[..n_read]);
        writer.write_all(&buffer[..n_read])?;
        size += n_read as u64;
    }
    Ok((Sha256(hasher.finalize().into()), size))
}

/// Makes a rename durable: on Linux the new directory entry is only on disk once the directory is.
fn sync_directory(directory: &Path) -> Result<()> {
    let handle = File::open(directory).map_err(io_context(format!(
        "ouverture du dossier {}",
        directory.display()
    )))?;
    handle.sync_all().map_err(io_context(format!(
        "synchronisation du dossier {}",
        directory.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn the_spooling_thread_lowers_its_own_priority_only() {
        let before = rustix::process::getpriority_process(None).unwrap();
        let in_thread = std::thread::spawn(|| {
            lower_thread_priority();
            rustix::process::getpriority_process(None).unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(in_thread, (before + SPOOL_NICENESS).min(19));
        // The thread that started it keeps its priority (the nice value is per thread).
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), before);
    }

    #[test]
    fn put_is_content_addressed_and_streams() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().join("blobs"), &BlobBackend::Local).unwrap();
        // Larger than the buffer, to go through several reads.
        let bytes: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
        let info = blobs.put(&bytes[..]).unwrap();
        assert_eq!(info.size, bytes.len() as u64);
        let expected: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        assert_eq!(info.sha256, Sha256(expected));
        let path = blobs.path(&info.sha256);
        let hex = info.sha256.to_hex();
        assert!(path.ends_with(format!("{}/{}", &hex[..2], &hex[2..])));
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(blobs.put(&bytes[..]).unwrap(), info);
        assert!(blobs.temp_files().unwrap().is_empty());
        assert_eq!(blobs.verify(&info.sha256).unwrap(), BlobState::Intact);
        fs::write(&path, b"tampered").unwrap();
        assert!(matches!(
            blobs.verify(&info.sha256).unwrap(),
            BlobState::Altered { .. }
        ));
        fs::remove_file(&path).unwrap();
        assert_eq!(blobs.verify(&info.sha256).unwrap(), BlobState::Missing);
    }
}
