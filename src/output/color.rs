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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paints_like_pygments() {
        assert_eq!(
            json("{\n  \"f\": 1.5,\n  \"s\": \"x\"\n}\n"),
            "{\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"f\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[34m1.5\x1b[39;49;00m,\x1b[37m\x1b[39;49;00m\n\x1b[37m  \x1b[39;49;00m\x1b[94m\"s\"\x1b[39;49;00m:\x1b[37m \x1b[39;49;00m\x1b[33m\"x\"\x1b[39;49;00m\x1b[37m\x1b[39;49;00m\n}\x1b[37m\x1b[39;49;00m\n"
        );
    }
}
