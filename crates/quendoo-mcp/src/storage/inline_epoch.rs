//! SQLite only: the epoch read made on the calling thread, on a connection
//! of its own. Every sqlx SQLite statement is handed to the connection's
//! worker thread and its answer handed back (two thread switches, most of
//! what reading one row costs); every request reads the epoch, so this one
//! statement is made here instead. Reading a row in WAL mode takes
//! microseconds and never waits for a writer; where it would have to wait
//! (a checkpoint or a recovery holds a lock: `SQLITE_BUSY`, no busy
//! timeout is set) or the other runtime thread is using the connection,
//! `read` says `None` and the caller takes the usual way, which waits. A
//! file that cannot be opened turns the inline read off for good (once,
//! with a warning), rather than trying again on every request.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub(super) struct InlineEpoch {
    path: PathBuf,
    /// Opened at the first read, and again after a failed statement.
    connection: Mutex<Option<Connection>>,
    /// Closed, or the file could not be opened: every read says `None`.
    off: AtomicBool,
}

impl InlineEpoch {
    /// For the SQLite database file at `path`.
    pub(super) fn new(path: PathBuf) -> Self {
        InlineEpoch {
            path,
            connection: Mutex::default(),
            off: AtomicBool::new(false),
        }
    }

    /// The epoch, if it could be read now without waiting.
    pub(super) fn read(&self) -> Option<i64> {
        if self.off.load(Ordering::Acquire) {
            return None;
        }
        let mut place = self.connection.try_lock().ok()?;
        if place.is_none() {
            match self.open() {
                Ok(connection) => *place = Some(connection),
                Err(error) => {
                    self.off.store(true, Ordering::Release);
                    tracing::warn!(%error, "the SQLite file cannot be opened for the epoch read on \
                        the request's thread: every request takes the shared read instead");
                    return None;
                }
            }
        }
        let connection = place.as_ref()?;
        let epoch = connection
            .prepare_cached("SELECT epoch FROM cache_epoch WHERE id = 1")
            .and_then(|mut statement| statement.query_row([], |row| row.get::<_, i64>(0)));
        match epoch {
            Ok(epoch) => Some(epoch),
            Err(error) => {
                // Busy passes; anything worse the usual way reports, and the
                // connection is opened afresh next time.
                let busy = matches!(
                    error.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                );
                if !busy {
                    *place = None;
                }
                None
            }
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        // The file exists (the store made it and ran its migrations); a
        // read-write handle, never creating, as SQLite needs to read WAL.
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(Duration::ZERO)?;
        Ok(connection)
    }

    /// Closes the connection; reads say `None` from now on.
    pub(super) fn close(&self) {
        self.off.store(true, Ordering::Release);
        if let Ok(mut place) = self.connection.lock() {
            place.take();
        }
    }
}

impl std::fmt::Debug for InlineEpoch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InlineEpoch")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAL database at epoch 7 in `dir`, the connection that made it
    /// (another writer), and an inline reader of it.
    fn database(dir: &tempfile::TempDir) -> (Connection, InlineEpoch) {
        let path = dir.path().join("epoch.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE cache_epoch (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL);
                 INSERT INTO cache_epoch VALUES (1, 7);",
            )
            .unwrap();
        (writer, InlineEpoch::new(path))
    }

    #[test]
    fn reads_what_another_connection_committed() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, epoch) = database(&dir);
        assert_eq!(epoch.read(), Some(7));
        writer
            .execute("UPDATE cache_epoch SET epoch = epoch + 1", [])
            .unwrap();
        assert_eq!(epoch.read(), Some(8));
    }

    #[test]
    fn a_locked_database_is_left_to_the_usual_way_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, epoch) = database(&dir);
        // An exclusive lock in WAL mode keeps every other reader out.
        writer
            .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE;")
            .unwrap();
        let started = std::time::Instant::now();
        assert_eq!(epoch.read(), None);
        assert!(started.elapsed() < Duration::from_secs(1), "it waited");
        writer
            .execute_batch("COMMIT; PRAGMA locking_mode = NORMAL; SELECT 1 FROM cache_epoch;")
            .unwrap();
        assert_eq!(epoch.read(), Some(7));
    }

    #[test]
    fn closed_reads_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (_writer, epoch) = database(&dir);
        assert_eq!(epoch.read(), Some(7));
        epoch.close();
        assert_eq!(epoch.read(), None);
    }

    #[test]
    fn a_file_that_cannot_be_opened_is_not_tried_again() {
        let dir = tempfile::tempdir().unwrap();
        let epoch = InlineEpoch::new(dir.path().join("epoch.db"));
        assert_eq!(epoch.read(), None);
        // The file is there now; the inline read stays off.
        let (_writer, later) = database(&dir);
        assert_eq!(later.read(), Some(7));
        assert_eq!(epoch.read(), None);
    }
}
