//! Python's text forms of numbers and strings, which az's writers inherit.

use std::io;

use super::data::Value;

/// Python's `str(x)` for a scalar (containers use their `repr`).
pub fn str_of(value: &Value) -> String {
    match value.resolved() {
        Value::Null => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float(*f),
        Value::Str(s) => s.to_string(),
        other => repr(other),
    }
}

/// Python's `repr(x)`.
pub fn repr(value: &Value) -> String {
    match value.resolved() {
        Value::Str(s) => string(s),
        Value::List(items) => format!("[{}]", items.iter().map(repr).collect::<Vec<_>>().join(", ")),
        Value::Dict(entries, ordered) => {
            let pairs: Vec<String> =
                entries.iter().map(|(k, v)| format!("{}: {}", string(k), repr(v))).collect();
            match ordered {
                super::data::Ordered::No => format!("{{{}}}", pairs.join(", ")),
                super::data::Ordered::Yes => {
                    let tuples: Vec<String> =
                        entries.iter().map(|(k, v)| format!("({}, {})", string(k), repr(v))).collect();
                    format!("OrderedDict([{}])", tuples.join(", "))
                }
            }
        }
        scalar => str_of(scalar),
    }
}

/// `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16 on.
pub fn float(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits as d[.ddd]e<exp>.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("scientific form");
    let exp: i32 = exp.parse().expect("exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp >= 0 {
            let int_len = (exp + 1) as usize;
            if digits.len() <= int_len {
                format!("{}{}.0", digits, "0".repeat(int_len - digits.len()))
            } else {
                format!("{}.{}", &digits[..int_len], &digits[int_len..])
            }
        } else {
            let _ = n;
            format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
        };
        format!("{sign}{body}")
    } else {
        let frac = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{frac}e{esign}{:02}", exp.abs())
    }
}

/// A float as Python's `json.dumps` writes it.
pub fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "Infinity" } else { "-Infinity" }.into()
    } else {
        float(f)
    }
}

/// `repr(str)`: single quotes unless the text holds a single quote and no double quote.
pub fn string(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A JSON string with the escapes of Python's `json.dumps`; `ascii` also escapes non-ASCII.
pub fn json_string(s: &str, ascii: bool, out: &mut String) {
    let _ = json_string_in_pieces(s, ascii, |piece| {
        out.push_str(piece);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// `json_string`, written to `out`.
pub fn write_json_string<W: io::Write + ?Sized>(s: &str, ascii: bool, out: &mut W) -> io::Result<()> {
    json_string_in_pieces(s, ascii, |piece| out.write_all(piece.as_bytes()))
}

/// `json_string`'s text, handed to `put` a piece at a time.
fn json_string_in_pieces<E>(
    s: &str,
    ascii: bool,
    mut put: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    put("\"")?;
    let mut rest = s;
    // Runs that need no escape are copied whole; an escape starts at an ASCII byte or (with
    // `ascii`) the lead byte of a character, so `at` is always a character boundary.
    while let Some(at) = first_escape(rest.as_bytes(), ascii) {
        put(&rest[..at])?;
        let c = rest[at..].chars().next().unwrap_or_default();
        match c {
            '"' => put("\\\"")?,
            '\\' => put("\\\\")?,
            '\n' => put("\\n")?,
            '\r' => put("\\r")?,
            '\t' => put("\\t")?,
            '\u{08}' => put("\\b")?,
            '\u{0c}' => put("\\f")?,
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let mut escape = *b"\\u0000";
                    for (i, shift) in [12, 8, 4, 0].into_iter().enumerate() {
                        escape[2 + i] = HEX[usize::from((*unit >> shift) & 0xf)];
                    }
                    put(std::str::from_utf8(&escape).unwrap_or_default())?;
                }
            }
        }
        rest = &rest[at + c.len_utf8()..];
    }
    put(rest)?;
    put("\"")
}

/// Where the first byte that `json.dumps` escapes is. Without `ascii`, eight bytes are
/// checked at a time (a control character, `"` or `\` in a word sets its lane's top bit;
/// other lanes may be flagged too, so a flagged word is then looked at byte by byte).
fn first_escape(bytes: &[u8], ascii: bool) -> Option<usize> {
    let needs_escape = |b: &u8| *b < 0x20 || *b == b'"' || *b == b'\\' || (ascii && *b > 0x7e);
    let mut start = 0;
    if !ascii {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const TOPS: u64 = 0x8080_8080_8080_8080;
        let zero_lane = |v: u64| v.wrapping_sub(ONES) & !v & TOPS;
        for word in bytes.chunks_exact(8) {
            let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
            let flagged = (x.wrapping_sub(0x20 * ONES) & !x & TOPS)
                | zero_lane(x ^ (u64::from(b'"') * ONES))
                | zero_lane(x ^ (u64::from(b'\\') * ONES));
            if flagged != 0 {
                break;
            }
            start += 8;
        }
    }
    bytes[start..].iter().position(needs_escape).map(|i| start + i)
}

/// An integer in decimal, as `str()` and `json.dumps` write it, without `fmt`'s machinery
/// (a cell of every row of a long listing can be one): its digits, on the stack.
pub struct Int {
    digits: [u8; 40],
    at: usize,
}

impl Int {
    pub fn new(i: impl Into<i128>) -> Int {
        let i: i128 = i.into();
        let mut digits = [0u8; 40];
        let mut at = digits.len();
        let mut rest = i.unsigned_abs();
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if i < 0 {
            at -= 1;
            digits[at] = b'-';
        }
        Int { digits, at }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.digits[self.at..]).unwrap_or_default()
    }
}

/// `json.dumps(s)` with ASCII escaping, as jmespath's `to_string` uses it.
pub fn json_string_ascii(s: &str, out: &mut String) {
    json_string(s, true, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (2.5, "2.5"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (123456789.12345679, "123456789.12345679"),
            (1e20, "1e+20"),
            (1.5e20, "1.5e+20"),
            (4.666666666666667, "4.666666666666667"),
            (0.1, "0.1"),
            (3.6, "3.6"),
            (1e300, "1e+300"),
            (-2.5e-7, "-2.5e-07"),
        ];
        for (f, want) in cases {
            assert_eq!(float(f), want, "{f}");
        }
    }

    #[test]
    fn integers_print_like_python() {
        for i in [0, 7, -7, 10, 1234567890, i128::MAX, i128::MIN, u64::MAX as i128] {
            assert_eq!(Int::new(i).as_str(), i.to_string());
        }
    }

    #[test]
    fn strings_repr_like_python() {
        assert_eq!(string("abc"), "'abc'");
        assert_eq!(string("it's"), "\"it's\"");
        assert_eq!(string("a\nb"), "'a\\nb'");
    }

    #[test]
    fn json_strings_escape_like_python() {
        let mut s = String::new();
        json_string("é\u{1b}\"/", false, &mut s);
        assert_eq!(s, "\"é\\u001b\\\"/\"");
        let mut s = String::new();
        json_string("é😀", true, &mut s);
        assert_eq!(s, "\"\\u00e9\\ud83d\\ude00\"");
        let mut s = String::new();
        json_string("a\\b\tc\u{7f}d\u{8}\u{c}\r\né", true, &mut s);
        assert_eq!(s, r#""a\\b\tc\u007fd\b\f\r\n\u00e9""#);
        let mut s = String::new();
        json_string("a\u{7f}é", false, &mut s);
        assert_eq!(s, "\"a\u{7f}é\"");
        // Escapes found in every lane of the eight-byte scan, and after it.
        for at in 0..20 {
            for special in ['"', '\\', '\n', '\u{1f}', '\u{0}'] {
                let mut text: Vec<char> = "sha256:0123456789abcdé!".chars().collect();
                text.insert(at.min(text.len()), special);
                let text: String = text.into_iter().collect();
                let mut fast = String::new();
                json_string(&text, false, &mut fast);
                let expected = serde_json::to_string(&text).unwrap();
                assert_eq!(fast, expected, "{text:?}");
            }
        }
    }
}
