//! Receiving a file to a temporary file without holding it in memory: uploads (raw or
//! multipart) and downloads of remote files both write through a [`Spool`].

use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};

/// A temporary file receiving an upload, refusing to grow past the limit.
pub(crate) struct Spool {
    file: NamedTempFile,
    writer: tokio::fs::File,
    received: u64,
    limit: u64,
}

impl Spool {
    pub(crate) async fn create(directory: &Path, limit: u64) -> ApiResult<Spool> {
        let directory: PathBuf = directory.to_path_buf();
        let file = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&directory)?;
            tempfile::Builder::new()
                .prefix("upload-")
                .tempfile_in(&directory)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        let writer = tokio::fs::File::from_std(file.reopen().map_err(ApiError::internal)?);
        Ok(Spool {
            file,
            writer,
            received: 0,
            limit,
        })
    }

    pub(crate) async fn write(&mut self, chunk: &[u8]) -> ApiResult<()> {
        self.received += chunk.len() as u64;
        if self.received > self.limit {
            return Err(ApiError::payload_too_large(self.limit));
        }
        self.writer
            .write_all(chunk)
            .await
            .map_err(ApiError::internal)
    }

    pub(crate) async fn finish(mut self) -> ApiResult<NamedTempFile> {
        self.writer.flush().await.map_err(ApiError::internal)?;
        if self.received == 0 {
            return Err(ApiError::bad_request(
                "fichier vide : rien à publier",
                "empty file: nothing to publish",
            ));
        }
        Ok(self.file)
    }
}
