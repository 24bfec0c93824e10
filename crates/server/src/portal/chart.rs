//! Charts drawn by the server as SVG (bars or a line), from the groups of a records query. The
//! page shows the same figures as a table: the chart's text alternative.

use std::fmt::Write as _;

use minijinja::HtmlEscape;

use super::render::french_number;

/// One bar or one point: a group's label and its value.
pub(crate) struct Datum {
    pub label: String,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bars,
    Line,
}

const WIDTH: f64 = 720.0;
const LABEL_WIDTH: f64 = 220.0;
const BAR_HEIGHT: f64 = 22.0;
const LINE_HEIGHT: f64 = 320.0;
const MARGIN: f64 = 40.0;

/// The chart as an SVG element labelled by `title`.
pub(crate) fn svg(data: &[Datum], kind: Kind, title: &str) -> String {
    match kind {
        Kind::Bars => bars(data, title),
        Kind::Line => line(data, title),
    }
}

fn max_value(data: &[Datum]) -> f64 {
    data.iter()
        .map(|datum| datum.value)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE)
}

fn open(out: &mut String, height: f64, title: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {height:.0}\" role=\"img\" aria-labelledby=\"graphique-titre\" class=\"chart\"><title id=\"graphique-titre\">{}</title>",
        HtmlEscape(title)
    );
}

fn bars(data: &[Datum], title: &str) -> String {
    let height = data.len() as f64 * BAR_HEIGHT + MARGIN;
    let max = max_value(data);
    let room = WIDTH - LABEL_WIDTH - 90.0;
    let mut out = String::new();
    open(&mut out, height, title);
    for (index, datum) in data.iter().enumerate() {
        let y = index as f64 * BAR_HEIGHT + 10.0;
        let width = (datum.value.max(0.0) / max * room).max(1.0);
        let label: String = datum.label.chars().take(32).collect();
        let _ = write!(
            out,
            "<text x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"12\">{}</text><rect class=\"chart-bar\" x=\"{LABEL_WIDTH:.0}\" y=\"{y:.1}\" width=\"{width:.1}\" height=\"{:.0}\"><title>{} : {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + 14.0,
            HtmlEscape(&label),
            BAR_HEIGHT - 6.0,
            HtmlEscape(&datum.label),
            french_number(datum.value),
            LABEL_WIDTH + width + 4.0,
            y + 14.0,
            french_number(datum.value)
        );
    }
    out.push_str("</svg>");
    out
}

fn line(data: &[Datum], title: &str) -> String {
    let max = max_value(data);
    let plot_height = LINE_HEIGHT - 2.0 * MARGIN;
    let plot_width = WIDTH - 2.0 * MARGIN - 40.0;
    let step = if data.len() > 1 {
        plot_width / (data.len() - 1) as f64
    } else {
        0.0
    };
    let point = |index: usize, value: f64| {
        (
            MARGIN + 40.0 + index as f64 * step,
            MARGIN + plot_height - value.max(0.0) / max * plot_height,
        )
    };
    let mut out = String::new();
    open(&mut out, LINE_HEIGHT, title);
    let _ = write!(
        out,
        "<line x1=\"{0:.0}\" y1=\"{1:.0}\" x2=\"{2:.0}\" y2=\"{1:.0}\" stroke=\"#666\"/><text x=\"{3:.0}\" y=\"{4:.0}\" font-size=\"12\" text-anchor=\"end\">{5}</text><text x=\"{3:.0}\" y=\"{1:.0}\" font-size=\"12\" text-anchor=\"end\">0</text>",
        MARGIN + 40.0,
        MARGIN + plot_height,
        WIDTH - MARGIN,
        MARGIN + 34.0,
        MARGIN + 4.0,
        french_number(max)
    );
    let points: Vec<String> = data
        .iter()
        .enumerate()
        .map(|(index, datum)| {
            let (x, y) = point(index, datum.value);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let _ = write!(
        out,
        "<polyline class=\"chart-line\" points=\"{}\"/>",
        points.join(" ")
    );
    let label_every = (data.len() / 8).max(1);
    for (index, datum) in data.iter().enumerate() {
        let (x, y) = point(index, datum.value);
        let _ = write!(
            out,
            "<circle class=\"chart-bar\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\"><title>{} : {}</title></circle>",
            HtmlEscape(&datum.label),
            french_number(datum.value)
        );
        if index % label_every == 0 {
            let label: String = datum.label.chars().take(14).collect();
            let _ = write!(
                out,
                "<text x=\"{x:.1}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
                MARGIN + plot_height + 18.0,
                HtmlEscape(&label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<Datum> {
        vec![
            Datum {
                label: "Toulouse <b>".to_owned(),
                value: 1500.5,
            },
            Datum {
                label: "Albi".to_owned(),
                value: 750.25,
            },
        ]
    }

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = svg(&data(), Kind::Bars, "Montant par commune");
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("Toulouse &lt;b&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("1\u{202f}500,5"));
        assert!(svg.contains("width=\"410.0\""), "{svg}");
        assert!(svg.contains("width=\"205.0\""), "{svg}");
    }

    #[test]
    fn lines_have_one_point_per_group() {
        let svg = svg(&data(), Kind::Line, "t");
        assert!(svg.contains("<polyline"));
        assert_eq!(svg.matches("<circle").count(), 2);
    }
}
