//! One writer per output: OS advisory locks on a small side file.
//!
//! Why: two runs writing one CSV (overlapping cron jobs) interleave rows and both believe they
//! resumed the other's checkpoint. Every command that writes an output (`collect`, `convert`,
//! `normalize`, the history's `sync`) first takes the lock of each file it will write.
//!
//! Invariants:
//! - The lock is the kernel's (`flock` through std's [`File::try_lock`]): it is released when its
//!   holder exits or dies, however it dies, so a stale lock cannot block anyone. The side file
//!   only carries the holder's description (`pid N, what, since T`) for the message of the
//!   process that is refused; its content is never trusted for the decision.
//! - A refused process has changed nothing: the side file is opened without truncation and only
//!   its holder rewrites it.
//! - The side file of an output is `<output>.lock`. Its holder removes it when it is done, while
//!   still holding the lock, so no litter is left beside the outputs; a process that locked a file
//!   which was removed meanwhile (it opened the path just before the removal) sees that the path
//!   no longer names the file it locked and starts over, so two holders can never coexist. A
//!   process killed with its lock leaves the side file: the next run takes it over.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::error::Error;
use crate::fsutil;

/// How long an output lock that is held is waited for before giving up. A process that spawns
/// children (a test suite, a scheduler embedding the library) may see its own, just released lock
/// held for an instant by a child between `fork` and `exec`; a real holder is reported within it.
pub const OUTPUT_LOCK_PATIENCE: Duration = Duration::from_millis(500);

/// A held lock: released when dropped, or when the process ends however it ends.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
    path: PathBuf,
    /// Remove the side file on drop (output locks), or leave it (a dataset's `.lock`).
    remove_on_drop: bool,
}

impl Drop for FileLock {
    fn drop(&mut self) {
        if self.remove_on_drop {
            // Still locked here (the file is closed after this): see the module's invariants.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// True when `path` still names the file `file` has open (it was not removed or replaced).
#[cfg(unix)]
fn still_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at(_file: &File, path: &Path) -> bool {
    path.exists()
}

impl FileLock {
    /// The side file this lock holds.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the lock on the side file `path` if it is free (writing `pid N, what, since T` in
    /// it); otherwise returns its holder's description as the holder wrote it (`pid unknown` when
    /// it wrote nothing yet).
    pub fn try_acquire(path: &Path, what: &str) -> io::Result<Result<FileLock, String>> {
        loop {
            match Self::try_once(path, what)? {
                Some(r) => return Ok(r),
                // The side file was removed by its previous holder after we opened it: again.
                None => continue,
            }
        }
    }

    fn try_once(path: &Path, what: &str) -> io::Result<Option<Result<FileLock, String>>> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) if !still_at(&file, path) => Ok(None),
            Ok(()) => {
                // Ours now: whatever a dead holder left in the file is replaced.
                let stamp = format!(
                    "pid {}, {what}, since {}\n",
                    std::process::id(),
                    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                let _ = file
                    .set_len(0)
                    .and_then(|_| file.rewind())
                    .and_then(|_| file.write_all(stamp.as_bytes()));
                Ok(Some(Ok(FileLock {
                    _file: file,
                    path: path.to_path_buf(),
                    remove_on_drop: false,
                })))
            }
            Err(fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim();
                Ok(Some(Err(if holder.is_empty() {
                    "pid unknown".to_string()
                } else {
                    holder.to_string()
                })))
            }
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// [`FileLock::try_acquire`], retried for up to `patience` while the lock is held.
    pub fn acquire(
        path: &Path,
        what: &str,
        patience: Duration,
    ) -> io::Result<Result<FileLock, String>> {
        let deadline = Instant::now() + patience;
        loop {
            match Self::try_acquire(path, what)? {
                Ok(lock) => return Ok(Ok(lock)),
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(holder) => return Ok(Err(holder)),
            }
        }
    }
}

/// The side file that locks `output`: `<output>.lock`.
pub fn lock_path_for(output: &Path) -> PathBuf {
    fsutil::with_suffix(output, "lock")
}

/// Takes the lock of an output file before anything is written to it or moved aside, or fails
/// with [`Error::OutputBusy`] naming the holder. `what` names the command (`collect`, `convert`,
/// …) in the side file. The output's directory must exist.
///
/// An output that exists and is not a regular file (a device such as `/dev/null`, a pipe) is not
/// locked (`None`): no side file is put beside it.
pub fn lock_output(output: &Path, what: &str) -> Result<Option<FileLock>, Error> {
    if output.exists() && !output.is_file() {
        return Ok(None);
    }
    let side = lock_path_for(output);
    match FileLock::acquire(&side, what, OUTPUT_LOCK_PATIENCE) {
        Ok(Ok(mut lock)) => {
            lock.remove_on_drop = true;
            Ok(Some(lock))
        }
        Ok(Err(holder)) => Err(Error::OutputBusy {
            output: output.to_path_buf(),
            holder,
        }),
        // The side file cannot be created: neither could the output (same directory).
        Err(source) if source.kind() != io::ErrorKind::Unsupported => Err(Error::OutputCreate {
            output: output.to_path_buf(),
            source,
        }),
        Err(e) => Err(Error::io(
            format!(
                "cannot lock {} (the file system does not support locks; use a local directory)",
                side.display()
            ),
            e,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_names_its_holder_and_a_released_one_is_free() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("jobs.csv");
        let first = lock_output(&out, "collect").unwrap().unwrap();
        assert_eq!(first.path(), d.path().join("jobs.csv.lock"));
        // Another open file description of the same side file is refused (flock is per open file).
        match lock_output(&out, "convert") {
            Err(Error::OutputBusy { output, holder }) => {
                assert_eq!(output, out);
                assert!(
                    holder.starts_with(&format!("pid {}, collect, since ", std::process::id())),
                    "{holder}"
                );
            }
            other => panic!("expected OutputBusy, got {other:?}"),
        }
        assert!(!out.exists(), "a refused lock touches no output");
        drop(first);
        assert!(
            !lock_path_for(&out).exists(),
            "its holder removes the side file"
        );
        let again = lock_output(&out, "convert").unwrap().unwrap();
        let text = std::fs::read_to_string(again.path()).unwrap();
        assert!(text.contains(", convert, since "), "{text}");
    }

    #[test]
    fn a_side_file_removed_after_it_was_opened_is_not_locked() {
        let d = tempfile::tempdir().unwrap();
        let side = d.path().join("x.lock");
        std::fs::write(&side, "").unwrap();
        let opened = std::fs::File::open(&side).unwrap();
        std::fs::remove_file(&side).unwrap();
        // What a process sees when the previous holder removed the file after its open.
        assert!(!still_at(&opened, &side));
        let lock = FileLock::try_acquire(&side, "t").unwrap().unwrap();
        assert!(still_at(&lock._file, &side));
    }

    #[test]
    fn a_lock_file_left_by_a_dead_holder_does_not_block() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("jobs.csv");
        // What a killed process leaves: the side file with its (dead) pid, and no lock.
        std::fs::write(
            lock_path_for(&out),
            "pid 999999999, collect, since 2026-01-01T00:00:00Z\n",
        )
        .unwrap();
        let lock = lock_output(&out, "collect").unwrap().unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert!(
            text.starts_with(&format!("pid {}, ", std::process::id())),
            "{text}"
        );
        drop(lock);
        assert!(!lock_path_for(&out).exists());
    }

    #[test]
    fn devices_are_not_locked() {
        assert!(
            lock_output(Path::new("/dev/null"), "normalize")
                .unwrap()
                .is_none()
        );
    }
}
