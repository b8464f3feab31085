//! Backtick literals as Python jmespath reads them: the text between backticks (with `\``
//! for a backtick) goes through `json.loads`, and text that is not JSON is taken as a string
//! (the deprecated legacy form `` `foo` ``). The `jmespath` crate's parser cannot do either
//! (and loses object key order), so each literal is parsed here and replaced by its index.

use crate::output::data::{Data, Ordered, key};

/// How deeply Python's `json.loads` nests arrays and objects in a literal before its
/// recursion limit stops it, as az runs it (measured on az 2.91.0: 951 nested `[` parse,
/// 952 fail; the lexer always runs at the same stack depth, so this is exact).
pub(super) const MAX_LITERAL_DEPTH: usize = 951;

/// The expression with every literal replaced by `` `<index>` ``, and the literals; a
/// syntax error when a literal is neither JSON nor a legacy string, or Python's
/// `RecursionError` message when a literal nests deeper than `json.loads` can.
pub(super) fn prepare(expression: &str) -> Result<(String, Vec<Data>), super::CompileError> {
    use super::CompileError;
    let chars: Vec<char> = expression.chars().collect();
    let mut out = String::with_capacity(expression.len());
    let mut literals = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            quote @ ('\'' | '"') => {
                // Raw strings and quoted identifiers: copied as they are, escapes included.
                out.push(quote);
                i += 1;
                while i < chars.len() && chars[i] != quote {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        out.push(chars[i]);
                        i += 1;
                    }
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push(quote);
                    i += 1;
                }
            }
            '`' => {
                let mut lexeme = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '`' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        lexeme.push(chars[i]);
                        i += 1;
                    }
                    lexeme.push(chars[i]);
                    i += 1;
                }
                if i == chars.len() {
                    return Err(CompileError::Syntax); // unterminated
                }
                i += 1;
                let lexeme = lexeme.replace("\\`", "`");
                // Python's RecursionError is not the ValueError that makes jmespath fall back
                // to the legacy string form: it ends the parse.
                let value = match json_loads_checked(&lexeme) {
                    Err(too_deep) => return Err(CompileError::Recursion(too_deep.into())),
                    Ok(Some(v)) => v,
                    Ok(None) => {
                        json_loads(&format!("\"{}\"", lexeme.trim_start())).ok_or(CompileError::Syntax)?
                    }
                };
                out.push_str(&format!("`{}`", literals.len()));
                literals.push(value);
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok((out, literals))
}

/// Python's `json.loads` for one document (NaN/Infinity accepted, big numbers to inf).
fn json_loads(text: &str) -> Option<Data> {
    json_loads_checked(text).ok().flatten()
}

/// `json.loads`, or Python's message when it nests deeper than `MAX_LITERAL_DEPTH`.
fn json_loads_checked(text: &str) -> Result<Option<Data>, &'static str> {
    let mut p = Parser { chars: text.chars().collect(), pos: 0, depth: 0, too_deep: None };
    p.skip_ws();
    let value = p.value();
    if let Some(message) = p.too_deep {
        return Err(message);
    }
    p.skip_ws();
    Ok(value.filter(|_| p.pos == p.chars.len()))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Arrays and objects open around the current position.
    depth: usize,
    /// Set when a container would nest deeper than Python's json can.
    too_deep: Option<&'static str>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        let w: Vec<char> = word.chars().collect();
        if self.chars.get(self.pos..self.pos + w.len()) == Some(&w[..]) {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Option<Data> {
        match self.peek()? {
            c @ ('{' | '[') => {
                if self.depth == MAX_LITERAL_DEPTH {
                    self.too_deep = Some(if c == '[' {
                        "maximum recursion depth exceeded while decoding a JSON array from a unicode string"
                    } else {
                        "maximum recursion depth exceeded while decoding a JSON object from a unicode string"
                    });
                    return None;
                }
                self.depth += 1;
                let value = if c == '[' { self.array() } else { self.object() };
                self.depth -= 1;
                value
            }
            '"' => self.string().map(|s| Data::Str(s.into())),
            _ if self.eat("null") => Some(Data::Null),
            _ if self.eat("true") => Some(Data::Bool(true)),
            _ if self.eat("false") => Some(Data::Bool(false)),
            _ if self.eat("NaN") => Some(Data::Float(f64::NAN)),
            _ if self.eat("Infinity") => Some(Data::Float(f64::INFINITY)),
            _ if self.eat("-Infinity") => Some(Data::Float(f64::NEG_INFINITY)),
            _ => self.number(),
        }
    }

    fn object(&mut self) -> Option<Data> {
        self.pos += 1;
        let mut map: Vec<(crate::output::data::Key, Data)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some('}') {
            self.pos += 1;
            return Some(Data::Dict(map, Ordered::No));
        }
        loop {
            self.skip_ws();
            let name = self.string()?;
            self.skip_ws();
            if self.peek() != Some(':') {
                return None;
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            // json.loads keeps the last of repeated keys, in the first one's place.
            let k = key(&name);
            match map.iter_mut().find(|(e, _)| *e == k) {
                Some(slot) => slot.1 = value,
                None => map.push((k, value)),
            }
            self.skip_ws();
            match self.peek()? {
                ',' => self.pos += 1,
                '}' => {
                    self.pos += 1;
                    return Some(Data::Dict(map, Ordered::No));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Data> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(']') {
            self.pos += 1;
            return Some(Data::List(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek()? {
                ',' => self.pos += 1,
                ']' => {
                    self.pos += 1;
                    return Some(Data::List(items));
                }
                _ => return None,
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        if self.peek() != Some('"') {
            return None;
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                '"' => return Some(out),
                '\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        '"' | '\\' | '/' => out.push(e),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'n' => out.push('\n'),
                        'r' => out.push('\r'),
                        't' => out.push('\t'),
                        'u' => {
                            let unit = self.hex4()?;
                            if (0xd800..0xdc00).contains(&unit) && self.eat("\\u") {
                                let low = self.hex4()?;
                                let code =
                                    0x10000 + ((unit - 0xd800) << 10) + (low.wrapping_sub(0xdc00) & 0x3ff);
                                out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                            } else {
                                out.push(char::from_u32(unit).unwrap_or('\u{fffd}'));
                            }
                        }
                        _ => return None,
                    }
                }
                // Python's decoder is strict: no raw control characters inside strings.
                c if (c as u32) < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits: String = self.chars.get(self.pos..self.pos + 4)?.iter().collect();
        self.pos += 4;
        u32::from_str_radix(&digits, 16).ok()
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`: an int unless it has a fraction or exponent.
    fn number(&mut self) -> Option<Data> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        match self.peek()? {
            '0' => self.pos += 1,
            '1'..='9' => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            _ => return None,
        }
        let mut is_float = false;
        if self.peek() == Some('.') && self.chars.get(self.pos + 1).is_some_and(|c| c.is_ascii_digit()) {
            is_float = true;
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                is_float = true;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        if let (false, Ok(i)) = (is_float, text.parse::<i128>()) {
            return Some(Data::Int(i));
        }
        text.parse::<f64>().ok().map(Data::Float)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_become_indices() {
        let (text, lits) = prepare("[?a == `1` && b == 'x`y' && \"q`\" == `{\"b\": 1, \"a\": 2}`]").unwrap();
        assert_eq!(text, "[?a == `0` && b == 'x`y' && \"q`\" == `1`]");
        assert_eq!(lits.len(), 2);
        let Data::Dict(map, Ordered::No) = &lits[1] else { panic!("object") };
        assert_eq!(map.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn python_json_rules() {
        assert!(matches!(json_loads("1e400"), Some(Data::Float(f)) if f.is_infinite()));
        assert!(matches!(json_loads("-0"), Some(Data::Int(0))));
        assert!(json_loads("foo").is_none());
        let (_, lits) = prepare("`foo`").unwrap();
        assert!(matches!(&lits[0], Data::Str(s) if &**s == "foo"));
        let (_, lits) = prepare(r"`a\`b`").unwrap();
        assert!(matches!(&lits[0], Data::Str(s) if &**s == "a`b"));
        assert!(prepare("`\"unterminated`").is_err());
        assert!(prepare("`[1, `").is_ok_and(|(_, l)| matches!(&l[0], Data::Str(s) if &**s == "[1, ")));
        assert!(prepare("`1").is_err());
    }
}
