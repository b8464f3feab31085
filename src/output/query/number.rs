//! Numbers as Python's jmespath has them: ints of any size (here up to 128 bits) and floats,
//! `sum`'s arithmetic, and `to_number`'s parsing (Python's `int()` then `float()`).

use std::cmp::Ordering;

use super::value::{Kind, Val};

#[derive(Clone, Copy, Debug)]
pub(super) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
    pub(super) fn py_cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

pub(super) fn sum(items: &[Val]) -> Num {
    let mut total = Num::Int(0);
    for item in items {
        if let Kind::Num(n) = item.kind() {
            total = match (total, n) {
                (Num::Int(a), Num::Int(b)) => match a.checked_add(b) {
                    Some(s) => Num::Int(s),
                    None => Num::Float(a as f64 + b as f64),
                },
                (a, b) => Num::Float(a.as_f64() + b.as_f64()),
            };
        }
    }
    total
}

/// Python `int(s)` then `float(s)`.
pub(super) fn to_number<'a>(v: Val<'a>) -> Val<'a> {
    match v.kind() {
        Kind::Num(_) => v,
        Kind::Str(s) => parse_py_number(s).map_or(Val::Null, Val::num),
        _ => Val::Null,
    }
}

pub(super) fn parse_py_number(s: &str) -> Option<Num> {
    let t = s.trim_matches(|c: char| c.is_whitespace());
    if let Some(digits) = py_int_digits(t) {
        return digits
            .parse::<i128>()
            .ok()
            .map(Num::Int)
            .or_else(|| digits.parse::<f64>().ok().map(Num::Float));
    }
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let negative = lower.starts_with('-');
    if lower.len() - unsigned.len() <= 1 {
        match unsigned {
            "inf" | "infinity" => {
                return Some(Num::Float(if negative { f64::NEG_INFINITY } else { f64::INFINITY }));
            }
            "nan" => return Some(Num::Float(f64::NAN)),
            _ => {}
        }
    }
    let cleaned = strip_underscores(t)?;
    if cleaned.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && cleaned.chars().any(|c| c.is_ascii_digit())
    {
        return cleaned.parse::<f64>().ok().map(Num::Float);
    }
    None
}

/// The digits of a Python int literal (sign, digits, single underscores between digits).
pub(super) fn py_int_digits(t: &str) -> Option<String> {
    let (sign, body) = match t.as_bytes().first() {
        Some(b'+') => ("", &t[1..]),
        Some(b'-') => ("-", &t[1..]),
        _ => ("", t),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit() || c == '_') {
        return None;
    }
    let digits = strip_underscores(body)?;
    Some(format!("{sign}{digits}"))
}

/// Removes underscores that sit between two digits; `None` if any other underscore is present.
pub(super) fn strip_underscores(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        if *c == '_' {
            let ok = i > 0
                && chars[i - 1].is_ascii_digit()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit());
            if !ok {
                return None;
            }
        } else {
            out.push(*c);
        }
    }
    Some(out)
}
