//! The evaluator's values: borrowed from the data or made by the query, with Python's view of
//! them (type names, `str()`, equality and ordering) and their conversion to output values.

use std::cmp::Ordering;
use std::sync::Arc;

use indexmap::IndexMap;
use jmespath::ast::Ast;

use super::QueryError;
use super::number::Num;
use crate::output::data::{Data, Key, Ordered, Value};
use crate::output::pyrepr;

pub(super) type Lits<'a> = &'a [Data];

/// A value during evaluation: either borrowed from the input or built by the query.
/// 16 bytes (rare and large variants are boxed), so that each step's result comes back in
/// registers: the evaluator runs several steps per element of every list it walks. Every
/// payload is one word at the same offset: a byte-sized one (a `bool`) would make each move
/// of a value copy bytes 1–15 in odd pieces, and reading a just-returned result back then
/// stalls on store forwarding (measured: a third of a filter's time).
#[derive(Clone, Debug, Default)]
#[allow(clippy::box_collection)] // boxed for a thin pointer, on purpose
pub(super) enum Val<'a> {
    Ref(&'a Data),
    #[default]
    Null,
    True,
    False,
    Num(Box<Num>),
    /// A raw string literal of the expression.
    Lit(&'a String),
    /// A string built by the query.
    Str(Box<String>),
    Arr(Box<Vec<Val<'a>>>),
    Obj(Box<Object<'a>>),
    Expref(&'a Ast),
}

#[derive(Clone, Debug)]
pub(super) struct Object<'a> {
    pub(super) entries: IndexMap<Key, Val<'a>>,
    /// An OrderedDict (multiselect hash) or a plain dict.
    pub(super) ordered: Ordered,
}

/// The shape of a value, with borrowed children.
pub(super) enum Kind<'v> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'v str),
    Arr,
    Obj,
    Expref,
}

pub(super) type Eval<'a> = Result<Val<'a>, Failure>;

const _: () = assert!(std::mem::size_of::<Eval>() == 16);

/// A `QueryError` in a box, so that a step's result stays 16 bytes.
#[derive(Debug)]
pub(super) struct Failure(pub(super) Box<QueryError>);

impl From<QueryError> for Failure {
    fn from(e: QueryError) -> Failure {
        Failure(Box::new(e))
    }
}

impl<'a> Val<'a> {
    pub(super) fn num(n: Num) -> Val<'a> {
        Val::Num(Box::new(n))
    }

    pub(super) fn text(s: String) -> Val<'a> {
        Val::Str(Box::new(s))
    }

    pub(super) fn bool(b: bool) -> Val<'a> {
        if b { Val::True } else { Val::False }
    }

    pub(super) fn obj(entries: IndexMap<Key, Val<'a>>, ordered: Ordered) -> Val<'a> {
        Val::Obj(Box::new(Object { entries, ordered }))
    }

    pub(super) fn arr(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Box::new(items))
    }

    /// A borrowed value; `Ref` always holds the value itself, never a `Borrowed`.
    pub(super) fn of(value: &'a Data) -> Val<'a> {
        Val::Ref(value.resolved())
    }

    pub(super) fn kind(&self) -> Kind<'_> {
        match self {
            Val::Ref(v) => match v {
                Data::Null => Kind::Null,
                Data::Bool(b) => Kind::Bool(*b),
                Data::Int(i) => Kind::Num(Num::Int(*i)),
                Data::Float(f) => Kind::Num(Num::Float(*f)),
                Data::Str(s) => Kind::Str(s),
                Data::List(_) => Kind::Arr,
                Data::Dict(..) => Kind::Obj,
                Data::Borrowed(_) => unreachable!("Val::of resolves borrows"),
            },
            Val::Null => Kind::Null,
            Val::True => Kind::Bool(true),
            Val::False => Kind::Bool(false),
            Val::Num(n) => Kind::Num(**n),
            Val::Lit(s) => Kind::Str(s),
            Val::Str(s) => Kind::Str(s),
            Val::Arr(_) => Kind::Arr,
            Val::Obj(..) => Kind::Obj,
            Val::Expref(_) => Kind::Expref,
        }
    }

    pub(super) fn is_null(&self) -> bool {
        matches!(self.kind(), Kind::Null)
    }

    pub(super) fn items(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Data::List(items)) => Some(items.iter().map(Val::of).collect()),
            Val::Arr(items) => Some((**items).clone()),
            _ => None,
        }
    }

    pub(super) fn into_items(self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Data::List(items)) => Some(items.iter().map(Val::of).collect()),
            Val::Arr(items) => Some(*items),
            _ => None,
        }
    }

    pub(super) fn entries(&self) -> Option<Vec<(Key, Val<'a>)>> {
        match self {
            Val::Ref(Data::Dict(entries, _)) => {
                Some(entries.iter().map(|(k, v)| (k.clone(), Val::of(v))).collect())
            }
            Val::Obj(obj) => Some(obj.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            _ => None,
        }
    }

    pub(super) fn field(&self, name: &str) -> Val<'a> {
        match self {
            Val::Ref(d @ Data::Dict(..)) => d.get(name).map_or(Val::Null, Val::of),
            Val::Obj(obj) => obj.entries.get(name).cloned().unwrap_or(Val::Null),
            _ => Val::Null,
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Val::Ref(Data::List(a)) => a.len(),
            Val::Ref(Data::Dict(o, _)) => o.len(),
            Val::Arr(a) => a.len(),
            Val::Obj(obj) => obj.entries.len(),
            _ => 0,
        }
    }

    pub(super) fn truthy(&self) -> bool {
        match self.kind() {
            Kind::Null => false,
            Kind::Bool(b) => b,
            Kind::Num(_) | Kind::Expref => true,
            Kind::Str(s) => !s.is_empty(),
            Kind::Arr | Kind::Obj => self.len() > 0,
        }
    }

    /// jmespath's name for the type, as used in function signatures.
    pub(super) fn type_name(&self) -> &'static str {
        match self.kind() {
            Kind::Null => "null",
            Kind::Bool(_) => "boolean",
            Kind::Num(_) => "number",
            Kind::Str(_) => "string",
            Kind::Arr => "array",
            Kind::Obj => "object",
            Kind::Expref => "expref",
        }
    }

    /// Python's `type(x).__name__`, used in element type errors.
    pub(super) fn py_type_name(&self) -> &'static str {
        match self.kind() {
            Kind::Null => "NoneType",
            Kind::Bool(_) => "bool",
            Kind::Num(Num::Int(_)) => "int",
            Kind::Num(Num::Float(_)) => "float",
            Kind::Str(_) => "str",
            Kind::Arr => "list",
            Kind::Obj => match self {
                Val::Obj(obj) if obj.ordered == Ordered::Yes => "OrderedDict",
                _ => "dict",
            },
            Kind::Expref => "_Expression",
        }
    }

    /// Python `str(x)`, as it appears inside jmespath error messages.
    pub(super) fn py_str(&self) -> String {
        match self.clone().into_output() {
            Ok(data) => pyrepr::str_of(&data),
            Err(_) => "<jmespath.visitor._Expression object>".into(),
        }
    }

    /// Python `==` between two decoded JSON values.
    pub(super) fn py_eq(&self, other: &Val<'a>) -> bool {
        match (self.kind(), other.kind()) {
            (Kind::Null, Kind::Null) => true,
            (Kind::Bool(a), Kind::Bool(b)) => a == b,
            // Inside containers Python compares True == 1; jmespath's top level does not (see `equals`).
            (Kind::Bool(a), Kind::Num(n)) | (Kind::Num(n), Kind::Bool(a)) => {
                n.py_cmp(Num::Int(a as i128)) == Some(Ordering::Equal)
            }
            (Kind::Num(a), Kind::Num(b)) => a.py_cmp(b) == Some(Ordering::Equal),
            (Kind::Str(a), Kind::Str(b)) => a == b,
            (Kind::Arr, Kind::Arr) => {
                let (a, b) = (self.items().unwrap_or_default(), other.items().unwrap_or_default());
                a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.py_eq(y))
            }
            (Kind::Obj, Kind::Obj) => {
                let (a, b) = (self.entries().unwrap_or_default(), other.entries().unwrap_or_default());
                if a.len() != b.len() {
                    return false;
                }
                let ordered = |v: &Val| matches!(v, Val::Obj(obj) if obj.ordered == Ordered::Yes);
                let both_ordered = ordered(self) && ordered(other);
                if both_ordered {
                    return a.iter().zip(&b).all(|((ka, va), (kb, vb))| ka == kb && va.py_eq(vb));
                }
                a.iter().all(|(k, v)| b.iter().any(|(kb, vb)| kb == k && v.py_eq(vb)))
            }
            _ => false,
        }
    }

    /// jmespath's `==`: Python equality, except that booleans only equal booleans.
    pub(super) fn equals(&self, other: &Val<'a>) -> bool {
        match (self.kind(), other.kind()) {
            (Kind::Bool(_), Kind::Num(_)) | (Kind::Num(_), Kind::Bool(_)) => false,
            _ => self.py_eq(other),
        }
    }

    /// The final result, for the output writers.
    pub(super) fn into_output(self) -> Result<Value<'a>, QueryError> {
        Ok(match self {
            Val::Ref(v) => Value::Borrowed(v),
            Val::Null => Value::Null,
            Val::True => Value::Bool(true),
            Val::False => Value::Bool(false),
            Val::Num(n) => match *n {
                Num::Int(i) => Value::Int(i),
                Num::Float(f) => Value::Float(f),
            },
            Val::Lit(s) => Value::Str(Arc::from(s.as_str())),
            Val::Str(s) => Value::Str(Arc::from(s.as_str())),
            Val::Arr(items) => {
                let mut list = Vec::with_capacity(items.len());
                for item in *items {
                    list.push(match item {
                        // Most results are parts of the data.
                        Val::Ref(v) => Value::Borrowed(v),
                        made => made.into_output()?,
                    });
                }
                Value::List(list)
            }
            Val::Obj(obj) => Value::Dict(
                obj.entries
                    .into_iter()
                    .map(|(k, v)| Ok((k, v.into_output()?)))
                    .collect::<Result<_, QueryError>>()?,
                obj.ordered,
            ),
            Val::Expref(_) => {
                return Err(QueryError::Python("Object of type _Expression is not JSON serializable".into()));
            }
        })
    }

    /// Compact JSON as Python's `json.dumps(x, separators=(',', ':'))` writes it (ASCII only).
    pub(super) fn to_json_compact(&self, out: &mut String) {
        match self.kind() {
            Kind::Null => out.push_str("null"),
            Kind::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Kind::Num(n) => out.push_str(&match n {
                Num::Int(i) => i.to_string(),
                Num::Float(f) => pyrepr::json_float(f),
            }),
            Kind::Str(s) => pyrepr::json_string_ascii(s, out),
            Kind::Arr => {
                out.push('[');
                for (i, item) in self.items().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.to_json_compact(out);
                }
                out.push(']');
            }
            Kind::Obj => {
                out.push('{');
                for (i, (k, v)) in self.entries().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pyrepr::json_string_ascii(k, out);
                    out.push(':');
                    v.to_json_compact(out);
                }
                out.push('}');
            }
            Kind::Expref => out.push_str("null"),
        }
    }
}

/// Python ordering of two numbers or two strings (the callers have checked the types).
pub(super) fn order(a: &Val, b: &Val) -> Ordering {
    match (a.kind(), b.kind()) {
        (Kind::Num(x), Kind::Num(y)) => x.py_cmp(y).unwrap_or(Ordering::Equal),
        (Kind::Str(x), Kind::Str(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

pub(super) fn same_family(a: &Val, b: &Val) -> bool {
    matches!((a.kind(), b.kind()), (Kind::Num(_), Kind::Num(_)) | (Kind::Str(_), Kind::Str(_)))
}

/// Python's TypeError for ordering values of different kinds.
#[cold]
#[inline(never)]
pub(super) fn unorderable(symbol: &str, left: &Val, right: &Val) -> QueryError {
    QueryError::Python(format!(
        "'{symbol}' not supported between instances of '{}' and '{}'",
        left.py_type_name(),
        right.py_type_name()
    ))
}
