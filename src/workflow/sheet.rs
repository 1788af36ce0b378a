//! A spreadsheet's rows as people send them: a header row whose headings may be written `Raised on`,
//! `raised-on` or `RAISED_ON`, a byte-order mark from Excel's "CSV UTF-8", CRLF line ends, cells with
//! stray spaces. Every error is kept with the row and column a person would look at, so a file is
//! reported whole in one pass and nothing is recorded unless every row passes.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;

use crate::dates::parse_date;
use crate::error::{self, Problem};

/// The columns a sheet may have: each by its name, with other headings people use for it.
#[derive(Debug, Clone, Copy)]
pub struct Columns {
    pub names: &'static [&'static str],
    /// (heading, column): another heading read as the column.
    pub aliases: &'static [(&'static str, &'static str)],
    pub required: &'static [&'static str],
    /// Whether a heading iro does not read is passed over (a case-management extract carries many
    /// iro has no use for) rather than refused (a tracker made for iro has none).
    pub others_ignored: bool,
}

/// A heading as people write it, reduced to the column name it means: case, spaces and hyphens do not
/// matter.
pub fn heading(text: &str) -> String {
    let words: Vec<String> = text
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase()
        .split([' ', '-', '_'])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    words.join("_")
}

/// A sheet read whole: its columns found and its rows kept, numbered as the spreadsheet shows them.
pub struct Sheet {
    /// What the sheet is, for messages: its file name.
    pub name: String,
    /// Headings passed over, as written (`Columns::others_ignored`).
    pub ignored: Vec<String>,
    index: HashMap<&'static str, usize>,
    width: usize,
    records: Vec<csv::StringRecord>,
    /// Each record's row as the spreadsheet numbers it: the CSV reader passes over blank lines, which
    /// a spreadsheet shows as rows.
    numbers: Vec<usize>,
}

impl Sheet {
    /// Reads `source` as CSV with a header row. A heading iro does not read, a required column missing
    /// or a file that is not CSV is a usage error naming the file.
    pub fn read(name: &str, source: impl Read, columns: &Columns) -> Result<Sheet, Problem> {
        let problem = |what: String| Problem::Usage(format!("{name}: {what}"));
        // Read whole, so each record's row can be counted from the text (blank lines included).
        let mut text = Vec::new();
        let mut source = source;
        source
            .read_to_end(&mut text)
            .map_err(|e| problem(e.to_string()))?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(text.as_slice());
        let header = reader
            .headers()
            .map_err(|e| problem(e.to_string()))?
            .clone();
        let mut index: HashMap<&'static str, usize> = HashMap::new();
        let (mut problems, mut ignored) = (Vec::new(), Vec::new());
        for (i, written) in header.iter().enumerate() {
            let text = heading(written);
            let column = columns
                .names
                .iter()
                .find(|c| **c == text)
                .copied()
                .or_else(|| {
                    columns
                        .aliases
                        .iter()
                        .find(|(alias, _)| *alias == text)
                        .map(|(_, c)| *c)
                });
            match column {
                Some(column) if index.contains_key(column) => {
                    problems.push(format!("the column '{column}' is there twice"))
                }
                Some(column) => {
                    index.insert(column, i);
                }
                None if text.is_empty() => {}
                None if columns.others_ignored => ignored.push(written.trim().to_string()),
                None => problems.push(format!("column '{text}' is not one iro reads")),
            }
        }
        let absent: Vec<&str> = columns
            .required
            .iter()
            .filter(|c| !index.contains_key(**c))
            .copied()
            .collect();
        if !absent.is_empty() {
            problems.push(format!(
                "the header lacks the column(s) {}",
                absent.join(", ")
            ));
        }
        if !problems.is_empty() {
            return Err(problem(format!(
                "row 1: {} (the columns iro reads: {})",
                problems.join("; "),
                columns.names.join(", ")
            )));
        }
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| problem(e.to_string()))?;
        let line_breaks = |r: &csv::StringRecord| -> u64 {
            r.iter().map(|cell| cell.matches('\n').count() as u64).sum()
        };
        // A record's row is its line, less the line breaks inside the cells of the records before it.
        let mut numbers = Vec::with_capacity(records.len());
        let (mut counted, mut line, mut inside) = (0usize, 1u64, line_breaks(&header));
        for record in &records {
            let mut start = record.position().map_or(counted, |p| p.byte() as usize);
            // The reader's position is where it began looking, before the blank lines it passed over.
            while matches!(text.get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            line += text[counted.min(start)..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64;
            counted = start;
            numbers.push((line - inside) as usize);
            inside += line_breaks(record);
        }
        Ok(Sheet {
            name: name.to_string(),
            ignored,
            index,
            width: header.len(),
            records,
            numbers,
        })
    }

    /// Whether the sheet has the column (a column left out of an extract is left as it is).
    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// How many rows the sheet has after its header, blank ones included.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Each row that is not blank, read by `read`; the errors met go into `errors`.
    pub fn rows<T>(
        &self,
        errors: &mut Vec<RowError>,
        mut read: impl FnMut(&mut Cells) -> Option<T>,
    ) -> Vec<T> {
        let mut rows = Vec::new();
        for (record, &row) in self.records.iter().zip(&self.numbers) {
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            if record.len() > self.width {
                errors.push(RowError::new(
                    row,
                    "(row)",
                    format!(
                        "has {} cells, more than the header's {} columns",
                        record.len(),
                        self.width
                    ),
                ));
                continue;
            }
            let mut cells = Cells {
                row,
                record,
                index: &self.index,
                errors: Vec::new(),
            };
            let read = read(&mut cells);
            if cells.errors.is_empty() {
                rows.extend(read);
            }
            errors.append(&mut cells.errors);
        }
        rows
    }
}

/// One error: the spreadsheet row, the column, the reason; and whether a rule of the protocol refused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub column: &'static str,
    pub reason: String,
    pub refused: bool,
}

impl RowError {
    pub fn new(row: usize, column: &'static str, reason: impl Into<String>) -> RowError {
        RowError {
            row,
            column,
            reason: reason.into(),
            refused: false,
        }
    }

    /// An operation's error on a row: refused when a rule refused it, its message on one line.
    pub fn from_error(row: usize, column: &'static str, e: &anyhow::Error) -> RowError {
        RowError {
            row,
            column,
            refused: e.chain().any(|c| c.is::<crate::engine::Refusal>()),
            reason: error::one_line(e),
        }
    }
}

/// Every error a file had, one line each, then the summary; the exit status they call for (a rule's
/// when every error is a refusal, else a usage error).
#[derive(Debug, thiserror::Error)]
#[error("{summary}")]
pub struct RowErrors {
    pub lines: Vec<String>,
    pub summary: String,
    pub code: u8,
}

impl RowErrors {
    /// The errors of the sheets named, in row order within each; `what` ends the summary. Each line
    /// names its file when `named`, or when there are errors in more than one.
    pub fn new(mut errors: Vec<(String, RowError)>, what: &str, named: bool) -> RowErrors {
        errors.sort_by(|a, b| (&a.0, a.1.row).cmp(&(&b.0, b.1.row)));
        let mut rows: Vec<(&str, usize)> =
            errors.iter().map(|(s, e)| (s.as_str(), e.row)).collect();
        rows.dedup();
        let code = if errors.iter().all(|(_, e)| e.refused) {
            error::REFUSED
        } else {
            error::USAGE
        };
        let sheets: Vec<&str> = {
            let mut sheets: Vec<&str> = errors.iter().map(|(s, _)| s.as_str()).collect();
            sheets.dedup();
            sheets
        };
        RowErrors {
            lines: errors
                .iter()
                .map(|(sheet, e)| {
                    let place = if named || sheets.len() > 1 {
                        format!("{sheet} row {}", e.row)
                    } else {
                        format!("row {}", e.row)
                    };
                    format!("{place}, column {}: {}", e.column, e.reason)
                })
                .collect(),
            summary: format!(
                "{}: {} error(s) in {} row(s); {what}",
                sheets.join(", "),
                errors.len(),
                rows.len()
            ),
            code,
        }
    }
}

/// One row's cells by column name, with the errors met reading them.
pub struct Cells<'a> {
    pub row: usize,
    record: &'a csv::StringRecord,
    index: &'a HashMap<&'static str, usize>,
    errors: Vec<RowError>,
}

impl Cells<'_> {
    /// The cell, trimmed; `None` when the column is absent or the cell empty.
    pub fn raw(&self, column: &'static str) -> Option<&str> {
        let i = *self.index.get(column)?;
        self.record
            .get(i)
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
    }

    pub fn fail(&mut self, column: &'static str, reason: impl Into<String>) {
        self.errors.push(RowError::new(self.row, column, reason));
    }

    /// Whether an error has been met on this row.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn parsed<T>(
        &mut self,
        column: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let cell = self.raw(column)?.to_string();
        match parse(&cell) {
            Ok(value) => Some(value),
            Err(reason) => {
                self.fail(column, reason);
                None
            }
        }
    }

    pub fn required<T>(
        &mut self,
        column: &'static str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        if self.raw(column).is_none() {
            self.fail(column, "is empty; every row needs it");
            return None;
        }
        self.parsed(column, parse)
    }

    pub fn date(&mut self, column: &'static str) -> Option<NaiveDate> {
        self.parsed(column, parse_date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: Columns = Columns {
        names: &["ref", "raised_on", "team"],
        aliases: &[("reference", "ref")],
        required: &["ref"],
        others_ignored: false,
    };

    #[test]
    fn headings_are_read_as_people_write_them() {
        for (written, meant) in [
            ("Raised on", "raised_on"),
            ("raised-on", "raised_on"),
            ("  RAISED_ON ", "raised_on"),
            ("Raised  on", "raised_on"),
            ("raised - on", "raised_on"),
            ("\u{feff}ref", "ref"),
        ] {
            assert_eq!(heading(written), meant);
        }
    }

    #[test]
    fn a_bom_crlf_and_spaces_read_as_plain_cells() {
        let text = "\u{feff}Reference,Team\r\n  LCS-1 , Children in Care 1 \r\n,\r\n";
        let sheet = Sheet::read("children.csv", text.as_bytes(), &COLUMNS).expect("a sheet");
        let mut errors = Vec::new();
        let rows = sheet.rows(&mut errors, |cells| {
            Some((
                cells.raw("ref")?.to_string(),
                cells.raw("team")?.to_string(),
            ))
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            rows,
            [("LCS-1".to_string(), "Children in Care 1".to_string())]
        );
        assert!(sheet.has("team") && !sheet.has("raised_on"));
    }

    #[test]
    fn bad_headers_name_the_file_and_the_column() {
        for (text, says) in [
            (
                "ref,colour\n",
                "children.csv: row 1: column 'colour' is not one iro reads",
            ),
            (
                "team\n",
                "children.csv: row 1: the header lacks the column(s) ref",
            ),
            (
                "ref,Reference\n",
                "children.csv: row 1: the column 'ref' is there twice",
            ),
        ] {
            let err = Sheet::read("children.csv", text.as_bytes(), &COLUMNS)
                .err()
                .expect("refused");
            assert!(err.to_string().contains(says), "{err}");
        }
    }

    #[test]
    fn every_error_is_kept_with_its_row_and_column() {
        let text = "ref,raised_on\n,2026-01-01\nLCS-2,yesterday\nLCS-3,2026-01-02,extra\n";
        let sheet = Sheet::read("t.csv", text.as_bytes(), &COLUMNS).expect("a sheet");
        let mut errors = Vec::new();
        let rows = sheet.rows(&mut errors, |cells| {
            let reference = cells.required("ref", |s| Ok::<_, String>(s.to_string()));
            let on = cells.date("raised_on");
            Some((reference?, on?))
        });
        assert!(rows.is_empty());
        let places: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.column)).collect();
        assert_eq!(places, [(2, "ref"), (3, "raised_on"), (4, "(row)")]);
        let reported = RowErrors::new(
            errors
                .into_iter()
                .map(|e| ("t.csv".to_string(), e))
                .collect(),
            "nothing was imported",
            false,
        );
        assert_eq!(reported.code, error::USAGE);
        assert_eq!(
            reported.summary,
            "t.csv: 3 error(s) in 3 row(s); nothing was imported"
        );
        assert!(reported.lines[0].starts_with("row 2, column ref: "));
    }

    #[test]
    fn rows_are_numbered_as_the_spreadsheet_numbers_them_blank_ones_and_long_cells_included() {
        let text = "ref,team\nLCS-1,North\n\n\nLCS-2,\"two\nlines\"\n,\nLCS-3,x\r\n\r\nLCS-4,y\n";
        let sheet = Sheet::read("t.csv", text.as_bytes(), &COLUMNS).expect("a sheet");
        let mut errors = Vec::new();
        let rows = sheet.rows(&mut errors, |cells| {
            Some((cells.row, cells.raw("ref")?.to_string()))
        });
        let rows: Vec<(usize, &str)> = rows.iter().map(|(n, r)| (*n, r.as_str())).collect();
        assert_eq!(
            rows,
            [(2, "LCS-1"), (5, "LCS-2"), (7, "LCS-3"), (9, "LCS-4")]
        );
    }

    #[test]
    fn an_extract_passes_over_the_columns_iro_does_not_read_and_says_so() {
        let columns = Columns {
            others_ignored: true,
            ..COLUMNS
        };
        let sheet = Sheet::read(
            "c.csv",
            "Ref,Phone Number,Team\nLCS-1,0123,North\n".as_bytes(),
            &columns,
        )
        .expect("a sheet");
        assert_eq!(sheet.ignored, ["Phone Number"]);
        assert!(sheet.has("team"));
    }
}
