//! Dataset maps drawn by the server as SVG: the Occitanie départements (bundled GeoJSON, see
//! `data/SOURCES.md`) underneath, one marker per row with coordinates on top. No tiles, no
//! script: the picture is complete on its own (tiles are an optional enhancement in the
//! browser), and the page lists the points as its text alternative.

use std::fmt::Write as _;
use std::sync::LazyLock;

use minijinja::HtmlEscape;

/// Width of the SVG's coordinate space; the height follows the region's shape.
const WIDTH: f64 = 800.0;
/// Points closer than this (in SVG units) to the previous kept point are dropped.
const THINNING: f64 = 0.8;

/// Longitudes are shrunk by the cosine of the region's mean latitude (equirectangular
/// projection): shapes look right at this scale without a projection library.
struct Projection {
    west: f64,
    north: f64,
    scale_x: f64,
    scale_y: f64,
    height: f64,
}

impl Projection {
    fn point(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            (lon - self.west) * self.scale_x,
            (self.north - lat) * self.scale_y,
        )
    }

    fn contains(&self, lon: f64, lat: f64) -> bool {
        let (x, y) = self.point(lon, lat);
        (0.0..=WIDTH).contains(&x) && (0.0..=self.height).contains(&y)
    }
}

/// A closed line of (longitude, latitude) points.
type Ring = Vec<(f64, f64)>;

/// The départements, ready to draw.
struct Basemap {
    projection: Projection,
    /// One `<path>` per département: (name, path data).
    paths: Vec<(String, String)>,
}

static BASEMAP: LazyLock<Basemap> = LazyLock::new(|| {
    let geojson: serde_json::Value =
        serde_json::from_str(include_str!("../../data/departements-occitanie.geojson"))
            .unwrap_or_default();
    let features = geojson["features"].as_array().cloned().unwrap_or_default();
    let rings: Vec<(String, Vec<Ring>)> = features
        .iter()
        .map(|feature| {
            let name = feature["properties"]["nom"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            (name, rings_of(&feature["geometry"]))
        })
        .collect();
    let all = rings.iter().flat_map(|(_, rings)| rings.iter().flatten());
    let (mut west, mut east, mut south, mut north) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(lon, lat) in all {
        west = west.min(lon);
        east = east.max(lon);
        south = south.min(lat);
        north = north.max(lat);
    }
    if west > east {
        // No boundaries (cannot happen with the bundled file): a box around Occitanie.
        (west, east, south, north) = (-0.4, 4.9, 42.3, 45.1);
    }
    let shrink = ((south + north) / 2.0).to_radians().cos();
    let scale_x = WIDTH / (east - west);
    let scale_y = scale_x / shrink;
    let projection = Projection {
        west,
        north,
        scale_x,
        scale_y,
        height: (north - south) * scale_y,
    };
    let paths = rings
        .into_iter()
        .map(|(name, rings)| (name, path_data(&projection, &rings)))
        .collect();
    Basemap { projection, paths }
});

/// The outer and inner rings of a Polygon or MultiPolygon, as (lon, lat) pairs.
fn rings_of(geometry: &serde_json::Value) -> Vec<Ring> {
    let ring = |ring: &serde_json::Value| -> Ring {
        ring.as_array()
            .into_iter()
            .flatten()
            .filter_map(|point| Some((point[0].as_f64()?, point[1].as_f64()?)))
            .collect()
    };
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .map(ring)
            .collect(),
        Some("MultiPolygon") => coordinates
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|polygon| polygon.as_array().into_iter().flatten().map(ring))
            .collect(),
        _ => Vec::new(),
    }
}

fn path_data(projection: &Projection, rings: &[Ring]) -> String {
    let mut data = String::new();
    for ring in rings {
        let mut last: Option<(f64, f64)> = None;
        for &(lon, lat) in ring {
            let (x, y) = projection.point(lon, lat);
            if let Some((lx, ly)) = last
                && (x - lx).hypot(y - ly) < THINNING
            {
                continue;
            }
            let command = if last.is_none() { 'M' } else { 'L' };
            let _ = write!(data, "{command}{x:.1} {y:.1}");
            last = Some((x, y));
        }
        data.push('Z');
    }
    data
}

/// A point to mark, with its label (shown as the marker's tooltip and in the text list).
pub(crate) struct Marker {
    pub lon: f64,
    pub lat: f64,
    pub label: String,
}

/// The map as an SVG element, and how many markers fell outside the region.
pub(crate) fn svg(markers: &[Marker], title: &str) -> (String, usize) {
    let basemap = &*BASEMAP;
    let projection = &basemap.projection;
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH:.0} {:.0}\" role=\"img\" aria-labelledby=\"carte-titre\" class=\"map\" data-west=\"{:.5}\" data-north=\"{:.5}\" data-scale-x=\"{:.5}\" data-scale-y=\"{:.5}\"><title id=\"carte-titre\">{}</title><g class=\"map-departements\">",
        projection.height,
        projection.west,
        projection.north,
        projection.scale_x,
        projection.scale_y,
        HtmlEscape(title)
    );
    for (name, data) in &basemap.paths {
        let _ = write!(
            out,
            "<path class=\"map-commune\" d=\"{data}\"><title>{}</title></path>",
            HtmlEscape(name)
        );
    }
    out.push_str("</g><g class=\"map-markers\">");
    let mut outside = 0;
    for marker in markers {
        if !projection.contains(marker.lon, marker.lat) {
            outside += 1;
            continue;
        }
        let (x, y) = projection.point(marker.lon, marker.lat);
        let _ = write!(
            out,
            "<circle class=\"map-marker\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\"><title>{}</title></circle>",
            HtmlEscape(&marker.label)
        );
    }
    out.push_str("</g></svg>");
    (out, outside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_basemap_has_the_thirteen_departements() {
        assert_eq!(BASEMAP.paths.len(), 13);
        assert!(
            BASEMAP
                .paths
                .iter()
                .any(|(name, _)| name == "Haute-Garonne")
        );
        assert!(BASEMAP.paths.iter().all(|(_, data)| data.starts_with('M')));
    }

    #[test]
    fn markers_inside_are_drawn_and_outside_counted() {
        let markers = [
            Marker {
                lon: 1.444,
                lat: 43.604,
                label: "Toulouse <capitole>".to_owned(),
            },
            Marker {
                lon: 2.35,
                lat: 48.85,
                label: "Paris".to_owned(),
            },
        ];
        let (svg, outside) = svg(&markers, "Carte");
        assert_eq!(outside, 1);
        assert_eq!(svg.matches("<circle").count(), 1);
        assert!(svg.contains("Toulouse &lt;capitole&gt;"));
    }
}
