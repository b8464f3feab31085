//! `-o jsonc` in colour: the json text as Pygments' JsonLexer tokenizes it and its
//! TerminalFormatter paints it (which is what az does when stdout and stderr are terminals).

const RESET: &str = "\x1b[39;49;00m";
const WHITESPACE: &str = "\x1b[37m";
const KEY: &str = "\x1b[94m";
const STRING: &str = "\x1b[33m";
const NUMBER_OR_CONSTANT: &str = "\x1b[34m";

pub fn json(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let color = match chars[i] {
            ' ' | '\n' | '\t' | '\r' => {
                while i < chars.len() && matches!(chars[i], ' ' | '\n' | '\t' | '\r') {
                    i += 1;
                }
                Some(WHITESPACE)
            }
            '"' => {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i = (i + 1).min(chars.len());
                let mut j = i;
                while j < chars.len() && matches!(chars[j], ' ' | '\n' | '\t' | '\r') {
                    j += 1;
                }
                Some(if chars.get(j) == Some(&':') { KEY } else { STRING })
            }
            '{' | '}' | '[' | ']' | ',' | ':' => {
                i += 1;
                None
            }
            _ => {
                while i < chars.len() && !matches!(chars[i], ' ' | '\n' | '\t' | '\r' | ',' | ']' | '}' | ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if let Some(painted) = non_finite(&word) {
                    out.push_str(&painted);
                    continue;
                }
                Some(NUMBER_OR_CONSTANT)
            }
        };
        paint(&chars[start..i].iter().collect::<String>(), color, &mut out);
    }
    out
}

/// Python writes NaN and infinities, which are not JSON: Pygments marks them character by
/// character as errors (underlined bright red), except a sign and the letters it reads as
/// the start of a constant.
fn non_finite(word: &str) -> Option<String> {
    const ERROR: &str = "\x1b[04m\x1b[91m";
    let (sign, rest) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let pieces: &[(&str, &str)] = match rest {
        "NaN" if !sign => &[("N", ERROR), ("a", ERROR), ("N", ERROR)],
        "Infinity" => &[
            ("I", ERROR),
            ("nf", NUMBER_OR_CONSTANT),
            ("i", ERROR),
            ("n", NUMBER_OR_CONSTANT),
            ("i", ERROR),
            ("t", NUMBER_OR_CONSTANT),
            ("y", ERROR),
        ],
        _ => return None,
    };
    let mut out = String::new();
    if sign {
        out.push_str(&format!("{NUMBER_OR_CONSTANT}-{RESET}"));
    }
    for (text, color) in pieces {
        out.push_str(&format!("{color}{text}{RESET}"));
    }
    Some(out)
}

/// TerminalFormatter: each line of a token painted separately, newlines left bare.
fn paint(token: &str, color: Option<&str>, out: &mut String) {
    for line in token.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        match color {
            Some(c) => {
                out.push_str(c);
                out.push_str(body);
                out.push_str(RESET);
            }
            None => out.push_str(body),
        }
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
}

const INDICATOR_DOCUMENT_END: &str = "\x1b[04m\x1b[36m";
const QUOTED_SPACE: &str = "\x1b[31m";

/// `-o yamlc` in colour: the yaml text as Pygments' YamlLexer and TerminalFormatter paint it,
/// for the block style PyYAML writes (keys bright blue, quoted scalars yellow piece by piece,
/// plain scalars and indicators unpainted, whitespace grey).
pub fn yaml(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    // The quote of a quoted scalar still open at the end of the previous line.
    let mut open: Option<char> = None;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        let content = body.trim_start_matches(' ');
        let indent = body.len() - content.len();
        if indent > 0 {
            paint(&body[..indent], Some(WHITESPACE), &mut out);
        }
        let mut rest = content;
        if let Some(quote) = open {
            open = quoted_tail(rest, quote, &mut out);
            rest = "";
        } else if rest == "..." {
            paint(rest, Some(INDICATOR_DOCUMENT_END), &mut out);
            rest = "";
        }
        while let Some(after) = rest.strip_prefix("- ").or_else(|| (rest == "-").then_some("")) {
            out.push('-');
            if rest.len() > 1 {
                paint(" ", Some(WHITESPACE), &mut out);
            }
            rest = after;
        }
        if !rest.is_empty() {
            open = mapping_or_scalar(rest, &mut out);
        }
        if line.ends_with('\n') {
            paint("\n", Some(WHITESPACE), &mut out);
        }
    }
    out
}

/// `key: value`, `key:` or a lone scalar; returns the quote left open at the line's end.
fn mapping_or_scalar(text: &str, out: &mut String) -> Option<char> {
    let (key_end, value) = if text.starts_with(['\'', '"']) {
        let end = quoted_end(text);
        match text[end..].strip_prefix(':') {
            Some(after) if after.is_empty() || after.starts_with(' ') => (Some(end), after),
            _ => (None, ""),
        }
    } else {
        match text.find(": ").or_else(|| text.strip_suffix(':').map(|t| t.len())) {
            Some(end) => (Some(end), &text[end + 1..]),
            None => (None, ""),
        }
    };
    let Some(end) = key_end else { return scalar(text, out) };
    let key = &text[..end];
    if key.starts_with(['\'', '"']) {
        scalar(key, out);
    } else {
        paint(key, Some(KEY), out);
    }
    out.push(':');
    match value.strip_prefix(' ') {
        Some(v) => {
            paint(" ", Some(WHITESPACE), out);
            scalar(v, out)
        }
        None => None,
    }
}

/// Where the quoted scalar at the start of `text` ends (just past its closing quote).
fn quoted_end(text: &str) -> usize {
    let quote = text.chars().next().unwrap_or('\'');
    let bytes = text.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == '"' => i += 2,
            b'\'' if quote == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b as char == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// A value: quoted scalars are painted piece by piece, plain ones and `[]`/`{}` are not.
fn scalar(text: &str, out: &mut String) -> Option<char> {
    match text.chars().next() {
        Some(quote @ ('\'' | '"')) => {
            paint(&quote.to_string(), Some(STRING), out);
            quoted_tail(&text[1..], quote, out)
        }
        _ => {
            out.push_str(text);
            None
        }
    }
}

/// The inside of a quoted scalar from some point on: runs of text and escapes in yellow,
/// inner spaces in red, the closing quote in yellow. Returns the quote if it stays open.
fn quoted_tail(text: &str, quote: char, out: &mut String) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let c = chars[i];
        if c == quote && !(quote == '\'' && chars.get(i + 1) == Some(&'\'')) {
            paint(&quote.to_string(), Some(STRING), out);
            return None;
        }
        if c == ' ' {
            while i < chars.len() && chars[i] == ' ' {
                i += 1;
            }
            paint(&chars[start..i].iter().collect::<String>(), Some(QUOTED_SPACE), out);
            continue;
        }
        if quote == '\'' && c == '\'' {
            i += 2; // '' is an escaped quote
        } else if quote == '"' && c == '\\' {
            i += match chars.get(i + 1) {
                Some('x') => 4,
                Some('u') => 6,
                Some('U') => 10,
                _ => 2,
            };
        } else {
            while i < chars.len()
                && chars[i] != ' '
                && chars[i] != quote
                && !(quote == '"' && chars[i] == '\\')
            {
                i += 1;
            }
        }
        let end = i.min(chars.len());
        paint(&chars[start..end].iter().collect::<String>(), Some(STRING), out);
        i = end;
    }
    Some(quote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_yaml_like_pygments() {
        assert_eq!(
            yaml("- a: x y\n  'on': 'a  b'\n  t: []\n"),
            "-\x1b[37m \x1b[39;49;00m\x1b[94ma\x1b[39;49;00m:\x1b[37m \x1b[39;49;00mx y\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[33m'\x1b[39;49;00m\x1b[33mon\x1b[39;49;00m\x1b[33m'\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m'\x1b[39;49;00m\x1b[33ma\x1b[39;49;00m\x1b[31m  \x1b[39;49;00m\x1b[33mb\x1b[39;49;00m\x1b[33m'\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94mt\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m[]\x1b[37m\x1b[39;49;00m\n"
        );
        assert_eq!(
            yaml("3\n...\n"),
            "3\x1b[37m\x1b[39;49;00m\n\x1b[04m\x1b[36m...\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n"
        );
    }

    #[test]
    fn paints_like_pygments() {
        assert_eq!(
            json("{\n  \"f\": 1.5,\n  \"s\": \"x\"\n}\n"),
            "{\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"f\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[34m1.5\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"s\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"x\"\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n}\x1b[37m\x1b[39;49;00m\n"
        );
    }
}
