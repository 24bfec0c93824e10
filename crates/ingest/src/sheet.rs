//! Spreadsheets (XLSX, ODS) through calamine.
//!
//! calamine loads a whole sheet into memory: memory is proportional to the
//! sheet, which is the nature of these formats (a ZIP of XML). Rows are
//! anchored at cell A1 as in frictionless (leading empty rows and columns are
//! kept), every row has the sheet's full width, and trailing empty rows are
//! dropped (see [`SheetRows`]).

use std::fmt::Write as _;
use std::io::Cursor;

use calamine::{Data, Ods, Range, Reader, Xlsx, open_workbook_from_rs};
use memchr::memmem;

use crate::source::{Compression, Format};
use crate::{IngestError, Options, Origin, Row, SourceInfo};

/// The rows of one sheet, converted to text on the way out.
pub(crate) struct SheetRows {
    info: SourceInfo,
    range: Range<Data>,
    /// Next absolute row index (0 = row 1 of the sheet).
    next: u32,
    /// Rows `0..end` are returned: trailing empty rows are not.
    end: u32,
    width: u32,
}

impl SheetRows {
    pub(crate) fn open(zip: Vec<u8>, options: &Options) -> Result<Self, IngestError> {
        let format = zip_format(&zip, options.file_name.as_deref())?;
        let (sheet, range) = match format {
            Format::Xlsx => read_sheet::<Xlsx<_>>(zip, options)?,
            _ => read_sheet::<Ods<_>>(zip, options)?,
        };
        let info = SourceInfo {
            format,
            compression: Compression::None,
            encoding: None,
            encoding_origin: Origin::Default,
            delimiter: None,
            delimiter_origin: Origin::Default,
            sheet: Some(sheet),
        };
        let end = last_non_empty_row(&range).map_or(0, |row| row + 1);
        let width = range.end().map_or(0, |(_, col)| col + 1);
        Ok(Self {
            info,
            range,
            next: 0,
            end,
            width,
        })
    }

    pub(crate) fn info(&self) -> &SourceInfo {
        &self.info
    }

    pub(crate) fn next_row(&mut self, row: &mut Row) -> bool {
        if self.next >= self.end {
            return false;
        }
        row.start(u64::from(self.next) + 1);
        for col in 0..self.width {
            if let Some(value) = self.range.get_value((self.next, col)) {
                write_cell(value, &mut row.text);
            }
            row.end_cell();
        }
        self.next += 1;
        true
    }
}

/// XLSX or ODS, from the ZIP's contents (the file name only breaks ties).
fn zip_format(zip: &[u8], file_name: Option<&str>) -> Result<Format, IngestError> {
    let has = |needle: &[u8]| memmem::find(zip, needle).is_some();
    if has(b"application/vnd.oasis.opendocument.spreadsheet") {
        return Ok(Format::Ods);
    }
    if has(b"application/vnd.oasis.opendocument") {
        return Err(IngestError::Unsupported {
            what: "document OpenDocument qui n’est pas un tableur (texte, présentation...)",
        });
    }
    if has(b"xl/workbook.xml") {
        return Ok(Format::Xlsx);
    }
    if has(b"xl/workbook.bin") {
        return Err(IngestError::Unsupported {
            what: "classeur Excel binaire (XLSB) ; enregistrez-le au format XLSX",
        });
    }
    if has(b"word/document.xml") {
        return Err(IngestError::Unsupported {
            what: "document Word (DOCX)",
        });
    }
    // No recognisable entry name (e.g. a damaged central directory): trust
    // the extension, calamine will say if it cannot read it.
    let lower = file_name.unwrap_or_default().to_ascii_lowercase();
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        Ok(Format::Xlsx)
    } else if lower.ends_with(".ods") {
        Ok(Format::Ods)
    } else {
        Err(IngestError::Unsupported {
            what: "archive ZIP qui ne contient pas de classeur XLSX ou ODS",
        })
    }
}

fn read_sheet<W>(zip: Vec<u8>, options: &Options) -> Result<(String, Range<Data>), IngestError>
where
    W: Reader<Cursor<Vec<u8>>>,
    W::Error: std::fmt::Display,
{
    let mut workbook: W = open_workbook_from_rs(Cursor::new(zip))
        .map_err(|err: W::Error| IngestError::Spreadsheet(err.to_string()))?;
    let available = workbook.sheet_names();
    let name = match &options.sheet {
        Some(requested) => available
            .iter()
            .find(|name| *name == requested)
            .cloned()
            .ok_or_else(|| IngestError::SheetNotFound {
                requested: requested.clone(),
                available: available.clone(),
            })?,
        None => available.first().cloned().ok_or(IngestError::NoSheet)?,
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|err| IngestError::Spreadsheet(err.to_string()))?;
    Ok((name, range))
}

fn is_blank(value: &Data) -> bool {
    match value {
        Data::Empty => true,
        Data::String(text) => text.is_empty(),
        _ => false,
    }
}

/// Absolute index of the last row holding a non-blank cell.
fn last_non_empty_row(range: &Range<Data>) -> Option<u32> {
    let (start_row, _) = range.start()?;
    range
        .rows()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|cell| !is_blank(cell)))
        .map(|(index, _)| start_row + index as u32)
        .next_back()
}

/// Appends the text of a cell, as the validator expects it.
fn write_cell(value: &Data, out: &mut String) {
    match value {
        Data::Empty => {}
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => {
            out.push_str(text)
        }
        Data::Int(number) => {
            let _ = write!(out, "{number}");
        }
        Data::Float(number) => write_number(*number, out),
        Data::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Data::Error(error) => {
            let _ = write!(out, "{error}");
        }
        Data::DateTime(datetime) if datetime.is_duration() => {
            write_duration(datetime.as_f64(), out)
        }
        Data::DateTime(datetime) => {
            let (y, mo, d, h, mi, s, ms) = datetime.to_ymd_hms_milli();
            write_datetime(datetime.as_f64(), (y, mo, d), (h, mi, s, ms), out)
        }
    }
}

/// Shortest decimal text; integral values without `.0` (`3.0` → `3`).
fn write_number(number: f64, out: &mut String) {
    // Exactly representable integers print as integers.
    if number.fract() == 0.0 && number.abs() < 9.007_199_254_740_992e15 {
        let _ = write!(out, "{}", number as i64);
    } else {
        let _ = write!(out, "{number}");
    }
}

/// ISO 8601: a date, a time of day (serial below 1), or a date and time.
fn write_datetime(
    serial: f64,
    (year, month, day): (u16, u8, u8),
    (hour, minute, second, milli): (u8, u8, u8, u16),
    out: &mut String,
) {
    let has_time = (hour, minute, second, milli) != (0, 0, 0, 0);
    // Serials below 1 are times of day (day 0 of Excel is not a real date).
    let time_only = (0.0..1.0).contains(&serial);
    if !time_only {
        let _ = write!(out, "{year:04}-{month:02}-{day:02}");
        if !has_time {
            return;
        }
        out.push('T');
    }
    let _ = write!(out, "{hour:02}:{minute:02}:{second:02}");
    if milli != 0 {
        let _ = write!(out, ".{milli:03}");
    }
}

/// An Excel duration (days as a float) as ISO 8601 `PT…H…M…S`.
fn write_duration(days: f64, out: &mut String) {
    let total_ms = (days * 86_400_000.0).round() as i64;
    let sign = if total_ms < 0 { "-" } else { "" };
    let total_ms = total_ms.unsigned_abs();
    let (hours, rest) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    let _ = write!(out, "{sign}PT{hours}H{minutes}M{seconds}");
    if millis != 0 {
        let _ = write!(out, ".{millis:03}");
    }
    out.push('S');
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{ExcelDateTime, ExcelDateTimeType};

    fn text(value: Data) -> String {
        let mut out = String::new();
        write_cell(&value, &mut out);
        out
    }

    fn excel(serial: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn numbers_are_shortest_text() {
        assert_eq!(text(Data::Float(3.0)), "3");
        assert_eq!(text(Data::Float(-0.0)), "0");
        assert_eq!(text(Data::Float(2.5)), "2.5");
        assert_eq!(text(Data::Float(0.1)), "0.1");
        assert_eq!(text(Data::Float(1e20)), "100000000000000000000");
        assert_eq!(text(Data::Int(-7)), "-7");
        assert_eq!(text(Data::Bool(true)), "true");
        assert_eq!(text(Data::Empty), "");
    }

    #[test]
    fn excel_serials_become_iso_dates() {
        assert_eq!(text(excel(45306.0)), "2024-01-15");
        assert_eq!(text(excel(45306.4375)), "2024-01-15T10:30:00");
        assert_eq!(text(excel(0.5)), "12:00:00");
        assert_eq!(text(excel(0.0)), "00:00:00");
        assert_eq!(text(excel(45_306.000_5)), "2024-01-15T00:00:43.200");
        assert_eq!(
            text(Data::DateTime(ExcelDateTime::new(
                1.5,
                ExcelDateTimeType::TimeDelta,
                false
            ))),
            "PT36H0M0S"
        );
    }
}
