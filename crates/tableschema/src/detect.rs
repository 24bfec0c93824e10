//! Guessing which schema a file follows, from its header.

use std::collections::HashSet;

use crate::report::fold;
use crate::schema::Schema;

/// How well a header matches a schema's field names, from 0 (nothing in common) to 1 (same
/// names), comparing names without case, accents or surrounding spaces. It is the Jaccard
/// index of the two name sets, so both missing and extra columns lower it.
pub fn header_match_score(schema: &Schema, labels: &[&str]) -> f64 {
    let normalize = |name: &str| fold(name).replace(['-', ' '], "_");
    let names: HashSet<String> = schema
        .fields()
        .iter()
        .map(|field| normalize(&field.name))
        .collect();
    let found: HashSet<String> = labels
        .iter()
        .map(|label| normalize(label))
        .filter(|label| !label.is_empty())
        .collect();
    let union = names.union(&found).count();
    if union == 0 {
        return 0.0;
    }
    names.intersection(&found).count() as f64 / union as f64
}
