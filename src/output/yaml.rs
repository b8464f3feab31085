//! `-o yaml`: what PyYAML's `safe_dump(result, default_flow_style=False, allow_unicode=True)`
//! writes (az round-trips OrderedDicts through JSON first, so every mapping is key-sorted).
//!
//! A small port of the parts of PyYAML's emitter that JSON-like data reaches: block
//! collections (sequences inside mappings are not indented), `[]`/`{}` for empty ones,
//! plain/single-quoted/double-quoted scalar choice with the YAML 1.1 implicit resolvers,
//! folding at 80 columns, and `...` after a plain top-level scalar.

use std::io::{self, Write};

use super::data::Value;
use super::pyrepr;

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

pub fn write<W: Write + ?Sized>(value: &Value, out: &mut W) -> io::Result<()> {
    // A fresh stream counts as after whitespace and at an indentation point.
    let mut e = Emitter {
        out,
        failed: None,
        column: 0,
        indent: None,
        indents: Vec::new(),
        flow_level: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        root_context: false,
    };
    e.node(value, Context { root: true, mapping: false, simple_key: false });
    // Document end, then stream end (with `...` after an open-ended plain root scalar).
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.failed.map_or(Ok(()), Err)
}

#[derive(Clone, Copy)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

struct Emitter<'o, W: ?Sized> {
    out: &'o mut W,
    /// The first write error: nothing is written after it, and collections stop there.
    failed: Option<io::Error>,
    column: usize,
    indent: Option<usize>,
    indents: Vec<Option<usize>>,
    flow_level: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    root_context: bool,
}

impl<W: Write + ?Sized> Emitter<'_, W> {
    fn node(&mut self, value: &Value, ctx: Context) {
        self.root_context = ctx.root;
        match value.resolved() {
            Value::List(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Dict(entries, _) if entries.is_empty() => self.empty_flow("{", "}"),
            Value::List(items) => {
                let indentless = ctx.mapping && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context { root: false, mapping: false, simple_key: false });
                    if self.failed.is_some() {
                        break;
                    }
                }
                self.indent = self.indents.pop().flatten();
            }
            Value::Dict(entries, _) => {
                self.increase_indent(false, false);
                for (key, value) in Value::sorted_entries(entries) {
                    self.write_indent();
                    self.node(
                        &Value::Str(key.clone()),
                        Context { root: false, mapping: true, simple_key: true },
                    );
                    self.write_indicator(":", false, false, false);
                    self.node(value, Context { root: false, mapping: true, simple_key: false });
                    if self.failed.is_some() {
                        break;
                    }
                }
                self.indent = self.indents.pop().flatten();
            }
            scalar => {
                self.increase_indent(true, false);
                self.scalar(scalar, ctx.simple_key);
                self.indent = self.indents.pop().flatten();
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.flow_level += 1;
        self.increase_indent(true, false);
        self.indent = self.indents.pop().flatten();
        self.flow_level -= 1;
        self.write_indicator(close, false, false, false);
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        self.indent = match self.indent {
            None => Some(if flow { BEST_INDENT } else { 0 }),
            Some(i) if !indentless => Some(i + BEST_INDENT),
            same => same,
        };
    }

    fn write(&mut self, text: &str) {
        self.column += text.chars().count();
        self.put(text);
    }

    fn put(&mut self, text: &str) {
        if self.failed.is_none()
            && let Err(e) = self.out.write_all(text.as_bytes())
        {
            self.failed = Some(e);
        }
    }

    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, whitespace: bool, indention: bool) {
        if !self.whitespace && need_whitespace {
            self.write(" ");
        }
        self.write(indicator);
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break();
        }
        if self.column < indent {
            self.whitespace = true;
            let pad = " ".repeat(indent - self.column);
            self.write(&pad);
        }
    }

    fn write_line_break(&mut self) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.put("\n");
    }

    fn scalar(&mut self, value: &Value, simple_key: bool) {
        let (text, is_str) = match value.resolved() {
            Value::Null => ("null".to_string(), false),
            Value::Bool(b) => (if *b { "true" } else { "false" }.to_string(), false),
            Value::Int(i) => (i.to_string(), false),
            Value::Float(f) => (float(*f), false),
            Value::Str(s) => (s.to_string(), true),
            _ => unreachable!("collections are not scalars"),
        };
        // A str may be written plain only if reading it back gives a str again.
        let implicit = !is_str || resolves_to_str(&text);
        let a = analyze(&text);
        let split = !simple_key;
        let plain_ok = implicit
            && !(simple_key && (a.empty || a.multiline))
            && ((self.flow_level > 0 && a.allow_flow_plain) || (self.flow_level == 0 && a.allow_block_plain));
        if plain_ok {
            self.write_plain(&text, split);
        } else if a.allow_single_quoted && !(simple_key && a.multiline) {
            self.write_single_quoted(&text, split);
        } else {
            self.write_double_quoted(&text, split);
        }
    }

    fn write_plain(&mut self, text: &str, split: bool) {
        if self.root_context {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.write(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut start, mut end) = (false, 0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end && self.column > BEST_WIDTH && split {
                        self.write_indent();
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.write(&chars[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if ch.is_none() || ch.is_some_and(|c| c == ' ' || is_break(c)) {
                self.write(&chars[start..end].iter().collect::<String>());
                start = end;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
            }
            end += 1;
        }
    }

    fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut spaces, mut breaks, mut start, mut end) = (false, false, 0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if spaces {
                if ch != Some(' ') {
                    if start + 1 == end
                        && self.column > BEST_WIDTH
                        && split
                        && start != 0
                        && end != chars.len()
                    {
                        self.write_indent();
                    } else {
                        self.write(&chars[start..end].iter().collect::<String>());
                    }
                    start = end;
                }
            } else if breaks {
                if ch.is_none_or(|c| !is_break(c)) {
                    if chars[start] == '\n' {
                        self.write_line_break();
                    }
                    for br in &chars[start..end] {
                        if *br == '\n' {
                            self.write_line_break();
                        } else {
                            self.put(br.encode_utf8(&mut [0; 4]));
                            self.whitespace = true;
                            self.indention = true;
                            self.column = 0;
                        }
                    }
                    self.write_indent();
                    start = end;
                }
            } else if ch.is_none_or(|c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.write(&chars[start..end].iter().collect::<String>());
                start = end;
            }
            if ch == Some('\'') {
                self.write("''");
                start = end + 1;
            }
            if let Some(c) = ch {
                spaces = c == ' ';
                breaks = is_break(c);
            }
            end += 1;
        }
        self.write_indicator("'", false, false, false);
    }

    fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let (mut start, mut end) = (0, 0);
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            let needs_escape = match ch {
                None => true,
                Some(c) => {
                    matches!(c, '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
                        || !(('\u{20}'..='\u{7e}').contains(&c)
                            || ('\u{a0}'..='\u{d7ff}').contains(&c)
                            || ('\u{e000}'..='\u{fffd}').contains(&c))
                }
            };
            if needs_escape {
                if start < end {
                    self.write(&chars[start..end].iter().collect::<String>());
                    start = end;
                }
                if let Some(c) = ch {
                    let escaped = match c {
                        '\0' => "\\0".to_string(),
                        '\u{07}' => "\\a".into(),
                        '\u{08}' => "\\b".into(),
                        '\t' => "\\t".into(),
                        '\n' => "\\n".into(),
                        '\u{0b}' => "\\v".into(),
                        '\u{0c}' => "\\f".into(),
                        '\r' => "\\r".into(),
                        '\u{1b}' => "\\e".into(),
                        '"' => "\\\"".into(),
                        '\\' => "\\\\".into(),
                        '\u{85}' => "\\N".into(),
                        '\u{a0}' => "\\_".into(),
                        '\u{2028}' => "\\L".into(),
                        '\u{2029}' => "\\P".into(),
                        c if (c as u32) <= 0xff => format!("\\x{:02X}", c as u32),
                        c if (c as u32) <= 0xffff => format!("\\u{:04X}", c as u32),
                        c => format!("\\U{:08X}", c as u32),
                    };
                    self.write(&escaped);
                    start = end + 1;
                }
            }
            if end > 0
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
                && self.column as isize + end as isize - start as isize > BEST_WIDTH as isize
                && split
            {
                let mut data: String = chars.get(start..end).map(|s| s.iter().collect()).unwrap_or_default();
                data.push('\\');
                if start < end {
                    start = end;
                }
                self.write(&data);
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if chars[start] == ' ' {
                    self.write("\\");
                }
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// PyYAML's `represent_float`.
fn float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let text = pyrepr::float(f).to_lowercase();
    if !text.contains('.') && text.contains('e') { text.replacen('e', ".0e", 1) } else { text }
}

#[derive(Default)]
struct Analysis {
    empty: bool,
    multiline: bool,
    allow_flow_plain: bool,
    allow_block_plain: bool,
    allow_single_quoted: bool,
}

/// PyYAML's `analyze_scalar` (with `allow_unicode`).
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            empty: true,
            multiline: false,
            allow_flow_plain: false,
            allow_block_plain: true,
            allow_single_quoted: true,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let ws = |c: Option<&char>| {
        c.is_none_or(|c| matches!(c, '\0' | ' ' | '\t' | '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}'))
    };
    let (mut flow_indicators, mut block_indicators) = (false, false);
    if text.starts_with("---") || text.starts_with("...") {
        flow_indicators = true;
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let mut followed_by_whitespace = chars.len() == 1 || ws(chars.get(1));
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break, mut previous_space, mut previous_break) =
        (false, false, false, false);
    for (index, &ch) in chars.iter().enumerate() {
        if index == 0 {
            if "#,[]{}&*!|>'\"%@`".contains(ch) {
                flow_indicators = true;
                block_indicators = true;
            }
            if ch == '?' || ch == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if ch == '-' && followed_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        } else {
            if ",?[]{}".contains(ch) {
                flow_indicators = true;
            }
            if ch == ':' {
                flow_indicators = true;
                if followed_by_whitespace {
                    block_indicators = true;
                }
            }
            if ch == '#' && preceded_by_whitespace {
                flow_indicators = true;
                block_indicators = true;
            }
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if !(ch == '\n' || ('\u{20}'..='\u{7e}').contains(&ch)) {
            let unicode = (ch == '\u{85}'
                || ('\u{a0}'..='\u{d7ff}').contains(&ch)
                || ('\u{e000}'..='\u{fffd}').contains(&ch)
                || ('\u{10000}'..'\u{10ffff}').contains(&ch))
                && ch != '\u{feff}';
            if !unicode {
                special = true;
            }
        }
        if ch == ' ' {
            if index == 0 {
                leading_space = true;
            }
            if index == chars.len() - 1 {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(ch) {
            if index == 0 {
                leading_break = true;
            }
            if index == chars.len() - 1 {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = ws(Some(&ch));
        followed_by_whitespace = index + 2 >= chars.len() || ws(chars.get(index + 2));
    }
    let mut a = Analysis {
        empty: false,
        multiline: line_breaks,
        allow_flow_plain: true,
        allow_block_plain: true,
        allow_single_quoted: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if break_space {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if space_break || special {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
        a.allow_single_quoted = false;
    }
    if line_breaks {
        a.allow_flow_plain = false;
        a.allow_block_plain = false;
    }
    if flow_indicators {
        a.allow_flow_plain = false;
    }
    if block_indicators {
        a.allow_block_plain = false;
    }
    a
}

/// Whether a plain scalar with this text reads back as a string under PyYAML's YAML 1.1
/// implicit resolvers (bool, int, float, null, timestamp, merge, value).
fn resolves_to_str(text: &str) -> bool {
    !(is_bool(text)
        || is_int(text)
        || is_float(text)
        || is_null(text)
        || is_timestamp(text)
        || text == "<<"
        || text == "=")
}

fn is_bool(t: &str) -> bool {
    matches!(
        t,
        "yes"
            | "Yes"
            | "YES"
            | "no"
            | "No"
            | "NO"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

fn is_null(t: &str) -> bool {
    matches!(t, "~" | "null" | "Null" | "NULL" | "")
}

fn strip_sign(t: &str) -> &str {
    t.strip_prefix(['-', '+']).unwrap_or(t)
}

fn all(t: &str, f: impl Fn(char) -> bool) -> bool {
    t.chars().all(f)
}

/// `:[0-5]?[0-9]` repeated at least once.
fn sexagesimal_tail(t: &str) -> bool {
    let parts: Vec<&str> = t.split(':').collect();
    parts.len() >= 2
        && parts[1..].iter().all(|p| {
            let b = p.as_bytes();
            match b.len() {
                1 => b[0].is_ascii_digit(),
                2 => (b'0'..=b'5').contains(&b[0]) && b[1].is_ascii_digit(),
                _ => false,
            }
        })
}

fn is_int(t: &str) -> bool {
    let u = strip_sign(t);
    if let Some(bin) = u.strip_prefix("0b") {
        return !bin.is_empty() && all(bin, |c| c == '0' || c == '1' || c == '_');
    }
    if let Some(hex) = u.strip_prefix("0x") {
        return !hex.is_empty() && all(hex, |c| c.is_ascii_hexdigit() || c == '_');
    }
    if u == "0" {
        return true;
    }
    if let Some(oct) = u.strip_prefix('0') {
        return !oct.is_empty() && all(oct, |c| ('0'..='7').contains(&c) || c == '_');
    }
    let first_ok = u.chars().next().is_some_and(|c| ('1'..='9').contains(&c));
    if first_ok && all(u, |c| c.is_ascii_digit() || c == '_') {
        return true;
    }
    // [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
    let head = u.split(':').next().unwrap_or("");
    first_ok && all(head, |c| c.is_ascii_digit() || c == '_') && sexagesimal_tail(u)
}

/// `[eE][-+][0-9]+`, optional.
fn exponent_ok(e: &str) -> bool {
    if e.is_empty() {
        return true;
    }
    let rest = &e[1..];
    matches!(e.as_bytes()[0], b'e' | b'E')
        && rest.len() >= 2
        && matches!(rest.as_bytes()[0], b'-' | b'+')
        && all(&rest[1..], |c| c.is_ascii_digit())
}

fn is_float(t: &str) -> bool {
    let u = strip_sign(t);
    if matches!(u, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let split_exp = |s: &str| -> (String, String) {
        match s.find(['e', 'E']) {
            Some(i) => (s[..i].to_string(), s[i..].to_string()),
            None => (s.to_string(), String::new()),
        }
    };
    // [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?
    let (mantissa, exp) = split_exp(u);
    if let Some((int, frac)) = mantissa.split_once('.') {
        let int_ok = int.chars().next().is_some_and(|c| c.is_ascii_digit())
            && all(int, |c| c.is_ascii_digit() || c == '_');
        if int_ok && all(frac, |c| c.is_ascii_digit() || c == '_') && exponent_ok(&exp) {
            return true;
        }
    }
    // \.[0-9][0-9_]*([eE][-+][0-9]+)?  (no sign)
    let (mantissa, exp) = split_exp(t);
    if let Some(frac) = mantissa.strip_prefix('.')
        && frac.chars().next().is_some_and(|c| c.is_ascii_digit())
        && all(frac, |c| c.is_ascii_digit() || c == '_')
        && exponent_ok(&exp)
    {
        return true;
    }
    // [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
    if let Some((head, frac)) = u.rsplit_once('.') {
        let first = head.split(':').next().unwrap_or("");
        return first.chars().next().is_some_and(|c| c.is_ascii_digit())
            && all(first, |c| c.is_ascii_digit() || c == '_')
            && sexagesimal_tail(head)
            && all(frac, |c| c.is_ascii_digit() || c == '_');
    }
    false
}

fn digits(t: &str, n: std::ops::RangeInclusive<usize>) -> bool {
    n.contains(&t.len()) && all(t, |c| c.is_ascii_digit())
}

/// YAML 1.1 timestamps: `YYYY-MM-DD`, or with a time, fraction and zone.
fn is_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() == 10
        && digits(&t[..4], 4..=4)
        && b[4] == b'-'
        && digits(&t[5..7], 2..=2)
        && b[7] == b'-'
        && digits(&t[8..], 2..=2)
    {
        return true;
    }
    // YYYY-M?M-D?D(T|t|[ \t]+)H?H:MM:SS(.fraction)?([ \t]*(Z|[-+]H?H(:MM)?))?
    let Some(date_end) = t.find(['T', 't', ' ', '\t']) else { return false };
    let date: Vec<&str> = t[..date_end].split('-').collect();
    if date.len() != 3 || !digits(date[0], 4..=4) || !digits(date[1], 1..=2) || !digits(date[2], 1..=2) {
        return false;
    }
    let rest = &t[date_end..];
    let rest = if rest.starts_with(['T', 't']) { &rest[1..] } else { rest.trim_start_matches([' ', '\t']) };
    let Some((hour, rest)) = rest.split_once(':') else { return false };
    if !digits(hour, 1..=2) || rest.len() < 5 {
        return false;
    }
    let (minute, rest) = rest.split_at(2);
    if !digits(minute, 2..=2) || !rest.starts_with(':') {
        return false;
    }
    let rest = &rest[1..];
    if rest.len() < 2 || !digits(&rest[..2], 2..=2) {
        return false;
    }
    let mut rest = &rest[2..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.chars().take_while(|c| c.is_ascii_digit()).count();
        rest = &frac[n..];
    }
    let rest = rest.trim_start_matches([' ', '\t']);
    if rest.is_empty() || rest == "Z" {
        return true;
    }
    let Some(zone) = rest.strip_prefix(['-', '+']) else { return false };
    match zone.split_once(':') {
        Some((h, m)) => digits(h, 1..=2) && digits(m, 2..=2),
        None => digits(zone, 1..=2),
    }
}

#[cfg(test)]
mod tests {
    use crate::output::{Data, Format};
    use serde_json::json;

    fn yaml(v: serde_json::Value) -> String {
        crate::output::render(&Data::from(&v), Format::Yaml, false)
    }

    #[test]
    fn documents_like_pyyaml() {
        assert_eq!(yaml(json!(true)), "true\n...\n");
        assert_eq!(yaml(json!("x y")), "x y\n...\n");
        assert_eq!(yaml(json!("")), "''\n");
        assert_eq!(yaml(json!({"tags": ["a", "b"], "n": 1})), "n: 1\ntags:\n- a\n- b\n");
        assert_eq!(
            yaml(json!([{"digest": "sha256:a", "ca": {"x": 1}}])),
            "- ca:\n    x: 1\n  digest: sha256:a\n"
        );
        assert_eq!(yaml(json!({"e": [], "o": {}})), "e: []\no: {}\n");
        assert_eq!(yaml(json!([[1, 2], 3])), "- - 1\n  - 2\n- 3\n");
    }

    #[test]
    fn scalars_quote_like_pyyaml() {
        let cases = [
            ("2024-01-01", "'2024-01-01'"),
            ("2024-01-02T00:00:00.0000000Z", "'2024-01-02T00:00:00.0000000Z'"),
            ("123", "'123'"),
            ("yes", "'yes'"),
            ("on", "'on'"),
            ("null", "'null'"),
            ("~", "'~'"),
            ("#x", "'#x'"),
            ("*x", "'*x'"),
            ("a: b", "'a: b'"),
            (" x", "' x'"),
            ("sha256:abc", "sha256:abc"),
            ("-x", "-x"),
            ("ü", "ü"),
            ("1e3", "1e3"),
            ("1.5", "'1.5'"),
            ("it's", "it's"),
            ("a\tb", "\"a\\tb\""),
        ];
        for (text, want) in cases {
            assert_eq!(yaml(json!({ "k": text })), format!("k: {want}\n"), "{text}");
        }
        assert_eq!(yaml(json!({"f": 1e20, "g": 1.5})), "f: 1.0e+20\ng: 1.5\n");
        assert_eq!(yaml(json!({"m": "a\nb"})), "m: 'a\n\n  b'\n");
    }
}
