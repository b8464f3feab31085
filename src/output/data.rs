//! A result as az's output writers see it: Python values, whose dicts keep their key order and
//! remember whether they are OrderedDicts (built by `--query` multiselect hashes), since
//! az's tsv writer sorts the keys of plain dicts only.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Data>),
    Dict(Vec<(String, Data)>, Ordered),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordered {
    /// A plain dict (decoded JSON, `merge()`).
    No,
    /// An OrderedDict.
    Yes,
}

impl Data {
    pub fn is_null(&self) -> bool {
        matches!(self, Data::Null)
    }

    /// The entries with the keys sorted (Python's `sorted()`: by code point).
    pub fn sorted_entries(entries: &[(String, Data)]) -> Vec<&(String, Data)> {
        let mut sorted: Vec<&(String, Data)> = entries.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        sorted
    }
}

impl From<&Value> for Data {
    fn from(v: &Value) -> Data {
        match v {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Number(n) => number(n),
            Value::String(s) => Data::Str(s.clone()),
            Value::Array(items) => Data::List(items.iter().map(Data::from).collect()),
            Value::Object(map) => {
                Data::Dict(map.iter().map(|(k, v)| (k.clone(), Data::from(v))).collect(), Ordered::No)
            }
        }
    }
}

/// Python's json decoding: a number with a fraction or exponent is a float, else an int.
pub fn number(n: &serde_json::Number) -> Data {
    if let Some(i) = n.as_i64() {
        Data::Int(i as i128)
    } else if let Some(u) = n.as_u64() {
        Data::Int(u as i128)
    } else {
        Data::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}
