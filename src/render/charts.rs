//! Charts as SVG, drawn by plotters: bars (across or up), bars stacked by series, and a line of
//! percentages. Text is written as SVG text (escaped by the backend), sized by plotters' own estimate:
//! no font is loaded and nothing is fetched. Every data point is one mark (a bar, or a point on the
//! line) in its series' colour, so the numbers in the table beneath the chart are the marks drawn.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// The colour of each series, in order: stage 1, 2, 3, and a single series.
pub const PALETTE: [RGBColor; 3] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
];
/// The colour of the line's points.
pub const LINE: RGBColor = RGBColor(0x59, 0xa1, 0x4f);

const WIDTH: u32 = 760;
const FONT: &str = "sans-serif";

/// One series of a chart: a value for each label (its name is the table's, beneath the chart).
pub struct Series {
    pub values: Vec<u32>,
}

fn plotted<E: std::error::Error + Send + Sync + 'static>(
    e: DrawingAreaErrorKind<E>,
) -> anyhow::Error {
    anyhow::anyhow!("drawing a chart: {e}")
}

/// The top of a count axis: a little above the highest value, and never zero.
fn ceiling(max: u32) -> u32 {
    (max + max / 10).max(max + 1).max(1)
}

/// Bars across, one per label (labels down the left, for long names such as categories).
pub fn bars_across(title: &str, labels: &[String], values: &[u32]) -> anyhow::Result<String> {
    if labels.is_empty() {
        return nothing(title);
    }
    let n = labels.len();
    let height = 80 + 28 * n as u32;
    let widest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plotted)?;
        let top = ceiling(values.iter().copied().max().unwrap_or(0));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size((widest * 7 + 12).min(320))
            .build_cartesian_2d(0u32..top, (0..labels.len()).into_segmented())
            .map_err(plotted)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(labels.len())
            // The axis counts up from the bottom; the first label reads at the top, as in the table.
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(j) | SegmentValue::Exact(j) if *j < labels.len() => {
                    labels[labels.len() - 1 - j].clone()
                }
                _ => String::new(),
            })
            .x_desc("count")
            .draw()
            .map_err(plotted)?;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let row = labels.len() - 1 - i;
                let mut bar = Rectangle::new(
                    [
                        (0, SegmentValue::Exact(row)),
                        (*v, SegmentValue::Exact(row + 1)),
                    ],
                    PALETTE[0].filled(),
                );
                bar.set_margin(4, 4, 0, 0);
                bar
            }))
            .map_err(plotted)?;
        root.present().map_err(plotted)?;
    }
    Ok(svg)
}

/// Bars up, one per label, each stacked from its series in order (a single series is plain bars).
pub fn stacked_bars(
    title: &str,
    labels: &[String],
    series: &[Series],
    y_desc: &str,
) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 380)).into_drawing_area();
        root.fill(&WHITE).map_err(plotted)?;
        let totals: Vec<u32> = (0..labels.len())
            .map(|i| series.iter().map(|s| s.values[i]).sum())
            .collect();
        let top = ceiling(totals.iter().copied().max().unwrap_or(0));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..labels.len()).into_segmented(), 0u32..top)
            .map_err(plotted)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len())
            .x_label_formatter(&|v| segment_label(v, labels))
            .y_desc(y_desc)
            .draw()
            .map_err(plotted)?;
        let mut base = vec![0u32; labels.len()];
        for (s, colour) in series.iter().zip(PALETTE.iter().cycle()) {
            let bars: Vec<Rectangle<(SegmentValue<usize>, u32)>> = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), base[i]),
                            (SegmentValue::Exact(i + 1), base[i] + v),
                        ],
                        colour.filled(),
                    );
                    bar.set_margin(0, 0, 6, 6);
                    bar
                })
                .collect();
            for (b, v) in base.iter_mut().zip(&s.values) {
                *b += v;
            }
            chart.draw_series(bars).map_err(plotted)?;
        }
        root.present().map_err(plotted)?;
    }
    Ok(svg)
}

/// A line of percentages over the labels; a label without a value (nothing to take a share of) has
/// no point, and the line is broken there.
pub fn percent_line(
    title: &str,
    labels: &[String],
    values: &[Option<f64>],
) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(plotted)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d((0..labels.len()).into_segmented(), 0f64..100f64)
            .map_err(plotted)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(labels.len())
            .x_label_formatter(&|v| segment_label(v, labels))
            .y_desc("%")
            .draw()
            .map_err(plotted)?;
        // Each run of months with a value is one stretch of line.
        let mut run: Vec<(SegmentValue<usize>, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => run.push((SegmentValue::CenterOf(i), *v)),
                None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
                None => {}
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        for run in &runs {
            chart
                .draw_series(LineSeries::new(run.iter().cloned(), LINE.stroke_width(2)))
                .map_err(plotted)?;
        }
        chart
            .draw_series(
                runs.iter()
                    .flatten()
                    .map(|(x, y)| Circle::new((x.clone(), *y), 4, LINE.filled())),
            )
            .map_err(plotted)?;
        root.present().map_err(plotted)?;
    }
    Ok(svg)
}

/// A chart with nothing to draw: its title, and a line saying so.
fn nothing(title: &str) -> anyhow::Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 80)).into_drawing_area();
        root.fill(&WHITE).map_err(plotted)?;
        let root = root.titled(title, (FONT, 18)).map_err(plotted)?;
        root.draw(&Text::new(
            "Nothing in the period.",
            (20, 20),
            (FONT, 14).into_font(),
        ))
        .map_err(plotted)?;
        root.present().map_err(plotted)?;
    }
    Ok(svg)
}

fn segment_label(v: &SegmentValue<usize>, labels: &[String]) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
            labels.get(*i).cloned().unwrap_or_default()
        }
        SegmentValue::Last => String::new(),
    }
}

/// The `#rrggbb` an SVG mark of this colour has (for the tests, which count marks by colour).
pub fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marks of one colour: bars (`rect`) and points (`circle`) filled with it.
    fn marks(svg: &str, colour: RGBColor) -> usize {
        let fill = format!("fill=\"{}\"", hex(colour));
        svg.lines()
            .filter(|l| (l.starts_with("<rect") || l.starts_with("<circle")) && l.contains(&fill))
            .count()
    }

    fn labels(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("group <{i}> & co")).collect()
    }

    #[test]
    fn every_value_is_one_mark_zeros_included() {
        let svg = bars_across("Concerns", &labels(4), &[3, 0, 7, 1]).expect("a chart");
        assert_eq!(marks(&svg, PALETTE[0]), 4, "{svg}");
        // Typed names are text, escaped, never markup.
        assert!(svg.contains("group &lt;1&gt; &amp; co"), "{svg}");
        let series = [
            Series {
                values: vec![1, 2, 0],
            },
            Series {
                values: vec![0, 1, 1],
            },
            Series {
                values: vec![0, 0, 2],
            },
        ];
        let svg = stacked_bars("By month", &labels(3), &series, "escalations").expect("a chart");
        for colour in PALETTE {
            assert_eq!(marks(&svg, colour), 3, "{svg}");
        }
        let svg = percent_line(
            "Within timescale",
            &labels(4),
            &[Some(50.0), None, Some(100.0), Some(0.0)],
        )
        .expect("a chart");
        assert_eq!(marks(&svg, LINE), 3, "{svg}");
        let svg = bars_across("Concerns", &[], &[]).expect("a chart");
        assert!(svg.contains("Nothing in the period."), "{svg}");
        let svg = percent_line("Within timescale", &labels(2), &[None, None]).expect("a chart");
        assert_eq!(marks(&svg, LINE), 0, "{svg}");
    }
}
