//! What `--filter`, `--exclude-filter` and `--ago` select, with acr purge's semantics:
//! `repo-regex:tag-regex`, the repository part anchored (`^…$`), the tag part not (a tag
//! matches when the regex matches anywhere in it, as regexp2's `MatchString` does); several
//! filters naming one repository are OR-ed. Regexes are backtracking (fancy-regex: lookahead,
//! lookbehind, backreferences), with a backtracking limit and a time limit per match, so a
//! runaway pattern is an error, never a hang.

use crate::calendar::{civil_from_days, days_from_civil};
use std::time::{Duration, Instant};

/// acr purge's default `--filter-timeout-seconds`.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 60;
/// Backtracking steps one match may take before it is abandoned as runaway.
const BACKTRACK_LIMIT: usize = 1_000_000;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FilterError {
    #[error("unable to correctly parse filter flag '{0}' (expected repository-regex:tag-regex)")]
    Shape(String),
    #[error("missing repository name/expression in filter '{0}'")]
    MissingRepository(String),
    #[error("missing tag name/expression in filter '{0}'")]
    MissingTag(String),
    #[error("invalid regular expression '{pattern}': {reason}")]
    Regex { pattern: String, reason: String },
    #[error("the filter '{0}' ran for longer than the filter timeout; the match was abandoned")]
    Timeout(String),
    #[error("the filter '{0}' exceeded its backtracking limit; the match was abandoned")]
    Backtracking(String),
    #[error("invalid --ago value '{0}' (examples: 30d, 2d3h6m, 12h, 0d)")]
    Ago(String),
}

/// A compiled regex with its limits.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    regex: fancy_regex::Regex,
    timeout: Duration,
}

impl Pattern {
    pub fn new(source: &str, timeout: Duration) -> Result<Pattern, FilterError> {
        let regex = fancy_regex::RegexBuilder::new(source)
            .backtrack_limit(BACKTRACK_LIMIT)
            .build()
            .map_err(|e| FilterError::Regex { pattern: source.to_string(), reason: e.to_string() })?;
        Ok(Pattern { source: source.to_string(), regex, timeout })
    }

    /// Whether the regex matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> Result<bool, FilterError> {
        let started = Instant::now();
        let result = self.regex.is_match(text);
        if started.elapsed() > self.timeout {
            return Err(FilterError::Timeout(self.source.clone()));
        }
        result.map_err(|e| match e {
            fancy_regex::Error::RuntimeError(_) => FilterError::Backtracking(self.source.clone()),
            other => FilterError::Regex { pattern: self.source.clone(), reason: other.to_string() },
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

/// One `--filter` / `--exclude-filter`: the repository regex (anchored) and the tag regex.
#[derive(Debug, Clone)]
pub struct Filter {
    pub text: String,
    /// The repository part as typed.
    pub repository_text: String,
    pub repository: Pattern,
    pub tag: Pattern,
}

impl Filter {
    pub fn parse(text: &str, timeout: Duration) -> Result<Filter, FilterError> {
        let (repository, tag) = split(text)?;
        Ok(Filter {
            text: text.to_string(),
            repository_text: repository.to_string(),
            repository: Pattern::new(&format!("^(?:{repository})$"), timeout)?,
            tag: Pattern::new(tag, timeout)?,
        })
    }
}

impl Filter {
    /// The one repository the repository part names when it is a plain name (no regex
    /// syntax): usable without the catalog, which a repository-scoped identity may not read.
    pub fn literal_repository(&self) -> Option<&str> {
        let plain = |c: char| c.is_ascii_alphanumeric() || "-_/".contains(c);
        self.repository_text.chars().all(plain).then_some(self.repository_text.as_str())
    }
}

/// Splits `repo:tag` at the one colon that is not regex syntax: not inside `[…]`, not escaped,
/// and not the colon of a group such as `(?:…)` or `(?i:…)` (acr purge's rule).
fn split(text: &str) -> Result<(&str, &str), FilterError> {
    let bytes = text.as_bytes();
    let mut separators = Vec::new();
    let (mut i, mut in_class) = (0, false);
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b':' if !in_class && !group_colon(&bytes[..i]) => separators.push(i),
            _ => {}
        }
        i += 1;
    }
    let [at] = separators[..] else { return Err(FilterError::Shape(text.to_string())) };
    let (repository, tag) = (&text[..at], &text[at + 1..]);
    if repository.is_empty() {
        return Err(FilterError::MissingRepository(text.to_string()));
    }
    if tag.is_empty() {
        return Err(FilterError::MissingTag(text.to_string()));
    }
    Ok((repository, tag))
}

/// Whether a colon after `before` closes a group's opening: `(?` followed by flags only.
fn group_colon(before: &[u8]) -> bool {
    let flags = before.iter().rev().take_while(|b| b"imsUux-".contains(b)).count();
    before[..before.len() - flags].ends_with(b"(?")
}

/// `--ago`: `[N]d` followed by an optional Go duration (`2d3h6m`, `30d`, `12h`, `1h30m`,
/// `0d`), capped at 150 years as acr purge caps it.
pub fn parse_ago(text: &str) -> Result<Duration, FilterError> {
    let bad = || FilterError::Ago(text.to_string());
    let cap = Duration::from_secs(150 * 365 * 24 * 3600);
    let (days, rest) = match text.find('d') {
        Some(i) => (text[..i].parse::<u64>().map_err(|_| bad())?, &text[i + 1..]),
        None => (0, text),
    };
    if text.is_empty() || (text.find('d').is_none() && rest.is_empty()) {
        return Err(bad());
    }
    let mut total = Duration::from_secs(days.min(150 * 365).saturating_mul(24 * 3600));
    let mut rest = rest;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').ok_or_else(bad)?;
        let number: f64 = rest[..digits].parse().map_err(|_| bad())?;
        let unit_len =
            rest[digits..].find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len() - digits);
        let seconds = match &rest[digits..digits + unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return Err(bad()),
        };
        total = total.saturating_add(Duration::from_secs_f64((number * seconds).min(cap.as_secs_f64())));
        rest = &rest[digits + unit_len..];
    }
    Ok(total.min(cap))
}

/// Nanoseconds since the Unix epoch of an RFC 3339 UTC time as ACR writes it
/// (`2019-03-01T00:00:00.0000000Z`, any number of fraction digits); `None` if it is not one.
pub fn parse_time(text: &str) -> Option<i128> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &text[19..];
    let mut nanos: i128 = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.find(|c: char| !c.is_ascii_digit()).unwrap_or(fraction.len());
        let padded = format!("{:0<9}", &fraction[..digits.min(9)]);
        nanos = padded.parse().ok()?;
        rest = &fraction[digits..];
    }
    let offset_seconds: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (rest[1..3].parse::<i64>().ok()? * 3600 + rest[4..6].parse::<i64>().ok()? * 60)
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds as i128 * 1_000_000_000 + nanos)
}

/// An RFC 3339 UTC time with seven fraction digits, as ACR writes them.
pub fn format_time(nanos: i128) -> String {
    let seconds = nanos.div_euclid(1_000_000_000) as i64;
    let fraction = nanos.rem_euclid(1_000_000_000) / 100;
    let (days, in_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction:07}Z",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// Now, in nanoseconds since the Unix epoch.
pub fn now() -> i128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i128)
}

// Howard Hinnant's civil-date algorithms.

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(60);

    #[test]
    fn splits_at_the_separator_only() {
        assert_eq!(split("repo:v1").unwrap(), ("repo", "v1"));
        assert_eq!(split("a/b:(?:x|y)").unwrap(), ("a/b", "(?:x|y)"));
        assert_eq!(split("(?i:Repo):[[:digit:]]+").unwrap(), ("(?i:Repo)", "[[:digit:]]+"));
        assert_eq!(split(r"r:a\:b").unwrap(), ("r", r"a\:b"));
        assert_eq!(split("repo"), Err(FilterError::Shape("repo".into())));
        assert_eq!(split("a:b:c"), Err(FilterError::Shape("a:b:c".into())));
        assert_eq!(split(":v1"), Err(FilterError::MissingRepository(":v1".into())));
        assert_eq!(split("repo:"), Err(FilterError::MissingTag("repo:".into())));
    }

    #[test]
    fn repository_is_anchored_and_tag_is_not() {
        let f = Filter::parse("hello:v1", T).unwrap();
        assert!(f.repository.is_match("hello").unwrap());
        assert!(!f.repository.is_match("hello-world").unwrap());
        assert!(!f.repository.is_match("say/hello").unwrap());
        // Alternation stays inside the anchors.
        let f = Filter::parse("a|b:x", T).unwrap();
        assert!(!f.repository.is_match("abc").unwrap());
        assert!(f.repository.is_match("b").unwrap());
        assert!(f.tag.is_match("v1").is_ok());
        let f = Filter::parse("r:v1", T).unwrap();
        assert!(f.tag.is_match("xv10").unwrap());
        assert!(!f.tag.is_match("v2").unwrap());
    }

    #[test]
    fn lookaround_works() {
        let f = Filter::parse("r:^(?!release-).*$", T).unwrap();
        assert!(f.tag.is_match("dev-1").unwrap());
        assert!(!f.tag.is_match("release-1").unwrap());
        let f = Filter::parse("r:(?<=build-)\\d+$", T).unwrap();
        assert!(f.tag.is_match("build-12").unwrap());
        assert!(!f.tag.is_match("v12").unwrap());
    }

    #[test]
    fn runaway_match_is_an_error() {
        let f = Filter::parse(r"r:^(a+)+\1b$", T).unwrap();
        let text = "a".repeat(40);
        assert_eq!(f.tag.is_match(&text), Err(FilterError::Backtracking(r"^(a+)+\1b$".into())));
    }

    #[test]
    fn ago_as_acr_purge_reads_it() {
        let h = 3600;
        assert_eq!(parse_ago("30d").unwrap(), Duration::from_secs(30 * 24 * h));
        assert_eq!(parse_ago("2d3h6m").unwrap(), Duration::from_secs(2 * 24 * h + 3 * h + 360));
        assert_eq!(parse_ago("0d").unwrap(), Duration::ZERO);
        assert_eq!(parse_ago("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_ago("100000d").unwrap(), Duration::from_secs(150 * 365 * 24 * h));
        for bad in ["", "d", "x", "3", "3x", "-1d", "2d3"] {
            assert!(parse_ago(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_round_trip() {
        let t = parse_time("2019-03-01T00:00:00.0000000Z").unwrap();
        assert_eq!(t, 1_551_398_400 * 1_000_000_000);
        assert_eq!(format_time(t), "2019-03-01T00:00:00.0000000Z");
        assert_eq!(parse_time("2019-03-01T00:00:00.5Z").unwrap(), t + 500_000_000);
        assert_eq!(parse_time("2019-03-01T01:00:00+01:00").unwrap(), t);
        assert_eq!(parse_time("not a time"), None);
        let now = now();
        assert_eq!(parse_time(&format_time(now)).unwrap(), now / 100 * 100);
    }
}
