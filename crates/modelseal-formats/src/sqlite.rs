//! An SQLite database (`mlflow.db`, caches): the text in its tables, read
//! through the real SQLite library.
//!
//! The database is copied into SQLite's memory (never a file on disk) and
//! opened read-only, with triggers, views and untrusted schema functions off.
//! Each ordinary table is selected row by row, within a row count and a byte
//! count per table, and each text cell (and each blob that is valid UTF-8)
//! is reported as `<table>[<rowid>].<column>`, the way a person would look it
//! up (`runs[1].artifact_uri` in an MLflow store). In a key/value table (one
//! with `key` and `value` columns, as MLflow's `tags` and `params`), the value
//! is reported under its key instead (`params[3].hub_token`), so that rules
//! which need a key name (`password = ...`) see one. Virtual tables are not selected
//! (their content sits in shadow tables that are), nor SQLite's own tables.
//! A progress handler bounds the work SQLite does on a hostile file.

use std::io::{Read, Seek, SeekFrom};

use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, MAIN_DB, OpenFlags};

use crate::limits::{Budget, Metered, limit_message};
use crate::reading::{Stop, Values, path_text};
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

/// Rows read from one table.
const MAX_ROWS: u64 = 200_000;
/// Tables read from one database.
const MAX_TABLES: usize = 10_000;
/// Values reported from one database.
const MAX_VALUES: u64 = 2_000_000;
/// SQLite virtual machine steps between two calls of the progress handler,
/// and the calls allowed: about 10^9 steps, seconds of work.
const PROGRESS_STEP: i32 = 10_000;
const MAX_PROGRESS_CALLS: u64 = 100_000;
/// Bytes of a table or column name kept in a path.
const MAX_NAME: usize = 256;

/// Reads `blob` as an SQLite database and reports the text in its tables.
pub fn read(mut blob: Blob<'_>, visitor: &mut dyn Visitor, budget: &Budget) {
    let db = match open(&mut blob, budget) {
        Ok(db) => db,
        Err(notice) => return visitor.notice(notice),
    };
    let mut report = Report {
        visitor,
        values: Values::new(MAX_VALUES),
    };
    if let Err(notice) = tables(&db, &mut report, budget) {
        report.visitor.notice(notice);
    }
    if let Some(dropped) = report.values.dropped("values") {
        report.visitor.notice(dropped);
    }
}

/// Copies the database into SQLite's memory and opens it read-only.
fn open(blob: &mut Blob<'_>, budget: &Budget) -> Result<Connection, Notice> {
    let max = budget.limits.max_buffered;
    let too_big = |size: &dyn std::fmt::Display| {
        Notice::new(
            NoticeKind::Limit,
            None,
            format!(
                "an SQLite database of {size} bytes is larger than the {max} bytes held in memory to open it (max_buffered): not read"
            ),
        )
    };
    let cannot_read =
        |e: &std::io::Error| Stop::from_io(e, || format!("cannot read the database: {e}")).notice();
    // A seekable file says its size and is copied once; a stream is held
    // in a buffer first.
    let (size, buffered) = match blob {
        Blob::Seekable(reader) => {
            let size = reader
                .seek(SeekFrom::End(0))
                .and_then(|size| reader.seek(SeekFrom::Start(0)).map(|_| size))
                .map_err(|e| cannot_read(&e))?;
            if size > max {
                return Err(too_big(&size));
            }
            (size, None)
        }
        Blob::Stream(reader) => {
            let mut buffer = Vec::new();
            Metered::new(&mut *reader, max, "max_buffered")
                .read_to_end(&mut buffer)
                .map_err(|e| match limit_message(&e) {
                    Some(_) => too_big(&format!("more than {max}")),
                    None => cannot_read(&e),
                })?;
            (buffer.len() as u64, Some(buffer))
        }
    };
    if let Some(buffer) = &buffered {
        check_header(buffer.get(..HEADER_LEN).unwrap_or(buffer), size)?;
    } else if let Blob::Seekable(reader) = blob {
        let mut header = Vec::with_capacity(HEADER_LEN);
        (&mut *reader)
            .take(HEADER_LEN as u64)
            .read_to_end(&mut header)
            .and_then(|_| reader.seek(SeekFrom::Start(0)))
            .map_err(|e| cannot_read(&e))?;
        check_header(&header, size)?;
    }
    let size = usize::try_from(size).map_err(|_| too_big(&size))?;
    let mut db = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sqlite_notice(None, &e))?;
    harden(&mut db, budget).map_err(|e| sqlite_notice(None, &e))?;
    let loaded = match buffered {
        Some(buffer) => db.deserialize_read_exact(MAIN_DB, &buffer[..], size, true),
        None => db.deserialize_read_exact(MAIN_DB, blob.reader().take(size as u64), size, true),
    };
    loaded.map_err(|e| sqlite_notice(None, &e))?;
    Ok(db)
}

/// Bytes of the database header.
const HEADER_LEN: usize = 100;

/// Checks that the file holds the pages its header declares: SQLite would
/// read a cut file without complaint as long as the pages it needs are there.
fn check_header(header: &[u8], size: u64) -> Result<(), Notice> {
    let corrupt = |message: String| Notice::new(NoticeKind::Corrupt, None, message);
    let (Some(page_size), Some(change), Some(pages), Some(valid_for)) = (
        header.get(16..18),
        header.get(24..28),
        header.get(28..32),
        header.get(92..96),
    ) else {
        return Err(corrupt(format!(
            "truncated: {size} bytes, shorter than the {HEADER_LEN}-byte database header"
        )));
    };
    let be = |bytes: &[u8]| bytes.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b));
    let page_size = match be(page_size) {
        1 => 65_536,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => return Err(corrupt(format!("page size {n} is not one SQLite writes"))),
    };
    // The page count in the header is only kept up to date by SQLite 3.7.0
    // and later, which mark it valid with the change counter.
    let pages = be(pages);
    if change == valid_for && pages > 0 {
        let declared = u64::from(pages) * page_size;
        if declared > size {
            return Err(corrupt(format!(
                "truncated: the header declares {pages} pages of {page_size} bytes ({declared} bytes) but the file has {size}"
            )));
        }
    }
    if !size.is_multiple_of(page_size) {
        return Err(corrupt(format!(
            "truncated: {size} bytes is not a whole number of {page_size}-byte pages"
        )));
    }
    Ok(())
}

/// Settings that keep a hostile database from doing more than being read.
fn harden(db: &mut Connection, budget: &Budget) -> rusqlite::Result<()> {
    for (config, on) in [
        (DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true),
        (DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false),
        (DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false),
    ] {
        db.set_db_config(config, on)?;
    }
    let longest = i32::try_from(budget.limits.max_segment)
        .unwrap_or(i32::MAX)
        .max(1);
    db.set_limit(Limit::SQLITE_LIMIT_LENGTH, longest)?;
    db.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    let mut calls = 0u64;
    db.progress_handler(
        PROGRESS_STEP,
        Some(move || {
            calls += 1;
            calls > MAX_PROGRESS_CALLS
        }),
    )?;
    db.pragma_update(None, "query_only", true)?;
    db.pragma_update(None, "cell_size_check", true)?;
    Ok(())
}

struct Report<'v> {
    visitor: &'v mut dyn Visitor,
    values: Values,
}

impl Report<'_> {
    fn value(&mut self, path: &str, value: &[u8]) {
        self.values.report(self.visitor, path, value);
    }
}

/// The ordinary tables, in the order they were created.
fn tables(db: &Connection, report: &mut Report<'_>, budget: &Budget) -> Result<(), Notice> {
    let mut names: Vec<String> = Vec::new();
    let mut unnamed = 0u64;
    {
        let mut statement = db
            .prepare(
                "SELECT name FROM sqlite_schema \
                 WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
                 AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid",
            )
            .map_err(|e| sqlite_notice(None, &e))?;
        let mut rows = statement.query([]).map_err(|e| sqlite_notice(None, &e))?;
        while let Some(row) = rows.next().map_err(|e| sqlite_notice(None, &e))? {
            // A name that is not UTF-8 cannot be quoted into a query.
            match row.get_ref(0) {
                Ok(ValueRef::Text(name)) => match std::str::from_utf8(name) {
                    Ok(name) => names.push(name.to_owned()),
                    Err(_) => unnamed += 1,
                },
                _ => unnamed += 1,
            }
            if names.len() > MAX_TABLES {
                report.visitor.notice(Notice::new(
                    NoticeKind::Limit,
                    None,
                    format!("more than {MAX_TABLES} tables: the rest are not read"),
                ));
                names.pop();
                break;
            }
        }
    }
    if unnamed > 0 {
        report.visitor.notice(Notice::new(
            NoticeKind::Unsupported,
            None,
            format!("{unnamed} table(s) whose names are not UTF-8 were not read"),
        ));
    }
    for name in &names {
        table(db, name, report, budget)?;
    }
    Ok(())
}

/// One table's text cells, within `MAX_ROWS` rows and `max_segment` bytes.
fn table(
    db: &Connection,
    name: &str,
    report: &mut Report<'_>,
    budget: &Budget,
) -> Result<(), Notice> {
    let shown = path_text(name.as_bytes(), MAX_NAME);
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    // Rows are named by their rowid; a table without one (WITHOUT ROWID)
    // by the order it returns them in.
    let with_rowid = format!("SELECT _rowid_, * FROM {quoted} LIMIT {}", MAX_ROWS + 1);
    let (mut statement, has_rowid) = match db.prepare(&with_rowid) {
        Ok(statement) => (statement, true),
        Err(_) => (
            db.prepare(&format!("SELECT * FROM {quoted} LIMIT {}", MAX_ROWS + 1))
                .map_err(|e| sqlite_notice(Some(&shown), &e))?,
            false,
        ),
    };
    let skip = usize::from(has_rowid);
    let names = column_names(db, &quoted).map_err(|e| sqlite_notice(Some(&shown), &e))?;
    let columns: Vec<String> = (0..statement.column_count().saturating_sub(skip))
        .map(|i| {
            names
                .get(i)
                .cloned()
                .unwrap_or_else(|| format!("column{i}"))
        })
        .collect();
    // A key/value table: the column holding the key, and the one holding the value.
    let key_value = column_named(&columns, "key").zip(column_named(&columns, "value"));
    let mut rows = statement
        .query([])
        .map_err(|e| sqlite_notice(Some(&shown), &e))?;
    let mut index = 0u64;
    let mut bytes = 0u64;
    while let Some(row) = rows.next().map_err(|e| sqlite_notice(Some(&shown), &e))? {
        if index >= MAX_ROWS {
            report.visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(&shown),
                format!("more than {MAX_ROWS} rows: the rest are not read"),
            ));
            break;
        }
        let id = if has_rowid {
            row.get::<_, i64>(0)
                .map_or(index.to_string(), |id| id.to_string())
        } else {
            index.to_string()
        };
        let text = |column: usize| match row.get_ref(column + skip) {
            Ok(ValueRef::Text(text)) => Some(text),
            Ok(ValueRef::Blob(blob)) if std::str::from_utf8(blob).is_ok() => Some(blob),
            _ => None,
        };
        let key = key_value
            .and_then(|(key, _)| text(key))
            .filter(|k| !k.is_empty());
        for (column, label) in columns.iter().enumerate() {
            let Some(value) = text(column) else {
                continue;
            };
            let label = match (key, key_value) {
                (Some(key), Some((_, value_column))) if value_column == column => {
                    path_text(key, MAX_NAME)
                }
                _ => label.clone(),
            };
            bytes = bytes.saturating_add(value.len() as u64);
            if bytes > budget.limits.max_segment {
                report.visitor.notice(Notice::new(
                    NoticeKind::Limit,
                    Some(&shown),
                    format!(
                        "more than {} bytes of text (max_segment): the rest of the table is not read",
                        budget.limits.max_segment
                    ),
                ));
                return Ok(());
            }
            report.value(&format!("{shown}[{id}].{label}"), value);
        }
        index += 1;
    }
    Ok(())
}

/// The names of the columns `SELECT *` returns from table `quoted`, in
/// order (read as values: rusqlite's own column names must be UTF-8).
fn column_names(db: &Connection, quoted: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = db.prepare(&format!("PRAGMA table_xinfo({quoted})"))?;
    let mut rows = statement.query([])?;
    let mut names = Vec::new();
    while let Some(row) = rows.next()? {
        // Hidden columns (of virtual tables) are not in `SELECT *`;
        // generated ones (2, 3) are.
        if matches!(row.get_ref(6), Ok(ValueRef::Integer(1))) {
            continue;
        }
        names.push(match row.get_ref(1) {
            Ok(ValueRef::Text(name)) => path_text(name, MAX_NAME),
            _ => format!("column{}", names.len()),
        });
    }
    Ok(names)
}

/// The index of the column called `name` (in any case), if there is one.
fn column_named(columns: &[String], name: &str) -> Option<usize> {
    columns.iter().position(|c| c.eq_ignore_ascii_case(name))
}

/// The notice for an error from SQLite, about table `table` if given.
fn sqlite_notice(table: Option<&str>, error: &rusqlite::Error) -> Notice {
    let (kind, message) = match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => (
            NoticeKind::Corrupt,
            "not an SQLite database, or an encrypted one: not read".to_owned(),
        ),
        Some(ErrorCode::DatabaseCorrupt) => (
            NoticeKind::Corrupt,
            format!("the database is damaged: {error}"),
        ),
        Some(ErrorCode::OperationInterrupted) => (
            NoticeKind::Limit,
            "SQLite worked too long on this database: the rest is not read".to_owned(),
        ),
        Some(ErrorCode::TooBig) => (
            NoticeKind::Limit,
            "a value is larger than max_segment: the rest is not read".to_owned(),
        ),
        Some(ErrorCode::OutOfMemory) => (
            NoticeKind::Limit,
            "SQLite ran out of memory reading this database".to_owned(),
        ),
        _ => (
            NoticeKind::Corrupt,
            format!("cannot read the database: {error}"),
        ),
    };
    Notice::new(kind, table, message)
}

#[cfg(test)]
mod tests;
