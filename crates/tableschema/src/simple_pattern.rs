//! A fast path for the simple `pattern` constraints most schemas write (`^\d{14}$`,
//! `^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$`...), on ASCII cells.
//!
//! The `regex` crate costs a few hundred nanoseconds per call on such short cells (cache
//! lookup, search set-up), which made patterns a tenth of validation time. Here a pattern
//! made only of ASCII character classes, groups and counted repetitions is compiled to a
//! tiny backtracking matcher. It answers only when the whole cell is ASCII (where `\d` and
//! Unicode classes reduce to their ASCII members) and within a step budget; otherwise the
//! caller falls back to the regex, so results never differ. Alternatives inside a group
//! (`(2A|\d\d)`) are matched only when the pattern has fixed-length shapes (below); anything
//! unusual in the pattern (alternation at the top level, flags, Unicode escapes, `\s`,
//! `\w`...) means no fast path at all.

/// A set of ASCII bytes, one bit per byte value.
type ByteSet = u128;

/// Longest search, in matcher steps, before handing over to the regex.
const STEP_BUDGET: u32 = 4096;

/// The compiled form of a simple pattern (anchored at both ends, as Table Schema requires).
#[derive(Debug, Clone)]
pub(crate) struct SimplePattern {
    nodes: Vec<Node>,
    /// The same pattern as a few fixed-length shapes (one byte set per position), when it has
    /// no open repetition: `^\d{14}$` is one shape of 14 digit sets; an optional group gives two
    /// shapes. Matching is then one table look-up per byte, with no backtracking.
    shapes: Option<Shapes>,
}

/// Fixed-length shapes as table look-ups: each position names one of the pattern's distinct
/// byte sets (at most 32), and `members[byte]` has bit `k` set when `byte` is in set `k`.
/// Non-ASCII bytes are in no set.
#[derive(Debug, Clone)]
struct Shapes {
    members: Box<[u32; 256]>,
    /// Per shape, the set index of each position.
    shapes: Vec<Vec<u8>>,
}

impl Shapes {
    /// `None` when the shapes use more distinct sets than `members` has bits.
    fn new(shapes: &[Vec<ByteSet>]) -> Option<Shapes> {
        let mut sets: Vec<ByteSet> = Vec::new();
        let mut indexed = Vec::with_capacity(shapes.len());
        for shape in shapes {
            let mut positions = Vec::with_capacity(shape.len());
            for set in shape {
                let index = match sets.iter().position(|known| known == set) {
                    Some(index) => index,
                    None => {
                        sets.push(*set);
                        sets.len() - 1
                    }
                };
                positions.push(u8::try_from(index).ok().filter(|index| *index < 32)?);
            }
            indexed.push(positions);
        }
        let mut members = Box::new([0u32; 256]);
        for (index, set) in sets.iter().enumerate() {
            for byte in 0..128u8 {
                if set >> byte & 1 == 1 {
                    members[usize::from(byte)] |= 1 << index;
                }
            }
        }
        Some(Shapes {
            members,
            shapes: indexed,
        })
    }

    /// Whether one shape matches every byte (all of them ASCII, then). Every byte is looked
    /// at, without a branch each: cells are short and usually match.
    #[inline]
    fn matches(&self, bytes: &[u8]) -> bool {
        self.shapes.iter().any(|shape| {
            shape.len() == bytes.len()
                && shape.iter().zip(bytes).fold(1, |all, (set, byte)| {
                    all & self.members[usize::from(*byte)] >> set
                }) & 1
                    == 1
        })
    }
}

/// Most shapes a pattern may expand to, and longest shape, for the fixed-length path.
const MAX_SHAPES: usize = 8;
const MAX_SHAPE_LEN: usize = 64;

#[derive(Debug, Clone)]
struct Node {
    atom: Atom,
    min: u32,
    /// `u32::MAX` for no upper bound.
    max: u32,
}

#[derive(Debug, Clone)]
enum Atom {
    Class(ByteSet),
    Group(Vec<Node>),
    /// A group with several branches (`(2A|2B|\d\d)`): only matched by shapes; the
    /// backtracking matcher hands it to the regex.
    Alternatives(Vec<Vec<Node>>),
}

impl SimplePattern {
    /// Compiles a pattern in `regex` syntax (as given to `Regex::new` inside `^(?:...)$`), or
    /// `None` when it uses anything outside the simple subset.
    pub(crate) fn compile(pattern: &str) -> Option<SimplePattern> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser {
            chars: &chars,
            position: 0,
        };
        if parser.peek() == Some('^') {
            parser.position += 1;
        }
        let nodes = parser.sequence(0)?;
        if parser.peek() == Some('$') {
            parser.position += 1;
        }
        let shapes = shapes_of(&nodes).and_then(|shapes| Shapes::new(&shapes));
        (parser.position == chars.len()).then_some(SimplePattern { nodes, shapes })
    }

    /// Whether the whole text matches, or `None` when the fast path cannot tell (non-ASCII
    /// text, search too long).
    #[inline]
    pub(crate) fn full_match(&self, text: &str) -> Option<bool> {
        if let Some(shapes) = &self.shapes {
            // A match puts every byte in an ASCII set: no separate ASCII check first.
            if shapes.matches(text.as_bytes()) {
                return Some(true);
            }
            return text.is_ascii().then_some(false);
        }
        if !text.is_ascii() {
            return None;
        }
        let mut matcher = Matcher {
            text: text.as_bytes(),
            steps: 0,
        };
        matcher.sequence(&self.nodes, None, 0).ok()
    }
}

/// The fixed-length shapes `nodes` match, or `None` when a repetition is open-ended or the
/// shapes would be too many or too long.
fn shapes_of(nodes: &[Node]) -> Option<Vec<Vec<ByteSet>>> {
    let mut shapes: Vec<Vec<ByteSet>> = vec![Vec::new()];
    for node in nodes {
        let atom_shapes = match &node.atom {
            Atom::Class(set) => vec![vec![*set]],
            Atom::Group(inner) => shapes_of(inner)?,
            Atom::Alternatives(branches) => {
                let mut union = Vec::new();
                for branch in branches {
                    union.extend(shapes_of(branch)?);
                }
                if union.len() > MAX_SHAPES {
                    return None;
                }
                union
            }
        };
        if node.max == u32::MAX || node.max > MAX_SHAPE_LEN as u32 {
            return None;
        }
        // The shapes of `count` repetitions of the atom, for each allowed count.
        let mut repeated: Vec<Vec<ByteSet>> = Vec::new();
        let mut current: Vec<Vec<ByteSet>> = vec![Vec::new()];
        for count in 0..=node.max {
            if count >= node.min {
                repeated.extend(current.iter().cloned());
            }
            if count < node.max {
                current = concat(&current, &atom_shapes)?;
            }
        }
        shapes = concat(&shapes, &repeated)?;
    }
    Some(shapes)
}

/// Every shape of `left` followed by every shape of `right`, within the limits.
fn concat(left: &[Vec<ByteSet>], right: &[Vec<ByteSet>]) -> Option<Vec<Vec<ByteSet>>> {
    if left.len() * right.len() > MAX_SHAPES {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for head in left {
        for tail in right {
            if head.len() + tail.len() > MAX_SHAPE_LEN {
                return None;
            }
            out.push(head.iter().chain(tail).copied().collect());
        }
    }
    Some(out)
}

struct Parser<'a> {
    chars: &'a [char],
    position: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn next(&mut self) -> Option<char> {
        let char = self.peek()?;
        self.position += 1;
        Some(char)
    }

    /// Atoms up to a `)` or `|` inside a group (not consumed) or the end (a final `$` at depth 0 is left too).
    fn sequence(&mut self, depth: usize) -> Option<Vec<Node>> {
        let mut nodes = Vec::new();
        while let Some(char) = self.peek() {
            match char {
                ')' | '|' if depth > 0 => break,
                '$' if depth == 0 && self.position + 1 == self.chars.len() => break,
                _ => {}
            }
            let atom = self.atom(depth)?;
            let (min, max) = self.quantifier()?;
            nodes.push(Node { atom, min, max });
        }
        Some(nodes)
    }

    fn atom(&mut self, depth: usize) -> Option<Atom> {
        Some(match self.next()? {
            '(' => {
                if self.peek() == Some('?') {
                    // Only the non-capturing `(?:`; flags change the meaning.
                    self.position += 1;
                    if self.next()? != ':' {
                        return None;
                    }
                }
                if depth >= 4 {
                    return None;
                }
                let mut branches = vec![self.sequence(depth + 1)?];
                while self.peek() == Some('|') {
                    self.position += 1;
                    branches.push(self.sequence(depth + 1)?);
                }
                if self.next()? != ')' {
                    return None;
                }
                match branches.len() {
                    1 => Atom::Group(branches.pop()?),
                    _ => Atom::Alternatives(branches),
                }
            }
            '[' => Atom::Class(self.class()?),
            '.' => Atom::Class(ascii_set() & !bit('\n')),
            '\\' => Atom::Class(self.escape()?),
            '|' | ')' | ']' | '{' | '}' | '*' | '+' | '?' | '^' | '$' => return None,
            // A non-ASCII character cannot match an ASCII cell.
            char if !char.is_ascii() => Atom::Class(0),
            char => Atom::Class(bit(char)),
        })
    }

    /// After a `\` outside a class: `\d` or escaped ASCII punctuation.
    fn escape(&mut self) -> Option<ByteSet> {
        match self.next()? {
            'd' => Some(digits()),
            char if char.is_ascii_punctuation() => Some(bit(char)),
            _ => None,
        }
    }

    /// After `[`: ASCII members of a plain class (literals, ranges, `\d`, escaped punctuation).
    fn class(&mut self) -> Option<ByteSet> {
        let negated = self.peek() == Some('^');
        if negated {
            self.position += 1;
        }
        let mut set: ByteSet = 0;
        let mut first = true;
        loop {
            let char = self.next()?;
            let low = match char {
                ']' if !first => break,
                // `[]...]`, nested classes and set operations: not in the simple subset.
                ']' | '[' => return None,
                '&' | '~' | '-' if self.peek() == Some(char) => return None,
                '\\' => match self.next()? {
                    'd' => {
                        set |= digits();
                        first = false;
                        continue;
                    }
                    escaped if escaped.is_ascii_punctuation() => escaped,
                    _ => return None,
                },
                char => char,
            };
            first = false;
            let is_range = self.peek() == Some('-')
                && self.chars.get(self.position + 1).is_some_and(|c| *c != ']');
            if !is_range {
                set |= range(low, low);
                continue;
            }
            self.position += 1;
            let high = match self.next()? {
                '\\' => match self.next()? {
                    escaped if escaped.is_ascii_punctuation() => escaped,
                    _ => return None,
                },
                '[' => return None,
                high => high,
            };
            if high < low
                || self.peek() == Some('-') && self.chars.get(self.position + 1) != Some(&']')
            {
                return None;
            }
            set |= range(low, high);
        }
        Some(if negated { ascii_set() & !set } else { set })
    }

    /// `?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}` (a lazy `?` after them does not change whether
    /// the whole text matches), or exactly once.
    fn quantifier(&mut self) -> Option<(u32, u32)> {
        let bounds = match self.peek() {
            Some('?') => (0, 1),
            Some('*') => (0, u32::MAX),
            Some('+') => (1, u32::MAX),
            Some('{') => {
                self.position += 1;
                let min = self.number()?;
                let max = match self.next()? {
                    '}' => return self.after_quantifier((min, min)),
                    ',' if self.peek() == Some('}') => u32::MAX,
                    ',' => self.number()?,
                    _ => return None,
                };
                if self.next()? != '}' || max < min {
                    return None;
                }
                return self.after_quantifier((min, max));
            }
            _ => return Some((1, 1)),
        };
        self.position += 1;
        self.after_quantifier(bounds)
    }

    fn after_quantifier(&mut self, bounds: (u32, u32)) -> Option<(u32, u32)> {
        if self.peek() == Some('?') {
            self.position += 1;
        }
        match self.peek() {
            Some('?' | '*' | '+' | '{') => None,
            _ => Some(bounds),
        }
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.position;
        while self.peek().is_some_and(|char| char.is_ascii_digit()) {
            self.position += 1;
        }
        if self.position == start || self.position - start > 4 {
            return None;
        }
        self.chars[start..self.position]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }
}

fn bit(char: char) -> ByteSet {
    range(char, char)
}

/// The ASCII members of `low..=high` (non-ASCII members never match an ASCII cell).
fn range(low: char, high: char) -> ByteSet {
    (low as u32..=(high as u32).min(127)).fold(0, |set, byte| set | 1 << byte)
}

fn digits() -> ByteSet {
    range('0', '9')
}

fn ascii_set() -> ByteSet {
    u128::MAX
}

/// The search ran out of steps.
struct Exhausted;

/// What is left to match once a group's iteration ends: more iterations of the group, then
/// the nodes after it, then the enclosing continuation.
struct Repeat<'a> {
    node: &'a Node,
    group: &'a [Node],
    done: u32,
    start: usize,
    rest: &'a [Node],
    up: Option<&'a Repeat<'a>>,
}

struct Matcher<'t> {
    text: &'t [u8],
    steps: u32,
}

impl Matcher<'_> {
    fn sequence(
        &mut self,
        nodes: &[Node],
        up: Option<&Repeat<'_>>,
        position: usize,
    ) -> Result<bool, Exhausted> {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            return Err(Exhausted);
        }
        // Classes repeated a fixed number of times (`\d{14}`, `-`) need no backtracking:
        // consume them in a loop rather than one recursive call each.
        let mut nodes = nodes;
        let mut position = position;
        while let Some((
            Node {
                atom: Atom::Class(set),
                min,
                max,
            },
            rest,
        )) = nodes.split_first()
            && min == max
        {
            let end = position + *min as usize;
            match self.text.get(position..end) {
                Some(run) if run.iter().all(|byte| set & (1 << *byte) != 0) => {}
                _ => return Ok(false),
            }
            position = end;
            nodes = rest;
        }
        let Some((first, rest)) = nodes.split_first() else {
            return match up {
                None => Ok(position == self.text.len()),
                // An empty iteration could be repeated as often as needed: the group is done.
                Some(repeat) if repeat.start == position => {
                    self.sequence(repeat.rest, repeat.up, position)
                }
                Some(repeat) => self.group(
                    repeat.node,
                    repeat.group,
                    repeat.done,
                    repeat.rest,
                    repeat.up,
                    position,
                ),
            };
        };
        match &first.atom {
            Atom::Class(set) => {
                let limit = usize::try_from(first.max).unwrap_or(usize::MAX);
                let run = self.text[position..]
                    .iter()
                    .take(limit)
                    .take_while(|byte| set & (1 << **byte) != 0)
                    .count();
                let min = first.min as usize;
                if run < min {
                    return Ok(false);
                }
                for count in (min..=run).rev() {
                    if self.sequence(rest, up, position + count)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Atom::Group(group) => self.group(first, group, 0, rest, up, position),
            Atom::Alternatives(_) => Err(Exhausted),
        }
    }

    /// Greedy repetition of a group that has matched `done` times so far.
    fn group(
        &mut self,
        node: &Node,
        group: &[Node],
        done: u32,
        rest: &[Node],
        up: Option<&Repeat<'_>>,
        position: usize,
    ) -> Result<bool, Exhausted> {
        if done < node.max {
            let repeat = Repeat {
                node,
                group,
                done: done + 1,
                start: position,
                rest,
                up,
            };
            if self.sequence(group, Some(&repeat), position)? {
                return Ok(true);
            }
        }
        if done >= node.min {
            return self.sequence(rest, up, position);
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use regex::Regex;

    fn agrees(pattern: &str, text: &str) {
        let regex = Regex::new(&format!("^(?:{pattern})$")).unwrap();
        let simple =
            SimplePattern::compile(pattern).unwrap_or_else(|| panic!("{pattern} should be simple"));
        if let Some(found) = simple.full_match(text) {
            assert_eq!(found, regex.is_match(text), "{pattern} on {text:?}");
        }
    }

    #[test]
    fn schema_patterns_agree_with_the_regex() {
        let cases = [
            (
                r"^\d{14}$",
                ["12345678901234", "1234567890123", "1234567890123a", ""],
            ),
            (
                r"^W\d{9}$",
                ["W123456789", "W12345678", "w123456789", "W1234567890"],
            ),
            (
                r"^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$",
                [
                    "2021-05-30/2021-10-15",
                    "2021-05-30",
                    "2021-05-30/",
                    "2021-5-30",
                ],
            ),
            (r"^[0-9]+(\.[0-9]+)?$", ["12", "12.5", "12.", ".5"]),
            (
                r"^([013-9]\d|2[AB1-9])\d{3}$",
                ["2A004", "20004", "75056", "2C004"],
            ),
            (r"-?[0-9]{1,2}.[0-9]{1,7}", ["-4.5", "45,123", "4", "123.4"]),
            (r"^(.){1,256}$", ["a", "", "abc def", "x\n"]),
            (r"^[A-Za-z0-9_]+$", ["abc_1", "ab-c", "", "Z"]),
            (
                r"^[0-9]{8}(\-[0-9])?$",
                ["12345678", "12345678-9", "12345678-", "1234567"],
            ),
            (r"((a|b))", ["a", "b", "c", "ab"]),
        ];
        for (pattern, texts) in cases {
            for text in texts {
                agrees(pattern, text);
            }
        }
    }

    #[test]
    fn fixed_length_patterns_match_by_shape() {
        let shape_count = |pattern: &str| {
            SimplePattern::compile(pattern)
                .and_then(|simple| simple.shapes)
                .map(|shapes| shapes.shapes.len())
        };
        assert_eq!(shape_count(r"^\d{14}$"), Some(1));
        assert_eq!(
            shape_count(r"^[0-9]{4}\-[0-9]{2}\-[0-9]{2}(\/[0-9]{4}\-[0-9]{2}\-[0-9]{2})?$"),
            Some(2)
        );
        assert_eq!(shape_count(r"^[0-9]{8}(\-[0-9])?$"), Some(2));
        // Alternatives inside a group: the union of their shapes.
        let insee = r"^([013-9]\d|2[AB1-9])\d{3}$";
        assert_eq!(shape_count(insee), Some(2));
        let insee = SimplePattern::compile(insee).unwrap();
        assert_eq!(insee.full_match("2A004"), Some(true));
        assert_eq!(insee.full_match("75056"), Some(true));
        assert_eq!(insee.full_match("2C004"), Some(false));
        // Without shapes, alternatives are left to the regex.
        let open = SimplePattern::compile(r"^(a|b)+$").unwrap();
        assert_eq!(open.full_match("ab"), None);
        // Open or long repetitions keep the backtracking matcher.
        assert_eq!(shape_count(r"^[0-9]+(\.[0-9]+)?$"), None);
        assert_eq!(shape_count(r"^(.){1,256}$"), None);
        let dates = SimplePattern::compile(r"^\d{4}-\d{2}(/\d{4}-\d{2})?$").unwrap();
        assert_eq!(dates.full_match("2021-05/2021-10"), Some(true));
        assert_eq!(dates.full_match("2021-05"), Some(true));
        assert_eq!(dates.full_match("2021-05/"), Some(false));
        assert_eq!(dates.full_match("2021-5"), Some(false));
    }

    #[test]
    fn unusual_patterns_have_no_fast_path() {
        for pattern in [
            r"^[A-Za-z\s\-\u00C0-\u00FF]+$",
            r"(?i)abc",
            r"a|b",
            r"\w+",
            r"[[:alpha:]]",
            r"[a-z&&[^x]]",
            r"a{2}{3}",
            r"\bword",
        ] {
            assert!(SimplePattern::compile(pattern).is_none(), "{pattern}");
        }
    }

    #[test]
    fn non_ascii_text_is_left_to_the_regex() {
        let simple = SimplePattern::compile(r"^\d{3}$").unwrap();
        // Arabic-Indic digits are `\d` for the regex.
        assert_eq!(simple.full_match("١٢٣"), None);
        assert_eq!(simple.full_match("123"), Some(true));
    }

    /// Small patterns over a tiny alphabet, so that matches are frequent.
    fn pattern_strategy() -> impl Strategy<Value = String> {
        let atom = prop::sample::select(vec![
            "a", "b", "-", ".", r"\d", r"\-", "[ab]", "[^a]", "[a-c]", "[0-9b]", "é", "[a-]",
        ])
        .prop_map(str::to_owned);
        let quantified = (
            atom,
            prop::sample::select(vec![
                "", "?", "*", "+", "{2}", "{1,3}", "{0,}", "*?", "{2,}",
            ]),
        )
            .prop_map(|(atom, quantifier)| format!("{atom}{quantifier}"));
        let leaf = prop::collection::vec(quantified, 1..4).prop_map(|parts| parts.concat());
        leaf.prop_recursive(2, 12, 3, |inner| {
            (
                prop::collection::vec(inner, 1..3),
                prop::sample::select(vec!["", "?", "*", "+", "{2}", "{0,2}"]),
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(parts, quantifier, capturing, alternatives)| {
                    let open = if capturing { "(" } else { "(?:" };
                    let inside = parts.join(if alternatives { "|" } else { "" });
                    format!("{open}{inside}){quantifier}")
                })
        })
    }

    proptest! {
        #[test]
        fn fast_path_agrees_with_the_regex(
            pattern in pattern_strategy(),
            anchors in any::<(bool, bool)>(),
            texts in prop::collection::vec("[ab1\\-.c]{0,7}", 8),
        ) {
            let pattern = format!(
                "{}{pattern}{}",
                if anchors.0 { "^" } else { "" },
                if anchors.1 { "$" } else { "" }
            );
            let regex = Regex::new(&format!("^(?:{pattern})$")).unwrap();
            let simple = SimplePattern::compile(&pattern);
            prop_assert!(simple.is_some(), "{} should be simple", pattern);
            let simple = simple.unwrap();
            for text in &texts {
                if let Some(found) = simple.full_match(text) {
                    prop_assert_eq!(found, regex.is_match(text), "{} on {:?}", pattern, text);
                }
            }
        }
    }
}
