//! SQLite only: the epoch read made on the calling thread, on a connection
//! of its own. Every sqlx SQLite statement is handed to the connection's
//! worker thread and its answer handed back (two thread switches, most of
//! what reading one row costs); every request reads the epoch, so this one
//! statement is made here instead. Reading a row in WAL mode takes
//! microseconds and never waits for a writer; where it would have to wait
//! (a checkpoint or a recovery holds a lock: `SQLITE_BUSY`, no busy
//! timeout is set) or the other runtime thread is using the connection,
//! `read` says `None` and the caller takes the usual way, which waits.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

pub(super) struct InlineEpoch {
    path: PathBuf,
    /// Opened at the first read, and again after a failed one.
    connection: Mutex<Option<Connection>>,
    closed: AtomicBool,
}

impl InlineEpoch {
    /// For the SQLite database file at `path`.
    pub(super) fn new(path: PathBuf) -> Self {
        InlineEpoch {
            path,
            connection: Mutex::default(),
            closed: AtomicBool::new(false),
        }
    }

    /// The epoch, if it could be read now without waiting.
    pub(super) fn read(&self) -> Option<i64> {
        if self.closed.load(Ordering::Acquire) {
            return None;
        }
        let mut place = self.connection.try_lock().ok()?;
        if place.is_none() {
            *place = Some(self.open().ok()?);
        }
        let connection = place.as_ref()?;
        let epoch = connection
            .prepare_cached("SELECT epoch FROM cache_epoch WHERE id = 1")
            .and_then(|mut statement| statement.query_row([], |row| row.get::<_, i64>(0)));
        match epoch {
            Ok(epoch) => Some(epoch),
            Err(_) => {
                // Busy, or something worse: the usual way tells which. The
                // connection is opened afresh next time.
                *place = None;
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
        self.closed.store(true, Ordering::Release);
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

    fn database() -> (tempfile::TempDir, PathBuf, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("epoch.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE cache_epoch (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL);
                 INSERT INTO cache_epoch VALUES (1, 7);",
            )
            .unwrap();
        (dir, path, writer)
    }

    #[test]
    fn reads_what_another_connection_committed() {
        let (_dir, path, writer) = database();
        let epoch = InlineEpoch::new(path);
        assert_eq!(epoch.read(), Some(7));
        writer
            .execute("UPDATE cache_epoch SET epoch = epoch + 1", [])
            .unwrap();
        assert_eq!(epoch.read(), Some(8));
    }

    #[test]
    fn a_locked_database_is_left_to_the_usual_way_at_once() {
        let (_dir, path, writer) = database();
        let epoch = InlineEpoch::new(path);
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
        let (_dir, path, _writer) = database();
        let epoch = InlineEpoch::new(path);
        assert_eq!(epoch.read(), Some(7));
        epoch.close();
        assert_eq!(epoch.read(), None);
    }
}
