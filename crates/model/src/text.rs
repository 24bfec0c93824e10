//! Small text utilities shared by the crates that suggest names to users (« vouliez-vous
//! dire … ? »): field names in queries, schema names on the command line.

/// Levenshtein distance over characters. Names are short, so the quadratic cost is nothing.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn counts_insertions_deletions_and_substitutions_by_character() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("commune", "commune"), 0);
        assert_eq!(edit_distance("comune", "commune"), 1);
        assert_eq!(edit_distance("libelle", "libellé"), 1, "é is one character");
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
