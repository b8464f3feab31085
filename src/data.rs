//! The values azacr carries from the registry to the output: Python's view of decoded JSON.
//! Dicts keep their key order and remember whether they are OrderedDicts (built by `--query`
//! multiselect hashes), since az's tsv writer sorts the keys of plain dicts only.
//!
//! Compact on purpose (a listing of 100,000 manifests stays small): dicts are vectors of
//! pairs, and keys are shared `Rc<str>`s interned while decoding. A `--query` result borrows
//! the parts of the command's result it keeps (`Value::Borrowed`), so it copies nothing.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

pub type Key = Arc<str>;

/// A value that owns all of itself: what commands return.
pub type Data = Value<'static>;

#[derive(Clone, Debug)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    /// Shared, so that copies of a value copy no text.
    Str(Arc<str>),
    List(Vec<Value<'a>>),
    Dict(Vec<(Key, Value<'a>)>, Ordered),
    /// A part of another value, shown as if it were here.
    Borrowed(&'a Value<'a>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordered {
    /// A plain dict (decoded JSON, `merge()`).
    No,
    /// An OrderedDict.
    Yes,
}

impl<'a> Value<'a> {
    /// The value itself, looking through borrows.
    pub fn resolved(&self) -> &Value<'a> {
        let mut value = self;
        while let Value::Borrowed(inner) = value {
            value = inner;
        }
        value
    }

    pub fn is_null(&self) -> bool {
        matches!(self.resolved(), Value::Null)
    }

    /// The entries with the keys sorted (Python's `sorted()`: by code point), without
    /// allocating when they already are (as show-manifests' rows are).
    pub fn sorted_entries<'e>(entries: &'e [(Key, Value<'a>)]) -> impl Iterator<Item = &'e (Key, Value<'a>)> {
        let in_order = entries.is_sorted_by(|a, b| a.0 <= b.0);
        let mut sorted: Vec<&(Key, Value)> = Vec::new();
        if !in_order {
            sorted = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
        }
        let direct = if in_order { entries } else { &[] };
        direct.iter().chain(sorted)
    }

    /// `dict.get(key)`.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        match self.resolved() {
            Value::Dict(entries, _) => entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.resolved() {
            Value::Str(s) => Some(&**s),
            _ => None,
        }
    }

    /// A copy that owns all of itself.
    pub fn to_owned_data(&self) -> Data {
        match self.resolved() {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Str(s) => Value::Str(s.clone()),
            Value::List(items) => Value::List(items.iter().map(Value::to_owned_data).collect()),
            Value::Dict(entries, ordered) => {
                Value::Dict(entries.iter().map(|(k, v)| (k.clone(), v.to_owned_data())).collect(), *ordered)
            }
            Value::Borrowed(_) => unreachable!("resolved"),
        }
    }
}

/// Equality of what the values show, borrowed or not.
impl PartialEq for Value<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.resolved(), other.resolved()) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Dict(a, oa), Value::Dict(b, ob)) => oa == ob && a == b,
            _ => false,
        }
    }
}

impl Data {
    /// Removes and returns `dict[key]`.
    pub fn take(&mut self, key: &str) -> Option<Data> {
        match self {
            Data::Dict(entries, _) => {
                let i = entries.iter().position(|(k, _)| &**k == key)?;
                Some(entries.remove(i).1)
            }
            _ => None,
        }
    }

    /// A plain dict from `(key, value)` pairs.
    pub fn dict(entries: impl IntoIterator<Item = (&'static str, Data)>) -> Data {
        Data::Dict(entries.into_iter().map(|(k, v)| (key(k), v)).collect(), Ordered::No)
    }

    /// Decodes JSON text as Python's `json.loads` would (through serde_json).
    pub fn from_json(text: &[u8]) -> Result<Data, serde_json::Error> {
        serde_json::from_slice(text)
    }
}

impl From<&serde_json::Value> for Data {
    fn from(v: &serde_json::Value) -> Data {
        use serde_json::Value;
        match v {
            Value::Null => Data::Null,
            Value::Bool(b) => Data::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Data::Int(i.into()),
                (_, Some(u)) => Data::Int(u.into()),
                _ => Data::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => Data::Str(s.as_str().into()),
            Value::Array(items) => Data::List(items.iter().map(Data::from).collect()),
            Value::Object(map) => {
                Data::Dict(map.iter().map(|(k, v)| (key(k), Data::from(v))).collect(), Ordered::No)
            }
        }
    }
}

thread_local! {
    static KEYS: RefCell<HashSet<Key>> = RefCell::new(HashSet::new());
}

/// The shared copy of a dict key.
pub fn key(text: &str) -> Key {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(text) {
            return k.clone();
        }
        let k: Key = Arc::from(text);
        keys.insert(k.clone());
        k
    })
}

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Data, D::Error> {
        deserializer.deserialize_any(DataVisitor)
    }
}

struct DataVisitor;

impl<'de> Visitor<'de> for DataVisitor {
    type Value = Data;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Data, E> {
        Ok(Data::Null)
    }

    fn visit_none<E>(self) -> Result<Data, E> {
        Ok(Data::Null)
    }

    fn visit_bool<E>(self, b: bool) -> Result<Data, E> {
        Ok(Data::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Data, E> {
        Ok(Data::Int(i.into()))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Data, E> {
        Ok(Data::Int(u.into()))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Data, E> {
        Ok(Data::Float(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Data, E> {
        Ok(Data::Str(s.into()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Data, E> {
        Ok(Data::Str(s.into()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Data, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Data::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Data, A::Error> {
        let mut entries: Vec<(Key, Data)> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value: Data = map.next_value()?;
            let k = key(&k);
            // Python keeps the last of repeated keys, in the first one's place.
            match entries.iter_mut().find(|(e, _)| *e == k) {
                Some(slot) => slot.1 = value,
                None => entries.push((k, value)),
            }
        }
        entries.shrink_to_fit();
        Ok(Data::Dict(entries, Ordered::No))
    }
}

/// Visitor methods that turn any JSON scalar other than null into `$value`, for decoders that
/// keep only objects or lists.
macro_rules! scalars_give {
    ($type:ty, $value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<$type, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<$type, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<$type, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<$type, E> {
            Ok($value)
        }
        fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<$type, E> {
            Ok($value)
        }
    };
}
pub(crate) use scalars_give;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_json_like_python() {
        let d = Data::from_json(br#"{"b": 1, "a": [1.5, "x", null, true, 12345678901234567890], "b": 2}"#)
            .unwrap();
        let Data::Dict(entries, Ordered::No) = &d else { panic!("a dict") };
        assert_eq!(entries.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(d.get("b"), Some(&Data::Int(2)));
        assert_eq!(
            d.get("a"),
            Some(&Data::List(vec![
                Data::Float(1.5),
                Data::Str("x".into()),
                Data::Null,
                Data::Bool(true),
                Data::Int(12345678901234567890)
            ]))
        );
    }

    #[test]
    fn keys_are_shared() {
        let d = Data::from_json(br#"[{"digest": 1}, {"digest": 2}]"#).unwrap();
        let Data::List(items) = d else { panic!() };
        let (Data::Dict(a, _), Data::Dict(b, _)) = (&items[0], &items[1]) else { panic!() };
        assert!(Arc::ptr_eq(&a[0].0, &b[0].0));
    }
}
