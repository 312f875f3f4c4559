//! Reading columns of `AnyRow`s into domain types; a value that does not
//! parse is reported as corrupt data, never a panic.

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{Decode, Row, Type};

use super::StorageError;
use super::time::from_ms;

pub(super) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T, StorageError>
where
    T: Decode<'r, sqlx::Any> + Type<sqlx::Any>,
{
    row.try_get(column)
        .map_err(|e| StorageError::Corrupt(format!("column {column}: {e}")))
}

pub(super) fn parse<T>(row: &AnyRow, column: &str) -> Result<T, StorageError>
where
    T: FromStr,
    T::Err: Display,
{
    let text: String = get(row, column)?;
    text.parse()
        .map_err(|e| StorageError::Corrupt(format!("column {column}: {e}")))
}

pub(super) fn parse_opt<T>(row: &AnyRow, column: &str) -> Result<Option<T>, StorageError>
where
    T: FromStr,
    T::Err: Display,
{
    let text: Option<String> = get(row, column)?;
    text.map(|t| t.parse())
        .transpose()
        .map_err(|e| StorageError::Corrupt(format!("column {column}: {e}")))
}

pub(super) fn timestamp(row: &AnyRow, column: &str) -> Result<DateTime<Utc>, StorageError> {
    from_ms(get(row, column)?)
}
