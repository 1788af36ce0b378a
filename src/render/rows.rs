//! Report rows streamed as a table, CSV or JSON, one at a time as they come from the database.

use std::io::Write;

use serde::Serialize;

use comfy_table::{ColumnConstraint, Table, Width};
use unicode_width::UnicodeWidthStr;

use super::{spreadsheet_safe, table, table_row, terminal_cells, Format};

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
    Table(TableRows, &'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>, bool),
    Json(&'a mut dyn Write),
    /// A workbook is written whole at the end.
    Xlsx(Box<super::xlsx::Sheet>, &'a mut dyn Write),
}

/// How many rows a table is laid out at once. A table of a national caseload's overdue actions is tens
/// of thousands of rows, and laid out at once it took over 250 MB: a longer one is laid out a part at
/// a time, each column as wide as its widest cell in any part, and the parts printed as one table.
const TABLE_PART: usize = 1000;

/// Between the cells of a row as a table keeps it: a control character, which a terminal's cells show
/// written out (`terminal_cells`), so never one of theirs.
const BETWEEN_CELLS: char = '\u{1f}';

/// A table's rows as they come, each its cells as a terminal shows them, kept as one text.
struct TableRows {
    header: &'static [&'static str],
    colour: bool,
    rows: Vec<(Box<str>, bool)>,
}

impl TableRows {
    fn add(&mut self, cells: Vec<String>, overdue: bool) {
        let cells = terminal_cells(cells);
        let mut row = String::with_capacity(cells.iter().map(|c| c.len() + 1).sum());
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                row.push(BETWEEN_CELLS);
            }
            row.push_str(cell);
        }
        self.rows.push((row.into_boxed_str(), overdue));
    }

    fn cells(row: &str) -> Vec<String> {
        row.split(BETWEEN_CELLS).map(str::to_string).collect()
    }

    /// A table of some of the rows; `widths`, where given, fixes each column's.
    fn laid_out(&self, rows: &[(Box<str>, bool)], widths: Option<&[u16]>) -> Table {
        let mut t = table(self.header, self.colour);
        for (row, overdue) in rows {
            // Shown as a terminal shows them already: `table_row` showing them again changes nothing.
            t.add_row(table_row(Self::cells(row), *overdue, self.colour));
        }
        if let Some(widths) = widths {
            // A column's fixed width counts its padding, a space either side.
            t.set_constraints(
                widths
                    .iter()
                    .map(|w| ColumnConstraint::Absolute(Width::Fixed(w.saturating_add(2)))),
            );
        }
        t
    }

    /// Each column's widest cell (its header, or a line of any row's cell), in terminal columns.
    fn natural_widths(&self) -> Vec<u16> {
        let mut widths: Vec<u16> = self.header.iter().map(|h| width_of(h)).collect();
        for (row, _) in &self.rows {
            for (i, cell) in row.split(BETWEEN_CELLS).enumerate() {
                if let Some(width) = widths.get_mut(i) {
                    *width = (*width).max(width_of(cell));
                }
            }
        }
        widths
    }

    fn print(self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        if self.rows.len() <= TABLE_PART {
            return writeln!(out, "{}", self.laid_out(&self.rows, None));
        }
        let widths = self.natural_widths();
        // Columns a space, the cell and a space wide, with a border between and either side.
        let natural: usize = widths.iter().map(|w| usize::from(*w) + 3).sum::<usize>() + 1;
        let room = table(self.header, self.colour).width().map(usize::from);
        if room.is_some_and(|room| natural > room) {
            // Narrower than its cells at a terminal: each part wraps its cells to fit on its own.
            for part in self.rows.chunks(TABLE_PART) {
                writeln!(out, "{}", self.laid_out(part, None))?;
            }
            return Ok(());
        }
        let parts = self.rows.len().div_ceil(TABLE_PART);
        for (n, part) in self.rows.chunks(TABLE_PART).enumerate() {
            let text = self.laid_out(part, Some(&widths)).to_string();
            let mut lines: Vec<&str> = text.lines().collect();
            if n + 1 < parts {
                lines.pop(); // the bottom border: the next part goes on
            }
            let from = if n == 0 {
                0
            } else {
                // After the first part, from under its header's rule.
                lines
                    .iter()
                    .position(|l| l.starts_with('╞'))
                    .map_or(0, |i| i + 1)
            };
            for line in &lines[from..] {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }
}

/// How many terminal columns a cell takes: its widest line.
fn width_of(cell: &str) -> u16 {
    let widest = cell.lines().map(UnicodeWidthStr::width).max().unwrap_or(0);
    u16::try_from(widest).unwrap_or(u16::MAX)
}

/// Writes rows one at a time as they come from the database; `finish` closes the listing.
pub struct RowWriter<'a, R> {
    sink: Sink<'a>,
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
            Format::Table => Sink::Table(
                TableRows {
                    header: R::table_header(),
                    colour,
                    rows: Vec::new(),
                },
                out,
            ),
            Format::Csv => {
                let mut writer = super::csv_writer(out)?;
                writer
                    .write_record(R::header())
                    .map_err(std::io::Error::from)?;
                Sink::Csv(Box::new(writer), raw)
            }
            Format::Json => Sink::Json(out),
            Format::Xlsx => Sink::Xlsx(
                Box::new(super::xlsx::Sheet::new(R::sheet_name(), R::header())?),
                out,
            ),
        };
        Ok(RowWriter {
            sink,
            count: 0,
            row: std::marker::PhantomData,
        })
    }

    pub fn row(&mut self, row: &R) -> anyhow::Result<()> {
        match &mut self.sink {
            Sink::Table(t, _) => t.add(row.table_cells(), row.overdue()),
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
            Sink::Table(t, out) => t.print(out)?,
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
    fn a_long_table_laid_out_a_part_at_a_time_is_the_table_laid_out_at_once() {
        // Widest cells in different parts, a cell of two lines, a wide character, a control one.
        let rows: Vec<Row> = (0..2 * TABLE_PART + 500)
            .map(|i| Row {
                name: match i {
                    7 => "Zoë\nand a second, longer line".to_string(),
                    1500 => "the widest name of all, in the second part".to_string(),
                    2400 => "名前\u{1b}[31m".to_string(),
                    _ => format!("row {i}"),
                },
                days: if i == 2100 { -123_456 } else { i as i64 },
            })
            .collect();
        let mut whole = table(Row::header(), false);
        for row in &rows {
            whole.add_row(table_row(row.table_cells(), false, false));
        }
        let printed = written(Format::Table, false, &rows);
        assert_eq!(printed, format!("{whole}\n"));
        assert_eq!(
            printed.lines().filter(|l| l.starts_with("│ name ")).count(),
            1
        );
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
