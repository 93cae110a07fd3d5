//! Files we write are private, whatever the umask: the data folder and the folders we make
//! in it 0700, every file 0600 (the database holds names, birth dates and ECK iDs; the mail
//! holds names and links; the master key and the admin token open everything). A umask of
//! 022, the usual default, would otherwise leave them readable by every local user.
//!
//! The mode is given when the file or folder is created, never set afterwards, so there is
//! no moment at which it is readable by others. SQLite creates its `-wal` and `-shm` files
//! with the mode of the database file, so creating that file 0600 first covers all three.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Owner only: read, write, enter.
pub const DIR_MODE: u32 = 0o700;
/// Owner only: read and write.
pub const FILE_MODE: u32 = 0o600;

/// `fs::create_dir_all` with every folder it creates 0700 (folders that exist are left as
/// they are: the data folder may be one the operator made on purpose).
pub fn create_dir_all(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    builder.create(path)
}

fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Creates `path` 0600 for writing; fails if it exists (`AlreadyExists`), so two processes
/// racing to create it can tell who won.
pub fn create_new(path: &Path) -> io::Result<File> {
    options().write(true).create_new(true).open(path)
}

/// Writes `bytes` to `path`, created 0600 when new (an existing file is replaced in place
/// and made 0600 too).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut file = options().write(true).create(true).truncate(true).open(path)?;
    restrict(&file)?;
    file.write_all(bytes)
}

/// Makes sure `path` exists as a file, 0600: created so when new, an existing one (ours,
/// from a version that did not do this) made 0600.
pub fn ensure_file(path: &Path) -> io::Result<()> {
    let file = options().write(true).create(true).truncate(false).open(path)?;
    restrict(&file)
}

fn restrict(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_0700_and_files_0600_and_an_old_file_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        create_dir_all(&dir).unwrap();
        assert_eq!((mode(&tmp.path().join("a")), mode(&dir)), (0o700, 0o700));
        write(&dir.join("w"), b"x").unwrap();
        create_new(&dir.join("n")).unwrap();
        assert!(create_new(&dir.join("n")).is_err());
        let old = dir.join("old");
        fs::write(&old, b"x").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o644)).unwrap();
        ensure_file(&old).unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"x", "kept as it was");
        for f in ["w", "n", "old"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
    }
}
