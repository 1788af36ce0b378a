//! Report rows streamed as a table, CSV or JSON, one at a time as they come from the database.

use std::io::Write;

use serde::Serialize;

use comfy_table::Table;

use super::{spreadsheet_safe, table, table_row, Format};

/// One cell of a report row: text someone typed, or a value `iro` wrote (a number, a date, a word).
///
/// Only text is neutralised for spreadsheets: a negative count of working days must stay a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Text(String),
    Value(String),
}

impl Field {
    pub fn text(text: impl Into<String>) -> Field {
        Field::Text(text.into())
    }

    pub fn opt_text(text: Option<&str>) -> Field {
        Field::Text(text.unwrap_or_default().to_string())
    }

    pub fn value(value: impl std::fmt::Display) -> Field {
        Field::Value(value.to_string())
    }

    /// An optional value (date, number, stage); empty when absent.
    pub fn opt(value: Option<impl std::fmt::Display>) -> Field {
        Field::Value(value.map(|v| v.to_string()).unwrap_or_default())
    }

    pub(super) fn as_str(&self) -> &str {
        match self {
            Field::Text(text) | Field::Value(text) => text,
        }
    }

    /// The cell as CSV writes it: text neutralised unless `raw`.
    fn for_csv(&self, raw: bool) -> std::borrow::Cow<'_, str> {
        match self {
            Field::Text(text) if !raw => spreadsheet_safe(text),
            other => other.as_str().into(),
        }
    }
}

/// A row of a report or export: a table row, a CSV record, or a JSON object with the same names.
pub trait Tabular: Serialize {
    /// The CSV header, which is also the JSON field names, in order.
    fn header() -> &'static [&'static str];
    /// The cells, in header order.
    fn fields(&self) -> Vec<Field>;
    /// The columns a person reads at a terminal; all of them unless a row says otherwise.
    fn table_header() -> &'static [&'static str] {
        Self::header()
    }
    fn table_cells(&self) -> Vec<String> {
        self.fields()
            .iter()
            .map(|f| f.as_str().to_string())
            .collect()
    }
    /// Whether the row is past a deadline, so a coloured table makes it stand out.
    fn overdue(&self) -> bool {
        false
    }
    /// The name of the sheet a workbook of these rows has.
    fn sheet_name() -> &'static str {
        "iro"
    }
}

enum Sink<'a> {
    /// A table needs every row to size its columns, so it is printed at the end.
    Table(Table, &'a mut dyn Write),
    Csv(csv::Writer<&'a mut dyn Write>, bool),
    Json(&'a mut dyn Write),
    /// A workbook is written whole at the end.
    Xlsx(Box<super::xlsx::Sheet>, &'a mut dyn Write),
}

/// Writes rows one at a time as they come from the database; `finish` closes the listing.
pub struct RowWriter<'a, R> {
    sink: Sink<'a>,
    colour: bool,
    count: usize,
    row: std::marker::PhantomData<fn(&R)>,
}

impl<'a, R: Tabular> RowWriter<'a, R> {
    /// `raw` keeps CSV text cells exactly as typed (for systems, not spreadsheets).
    /// `colour` (a table at a terminal without `NO_COLOR`) shows overdue rows in red.
    pub fn new(
        format: Format,
        raw: bool,
        colour: bool,
        out: &'a mut dyn Write,
    ) -> anyhow::Result<RowWriter<'a, R>> {
        let sink = match format {
            Format::Table => Sink::Table(table(R::table_header(), colour), out),
            Format::Csv => {
                let mut writer = super::csv_writer(out)?;
                writer
                    .write_record(R::header())
                    .map_err(std::io::Error::from)?;
                Sink::Csv(writer, raw)
            }
            Format::Json => Sink::Json(out),
            Format::Xlsx => Sink::Xlsx(
                Box::new(super::xlsx::Sheet::new(R::sheet_name(), R::header())?),
                out,
            ),
        };
        Ok(RowWriter {
            sink,
            colour,
            count: 0,
            row: std::marker::PhantomData,
        })
    }

    pub fn row(&mut self, row: &R) -> anyhow::Result<()> {
        match &mut self.sink {
            Sink::Table(t, _) => {
                t.add_row(table_row(row.table_cells(), row.overdue(), self.colour));
            }
            Sink::Csv(writer, raw) => {
                let raw = *raw;
                writer
                    .write_record(row.fields().iter().map(|f| f.for_csv(raw).into_owned()))
                    .map_err(std::io::Error::from)?;
            }
            Sink::Xlsx(sheet, _) => sheet.row(&row.fields())?,
            Sink::Json(out) => {
                // The same text serde_json's pretty printer gives for the whole array, one item at a time.
                let item = serde_json::to_string_pretty(row)?;
                out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
                for (i, line) in item.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    write!(out, "  {line}")?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the listing and gives the number of rows written. An empty table prints nothing.
    pub fn finish(self) -> anyhow::Result<usize> {
        match self.sink {
            Sink::Table(t, out) => {
                if self.count > 0 {
                    writeln!(out, "{t}")?;
                }
            }
            Sink::Csv(mut writer, _) => writer.flush()?,
            Sink::Xlsx(sheet, out) => sheet.finish(out)?,
            Sink::Json(out) => {
                out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: String,
        days: i64,
    }

    impl Tabular for Row {
        fn header() -> &'static [&'static str] {
            &["name", "days"]
        }
        fn fields(&self) -> Vec<Field> {
            vec![Field::text(&self.name), Field::value(self.days)]
        }
    }

    fn written(format: Format, raw: bool, rows: &[Row]) -> String {
        let mut out = Vec::new();
        let mut writer = RowWriter::new(format, raw, false, &mut out).expect("writer");
        for row in rows {
            writer.row(row).expect("row");
        }
        assert_eq!(writer.finish().expect("finish"), rows.len());
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn streamed_json_is_what_serde_json_prints_for_the_whole_array() {
        let rows = vec![
            Row {
                name: "a \"quoted\"\nline".into(),
                days: -2,
            },
            Row {
                name: "b".into(),
                days: 3,
            },
        ];
        let whole = serde_json::to_string_pretty(&rows).expect("json") + "\n";
        assert_eq!(written(Format::Json, false, &rows), whole);
        assert_eq!(written(Format::Json, false, &[]), "[]\n");
    }

    #[test]
    fn csv_neutralises_text_but_not_numbers_unless_raw() {
        let rows = vec![Row {
            name: "=SUM(A1)".into(),
            days: -2,
        }];
        assert_eq!(
            written(Format::Csv, false, &rows),
            "name,days\n'=SUM(A1),-2\n"
        );
        assert_eq!(
            written(Format::Csv, true, &rows),
            "name,days\n=SUM(A1),-2\n"
        );
    }
}
