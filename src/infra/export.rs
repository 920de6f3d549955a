//! Excel exports (.xlsx), written in constant memory and bounded in rows.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// No export grows past this many rows; narrow the filters for more.
pub const MAX_ROWS: u32 = 100_000;

/// One worksheet being filled row by row.
pub struct Sheet {
    book: Workbook,
    index: usize,
    row: u32,
    bold: Format,
}

fn err(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("writing the workbook: {e}")
}

impl Sheet {
    /// A workbook with one sheet named `name` and a bold header row.
    pub fn new(name: &str, headers: &[&str]) -> anyhow::Result<Self> {
        let mut s = Sheet {
            book: Workbook::new(),
            index: 0,
            row: 0,
            bold: Format::new().set_bold(),
        };
        s.add(name, headers)?;
        Ok(s)
    }

    /// Starts another sheet; later rows go there.
    pub fn add(&mut self, name: &str, headers: &[&str]) -> anyhow::Result<()> {
        let ws = self
            .book
            .add_worksheet_with_constant_memory()
            .map_err(err)?;
        ws.set_name(name).map_err(err)?;
        for (c, h) in headers.iter().enumerate() {
            ws.set_column_width(c as u16, 18).map_err(err)?;
            ws.write_string_with_format(0, c as u16, *h, &self.bold)
                .map_err(err)?;
        }
        self.index = self.book.worksheets().len() - 1;
        self.row = 1;
        Ok(())
    }

    /// Appends a row; `false` once the sheet is full.
    pub fn push(&mut self, cells: &[String]) -> anyhow::Result<bool> {
        if self.row > MAX_ROWS {
            return Ok(false);
        }
        let ws = self.book.worksheet_from_index(self.index).map_err(err)?;
        for (c, v) in cells.iter().enumerate() {
            match v.parse::<f64>() {
                // Counts stay numbers; long digit strings (codes) stay text.
                Ok(n) if v.len() < 12 && !v.starts_with('0') => {
                    ws.write_number(self.row, c as u16, n).map_err(err)?
                }
                _ => ws
                    .write_string(self.row, c as u16, v.as_str())
                    .map_err(err)?,
            };
        }
        self.row += 1;
        Ok(true)
    }

    /// Rows written, header excluded.
    pub fn rows(&self) -> u32 {
        self.row - 1
    }

    pub fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        self.book.save_to_buffer().map_err(err)
    }
}
