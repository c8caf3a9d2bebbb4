//! UPLOAD_DIR: files arrive in a temporary file and are renamed into place only once complete, under a
//! random name with nothing the applicant chose in it.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use smsagent_domain::upload::FileKind;
use tokio::fs::{self, File};
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct UploadDir {
    root: PathBuf,
}

/// A file being received: its bytes so far, counted and hashed as they come. Dropped unkept (an upload
/// abandoned mid-way, a download cut off by its deadline), its temporary file goes with it.
#[derive(Debug)]
pub struct Incoming {
    file: File,
    path: PathBuf,
    pub size: u64,
    hash: Sha256,
}

/// A file complete on disk, before its row is committed.
#[derive(Debug)]
pub struct Stored {
    pub name: String,
    pub size: u64,
    pub sha256: [u8; 32],
}

impl UploadDir {
    /// Creates the directory if needed, readable by this user only.
    pub async fn open(root: PathBuf) -> io::Result<Self> {
        fs::create_dir_all(&root).await?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).await?;
        }
        Ok(UploadDir { root })
    }

    pub async fn begin(&self) -> io::Result<Incoming> {
        let path = self.root.join(format!(".incoming-{}", Uuid::now_v7().simple()));
        let file = File::create_new(&path).await?;
        Ok(Incoming { file, path, size: 0, hash: Sha256::new() })
    }

    /// Moves a complete file into place under a fresh random name.
    pub async fn keep(&self, mut incoming: Incoming, kind: FileKind) -> io::Result<Stored> {
        incoming.file.flush().await?;
        incoming.file.sync_all().await?;
        // 128 random bits: nothing to guess, and nothing the applicant chose.
        let name = format!("{:032x}.{}", rand::random::<u128>(), kind.extension());
        fs::rename(&incoming.path, self.root.join(&name)).await?;
        let sha256 = std::mem::take(&mut incoming.hash).finalize().into();
        Ok(Stored { name, size: incoming.size, sha256 })
    }

    /// Removes a stored file; one already gone is fine.
    pub async fn remove(&self, name: &str) -> io::Result<()> {
        match fs::remove_file(self.path(name)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Where a stored file is. Names come from our own rows, but are checked anyway: a plain file name.
    pub fn path(&self, name: &str) -> io::Result<PathBuf> {
        let plain = !name.is_empty()
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && Path::new(name).file_name().is_some_and(|f| f == name);
        if plain {
            Ok(self.root.join(name))
        } else {
            Err(io::Error::new(io::ErrorKind::InvalidInput, "not a stored file's name"))
        }
    }
}

impl Incoming {
    pub async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.size += chunk.len() as u64;
        self.hash.update(chunk);
        self.file.write_all(chunk).await
    }

    /// Drops what was received.
    pub fn discard(self) {
        drop(self);
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Kept files were renamed away: only an unkept one is still here. A small, local unlink.
        let _ = std::fs::remove_file(&self.path);
    }
}
