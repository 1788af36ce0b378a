//! The files iro writes about children (`.eml` messages, CAFCASS packs, reports): never through a
//! symlink, never over a file already there, only in directories no one else can use, and a set of
//! files appears whole or not at all.
//!
//! A file is written under a temporary name created exclusively (`O_CREAT | O_EXCL`, which refuses a
//! symlink planted at that name rather than following it), synced, then hard-linked to its real name
//! (which fails if anything is there) and the temporary name removed. A directory iro creates is 0700;
//! one that exists must be a real directory owned by this user that nobody else may write.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why a file or directory could not be written, naming the path.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Something is already at a path where a new file or directory is asked for (a usage error).
    #[error(
        "{0} exists already: iro never writes over a file; choose another path or move it away"
    )]
    Exists(PathBuf),
    /// A directory that others could use to plant or read files (a usage error).
    #[error("{path}: {why}")]
    Unsafe { path: PathBuf, why: String },
    #[error("{path}: {cause}")]
    Io { path: PathBuf, cause: io::Error },
}

impl FileError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> FileError + '_ {
        move |cause| FileError::Io {
            path: path.to_path_buf(),
            cause,
        }
    }
}

/// What `write_new` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    New,
    /// The same bytes were there already (an earlier run wrote them and stopped before saying so).
    AlreadyThere,
}

/// Makes sure `dir` is a directory iro may write into: created (with any missing parents) readable by
/// its owner only when missing; when it exists, a real directory (not a symlink) owned by this user and
/// writable by no one else.
pub fn private_dir(dir: &Path) -> Result<(), FileError> {
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(dir).map_err(FileError::io(dir))?;
            check_dir(dir)
        }
        Err(e) => Err(FileError::io(dir)(e)),
        Ok(_) => check_dir(dir),
    }
}

fn check_dir(dir: &Path) -> Result<(), FileError> {
    let meta = std::fs::symlink_metadata(dir).map_err(FileError::io(dir))?;
    let unsafe_dir = |why: &str| FileError::Unsafe {
        path: dir.to_path_buf(),
        why: why.to_string(),
    };
    if meta.file_type().is_symlink() {
        return Err(unsafe_dir(
            "is a symbolic link: iro writes only into a real directory",
        ));
    }
    if !meta.is_dir() {
        return Err(unsafe_dir("is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.uid() != nix::unistd::geteuid().as_raw() {
            return Err(unsafe_dir(
                "belongs to another user: iro writes only into a directory of its own user",
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(unsafe_dir(&format!(
                "can be written by other users (mode {:o}): run chmod go-w on it",
                meta.mode() & 0o777
            )));
        }
    }
    Ok(())
}

/// Writes a new file `dir/name` readable by its owner only, whole or not at all, never over anything
/// already at that name (the same bytes already there count as written).
pub fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<Written, FileError> {
    write_new_with(dir, name, |file| file.write_all(bytes), Some(bytes))
}

/// As [`write_new`], with the bytes written by `fill`; `same` lets a file already holding exactly those
/// bytes count as written.
pub fn write_new_with(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    same: Option<&[u8]>,
) -> Result<Written, FileError> {
    let path = dir.join(name);
    if let Ok(meta) = std::fs::symlink_metadata(&path) {
        let identical = meta.is_file()
            && !meta.file_type().is_symlink()
            && same.is_some_and(|bytes| std::fs::read(&path).is_ok_and(|there| there == bytes));
        return if identical {
            Ok(Written::AlreadyThere)
        } else {
            Err(FileError::Exists(path))
        };
    }
    let temporary = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let result = (|| -> Result<(), FileError> {
        let mut file = create_exclusive(&temporary).map_err(|cause| match cause.kind() {
            io::ErrorKind::AlreadyExists => FileError::Exists(temporary.clone()),
            _ => FileError::io(&temporary)(cause),
        })?;
        fill(&mut file).map_err(FileError::io(&path))?;
        file.sync_all().map_err(FileError::io(&path))?;
        drop(file);
        std::fs::hard_link(&temporary, &path).map_err(|cause| match cause.kind() {
            io::ErrorKind::AlreadyExists => FileError::Exists(path.clone()),
            _ => FileError::io(&path)(cause),
        })
    })();
    // The temporary name goes whatever happened; it was ours alone.
    if !matches!(&result, Err(FileError::Exists(p)) if *p == temporary) {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map(|()| Written::New)
}

/// A file created new, readable and writable by its owner only; refuses to follow a symlink.
pub fn create_exclusive(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC);
    }
    options.open(path)
}

/// Appends one line to a file kept outside the database (a witness of the chain's head), creating it
/// readable by its owner only; never through a symlink, and the line written whole and synced.
pub fn append_line(path: &Path, line: &str) -> Result<(), FileError> {
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_CLOEXEC);
    }
    let mut file = options.open(path).map_err(FileError::io(path))?;
    file.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(FileError::io(path))
}

/// A new directory whose files all appear at `out` together: they are written into a private temporary
/// directory beside it, which is renamed to `out` only by `finish`. Dropped unfinished (an error, a full
/// disk), it removes what it wrote and leaves nothing at `out`.
pub struct Staging {
    staging: PathBuf,
    out: PathBuf,
    finished: bool,
}

impl Staging {
    /// Starts writing a new directory `out`, which must not exist yet (an empty directory of this
    /// user's is taken as not yet written).
    pub fn new(out: &Path) -> Result<Staging, FileError> {
        if let Ok(meta) = std::fs::symlink_metadata(out) {
            let empty_dir = meta.is_dir()
                && !meta.file_type().is_symlink()
                && std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_none());
            if !empty_dir {
                return Err(FileError::Exists(out.to_path_buf()));
            }
            check_dir(out)?;
        }
        let name = out
            .file_name()
            .ok_or_else(|| FileError::Unsafe {
                path: out.to_path_buf(),
                why: "names no directory".into(),
            })?
            .to_string_lossy()
            .into_owned();
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // The staging directory below is private and made exclusively, so the parent may be shared.
        if std::fs::symlink_metadata(&parent).is_err() {
            private_dir(&parent)?;
        }
        let staging = parent.join(format!(".{name}.{}.partial", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        // Not recursive: a symlink or anything else planted at the staging name is refused.
        builder
            .create(&staging)
            .map_err(|cause| match cause.kind() {
                io::ErrorKind::AlreadyExists => FileError::Exists(staging.clone()),
                _ => FileError::io(&staging)(cause),
            })?;
        Ok(Staging {
            staging,
            out: out.to_path_buf(),
            finished: false,
        })
    }

    /// Writes one file of the set.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), FileError> {
        self.write_with(name, |file| file.write_all(bytes))
    }

    /// Writes one file of the set through `fill`.
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<(), FileError> {
        write_new_with(&self.staging, name, fill, None).map(drop)
    }

    /// Puts the whole set in place at `out`.
    pub fn finish(mut self) -> Result<PathBuf, FileError> {
        // An empty directory at `out` (checked in `new`) is replaced; anything else makes rename fail.
        std::fs::rename(&self.staging, &self.out).map_err(|cause| {
            if matches!(
                cause.kind(),
                io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty
            ) {
                FileError::Exists(self.out.clone())
            } else {
                FileError::io(&self.out)(cause)
            }
        })?;
        self.finished = true;
        Ok(self.out.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_is_private_and_never_replaces_another() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("out");
        private_dir(&out).expect("made");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert_eq!(
            write_new(&out, "1.eml", b"one").expect("written"),
            Written::New
        );
        assert_eq!(
            write_new(&out, "1.eml", b"one").expect("same again"),
            Written::AlreadyThere
        );
        assert!(matches!(
            write_new(&out, "1.eml", b"other"),
            Err(FileError::Exists(_))
        ));
        assert_eq!(std::fs::read(out.join("1.eml")).expect("read"), b"one");
        let left: Vec<_> = std::fs::read_dir(&out).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn planted_symlinks_are_refused_and_their_targets_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").expect("write");
        let out = dir.path().join("out");
        private_dir(&out).expect("made");
        // At the final name, and at the temporary name this process would use.
        std::os::unix::fs::symlink(&victim, out.join("1.eml")).expect("link");
        let temporary = format!(".2.eml.{}.partial", std::process::id());
        std::os::unix::fs::symlink(&victim, out.join(&temporary)).expect("link");
        assert!(write_new(&out, "1.eml", b"child data").is_err());
        assert!(write_new(&out, "2.eml", b"child data").is_err());
        assert_eq!(std::fs::read(&victim).expect("read"), b"precious");
        // A symlinked directory is refused too.
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&out, &linked).expect("link");
        assert!(matches!(
            private_dir(&linked),
            Err(FileError::Unsafe { .. })
        ));
    }

    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_write_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).expect("mkdir");
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        let err = private_dir(&shared).expect_err("refused");
        assert!(err.to_string().contains("other users"), "{err}");
    }

    #[test]
    fn a_staged_set_appears_whole_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("pack");
        let staging = Staging::new(&out).expect("staging");
        staging.write("a.md", b"# a").expect("a");
        // The disk fills while the second file is written.
        let full = staging.write_with("b.html", |file| {
            file.write_all(b"<html>")?;
            Err(io::Error::from_raw_os_error(28))
        });
        assert!(full.is_err());
        drop(staging);
        assert!(!out.exists(), "nothing at --out after a failed write");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert!(
            left.is_empty(),
            "the staging directory is removed: {left:?}"
        );
        // A second run into the same --out then succeeds.
        let staging = Staging::new(&out).expect("staging again");
        staging.write("a.md", b"# a").expect("a");
        assert_eq!(staging.finish().expect("finished"), out);
        assert_eq!(std::fs::read(out.join("a.md")).expect("read"), b"# a");
        assert!(matches!(Staging::new(&out), Err(FileError::Exists(_))));
    }
}
