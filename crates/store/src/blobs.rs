//! The content-addressed blob store: original files kept byte for byte, named by their SHA-256.
//!
//! Layout: `<data>/blobs/ab/cdef…` (the first two hex digits as a directory, so no directory
//! holds more than a few thousand files) and `<data>/blobs/tmp/` for files being written.
//! A blob is written to a temporary file, fsynced, renamed into place, and its directory fsynced:
//! a crash leaves either the whole blob or a temporary file, which the next `Store::open` removes.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use model::Sha256;
use sha2::Digest;

use crate::error::{Result, io_context};

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

pub(crate) struct BlobStore {
    root: PathBuf,
}

/// Distinguishes temporary files written concurrently by one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

const BUFFER_SIZE: usize = 256 * 1024;

impl BlobStore {
    pub(crate) fn open(root: PathBuf) -> Result<BlobStore> {
        let temp = root.join("tmp");
        fs::create_dir_all(&temp).map_err(io_context(format!(
            "création du dossier {}",
            temp.display()
        )))?;
        Ok(BlobStore { root })
    }

    pub(crate) fn path(&self, sha256: &Sha256) -> PathBuf {
        let hex = sha256.to_hex();
        self.root.join(&hex[..2]).join(&hex[2..])
    }

    fn temp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Streams `reader` into the store (constant memory) and returns its address and size.
    /// Storing bytes that are already present leaves the existing blob untouched.
    pub(crate) fn put(&self, mut reader: impl Read) -> Result<BlobInfo> {
        let temp_path = self.temp_dir().join(format!(
            "{}-{}.part",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = write_hashing(&mut reader, &temp_path);
        let (sha256, size) = match written {
            Ok(info) => info,
            Err(error) => {
                let _ = fs::remove_file(&temp_path);
                return Err(error);
            }
        };
        let target = self.path(&sha256);
        if target.exists() {
            let _ = fs::remove_file(&temp_path);
            return Ok(BlobInfo { sha256, size });
        }
        let directory = target.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&directory).map_err(io_context(format!(
            "création du dossier {}",
            directory.display()
        )))?;
        fs::rename(&temp_path, &target).map_err(io_context(format!(
            "rangement du fichier {}",
            target.display()
        )))?;
        sync_directory(&directory)?;
        Ok(BlobInfo { sha256, size })
    }

    pub(crate) fn open_blob(&self, sha256: &Sha256) -> Result<Option<File>> {
        match File::open(self.path(sha256)) {
            Ok(file) => Ok(Some(file)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(io_context(format!("ouverture du fichier {sha256}"))(error)),
        }
    }

    /// Re-hashes a blob to detect loss or corruption.
    pub(crate) fn verify(&self, sha256: &Sha256) -> Result<BlobState> {
        let Some(mut file) = self.open_blob(sha256)? else {
            return Ok(BlobState::Missing);
        };
        let (actual, _) =
            hash_reader(&mut file).map_err(io_context(format!("lecture du fichier {sha256}")))?;
        Ok(if actual == *sha256 {
            BlobState::Intact
        } else {
            BlobState::Altered { actual }
        })
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

/// Copies `reader` into a new file at `path`, hashing on the way, and fsyncs the file.
fn write_hashing(reader: &mut impl Read, path: &Path) -> Result<(Sha256, u64)> {
    let context = || format!("écriture du fichier temporaire {}", path.display());
    let mut file = File::create_new(path).map_err(io_context(context()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; BUFFER_SIZE];
    let mut size = 0u64;
    loop {
        let n_read = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n_read) => n_read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(io_context("lecture du fichier reçu")(error)),
        };
        hasher.update(&buffer[..n_read]);
        file.write_all(&buffer[..n_read])
            .map_err(io_context(context()))?;
        size += n_read as u64;
    }
    file.sync_all().map_err(io_context(context()))?;
    Ok((Sha256(hasher.finalize().into()), size))
}

pub(crate) fn hash_reader(reader: &mut impl Read) -> io::Result<(Sha256, u64)> {
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

    #[test]
    fn put_is_content_addressed_and_streams() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::open(dir.path().join("blobs")).unwrap();
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
