//! Charts as inline SVG drawn on the server: no script, readable without colour, with a text
//! alternative (`<title>` plus `role="img"` and `aria-label`). All text is escaped here.

/// Escapes text for SVG/HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn open(width: u32, height: u32, label: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{l}" class="chart"><title>{l}</title>"#,
        l = esc(label)
    )
}

/// A score, or the words for why there is none ("too few raters", "results at close"…).
pub type Shown = Result<f64, String>;

/// The charts are drawn about as wide as a phone's column (about 340 units), so that their
/// 15 px text stays at least 11 px on a 360 px screen instead of shrinking with a wider drawing.
const LEFT: f64 = 120.0;
const PLOT: f64 = 180.0;
const RIGHT: f64 = 46.0;

/// A row's name as the chart's left column holds it: long names end in "…" (the table beside
/// the chart, and its text alternative, have them whole).
fn short(name: &str) -> String {
    const MAX: usize = 13;
    match name.chars().count() > MAX {
        true => format!("{}…", name.chars().take(MAX - 1).collect::<String>()),
        false => name.to_string(),
    }
}

/// Horizontal bars on a 0–100 scale: one row per (label, value); no value draws its reason.
pub fn bars(label: &str, rows: &[(String, Shown)]) -> String {
    let (left, width, row_h) = (LEFT, PLOT, 26.0);
    let height = (rows.len() as f64 * row_h + 24.0) as u32;
    let mut svg = open((LEFT + PLOT + RIGHT) as u32, height, label);
    for (i, (name, value)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        svg.push_str(&format!(
            r#"<text x="{x}" y="{ty}" text-anchor="end" class="lbl">{n}</text>"#,
            x = left - 8.0,
            ty = y + 15.0,
            n = esc(&short(name))
        ));
        match value {
            Ok(v) => svg.push_str(&format!(
                r#"<rect x="{left}" y="{y}" width="{w:.1}" height="18" class="bar"/><text x="{tx:.1}" y="{ty}" class="val">{v:.1}</text>"#,
                w = v.clamp(0.0, 100.0) / 100.0 * width,
                tx = left + v.clamp(0.0, 100.0) / 100.0 * width + 4.0,
                ty = y + 14.0
            )),
            Err(why) => svg.push_str(&format!(
                r#"<text x="{tx}" y="{ty}" class="muted">{w}</text>"#,
                tx = left + 4.0,
                ty = y + 14.0,
                w = esc(why)
            )),
        }
    }
    axis(&mut svg, left, width, rows.len() as f64 * row_h + 8.0);
    svg.push_str("</svg>");
    svg
}

fn axis(svg: &mut String, left: f64, width: f64, y: f64) {
    svg.push_str(&format!(r#"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" class="axis"/>"#, x2 = left + width));
    for tick in [0.0, 50.0, 100.0] {
        svg.push_str(&format!(
            r#"<text x="{x:.1}" y="{ty}" text-anchor="middle" class="tick">{tick}</text>"#,
            x = left + tick / 100.0 * width,
            ty = y + 13.0
        ));
    }
}

/// A labelled score with its 95 % interval, when there is one.
pub type IntervalRow = (String, Shown, Option<[f64; 2]>);

/// A dot per group with its 95 % interval as a line.
pub fn intervals(label: &str, rows: &[IntervalRow]) -> String {
    let (left, width, row_h) = (LEFT, PLOT, 26.0);
    // The first row's value is drawn above its dot: room for it at the top.
    let height = (rows.len() as f64 * row_h + 32.0) as u32;
    let mut svg = open((LEFT + PLOT + RIGHT) as u32, height, label);
    for (i, (name, score, ci)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 21.0;
        svg.push_str(&format!(
            r#"<text x="{x}" y="{ty}" text-anchor="end" class="lbl">{n}</text>"#,
            x = left - 8.0,
            ty = y + 5.0,
            n = esc(&short(name))
        ));
        let at = |v: f64| left + v.clamp(0.0, 100.0) / 100.0 * width;
        match score {
            Ok(s) => {
                if let Some([lo, hi]) = ci {
                    svg.push_str(&format!(
                        r#"<line x1="{:.1}" y1="{y}" x2="{:.1}" y2="{y}" class="ci"/>"#,
                        at(*lo),
                        at(*hi)
                    ));
                }
                svg.push_str(&format!(r#"<circle cx="{:.1}" cy="{y}" r="5" class="dot"/>"#, at(*s)));
                // Left of a dot near the top of the scale, so that "100.0" is not cut off.
                let (x, anchor) = if *s > 80.0 { (at(*s) - 8.0, "end") } else { (at(*s) + 8.0, "start") };
                svg.push_str(&format!(
                    r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" class="val">{s:.1}</text>"#,
                    y - 6.0
                ));
            }
            Err(why) => {
                svg.push_str(&format!(r#"<text x="{}" y="{}" class="muted">{}</text>"#, left + 4.0, y + 5.0, esc(why)))
            }
        }
    }
    axis(&mut svg, left, width, rows.len() as f64 * row_h + 16.0);
    svg.push_str("</svg>");
    svg
}

/// One line per series across cycles, on 0–100.
pub fn trend(label: &str, cycles: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let (left, top, width, height) = (36.0, 10.0, 280.0, 150.0);
    let legend_h = series.len() as f64 * 18.0;
    let mut svg = open(left as u32 + width as u32 + 24, (top + height + 40.0 + legend_h) as u32, label);
    let n = cycles.len().max(2) as f64;
    let x = |i: usize| left + i as f64 / (n - 1.0) * width;
    let y = |v: f64| top + height - v.clamp(0.0, 100.0) / 100.0 * height;
    for tick in [0.0, 50.0, 100.0] {
        svg.push_str(&format!(
            r#"<line x1="{left}" y1="{yy:.1}" x2="{x2}" y2="{yy:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" text-anchor="end" class="tick">{tick}</text>"#,
            yy = y(tick),
            x2 = left + width,
            tx = left - 4.0,
            ty = y(tick) + 4.0
        ));
    }
    for (i, c) in cycles.iter().enumerate() {
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}" text-anchor="middle" class="tick">{}</text>"#,
            x(i),
            top + height + 16.0,
            esc(&short(c))
        ));
    }
    for (k, (name, values)) in series.iter().enumerate() {
        let class = format!("s{}", k % 4);
        let points: Vec<String> =
            values.iter().enumerate().filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v)))).collect();
        if points.len() > 1 {
            svg.push_str(&format!(r#"<polyline points="{}" class="line {class}"/>"#, points.join(" ")));
        }
        for p in &points {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            svg.push_str(&format!(r#"<circle cx="{px}" cy="{py}" r="4" class="pt {class}"/>"#));
        }
        let ly = top + height + 34.0 + k as f64 * 18.0;
        svg.push_str(&format!(
            r#"<line x1="{left}" y1="{yy}" x2="{x2}" y2="{yy}" class="line {class}"/><text x="{tx}" y="{ty}" class="lbl">{n}</text>"#,
            yy = ly - 4.0,
            x2 = left + 20.0,
            tx = left + 26.0,
            ty = ly,
            n = esc(name)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Counts of answers in five bands of 20 points.
pub fn histogram(label: &str, values: &[f64]) -> String {
    let mut bins = [0usize; 5];
    for v in values {
        bins[((v.clamp(0.0, 100.0) / 20.0) as usize).min(4)] += 1;
    }
    let max = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    // Room above the tallest bar for its count: a count is drawn on the page, never on a bar.
    let (left, top, width, height) = (10.0, 20.0, 300.0, 100.0);
    let mut svg = open(left as u32 + width as u32 + 10, (top + height + 30.0) as u32, label);
    let bw = width / 5.0;
    for (i, count) in bins.iter().enumerate() {
        let h = *count as f64 / max * height;
        let x = left + i as f64 * bw;
        svg.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" class="bar"/><text x="{:.1}" y="{:.1}" text-anchor="middle" class="val">{count}</text><text x="{:.1}" y="{}" text-anchor="middle" class="tick">{}–{}</text>"#,
            x + 2.0,
            top + height - h,
            bw - 4.0,
            x + bw / 2.0,
            top + height - h - 5.0,
            x + bw / 2.0,
            top + height + 14.0,
            i * 20,
            i * 20 + 20
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_charts_have_text_alternatives() {
        let svg = bars("Team <b>", &[("<script>x</script>".into(), Ok(75.0)), ("Sam".into(), Err("withheld".into()))]);
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains("<title>Team &lt;b&gt;</title>"));
        assert!(svg.contains("withheld") && svg.contains("75.0"));
    }

    #[test]
    fn histogram_counts_bands() {
        let svg = histogram("d", &[0.0, 10.0, 100.0, 85.0, 50.0]);
        assert!(svg.matches("<rect").count() == 5);
        assert!(svg.contains(">2</text>"));
    }
}
