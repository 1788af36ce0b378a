//! The storage seam: what a database backend gives the store, and the codecs values cross it by.
//!
//! The store's typed reads and writes are written once, over [`Session`] (one transaction); a backend
//! supplies the connection, the transaction, the binding of parameters and the reading of rows, and its
//! dialect's text of the few statements that differ ([`Sql::postgres`]). Every value crosses as a bound
//! parameter ([`Bind`]) and comes back through a codec ([`Decode`]): no value is ever spliced into SQL.
//! A backend passes the conformance suite (`store::conformance`) before it is trusted.

use std::borrow::Cow;

use chrono::format::{Item, Numeric, Pad};
use chrono::NaiveDate;

/// One statement, named so an error says which query failed, in the SQLite dialect (parameters `?1`,
/// `?2`, ...) and, where PostgreSQL's differs, in its own.
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: Option<&'static str>,
    /// The columns that name a row (its key), for a value that does not read: the first, unless
    /// said otherwise.
    pub key: &'static [usize],
}

impl Sql {
    /// A statement both dialects read alike.
    pub const fn new(name: &'static str, sql: &'static str) -> Sql {
        Sql {
            name,
            sqlite: sql,
            postgres: None,
            key: &[0],
        }
    }

    /// A statement whose PostgreSQL text differs.
    pub const fn each(name: &'static str, sqlite: &'static str, postgres: &'static str) -> Sql {
        Sql {
            name,
            sqlite,
            postgres: Some(postgres),
            key: &[0],
        }
    }

    /// The same statement, whose rows are named by `columns` (a matter and a number, say).
    pub const fn keyed_by(self, columns: &'static [usize]) -> Sql {
        Sql {
            key: columns,
            ..self
        }
    }
}

/// What went wrong below the store, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The database refused or failed the statement.
    #[error("{0}")]
    Database(String),
    /// A column held something its codec cannot read.
    #[error("column {column}: {why}")]
    Decode { column: usize, why: String },
    /// The same, told by the column's name and the row's key.
    #[error("{0}")]
    Unread(Box<Unread>),
    /// The caller's row handler stopped the query (its own error is kept by the caller).
    #[error("stopped by the reader")]
    Stopped,
}

/// A parameter value as a backend binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(Cow<'a, str>),
}

/// A column value as a backend reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Text(&'a str),
}

/// A value that goes into a statement as a bound parameter.
pub trait Bind {
    fn value(&self) -> Value<'_>;
}

/// A value read out of a column.
pub trait Decode: Sized {
    fn decode(value: ValueRef<'_>) -> Result<Self, String>;
}

/// A value that did not read, told so that whoever looks into it can find it: the row by its key (the
/// query's columns `Sql::key`) and the column by its name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{column}: {why}", whose(row))]
pub struct Unread {
    /// Each column of the row's key that read, by name, with its value.
    pub row: Vec<(String, String)>,
    pub column: String,
    pub why: String,
}

/// "the row whose matter is E-1 and seq is 2: ", or nothing for a row whose key did not read.
fn whose(key: &[(String, String)]) -> String {
    if key.is_empty() {
        return String::new();
    }
    let named: Vec<String> = key
        .iter()
        .map(|(name, value)| format!("{name} is {value}"))
        .collect();
    format!("the row whose {}: ", named.join(" and "))
}

impl BackendError {
    /// A column of `row` that did not read, told by the names of the column and of the row's key (the
    /// columns `key`): a backend turns each such error of its rows into this.
    pub fn in_row(self, row: &dyn Row, key: &[usize]) -> BackendError {
        let BackendError::Decode { column, why } = self else {
            return self;
        };
        let Some(name) = row.column_name(column) else {
            return BackendError::Decode { column, why };
        };
        let key = key
            .iter()
            .copied()
            .filter(|at| *at != column)
            .filter_map(|at| {
                let value = match row.column(at) {
                    Ok(ValueRef::Text(text)) => one_line(text),
                    Ok(ValueRef::Int(n)) => n.to_string(),
                    Ok(ValueRef::Null) | Err(_) => return None,
                };
                Some((row.column_name(at)?.to_string(), value))
            })
            .collect();
        BackendError::Unread(Box::new(Unread {
            row: key,
            column: name.to_string(),
            why: one_line(&why),
        }))
    }
}

/// Stored text quoted in what the store says of it, perhaps put there by hand: written out as the
/// terminal shows any text, on one line, so nothing in it moves a terminal or starts a line of its own.
pub fn one_line(text: &str) -> String {
    crate::text::shown(text)
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

/// One row of a query's result.
pub trait Row {
    fn column(&self, index: usize) -> Result<ValueRef<'_>, BackendError>;

    /// The name of column `index` in the query's result, where it has one.
    fn column_name(&self, index: usize) -> Option<&str>;

    /// Column `index` as the bytes of the text it holds, or none, not read as UTF-8 where the backend
    /// need not: for a text that is only compared, as the chain's hashes are with the hashes computed.
    fn text_bytes(&self, index: usize) -> Result<Option<&[u8]>, BackendError> {
        text_bytes_of(self.column(index)?, index)
    }

    /// Column `index` as it is stored, its text not read as UTF-8 where the backend need not: for a
    /// reader that only hashes what it reads (the audit's sum of the state tables). A value iro
    /// never writes is `Other`, which no row iro writes can equal.
    fn stored(&self, index: usize) -> Result<StoredValue<'_>, BackendError> {
        Ok(match self.column(index) {
            Ok(ValueRef::Null) => StoredValue::Null,
            Ok(ValueRef::Int(n)) => StoredValue::Int(n),
            Ok(ValueRef::Text(text)) => StoredValue::Text(text.as_bytes()),
            Err(BackendError::Decode { .. }) => StoredValue::Other,
            Err(e) => return Err(e),
        })
    }
}

/// A column's value as stored, unread (see `Row::stored`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredValue<'a> {
    Null,
    Int(i64),
    Text(&'a [u8]),
    Other,
}

/// The bytes of a text value, or none; anything else is the error reading it as text gives.
pub fn text_bytes_of(value: ValueRef<'_>, index: usize) -> Result<Option<&[u8]>, BackendError> {
    match value {
        ValueRef::Null => Ok(None),
        ValueRef::Text(text) => Ok(Some(text.as_bytes())),
        other => Err(BackendError::Decode {
            column: index,
            why: format!("expected text, found {other:?}"),
        }),
    }
}

impl dyn Row + '_ {
    /// Column `index` through its codec.
    pub fn get<T: Decode>(&self, index: usize) -> Result<T, BackendError> {
        T::decode(self.column(index)?).map_err(|why| BackendError::Decode { column: index, why })
    }

    /// Column `index` as the text the row holds, borrowed rather than copied, or none: for a reader
    /// of every row (the chain's walk), where copying each text out is much of the work.
    pub fn optional_text(&self, index: usize) -> Result<Option<&str>, BackendError> {
        match self.column(index)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(text) => Ok(Some(text)),
            other => Err(BackendError::Decode {
                column: index,
                why: format!("expected text, found {other:?}"),
            }),
        }
    }

    /// Column `index` as the bytes of the text the row holds (see [`Row::text_bytes`]).
    pub fn bytes(&self, index: usize) -> Result<&[u8], BackendError> {
        self.text_bytes(index)?.ok_or_else(|| BackendError::Decode {
            column: index,
            why: "expected text, found Null".into(),
        })
    }

    /// Column `index` as the text the row holds, borrowed rather than copied.
    pub fn text(&self, index: usize) -> Result<&str, BackendError> {
        self.optional_text(index)?
            .ok_or_else(|| BackendError::Decode {
                column: index,
                why: "expected text, found Null".into(),
            })
    }
}

/// One transaction on a database. Dropped without [`Session::commit`], it rolls back.
pub trait Session {
    /// Which dialect the statements are read in.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; gives how many rows it changed.
    fn execute(&self, sql: &Sql, params: &[&dyn Bind]) -> Result<u64, BackendError>;
    /// Runs a query and hands each row to `each`, in order, as it is read.
    fn query(
        &self,
        sql: &Sql,
        params: &[&dyn Bind],
        each: &mut dyn FnMut(&dyn Row) -> Result<(), BackendError>,
    ) -> Result<(), BackendError>;
    fn commit(self: Box<Self>) -> Result<(), BackendError>;
    /// Runs a migration's script: statements of the schema, none with parameters.
    fn batch(&self, script: &str) -> Result<(), BackendError>;
    /// The schema version the database is at.
    fn schema_version(&self) -> Result<i64, BackendError>;
    /// Records that the database is now at `version`.
    fn set_schema_version(&self, version: i64) -> Result<(), BackendError>;
}

/// The SQL dialects the store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Sql {
    /// The statement's text in `dialect`.
    pub fn text(&self, dialect: Dialect) -> &'static str {
        match (dialect, self.postgres) {
            (Dialect::Postgres, Some(text)) => text,
            _ => self.sqlite,
        }
    }
}

// Codecs for plain values.

impl Bind for str {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl Bind for String {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl<T: Bind + ?Sized> Bind for &T {
    fn value(&self) -> Value<'_> {
        (**self).value()
    }
}

impl<T: Bind> Bind for Option<T> {
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) => v.value(),
            None => Value::Null,
        }
    }
}

macro_rules! bind_int {
    ($($ty:ty),+) => {$(
        impl Bind for $ty {
            fn value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )+};
}
bind_int!(i64, i32, u32, u8, bool);

impl Bind for usize {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
    }
}

/// Dates are stored as ISO `YYYY-MM-DD` text, so they sort and compare as strings in either dialect.
impl Bind for NaiveDate {
    fn value(&self) -> Value<'_> {
        Value::Text(Cow::Owned(as_stored(self).to_string()))
    }
}

/// `%Y-%m-%d`, its items parsed once rather than at every day written.
const STORED_DAY: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
];

/// A day as it is stored: what it binds as, and what the audit's image of a row holds.
pub fn as_stored(day: &NaiveDate) -> impl std::fmt::Display + '_ {
    day.format_with_items(STORED_DAY.iter())
}

/// The same text, appended to `bytes`: the audit writes millions, and chrono's general formatter was
/// a tenth of its replaying. A year of four digits (every day the tool records) is written digit by
/// digit; any other goes through `as_stored`, which signs and widens it.
pub fn append_stored(day: &NaiveDate, bytes: &mut Vec<u8>) {
    use chrono::Datelike;
    let (year, month, date) = (day.year(), day.month(), day.day());
    let Ok(year @ 0..=9999) = u32::try_from(year) else {
        use std::io::Write;
        return write!(bytes, "{}", as_stored(day)).expect("a day writes into memory");
    };
    let digit = |n: u32| b'0' + (n % 10) as u8;
    bytes.extend_from_slice(&[
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(date / 10),
        digit(date),
    ]);
}

impl Decode for String {
    fn decode(value: ValueRef<'_>) -> Result<String, String> {
        match value {
            ValueRef::Text(text) => Ok(text.to_string()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}

impl Decode for i64 {
    fn decode(value: ValueRef<'_>) -> Result<i64, String> {
        match value {
            ValueRef::Int(n) => Ok(n),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

macro_rules! decode_int {
    ($($ty:ty),+) => {$(
        impl Decode for $ty {
            fn decode(value: ValueRef<'_>) -> Result<$ty, String> {
                let n = i64::decode(value)?;
                <$ty>::try_from(n).map_err(|_| format!("{n} is out of range"))
            }
        }
    )+};
}
decode_int!(u32, u8, usize, i32);

impl Decode for bool {
    fn decode(value: ValueRef<'_>) -> Result<bool, String> {
        Ok(i64::decode(value)? != 0)
    }
}

impl Decode for NaiveDate {
    fn decode(value: ValueRef<'_>) -> Result<NaiveDate, String> {
        let ValueRef::Text(text) = value else {
            return Err(format!("expected a date, found {value:?}"));
        };
        // ISO `YYYY-MM-DD` only, as every date is stored; read without a format string to interpret.
        let bytes: [u8; 10] = match text.as_bytes() {
            whole @ [_, _, _, _, b'-', _, _, b'-', _, _] => whole.try_into().expect("ten bytes"),
            _ => return Err(format!("'{text}' is not a date")),
        };
        // A national record reads millions of dates of a few thousand days: each day read is kept, by
        // its text, so the next reading of it is a look-up rather than a parse.
        let key = u128::from_le_bytes({
            let mut padded = [0u8; 16];
            padded[..10].copy_from_slice(&bytes);
            padded
        });
        let slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) >> 118) as usize;
        DAYS_READ.with(|days| {
            let mut days = days.borrow_mut();
            if let Some((read, day)) = days[slot] {
                if read == key {
                    return Ok(day);
                }
            }
            let day = text
                .parse::<NaiveDate>()
                .map_err(|_| format!("'{text}' is not a date"))?;
            days[slot] = Some((key, day));
            Ok(day)
        })
    }
}

thread_local! {
    /// The days decoded lately, by their text (1,024 slots, one day each).
    static DAYS_READ: std::cell::RefCell<Vec<Option<(u128, NaiveDate)>>> =
        std::cell::RefCell::new(vec![None; 1024]);
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: ValueRef<'_>) -> Result<Option<T>, String> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::decode(other).map(Some),
        }
    }
}

/// Codecs for the model's word enums: stored as the one word the command line and JSON use too.
macro_rules! words_codec {
    ($($ty:ty),+) => {$(
        impl Bind for $ty {
            fn value(&self) -> Value<'_> {
                Value::Text(Cow::Borrowed(self.as_str()))
            }
        }
        impl Decode for $ty {
            fn decode(value: ValueRef<'_>) -> Result<$ty, String> {
                String::decode(value)?.parse()
            }
        }
    )+};
}
words_codec!(
    crate::model::Role,
    crate::model::MatterState,
    crate::model::ActionStatus,
    crate::model::ReferralKind,
    crate::model::CafcassDecision,
    crate::model::DueItem,
    super::outbox::OutboxStatus
);

/// A stage is stored as its number.
impl Bind for crate::model::Stage {
    fn value(&self) -> Value<'_> {
        Value::Int(i64::from(self.number()))
    }
}

impl Decode for crate::model::Stage {
    fn decode(value: ValueRef<'_>) -> Result<crate::model::Stage, String> {
        crate::model::Stage::try_from(u8::decode(value)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MatterState, Stage};

    #[test]
    fn a_day_is_stored_as_its_iso_text_at_every_year() {
        let days = [
            NaiveDate::MIN,
            NaiveDate::from_ymd_opt(-1, 12, 31).expect("date"),
            NaiveDate::from_ymd_opt(0, 1, 1).expect("date"),
            NaiveDate::from_ymd_opt(7, 3, 9).expect("date"),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("date"),
            NaiveDate::from_ymd_opt(9999, 12, 31).expect("date"),
            NaiveDate::from_ymd_opt(10000, 1, 1).expect("date"),
            NaiveDate::MAX,
        ];
        let every_day_of_a_leap_year = NaiveDate::from_ymd_opt(2028, 1, 1)
            .expect("date")
            .iter_days()
            .take(366);
        for day in days.into_iter().chain(every_day_of_a_leap_year) {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(as_stored(&day).to_string(), text);
            let mut appended = b"before ".to_vec();
            append_stored(&day, &mut appended);
            assert_eq!(
                String::from_utf8(appended).expect("text"),
                format!("before {text}")
            );
        }
        assert_eq!(
            as_stored(&NaiveDate::from_ymd_opt(7, 3, 9).expect("date")).to_string(),
            "0007-03-09"
        );
    }

    #[test]
    fn values_come_back_through_their_codecs() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
        assert_eq!(date.value(), Value::Text("2026-11-26".into()));
        assert_eq!(NaiveDate::decode(ValueRef::Text("2026-11-26")), Ok(date));
        assert!(NaiveDate::decode(ValueRef::Text("26/11/2026")).is_err());
        assert_eq!(Stage::Two.value(), Value::Int(2));
        assert_eq!(Stage::decode(ValueRef::Int(3)), Ok(Stage::Three));
        assert!(Stage::decode(ValueRef::Int(4)).is_err());
        assert_eq!(MatterState::Drp.value(), Value::Text("drp".into()));
        assert_eq!(
            MatterState::decode(ValueRef::Text("qap")),
            Ok(MatterState::Qap)
        );
        assert!(MatterState::decode(ValueRef::Text("lost")).is_err());
        assert_eq!(Option::<u32>::decode(ValueRef::Null), Ok(None));
        assert_eq!(None::<i64>.value(), Value::Null);
        assert!(u32::decode(ValueRef::Int(-1)).is_err());
    }
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn a_day_read_again_is_the_same_day_whatever_shares_its_slot() {
        let first = NaiveDate::from_ymd_opt(1990, 1, 1).expect("a date");
        // Far more days than slots, read twice over in two orders: every reading is the day written.
        let days: Vec<NaiveDate> = (0..5000)
            .map(|n| first + chrono::Days::new(n * 7))
            .collect();
        for day in days.iter().chain(days.iter().rev()) {
            let text = day.format("%Y-%m-%d").to_string();
            assert_eq!(NaiveDate::decode(ValueRef::Text(&text)), Ok(*day));
        }
        assert!(NaiveDate::decode(ValueRef::Text("2026-02-30")).is_err());
        assert!(NaiveDate::decode(ValueRef::Text("2026-2-3")).is_err());
    }
}
