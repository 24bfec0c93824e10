//! The communes where demo equipment stands: real INSEE codes, names and postcodes from the
//! referential, and for each a disc (centre, radius) lying inside the commune's 2018 boundary,
//! computed once from `communes-occitanie-2018.geojson` (the largest inscribed disc on a grid,
//! shrunk by 20 % at use). Tests check both facts against the shared referential files.

use super::random::Rng;

/// A commune and a disc inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Place {
    pub(crate) insee: &'static str,
    pub(crate) name: &'static str,
    pub(crate) departement: &'static str,
    /// `code_arrondissement`, used for RNA numbers (`W` + arrondissement + 6 digits).
    pub(crate) arrondissement: &'static str,
    pub(crate) postcodes: &'static [&'static str],
    pub(crate) latitude: f64,
    pub(crate) longitude: f64,
    /// Radius in degrees of latitude (longitude is scaled by the cosine of the latitude).
    pub(crate) radius: f64,
}

const fn place(
    insee: &'static str,
    name: &'static str,
    departement: &'static str,
    arrondissement: &'static str,
    postcodes: &'static [&'static str],
    (latitude, longitude, radius): (f64, f64, f64),
) -> Place {
    Place {
        insee,
        name,
        departement,
        arrondissement,
        postcodes,
        latitude,
        longitude,
        radius,
    }
}

/// Every place used by the demo, communes of the organisations first.
#[rustfmt::skip]
pub(crate) static PLACES: &[Place] = &[
    place("31555", "Toulouse", "31", "313", &["31000", "31100", "31200", "31300", "31400", "31500"], (43.58703, 1.43278, 0.03997)),
    place("34172", "Montpellier", "34", "343", &["34000", "34070", "34080", "34090"], (43.61882, 3.85734, 0.02818)),
    place("81004", "Albi", "81", "811", &["81000"], (43.92708, 2.15206, 0.02045)),
    place("32107", "Condom", "32", "322", &["32100"], (43.97497, 0.36234, 0.03378)),
    place("48092", "Marvejols", "48", "482", &["48100"], (44.55787, 3.28345, 0.01298)),
    place("31150", "Cornebarrieu", "31", "313", &["31700"], (43.64883, 1.32740, 0.01853)),
    // Other members of Toulouse Métropole.
    place("31149", "Colomiers", "31", "313", &["31770"], (43.61044, 1.32235, 0.01586)),
    place("31557", "Tournefeuille", "31", "313", &["31170"], (43.57761, 1.34024, 0.01339)),
    place("31069", "Blagnac", "31", "313", &["31700"], (43.64085, 1.38142, 0.01479)),
    place("31157", "Cugnaux", "31", "313", &["31270"], (43.54631, 1.33665, 0.01279)),
    place("31044", "Balma", "31", "313", &["31130"], (43.61558, 1.50231, 0.01286)),
    place("31032", "Aussonne", "31", "313", &["31840"], (43.68764, 1.32498, 0.01462)),
    place("31506", "Saint-Orens-de-Gameville", "31", "313", &["31650"], (43.56490, 1.53328, 0.01338)),
    place("31417", "Pibrac", "31", "313", &["31820"], (43.63093, 1.26587, 0.01616)),
    // Chefs-lieux of the thirteen départements of Occitanie (Toulouse and Montpellier above).
    place("09122", "Foix", "09", "091", &["09000"], (42.96235, 1.60324, 0.01462)),
    place("11069", "Carcassonne", "11", "111", &["11000"], (43.20755, 2.34046, 0.02202)),
    place("12202", "Rodez", "12", "122", &["12000"], (44.35721, 2.56621, 0.01023)),
    place("30189", "Nîmes", "30", "302", &["30000", "30900"], (43.85029, 4.35353, 0.04310)),
    place("32013", "Auch", "32", "321", &["32000"], (43.64914, 0.60691, 0.02192)),
    place("46042", "Cahors", "46", "461", &["46000"], (44.44818, 1.45229, 0.02345)),
    place("48095", "Mende", "48", "482", &["48000"], (44.52449, 3.50654, 0.01447)),
    place("65440", "Tarbes", "65", "653", &["65000"], (43.23473, 0.06685, 0.01452)),
    place("66136", "Perpignan", "66", "662", &["66000", "66100"], (42.67913, 2.88501, 0.02137)),
    place("82121", "Montauban", "82", "822", &["82000"], (44.01825, 1.36840, 0.04412)),
];

/// INSEE codes of the places where Toulouse Métropole runs equipment.
pub(crate) const METROPOLE_PLACES: &[&str] = &[
    "31555", "31149", "31557", "31069", "31157", "31044", "31032", "31506", "31150", "31417",
];

/// INSEE codes of the département chefs-lieux, where the Région's lycées of the demo stand.
pub(crate) const PREFECTURE_PLACES: &[&str] = &[
    "09122", "11069", "12202", "30189", "31555", "32013", "34172", "46042", "48095", "65440",
    "66136", "81004", "82121",
];

/// The place with this INSEE code; the demo only asks for codes listed above.
pub(crate) fn find(insee: &str) -> &'static Place {
    PLACES
        .iter()
        .find(|place| place.insee == insee)
        .unwrap_or_else(|| panic!("no demo place for INSEE code {insee}"))
}

impl Place {
    /// A random point of the disc (shrunk by 20 %), as (latitude, longitude) with 6 decimals.
    pub(crate) fn random_point(&self, rng: &mut Rng) -> (f64, f64) {
        let distance = self.radius * 0.8 * rng.unit().sqrt();
        let angle = rng.unit() * std::f64::consts::TAU;
        let latitude = self.latitude + distance * angle.sin();
        let longitude = self.longitude + distance * angle.cos() / self.latitude.to_radians().cos();
        (round6(latitude), round6(longitude))
    }

    /// The postcode of a street; large cities have several.
    pub(crate) fn postcode(&self, rng: &mut Rng) -> &'static str {
        rng.pick(self.postcodes)
    }
}

/// `de Toulouse`, `d'Albi`: French elision before a vowel.
pub(crate) fn of(name: &str) -> String {
    let elided = name
        .chars()
        .next()
        .is_some_and(|first| "AEIOUYÉÈÊÂÎÔaeiouy".contains(first));
    if elided {
        format!("d'{name}")
    } else {
        format!("de {name}")
    }
}

fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn de_elides_before_a_vowel() {
        assert_eq!(of("Toulouse"), "de Toulouse");
        assert_eq!(of("Albi"), "d'Albi");
        assert_eq!(of("Auch"), "d'Auch");
    }

    #[test]
    fn random_points_stay_in_the_shrunk_disc() {
        let mut rng = Rng::new(3, "points");
        for place in PLACES {
            for _ in 0..50 {
                let (latitude, longitude) = place.random_point(&mut rng);
                let dy = latitude - place.latitude;
                let dx = (longitude - place.longitude) * place.latitude.to_radians().cos();
                assert!((dx * dx + dy * dy).sqrt() <= place.radius * 0.8 + 1e-5);
            }
        }
    }
}
