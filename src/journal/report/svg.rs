//! A trigger's chart as a small, deterministic SVG, written by hand: the values as a polyline,
//! the threshold (red, dashed) and baseline (blue, dotted) lines, a mark per measurement
//! (pass ● green, warn ▲ orange, fail ■ red, error ? grey), axes with labels, a legend. Text
//! is escaped; coordinates have one decimal.

use std::fmt::Write as _;

use crate::model::trend::{Mark, fmt_num, y_range};

pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// What one chart shows.
pub struct Spec<'a> {
    pub title: &'a str,
    /// `(seconds since the watch started, mark, value)` per measurement, in time order.
    pub points: &'a [(f64, Mark, Option<f64>)],
    /// The end of the x axis, in seconds (the watch's length).
    pub x_max: f64,
    /// The threshold's numeric bound and its condition.
    pub threshold: Option<(f64, &'a str)>,
    pub baseline: Option<f64>,
}

/// Data → picture coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub x_max: f64,
    pub y0: f64,
    pub y1: f64,
}

impl Scale {
    pub fn of(spec: &Spec<'_>) -> Scale {
        let [y0, y1] = y_range(
            spec.points
                .iter()
                .filter_map(|p| p.2)
                .chain(spec.threshold.map(|t| t.0))
                .chain(spec.baseline),
        );
        let last = spec.points.iter().map(|p| p.0).fold(0.0_f64, f64::max);
        Scale {
            x_max: spec.x_max.max(last).max(1.0),
            y0,
            y1,
        }
    }
    pub fn x(&self, secs: f64) -> f64 {
        LEFT + secs / self.x_max * (WIDTH - LEFT - RIGHT)
    }
    pub fn y(&self, v: f64) -> f64 {
        TOP + (self.y1 - v) / (self.y1 - self.y0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// Escape text for SVG (XML) content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn color(mark: Mark) -> &'static str {
    match mark {
        Mark::Pass => "#2ca02c",
        Mark::Warn => "#ff7f0e",
        Mark::Fail => "#d62728",
        Mark::Error => "#7f7f7f",
    }
}

/// `m:ss` since the watch started.
#[allow(clippy::cast_possible_truncation)]
fn clock(secs: f64) -> String {
    let s = secs.round().max(0.0) as i64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// The SVG document.
pub fn chart(spec: &Spec<'_>) -> String {
    let sc = Scale::of(spec);
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let ybot = HEIGHT - BOTTOM;
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(o, "<title>{}</title>", escape(spec.title));
    let _ = writeln!(
        o,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
    );
    let _ = writeln!(
        o,
        r#"<text class="title" x="{x0}" y="24" font-size="14" font-weight="bold">{}</text>"#,
        escape(spec.title)
    );
    axes(&mut o, &sc);
    if let Some(b) = spec.baseline {
        let y = sc.y(b);
        let _ = writeln!(
            o,
            r##"<line class="baseline" x1="{x0:.1}" y1="{y:.1}" x2="{x1:.1}" y2="{y:.1}" stroke="#1f77b4" stroke-dasharray="2 3"/>"##
        );
    }
    if let Some((t, _)) = spec.threshold {
        let y = sc.y(t);
        let _ = writeln!(
            o,
            r##"<line class="threshold" x1="{x0:.1}" y1="{y:.1}" x2="{x1:.1}" y2="{y:.1}" stroke="#d62728" stroke-dasharray="6 3"/>"##
        );
    }
    let values: Vec<String> = spec
        .points
        .iter()
        .filter_map(|(s, _, v)| v.map(|v| format!("{:.1},{:.1}", sc.x(*s), sc.y(v))))
        .collect();
    if !values.is_empty() {
        let _ = writeln!(
            o,
            r##"<polyline class="values" points="{}" fill="none" stroke="#333333" stroke-width="1.5"/>"##,
            values.join(" ")
        );
    }
    for (s, mark, v) in spec.points {
        let (x, y) = (sc.x(*s), sc.y(v.unwrap_or(sc.y0)));
        let c = color(*mark);
        let tip = format!(
            "<title>{} {} at {}</title>",
            mark.as_str(),
            v.map_or_else(|| "-".to_owned(), fmt_num),
            clock(*s)
        );
        let _ = match mark {
            Mark::Pass => writeln!(
                o,
                r#"<circle class="mark pass" cx="{x:.1}" cy="{y:.1}" r="3" fill="{c}">{tip}</circle>"#
            ),
            Mark::Warn => writeln!(
                o,
                r#"<polygon class="mark warn" points="{x:.1},{:.1} {:.1},{:.1} {:.1},{:.1}" fill="{c}">{tip}</polygon>"#,
                y - 5.0,
                x - 4.5,
                y + 3.5,
                x + 4.5,
                y + 3.5
            ),
            Mark::Fail => writeln!(
                o,
                r#"<rect class="mark fail" x="{:.1}" y="{:.1}" width="7" height="7" fill="{c}">{tip}</rect>"#,
                x - 3.5,
                y - 3.5
            ),
            Mark::Error => writeln!(
                o,
                r#"<text class="mark error" x="{x:.1}" y="{:.1}" text-anchor="middle" fill="{c}" font-weight="bold">?{tip}</text>"#,
                y + 4.0
            ),
        };
    }
    legend(&mut o, spec, ybot + 50.0);
    o.push_str("</svg>\n");
    o
}

/// The axes, their labels and the x axis' title.
fn axes(o: &mut String, sc: &Scale) {
    let (x0, x1) = (LEFT, WIDTH - RIGHT);
    let (ytop, ybot) = (TOP, HEIGHT - BOTTOM);
    let _ = writeln!(
        o,
        r##"<path class="axes" d="M{x0:.1} {ytop:.1} V{ybot:.1} H{x1:.1}" fill="none" stroke="#444444"/>"##
    );
    for v in [sc.y0, f64::midpoint(sc.y0, sc.y1), sc.y1] {
        let y = sc.y(v);
        let _ = writeln!(
            o,
            r##"<text class="y-label" x="{:.1}" y="{:.1}" text-anchor="end" fill="#444444">{}</text>"##,
            x0 - 6.0,
            y + 4.0,
            escape(&fmt_num(v))
        );
    }
    for s in [0.0, sc.x_max / 2.0, sc.x_max] {
        let _ = writeln!(
            o,
            r##"<text class="x-label" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444444">{}</text>"##,
            sc.x(s),
            ybot + 16.0,
            clock(s)
        );
    }
    let _ = writeln!(
        o,
        r##"<text class="x-title" x="{:.1}" y="{:.1}" text-anchor="middle" fill="#444444">time since the watch started</text>"##,
        f64::midpoint(x0, x1),
        ybot + 32.0
    );
}

fn legend(o: &mut String, spec: &Spec<'_>, y: f64) {
    let mut items = vec![
        format!(r#"<tspan fill="{}">● pass</tspan>"#, color(Mark::Pass)),
        format!(
            r#"<tspan dx="14" fill="{}">▲ warn</tspan>"#,
            color(Mark::Warn)
        ),
        format!(
            r#"<tspan dx="14" fill="{}">■ fail</tspan>"#,
            color(Mark::Fail)
        ),
        format!(
            r#"<tspan dx="14" fill="{}">? error</tspan>"#,
            color(Mark::Error)
        ),
    ];
    if let Some((t, cond)) = spec.threshold {
        items.push(format!(
            r##"<tspan dx="14" fill="#d62728">– – threshold {} ({})</tspan>"##,
            escape(&fmt_num(t)),
            escape(cond)
        ));
    }
    if let Some(b) = spec.baseline {
        items.push(format!(
            r##"<tspan dx="14" fill="#1f77b4">··· baseline {}</tspan>"##,
            escape(&fmt_num(b))
        ));
    }
    let _ = writeln!(
        o,
        r#"<text class="legend" x="{LEFT:.1}" y="{y:.1}">{}</text>"#,
        items.join("")
    );
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::float_cmp)]
mod tests {
    use super::*;

    fn spec<'a>(points: &'a [(f64, Mark, Option<f64>)], title: &'a str) -> Spec<'a> {
        Spec {
            title,
            points,
            x_max: 300.0,
            threshold: Some((0.05, "fail if result > 0.05")),
            baseline: Some(0.015),
        }
    }

    fn attr<'a>(svg: &'a str, class: &str, name: &str) -> &'a str {
        let at = svg.find(&format!(r#"class="{class}""#)).unwrap();
        let rest = &svg[at..];
        let start = rest.find(&format!(r#" {name}=""#)).unwrap() + name.len() + 3;
        let end = start + rest[start..].find('"').unwrap();
        &rest[start..end]
    }

    #[test]
    fn the_polyline_has_a_point_per_numeric_value_and_the_lines_sit_at_their_values() {
        let pts = [
            (15.0, Mark::Pass, Some(0.01)),
            (30.0, Mark::Warn, Some(0.04)),
            (45.0, Mark::Fail, Some(0.19)),
            (60.0, Mark::Error, None),
            (75.0, Mark::Pass, Some(0.02)),
        ];
        let s = spec(&pts, "error-rate");
        let svg = chart(&s);
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(svg.ends_with("</svg>\n"));
        let poly = attr(&svg, "values", "points");
        assert_eq!(poly.split(' ').count(), 4, "{poly}");
        let sc = Scale::of(&s);
        assert_eq!(sc.y0, 0.0);
        assert!((sc.y1 - 0.208).abs() < 1e-9);
        let ty = format!("{:.1}", sc.y(0.05));
        assert_eq!(attr(&svg, "threshold", "y1"), ty);
        assert_eq!(attr(&svg, "threshold", "y2"), ty);
        // 0.05 of 0..0.208 over the 200 px plot, from y=40: 40 + (0.158/0.208)·200.
        assert_eq!(ty, "191.9");
        assert_eq!(attr(&svg, "baseline", "y1"), format!("{:.1}", sc.y(0.015)));
        assert_eq!(
            poly.split(' ').next().unwrap(),
            format!("{:.1},{:.1}", sc.x(15.0), sc.y(0.01))
        );
        for class in ["mark pass", "mark warn", "mark fail", "mark error"] {
            assert!(
                svg.contains(&format!(r#"class="{class}""#)),
                "{class}: {svg}"
            );
        }
        assert_eq!(svg.matches(r#"class="mark "#).count(), 5);
        assert!(svg.contains(">5:00<") && svg.contains(">0:00<"), "{svg}");
        assert_eq!(chart(&s), svg, "deterministic");
    }

    #[test]
    fn text_is_escaped() {
        let pts = [(1.0, Mark::Pass, Some(1.0))];
        let mut s = spec(&pts, "a<b & \"c\"");
        s.threshold = Some((2.0, "result < 2 && x"));
        let svg = chart(&s);
        assert!(svg.contains("a&lt;b &amp; &quot;c&quot;"), "{svg}");
        assert!(svg.contains("result &lt; 2 &amp;&amp; x"), "{svg}");
        assert!(!svg.contains("a<b"));
    }

    #[test]
    fn no_values_no_polyline_and_no_lines_without_threshold_or_baseline() {
        let pts = [(1.0, Mark::Error, None)];
        let svg = chart(&Spec {
            title: "t",
            points: &pts,
            x_max: 10.0,
            threshold: None,
            baseline: None,
        });
        assert!(!svg.contains("polyline"));
        assert!(!svg.contains(r#"class="threshold""#));
        assert!(!svg.contains(r#"class="baseline""#));
        assert!(svg.contains(r#"class="mark error""#));
    }
}
