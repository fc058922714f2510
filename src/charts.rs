//! The page's charts as SVG files, drawn by plotters from the same numbers Chart.js shows
//! (Chart.js draws on a canvas only, which exports as PNG).

use plotters::prelude::*;

/// One line of a chart.
pub struct Series<'a> {
    pub name: &'a str,
    /// `(r, g, b)`.
    pub color: (u8, u8, u8),
    pub points: Vec<(f64, f64)>,
}

/// Size of the exported charts, in pixels.
pub const SIZE: (u32, u32) = (720, 400);

/// A line chart as a standalone SVG document. Non-finite points are left out; an empty chart
/// still has its axes and legend.
pub fn line_chart_svg(title: &str, x_title: &str, y_title: &str, series: &[Series]) -> Result<String, String> {
    let finite = || series.iter().flat_map(|s| s.points.iter()).filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for &(x, y) in finite() {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    // Some room above and below, and a non-empty range for a single point.
    let pad = ((y1 - y0) * 0.05).max(1e-3);
    let (y0, y1) = (y0 - pad, y1 + pad);
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        let err = |e: DrawingAreaErrorKind<_>| format!("could not draw the chart «{title}»: {e}");
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_title)
            .y_desc(y_title)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(err)?;
        for s in series {
            let color = RGBColor(s.color.0, s.color.1, s.color.2);
            let points = s.points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite());
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(s.name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}
