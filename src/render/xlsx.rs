//! Spreadsheets (`--format xlsx`): the same rows as the CSV, as a workbook a spreadsheet opens without an
//! import dialogue. Dates are dates, counts are numbers, and typed text is always a text cell, so it can
//! never become a formula; the header row is bold and frozen and the columns are sized to what they hold.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format as CellFormat, Workbook, Worksheet};

use super::Field;

/// Whether stdout is a terminal, which a workbook (binary) is never written to.
static TERMINAL_OUT: AtomicBool = AtomicBool::new(false);
/// A workbook is being written: the one time stdout's filter lets bytes pass as they are.
static WRITING: AtomicBool = AtomicBool::new(false);
/// The day a workbook says it was made: the command's today, read once by the shell (as days from CE).
static MADE_ON: AtomicI32 = AtomicI32::new(0);

/// The shell's word on where output goes and what today is.
pub fn set_output(terminal: bool, today: NaiveDate) {
    TERMINAL_OUT.store(terminal, Ordering::Relaxed);
    MADE_ON.store(today.num_days_from_ce(), Ordering::Relaxed);
}

/// A workbook asked for where a terminal would show its bytes as noise.
#[derive(Debug, thiserror::Error)]
#[error("--format xlsx writes a spreadsheet file, not text: send it to a file (> report.xlsx)")]
pub struct SpreadsheetToTerminal;

/// The widest a column is sized to, in characters: longer text wraps in the cell rather than making
/// the sheet too wide to read.
const WIDEST: u32 = 60;

/// One sheet of rows, written whole when finished.
pub struct Sheet {
    workbook: Workbook,
    rows: u32,
    date: CellFormat,
    columns: usize,
}

impl Sheet {
    /// A workbook whose one sheet is called `title`, with `header` as its first row.
    pub fn new(title: &str, header: &[&str]) -> anyhow::Result<Sheet> {
        if TERMINAL_OUT.load(Ordering::Relaxed) {
            return Err(SpreadsheetToTerminal.into());
        }
        let mut workbook = Workbook::new();
        let made_on = NaiveDate::from_num_days_from_ce_opt(MADE_ON.load(Ordering::Relaxed))
            .unwrap_or_default();
        let made_on = ExcelDateTime::from_ymd(
            made_on.year().clamp(1900, 9999) as u16,
            made_on.month() as u8,
            made_on.day() as u8,
        )?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&made_on));
        let sheet = workbook.add_worksheet();
        // A sheet's name is at most 31 characters of a limited set; the command's own word fits.
        sheet.set_name(title)?;
        let bold = CellFormat::new().set_bold();
        for (column, name) in header.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *name, &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(Sheet {
            workbook,
            rows: 1,
            date: CellFormat::new().set_num_format("yyyy-mm-dd"),
            columns: header.len(),
        })
    }

    fn sheet(&mut self) -> anyhow::Result<&mut Worksheet> {
        Ok(self.workbook.worksheet_from_index(0)?)
    }

    /// A row of cells: text as text, and a value as a number or a date when it is one.
    pub fn row(&mut self, cells: &[Field]) -> anyhow::Result<()> {
        let (row, date) = (self.rows, self.date.clone());
        let sheet = self.sheet()?;
        for (column, cell) in cells.iter().enumerate() {
            let column = column as u16;
            match cell {
                Field::Text(text) => {
                    sheet.write_string(row, column, text)?;
                }
                Field::Value(value) if value.is_empty() => {}
                Field::Value(value) => {
                    if let Some(yes) = as_boolean(value) {
                        sheet.write_boolean(row, column, yes)?;
                    } else if let Some(day) = as_date(value) {
                        let day = ExcelDateTime::from_ymd(
                            day.year() as u16,
                            day.month() as u8,
                            day.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(row, column, &day, &date)?;
                    } else if let Some(number) = as_number(value) {
                        sheet.write_number(row, column, number)?;
                    } else {
                        sheet.write_string(row, column, value)?;
                    }
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Sizes the columns, then writes the workbook to `out`.
    pub fn finish(mut self, out: &mut dyn Write) -> anyhow::Result<()> {
        let columns = self.columns;
        let sheet = self.sheet()?;
        sheet.autofit_to_max_width(WIDEST * 7);
        if columns > 0 {
            sheet.autofilter(0, 0, 0, (columns - 1) as u16)?;
        }
        let bytes = self.workbook.save_to_buffer()?;
        WRITING.store(true, Ordering::Relaxed);
        let written = out.write_all(&bytes).and_then(|()| out.flush());
        WRITING.store(false, Ordering::Relaxed);
        Ok(written?)
    }
}

/// A yes or no as iro writes one (`true`, `false`: the overdue report's `overdue`).
fn as_boolean(value: &str) -> Option<bool> {
    match value {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A date as iro writes one (`2026-03-16`), within the years a spreadsheet can show.
fn as_date(value: &str) -> Option<NaiveDate> {
    if value.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|d| (1900..=9999).contains(&d.year()))
}

/// A count or a figure as iro writes one: digits, a leading minus, at most one decimal point. Nothing
/// else (no exponent, no `inf`), so an id made of digits and letters stays text.
fn as_number(value: &str) -> Option<f64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let plain = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && !digits.starts_with('.')
        && !digits.ends_with('.');
    // A leading zero (`007`) is a code, not a number.
    let code = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if plain && !code {
        value.parse().ok()
    } else {
        None
    }
}

/// Whether these bytes are a workbook being written (asked for by `--format xlsx`, and a zip file),
/// which pass to a file untouched: never text that merely begins like one.
pub fn is_workbook(bytes: &[u8]) -> bool {
    WRITING.load(Ordering::Relaxed) && bytes.starts_with(b"PK\x03\x04")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_figures_become_numbers_and_only_dates_dates() {
        assert_eq!(as_number("12"), Some(12.0));
        assert_eq!(as_number("-3"), Some(-3.0));
        assert_eq!(as_number("66.7"), Some(66.7));
        for text in [
            "",
            "1e5",
            "inf",
            "NaN",
            "007",
            "1.2.3",
            "Q-2026-0001",
            ".5",
            "5.",
            "-",
        ] {
            assert_eq!(as_number(text), None, "{text}");
        }
        assert_eq!(as_date("2026-03-16"), "2026-03-16".parse().ok());
        assert_eq!(as_date("2026-3-16"), None);
        assert_eq!(as_date("2026-03-16T09:00:00Z"), None);
    }
}
