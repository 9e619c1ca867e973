//! The closing table: each figure, its value, its target and whether the target was met; and the
//! median that every part reports.

/// The rows of the closing table, added by each part.
#[derive(Default)]
pub struct Summary {
    rows: Vec<[String; 4]>,
}

impl Summary {
    /// Adds a figure; `met` is `None` where the target does not apply (quick runs, comparisons).
    pub fn add(&mut self, figure: &str, value: String, target: &str, met: Option<bool>) {
        let met = match met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "n/a",
        };
        self.rows
            .push([figure.into(), value, target.into(), met.into()]);
    }

    /// Prints the table, its columns as wide as their widest cell.
    pub fn print(&self) {
        println!("\n## Summary\n");
        let header = ["figure", "value", "target", "met?"].map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; 4]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
                .collect();
            println!("| {} |", padded.join(" | "));
        };
        line(&header);
        line(&widths.map(|width| "-".repeat(width)));
        for row in &self.rows {
            line(row);
        }
    }
}

/// The median of `values` (NaN for none).
pub fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}
