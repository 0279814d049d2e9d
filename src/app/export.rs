//! The Excel workbook of a cycle's or a period's scores (CONTRACT §13): a sheet of scores with
//! the CSV's columns, numbers stored as numbers, and a sheet of participation; headers frozen,
//! columns sized, words in the reader's language (handed in by the transport: this layer has
//! no words of its own). Text goes in as text cells, which a spreadsheet never runs as a formula.
use super::analytics::ParticipationLine;
use super::results::CycleScores;
use super::scores_csv::{CSV_RELATIONS, relation_columns};
use super::{Error, Result};
use crate::domain::Relation;
use crate::scoring::Status;
use rust_xlsxwriter::{Format, FormatBorder, Workbook, Worksheet, XlsxError};

/// The words of a workbook, in its reader's language.
pub struct Words<'a> {
    /// The reader's language, for the cycles' titles.
    pub locale: crate::domain::Locale,
    /// The scores sheet's name and the participation sheet's.
    pub sheets: [&'a str; 2],
    /// The scores sheet's first 16 columns, in the CSV's order (cycle … score_status).
    pub score_headers: [&'a str; 16],
    /// The relations' names, in the CSV's order (customer, manager, peer, direct report, self).
    pub relations: [&'a str; 5],
    /// The headers of each relation's two columns (its score, its n), in the order above.
    pub relation_columns: [[String; 2]; 5],
    /// Cycle, team, relation, invited, answered, declined, rate.
    pub participation_headers: [&'a str; 7],
    /// A cycle's status: open, closed.
    pub cycle_status: [&'a str; 2],
    /// A score's status: ok, open, below_threshold, no_data.
    pub score_status: [&'a str; 4],
    pub no_team: &'a str,
    pub indicator: &'a dyn Fn(&str) -> String,
}

impl Words<'_> {
    fn cycle_status(&self, status: &str) -> &str {
        if status == "open" { self.cycle_status[0] } else { self.cycle_status[1] }
    }

    fn score_status(&self, status: Status) -> &str {
        match status {
            Status::Ok => self.score_status[0],
            Status::Open => self.score_status[1],
            Status::BelowThreshold => self.score_status[2],
            Status::NoData => self.score_status[3],
        }
    }

    fn relation(&self, r: Relation) -> &str {
        CSV_RELATIONS.iter().position(|x| *x == r).map_or("", |i| self.relations[i])
    }
}

fn fail(e: XlsxError) -> Error {
    Error::internal(e)
}

struct Formats {
    header: Format,
    score: Format,
    count: Format,
    percent: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new().set_bold().set_text_wrap().set_border_bottom(FormatBorder::Thin),
        score: Format::new().set_num_format("0.0"),
        count: Format::new().set_num_format("0"),
        percent: Format::new().set_num_format("0%"),
    }
}

/// Bold header row, frozen, and the columns' widths.
fn header(sheet: &mut Worksheet, headers: &[String], widths: &[f64], f: &Formats) -> Result<()> {
    for (col, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, h, &f.header).map_err(fail)?;
        sheet.set_column_width(col as u16, widths.get(col).copied().unwrap_or(10.0)).map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    Ok(())
}

/// A filter over the header and the rows below it.
fn filter(sheet: &mut Worksheet, rows: u32, columns: usize) -> Result<()> {
    sheet.autofilter(0, 0, rows, columns.saturating_sub(1) as u16).map_err(fail)?;
    Ok(())
}

fn number(sheet: &mut Worksheet, row: u32, col: u16, v: Option<f64>, format: &Format) -> Result<()> {
    if let Some(v) = v {
        sheet.write_number_with_format(row, col, v, format).map_err(fail)?;
    }
    Ok(())
}

fn scores_sheet(sheet: &mut Worksheet, scores: &CycleScores, w: &Words, f: &Formats) -> Result<()> {
    sheet.set_name(w.sheets[0]).map_err(fail)?;
    let mut headers: Vec<String> = w.score_headers.iter().map(|h| h.to_string()).collect();
    for columns in &w.relation_columns {
        headers.extend(columns.iter().cloned());
    }
    let mut widths = vec![14.0, 10.0, 8.0, 12.0, 22.0, 14.0, 24.0, 9.0, 7.0, 8.0, 10.0, 10.0, 8.0, 8.0, 10.0, 16.0];
    widths.extend([10.0, 7.0].repeat(CSV_RELATIONS.len()));
    header(sheet, &headers, &widths, f)?;
    let mut row = 1u32;
    for s in &scores.subjects {
        for (indicator, i) in &s.indicators {
            sheet.write_string(row, 0, &scores.cycle).map_err(fail)?;
            sheet.write_string(row, 1, w.cycle_status(scores.status)).map_err(fail)?;
            sheet.write_boolean(row, 2, scores.is_final).map_err(fail)?;
            sheet.write_string(row, 3, &s.subject).map_err(fail)?;
            sheet.write_string(row, 4, &s.name).map_err(fail)?;
            sheet.write_string(row, 5, s.team.as_deref().unwrap_or(w.no_team)).map_err(fail)?;
            sheet.write_string(row, 6, (w.indicator)(indicator)).map_err(fail)?;
            number(sheet, row, 7, i.score, &f.score)?;
            number(sheet, row, 8, Some(i.n as f64), &f.count)?;
            number(sheet, row, 9, i.sd, &f.score)?;
            number(sheet, row, 10, i.ci95.map(|c| c[0]), &f.score)?;
            number(sheet, row, 11, i.ci95.map(|c| c[1]), &f.score)?;
            // The CSV's 0–1 fraction, shown as a percent.
            number(sheet, row, 12, i.csat, &f.percent)?;
            number(sheet, row, 13, i.nps, &f.score)?;
            sheet.write_boolean(row, 14, i.withheld).map_err(fail)?;
            sheet.write_string(row, 15, w.score_status(i.status)).map_err(fail)?;
            for (k, r) in CSV_RELATIONS.iter().enumerate() {
                if let Some((score, n)) = relation_columns(i, *r) {
                    let col = 16 + 2 * k as u16;
                    number(sheet, row, col, score, &f.score)?;
                    number(sheet, row, col + 1, Some(n as f64), &f.count)?;
                }
            }
            row += 1;
        }
    }
    filter(sheet, row - 1, headers.len())
}

fn participation_sheet(sheet: &mut Worksheet, lines: &[ParticipationLine], w: &Words, f: &Formats) -> Result<()> {
    sheet.set_name(w.sheets[1]).map_err(fail)?;
    let headers: Vec<String> = w.participation_headers.iter().map(|h| h.to_string()).collect();
    header(sheet, &headers, &[22.0, 16.0, 16.0, 10.0, 10.0, 10.0, 9.0], f)?;
    for (k, l) in lines.iter().enumerate() {
        let row = k as u32 + 1;
        sheet
            .write_string(row, 0, crate::domain::cycle::title_in(&l.cycle_title, &l.cycle_title_i18n, w.locale))
            .map_err(fail)?;
        sheet.write_string(row, 1, l.team.as_deref().unwrap_or(w.no_team)).map_err(fail)?;
        sheet.write_string(row, 2, w.relation(l.relation)).map_err(fail)?;
        for (col, v) in [(3u16, l.invited), (4, l.answered), (5, l.declined)] {
            number(sheet, row, col, Some(v as f64), &f.count)?;
        }
        number(sheet, row, 6, l.rate(), &f.percent)?;
    }
    filter(sheet, lines.len() as u32, headers.len())
}

/// The workbook's bytes (`.xlsx`).
pub fn workbook(scores: &CycleScores, participation: &[ParticipationLine], words: &Words) -> Result<Vec<u8>> {
    let f = formats();
    let mut book = Workbook::new();
    scores_sheet(book.add_worksheet(), scores, words, &f)?;
    participation_sheet(book.add_worksheet(), participation, words, &f)?;
    book.save_to_buffer().map_err(fail)
}

/// The media type of a workbook.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a download of the selection is called.
pub fn filename(scores: &CycleScores) -> String {
    let safe: String =
        scores.cycle.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    format!("candor-{safe}-scores.xlsx")
}
