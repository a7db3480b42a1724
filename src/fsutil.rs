//! Durable file operations: atomic replacement and directory syncs.
//!
//! Invariant: a file replaced through [`write_atomic`] is, after a crash at any instant, either the
//! old complete content or the new complete content — never a mix, never empty.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Syncs a directory so a rename or a new file in it survives a power cut.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A temporary name beside `path` (same directory, so the rename is atomic).
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    parent_dir(path).join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_at(path, bytes, None)
}

/// [`write_atomic`] with a test pause point between the synced temporary file and the rename.
pub fn write_atomic_at(path: &Path, bytes: &[u8], stage: Option<&str>) -> io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if let Some(stage) = stage {
            crate::testhook::pause_point(stage);
        }
        fs::rename(&tmp, path)?;
        sync_dir(&parent_dir(path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Renames `from` to `to` and syncs the directory.
pub fn rename_durable(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    sync_dir(&parent_dir(to))
}

/// `<path>.<suffix>`, e.g. `jobs.csv.checkpoint`.
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

/// Removes temporary files a killed process left beside `path` (`.<name>.tmp-<pid>`, see
/// [`temp_path`]). Returns how many were removed.
///
/// Call it only while holding the lock that makes this process the one writer of `path` (the
/// output lock of `lock.rs`, or a history dataset's lock): every other process that wrote such a
/// file is then gone, so no liveness has to be guessed (a pid can be reused; `/proc` is not
/// portable). Only this process's own temporary file is kept.
pub fn remove_stale_temps(path: &Path) -> usize {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = file
            .strip_prefix(&prefix)
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && fs::remove_file(e.path()).is_ok() {
            n += 1;
        }
    }
    n
}

/// Checks that a file can be created at `path`, leaving nothing behind: a probe file is created
/// and removed in the nearest existing directory on the way to `path` (the rest is created by the
/// writer). Paths whose problem is not permissions (a part of the path is a file, the path is a
/// directory or a device) pass: the writer reports them with their own message.
pub fn probe_writable(path: &Path) -> io::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let parent = parent_dir(path);
    let Some(dir) = parent
        .ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())
    else {
        return Ok(());
    };
    if !dir.is_dir() {
        return Ok(());
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let probe = dir.join(format!(".{name}.probe-{}", std::process::id()));
    File::create_new(&probe)?;
    fs::remove_file(&probe)
}

/// Moves an existing file aside to `<path>.bak-<UTC timestamp>` (never deletes it). Returns the
/// backup's path.
pub fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut backup = with_suffix(path, &format!("bak-{stamp}"));
    let mut n = 1;
    while backup.exists() {
        backup = with_suffix(path, &format!("bak-{stamp}-{n}"));
        n += 1;
    }
    rename_durable(path, &backup)?;
    Ok(backup)
}

/// The backups [`move_aside`] made of `path`, oldest first (by the time in their names).
pub fn backups_of(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.bak-");
    let Ok(entries) = fs::read_dir(parent_dir(path)) else {
        return Vec::new();
    };
    let mut found: Vec<((String, u64), PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix(&prefix)?;
            // `<stamp>` or `<stamp>-<n>` (two backups within one second).
            let (stamp, n) = match rest.split_once('-') {
                Some((s, n)) => (s.to_string(), n.parse().ok()?),
                None => (rest.to_string(), 0),
            };
            Some(((stamp, n), e.path()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Deletes the oldest backups of `path` beyond the `keep` most recent ones. Returns the paths
/// deleted.
pub fn prune_backups(path: &Path, keep: usize) -> io::Result<Vec<PathBuf>> {
    let all = backups_of(path);
    let excess = all.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for p in all.into_iter().take(excess) {
        fs::remove_file(&p)?;
        removed.push(p);
    }
    if !removed.is_empty() {
        sync_dir(&parent_dir(path))?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temps_go_whatever_their_pid_and_only_ours_stays() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("jobs.csv");
        // Pid 1 is alive on every Unix: the lock, not a liveness guess, says the file is stale.
        let names = [".jobs.csv.tmp-1", ".jobs.csv.tmp-4000000"];
        for n in names {
            fs::write(dir.path().join(n), b"x").unwrap();
        }
        fs::write(temp_path(&p), b"ours").unwrap();
        fs::write(dir.path().join(".jobs.csv.checkpoint.tmp-1"), b"other file").unwrap();
        fs::write(dir.path().join(".jobs.csv.tmp-x"), b"not ours to judge").unwrap();
        assert_eq!(remove_stale_temps(&p), 2);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want = vec![
            ".jobs.csv.checkpoint.tmp-1".to_string(),
            ".jobs.csv.tmp-x".to_string(),
            temp_path(&p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn probe_writable_leaves_nothing_and_fails_in_a_read_only_place() {
        let dir = tempfile::tempdir().unwrap();
        probe_writable(&dir.path().join("a/b/jobs.csv")).unwrap();
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        assert!(probe_writable(Path::new("/proc/ftcollect-probe/jobs.parquet")).is_err());
    }

    #[test]
    fn prune_keeps_the_most_recent_backups() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        for name in [
            "a.csv.bak-20261101T120000Z",
            "a.csv.bak-20261101T120000Z-1",
            "a.csv.bak-20261101T120000Z-10",
            "a.csv.bak-20261101T120000Z-2",
            "a.csv.bak-20261102T000000Z",
            "a.csv.summary.json.bak-20261101T000000Z",
            "b.csv.bak-20261101T000000Z",
        ] {
            fs::write(dir.path().join(name), name).unwrap();
        }
        let removed = prune_backups(&p, 2).unwrap();
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
                .collect()
        };
        assert_eq!(
            names(removed),
            [
                "a.csv.bak-20261101T120000Z",
                "a.csv.bak-20261101T120000Z-1",
                "a.csv.bak-20261101T120000Z-2"
            ]
        );
        assert_eq!(
            names(backups_of(&p)),
            [
                "a.csv.bak-20261101T120000Z-10",
                "a.csv.bak-20261102T000000Z"
            ]
        );
        // Other files' backups are not touched.
        assert!(
            dir.path()
                .join("a.csv.summary.json.bak-20261101T000000Z")
                .exists()
        );
        assert!(dir.path().join("b.csv.bak-20261101T000000Z").exists());
    }

    #[test]
    fn move_aside_keeps_both() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        fs::write(&p, "1").unwrap();
        let b1 = move_aside(&p).unwrap();
        fs::write(&p, "2").unwrap();
        let b2 = move_aside(&p).unwrap();
        assert_ne!(b1, b2);
        assert_eq!(fs::read_to_string(b1).unwrap(), "1");
        assert_eq!(fs::read_to_string(b2).unwrap(), "2");
        assert!(!p.exists());
        assert_eq!(parent_dir(Path::new("x.csv")), PathBuf::from("."));
    }
}
