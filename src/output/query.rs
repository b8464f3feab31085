//! `--query`: JMESPath with the semantics of Python jmespath 1.1.0 as az runs it
//! (`Options(dict_cls=OrderedDict)`).
//!
//! The `jmespath` crate supplies the parser; the evaluator is ours because the crate's
//! disagrees with Python on az-visible points (string ordering, number equality,
//! function argument checks and their messages). Values from the command result are
//! borrowed, never copied, while evaluating.

use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

use indexmap::IndexMap;
use jmespath::ast::{Ast, Comparator};

use super::data::{Data, Key, Ordered, Value, key};
use super::pyrepr;

mod depth;
mod literals;

/// A compiled `--query` expression.
#[derive(Debug)]
pub struct Query {
    ast: Ast,
    /// The backtick literals, parsed as Python's `json.loads` parses them.
    literals: Vec<Data>,
}

type Lits<'a> = &'a [Data];

/// Why a `--query` expression does not compile.
#[derive(Debug, PartialEq)]
pub enum CompileError {
    /// A jmespath syntax error: az's argparse error (exit 2, before any request).
    Syntax,
    /// Python's `RecursionError` while parsing, with its message: az prints a traceback
    /// (exit 1, before any request).
    Recursion(String),
}

/// Why evaluating a query failed, split the way az reports it.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    /// A jmespath error: az prints `Invalid jmespath query supplied for `--query`: …`.
    #[error("{0}")]
    Jmespath(String),
    /// A Python exception that escapes jmespath (az prints a traceback).
    #[error("{0}")]
    Python(String),
}

impl Query {
    /// Compiles an expression as az does when it reads `--query`.
    pub fn compile(expression: &str) -> Result<Query, CompileError> {
        if expression.is_empty() {
            return Err(CompileError::Syntax);
        }
        // Python's lexer (literals included) runs before its parser.
        let (rewritten, literals) = literals::prepare(expression)?;
        if depth::too_deep_to_parse(&rewritten) {
            return Err(CompileError::Recursion(depth::RECURSION.into()));
        }
        jmespath::parse(&rewritten).map(|ast| Query { ast, literals }).map_err(|_| CompileError::Syntax)
    }

    /// Evaluates against `data`; dicts keep their key order, multiselect hashes come back as
    /// OrderedDicts.
    /// The result borrows from `data` (and the query's literals) whatever it keeps of them.
    pub fn search<'a>(&'a self, data: &'a Data) -> Result<Value<'a>, QueryError> {
        eval(&self.literals, &self.ast, Val::of(data)).map_err(|f| *f.0)?.into_output()
    }
}

/// A value during evaluation: either borrowed from the input or built by the query.
/// 16 bytes (rare and large variants are boxed), so that each step's result comes back in
/// registers: the evaluator runs several steps per element of every list it walks. Every
/// payload is one word at the same offset: a byte-sized one (a `bool`) would make each move
/// of a value copy bytes 1–15 in odd pieces, and reading a just-returned result back then
/// stalls on store forwarding (measured: a third of a filter's time).
#[derive(Clone, Debug, Default)]
#[allow(clippy::box_collection)] // boxed for a thin pointer, on purpose
enum Val<'a> {
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
struct Object<'a> {
    entries: IndexMap<Key, Val<'a>>,
    /// An OrderedDict (multiselect hash) or a plain dict.
    ordered: Ordered,
}

#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
    fn py_cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

/// The shape of a value, with borrowed children.
enum Kind<'v> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'v str),
    Arr,
    Obj,
    Expref,
}

type Eval<'a> = Result<Val<'a>, Failure>;

const _: () = assert!(std::mem::size_of::<Eval>() == 16);

/// A `QueryError` in a box, so that a step's result stays 16 bytes.
#[derive(Debug)]
struct Failure(Box<QueryError>);

impl From<QueryError> for Failure {
    fn from(e: QueryError) -> Failure {
        Failure(Box::new(e))
    }
}

impl<'a> Val<'a> {
    fn num(n: Num) -> Val<'a> {
        Val::Num(Box::new(n))
    }

    fn text(s: String) -> Val<'a> {
        Val::Str(Box::new(s))
    }

    fn bool(b: bool) -> Val<'a> {
        if b { Val::True } else { Val::False }
    }

    fn obj(entries: IndexMap<Key, Val<'a>>, ordered: Ordered) -> Val<'a> {
        Val::Obj(Box::new(Object { entries, ordered }))
    }

    fn arr(items: Vec<Val<'a>>) -> Val<'a> {
        Val::Arr(Box::new(items))
    }

    /// A borrowed value; `Ref` always holds the value itself, never a `Borrowed`.
    fn of(value: &'a Data) -> Val<'a> {
        Val::Ref(value.resolved())
    }

    fn kind(&self) -> Kind<'_> {
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

    fn is_null(&self) -> bool {
        matches!(self.kind(), Kind::Null)
    }

    fn items(&self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Data::List(items)) => Some(items.iter().map(Val::of).collect()),
            Val::Arr(items) => Some((**items).clone()),
            _ => None,
        }
    }

    fn into_items(self) -> Option<Vec<Val<'a>>> {
        match self {
            Val::Ref(Data::List(items)) => Some(items.iter().map(Val::of).collect()),
            Val::Arr(items) => Some(*items),
            _ => None,
        }
    }

    fn entries(&self) -> Option<Vec<(Key, Val<'a>)>> {
        match self {
            Val::Ref(Data::Dict(entries, _)) => {
                Some(entries.iter().map(|(k, v)| (k.clone(), Val::of(v))).collect())
            }
            Val::Obj(obj) => Some(obj.entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            _ => None,
        }
    }

    fn field(&self, name: &str) -> Val<'a> {
        match self {
            Val::Ref(d @ Data::Dict(..)) => d.get(name).map_or(Val::Null, Val::of),
            Val::Obj(obj) => obj.entries.get(name).cloned().unwrap_or(Val::Null),
            _ => Val::Null,
        }
    }

    fn len(&self) -> usize {
        match self {
            Val::Ref(Data::List(a)) => a.len(),
            Val::Ref(Data::Dict(o, _)) => o.len(),
            Val::Arr(a) => a.len(),
            Val::Obj(obj) => obj.entries.len(),
            _ => 0,
        }
    }

    fn truthy(&self) -> bool {
        match self.kind() {
            Kind::Null => false,
            Kind::Bool(b) => b,
            Kind::Num(_) | Kind::Expref => true,
            Kind::Str(s) => !s.is_empty(),
            Kind::Arr | Kind::Obj => self.len() > 0,
        }
    }

    /// jmespath's name for the type, as used in function signatures.
    fn type_name(&self) -> &'static str {
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
    fn py_type_name(&self) -> &'static str {
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
    fn py_str(&self) -> String {
        match self.clone().into_output() {
            Ok(data) => pyrepr::str_of(&data),
            Err(_) => "<jmespath.visitor._Expression object>".into(),
        }
    }

    /// Python `==` between two decoded JSON values.
    fn py_eq(&self, other: &Val<'a>) -> bool {
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
    fn equals(&self, other: &Val<'a>) -> bool {
        match (self.kind(), other.kind()) {
            (Kind::Bool(_), Kind::Num(_)) | (Kind::Num(_), Kind::Bool(_)) => false,
            _ => self.py_eq(other),
        }
    }

    /// The final result, for the output writers.
    fn into_output(self) -> Result<Value<'a>, QueryError> {
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
    fn to_json_compact(&self, out: &mut String) {
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

/// Dismantles the expression without recursing: `a.a.a…` and `a || a || …` chains parse
/// into trees tens of thousands deep, which a recursive drop would overflow the stack on.
impl Drop for Query {
    fn drop(&mut self) {
        fn take(node: &mut Ast) -> Ast {
            std::mem::replace(node, Ast::Identity { offset: 0 })
        }
        let mut stack = vec![take(&mut self.ast)];
        while let Some(mut node) = stack.pop() {
            match &mut node {
                Ast::Comparison { lhs, rhs, .. }
                | Ast::And { lhs, rhs, .. }
                | Ast::Or { lhs, rhs, .. }
                | Ast::Projection { lhs, rhs, .. }
                | Ast::Subexpr { lhs, rhs, .. } => {
                    stack.push(take(lhs));
                    stack.push(take(rhs));
                }
                Ast::Condition { predicate, then, .. } => {
                    stack.push(take(predicate));
                    stack.push(take(then));
                }
                Ast::Expref { ast, .. } => stack.push(take(ast)),
                Ast::Flatten { node, .. } | Ast::Not { node, .. } | Ast::ObjectValues { node, .. } => {
                    stack.push(take(node))
                }
                Ast::Function { args: nodes, .. } | Ast::MultiList { elements: nodes, .. } => {
                    stack.append(nodes)
                }
                Ast::MultiHash { elements, .. } => {
                    stack.extend(elements.iter_mut().map(|kv| take(&mut kv.value)))
                }
                _ => {}
            }
        }
    }
}

fn too_deep() -> Failure {
    QueryError::Python(depth::RECURSION.into()).into()
}

/// Evaluates one node, within Python's recursion limit (see `depth`).
fn eval<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
    depth::visit(|| eval_node(lits, ast, cur)).unwrap_or_else(|| Err(too_deep()))
}

fn eval_node<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
    match ast {
        Ast::Identity { .. } => Ok(cur),
        Ast::Field { name, .. } => Ok(cur.field(name)),
        Ast::Subexpr { lhs, rhs, .. } if !matches!(**lhs, Ast::Subexpr { .. }) => {
            let left = eval(lits, lhs, cur)?;
            eval(lits, rhs, left)
        }
        // `a.b.c…` is one node in Python (its children evaluated in turn), however long.
        Ast::Subexpr { .. } => subexpression_chain(lits, ast, cur),
        Ast::Index { idx, .. } => {
            let at = |len: usize| {
                let i = if *idx < 0 { len as i64 + *idx as i64 } else { *idx as i64 };
                (0..len as i64).contains(&i).then_some(i as usize)
            };
            Ok(match cur {
                Val::Ref(Data::List(items)) => at(items.len()).map_or(Val::Null, |i| Val::of(&items[i])),
                Val::Arr(mut items) => at(items.len()).map_or(Val::Null, |i| items.swap_remove(i)),
                _ => Val::Null,
            })
        }
        Ast::Slice { start, stop, step, .. } => match cur.into_items() {
            Some(items) => slice(items, *start, *stop, *step),
            None => Ok(Val::Null),
        },
        Ast::Literal { value, .. } => Ok(match &**value {
            // Backtick literals were swapped for their index in the table (see `prepare`).
            jmespath::Variable::Number(n) => {
                n.as_u64().and_then(|i| lits.get(i as usize)).map_or(Val::Null, Val::of)
            }
            jmespath::Variable::String(s) => Val::Lit(s),
            _ => Val::Null,
        }),
        Ast::Expref { ast, .. } => Ok(Val::Expref(ast)),
        Ast::Projection { lhs, rhs, .. } => match eval(lits, lhs, cur)? {
            Val::Ref(Data::List(items)) => project(lits, rhs, items.iter().map(Val::of)),
            Val::Arr(items) => project(lits, rhs, items.into_iter()),
            _ => Ok(Val::Null),
        },
        Ast::ObjectValues { node, .. } => object_values(eval(lits, node, cur)?),
        Ast::Flatten { node, .. } => flatten(eval(lits, node, cur)?),
        Ast::Condition { predicate, then, .. } => {
            if eval(lits, predicate, cur.clone())?.truthy() {
                eval(lits, then, cur)
            } else {
                Ok(Val::Null)
            }
        }
        Ast::Comparison { comparator, lhs, rhs, .. } => {
            let left = eval(lits, lhs, cur.clone())?;
            let right = eval(lits, rhs, cur)?;
            if !depth::room_for(depth::COMPARISON_FRAMES) {
                return Err(too_deep());
            }
            compare(comparator, &left, &right)
        }
        Ast::Not { node, .. } => Ok(Val::bool(!eval(lits, node, cur)?.truthy())),
        Ast::And { lhs, rhs, .. } => {
            let left = eval(lits, lhs, cur.clone())?;
            if left.truthy() { eval(lits, rhs, cur) } else { Ok(left) }
        }
        Ast::Or { lhs, rhs, .. } => {
            let left = eval(lits, lhs, cur.clone())?;
            if left.truthy() { Ok(left) } else { eval(lits, rhs, cur) }
        }
        Ast::MultiList { elements, .. } => multi_list(lits, elements, cur),
        Ast::MultiHash { elements, .. } => multi_hash(lits, elements, cur),
        Ast::Function { name, args, .. } => {
            let values = args.iter().map(|a| eval(lits, a, cur.clone())).collect::<Result<Vec<_>, _>>()?;
            call(lits, name, values)
        }
    }
}

#[inline(never)]
fn subexpression_chain<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
    let mut steps = Vec::new();
    let mut node = ast;
    while let Ast::Subexpr { lhs, rhs, .. } = node {
        steps.push(&**rhs);
        node = lhs;
    }
    let mut value = eval(lits, node, cur)?;
    for step in steps.into_iter().rev() {
        value = eval(lits, step, value)?;
    }
    Ok(value)
}

// The less common expressions live outside `eval`, which then keeps a small stack frame: it
// runs several times per element of every list a query walks.

#[inline(never)]
fn object_values(base: Val) -> Eval {
    match base.entries() {
        Some(entries) => Ok(Val::arr(entries.into_iter().map(|(_, v)| v).collect())),
        None => Ok(Val::Null),
    }
}

#[inline(never)]
fn flatten(base: Val) -> Eval {
    let Some(items) = base.into_items() else {
        return Ok(Val::Null);
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item.items() {
            Some(inner) => out.extend(inner),
            None => out.push(item),
        }
    }
    Ok(Val::arr(out))
}

#[inline(never)]
fn multi_list<'a>(lits: Lits<'a>, elements: &'a [Ast], cur: Val<'a>) -> Eval<'a> {
    if cur.is_null() {
        return Ok(Val::Null);
    }
    let items = elements.iter().map(|e| eval(lits, e, cur.clone())).collect::<Result<_, _>>()?;
    Ok(Val::arr(items))
}

#[inline(never)]
fn multi_hash<'a>(lits: Lits<'a>, elements: &'a [jmespath::ast::KeyValuePair], cur: Val<'a>) -> Eval<'a> {
    if cur.is_null() {
        return Ok(Val::Null);
    }
    let mut map = IndexMap::with_capacity(elements.len());
    for kv in elements {
        map.insert(key(&kv.key), eval(lits, &kv.value, cur.clone())?);
    }
    Ok(Val::obj(map, Ordered::Yes))
}

/// A projection: `rhs` of each item, nulls left out.
fn project<'a>(lits: Lits<'a>, rhs: &'a Ast, items: impl ExactSizeIterator<Item = Val<'a>>) -> Eval<'a> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let v = eval(lits, rhs, item)?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(Val::arr(out))
}

#[inline(never)]
fn slice<'a>(items: Vec<Val<'a>>, start: Option<i32>, stop: Option<i32>, step: i32) -> Eval<'a> {
    if step == 0 {
        return Err(QueryError::Python("slice step cannot be zero".into()).into());
    }
    // CPython's PySlice_AdjustIndices.
    let len = items.len() as i64;
    let step = step as i64;
    let adjust = |v: Option<i32>, default: i64| -> i64 {
        match v {
            None => default,
            Some(v) => {
                let v = v as i64;
                if v < 0 {
                    let v = v + len;
                    if v < 0 { if step < 0 { -1 } else { 0 } } else { v }
                } else if v >= len {
                    if step < 0 { len - 1 } else { len }
                } else {
                    v
                }
            }
        }
    };
    let (start, stop) = if step > 0 {
        (adjust(start, 0), adjust(stop, len))
    } else {
        (adjust(start, len - 1), adjust(stop, -1))
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(items[i as usize].clone());
        i += step;
    }
    Ok(Val::arr(out))
}

/// Python's TypeError for ordering values of different kinds.
#[cold]
#[inline(never)]
fn unorderable(symbol: &str, left: &Val, right: &Val) -> QueryError {
    QueryError::Python(format!(
        "'{symbol}' not supported between instances of '{}' and '{}'",
        left.py_type_name(),
        right.py_type_name()
    ))
}

fn compare<'a>(op: &Comparator, left: &Val<'a>, right: &Val<'a>) -> Eval<'a> {
    let ordering = match op {
        Comparator::Equal => return Ok(Val::bool(left.equals(right))),
        Comparator::NotEqual => return Ok(Val::bool(!left.equals(right))),
        _ => match (left.kind(), right.kind()) {
            (Kind::Num(a), Kind::Num(b)) => a.py_cmp(b),
            (Kind::Str(a), Kind::Str(b)) => Some(a.cmp(b)),
            (Kind::Num(_), Kind::Str(_)) | (Kind::Str(_), Kind::Num(_)) => {
                let symbol = match op {
                    Comparator::LessThan => "<",
                    Comparator::LessThanEqual => "<=",
                    Comparator::GreaterThan => ">",
                    _ => ">=",
                };
                return Err(unorderable(symbol, left, right).into());
            }
            _ => return Ok(Val::Null),
        },
    };
    let result = match ordering {
        None => false, // NaN
        Some(o) => match op {
            Comparator::LessThan => o == Ordering::Less,
            Comparator::LessThanEqual => o != Ordering::Greater,
            Comparator::GreaterThan => o == Ordering::Greater,
            _ => o != Ordering::Less,
        },
    };
    Ok(Val::bool(result))
}

// ---------------------------------------------------------------------------------------------
// Functions

/// An argument type in a function signature, as Python jmespath spells it.
#[derive(Clone, Copy)]
enum Ty {
    Any,
    Number,
    String,
    Array,
    Object,
    Expref,
    ArrayNumber,
    ArrayString,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Any => "any",
            Ty::Number => "number",
            Ty::String => "string",
            Ty::Array => "array",
            Ty::Object => "object",
            Ty::Expref => "expref",
            Ty::ArrayNumber => "array-number",
            Ty::ArrayString => "array-string",
        }
    }
}

struct Signature {
    args: &'static [&'static [Ty]],
    variadic: bool,
}

fn signature(name: &str) -> Option<Signature> {
    use Ty::*;
    let (args, variadic): (&'static [&'static [Ty]], bool) = match name {
        "abs" | "ceil" | "floor" => (&[&[Number]], false),
        "avg" | "sum" => (&[&[ArrayNumber]], false),
        "contains" => (&[&[Array, String], &[Any]], false),
        "ends_with" | "starts_with" => (&[&[String], &[String]], false),
        "join" => (&[&[String], &[ArrayString]], false),
        "keys" | "values" => (&[&[Object]], false),
        "length" => (&[&[String, Array, Object]], false),
        "map" => (&[&[Expref], &[Array]], false),
        "max" | "min" => (&[&[ArrayNumber, ArrayString]], false),
        "sort" => (&[&[ArrayString, ArrayNumber]], false),
        "max_by" | "min_by" | "sort_by" => (&[&[Array], &[Expref]], false),
        "merge" => (&[&[Object]], true),
        "not_null" => (&[&[Any]], true),
        "reverse" => (&[&[Array, String]], false),
        "to_array" | "to_number" | "to_string" | "type" => (&[&[Any]], false),
        _ => return None,
    };
    Some(Signature { args, variadic })
}

fn type_error(function: &str, value: &Val, received: &str, expected: &[Ty]) -> QueryError {
    let names: Vec<String> = expected.iter().map(|t| format!("'{}'", t.name())).collect();
    QueryError::Jmespath(format!(
        "In function {function}(), invalid type for value: {}, expected one of: [{}], received: \"{received}\"",
        value.py_str(),
        names.join(", ")
    ))
}

fn type_error_names(function: &str, value: &Val, received: &str, expected: &[&str]) -> QueryError {
    let names: Vec<String> = expected.iter().map(|t| format!("'{t}'")).collect();
    QueryError::Jmespath(format!(
        "In function {function}(), invalid type for value: {}, expected one of: [{}], received: \"{received}\"",
        value.py_str(),
        names.join(", ")
    ))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "argument" } else { "arguments" }
}

fn check_args(name: &str, sig: &Signature, args: &[Val]) -> Result<(), QueryError> {
    let expected = sig.args.len();
    if sig.variadic {
        if args.len() < expected {
            return Err(QueryError::Jmespath(format!(
                "Expected at least {expected} {} for function {name}(), received {}",
                plural(expected),
                args.len()
            )));
        }
    } else if args.len() != expected {
        return Err(QueryError::Jmespath(format!(
            "Expected {expected} {} for function {name}(), received {}",
            plural(expected),
            args.len()
        )));
    }
    for (i, arg) in args.iter().enumerate() {
        let allowed = sig.args[i.min(expected - 1)];
        check_type(name, arg, allowed)?;
    }
    Ok(())
}

fn matches_base(ty: Ty, v: &Val) -> bool {
    match ty {
        Ty::Any => true,
        Ty::Number => matches!(v.kind(), Kind::Num(_)),
        Ty::String => matches!(v.kind(), Kind::Str(_)),
        Ty::Array | Ty::ArrayNumber | Ty::ArrayString => matches!(v.kind(), Kind::Arr),
        Ty::Object => matches!(v.kind(), Kind::Obj),
        Ty::Expref => matches!(v.kind(), Kind::Expref),
    }
}

fn check_type(name: &str, arg: &Val, allowed: &[Ty]) -> Result<(), QueryError> {
    if !allowed.iter().any(|t| matches_base(*t, arg)) {
        return Err(type_error(name, arg, arg.type_name(), allowed));
    }
    let subtypes: Vec<Ty> =
        allowed.iter().copied().filter(|t| matches!(t, Ty::ArrayNumber | Ty::ArrayString)).collect();
    if subtypes.is_empty() || !matches!(arg.kind(), Kind::Arr) {
        return Ok(());
    }
    let items = arg.items().unwrap_or_default();
    let element_ok = |t: Ty, v: &Val| match t {
        Ty::ArrayNumber => matches!(v.kind(), Kind::Num(_)),
        _ => matches!(v.kind(), Kind::Str(_)),
    };
    let wanted = if subtypes.len() == 1 {
        subtypes[0]
    } else {
        let Some(first) = items.first() else {
            return Ok(());
        };
        match subtypes.iter().find(|t| element_ok(**t, first)) {
            Some(t) => *t,
            None => return Err(type_error(name, first, first.py_type_name(), allowed)),
        }
    };
    match items.iter().find(|v| !element_ok(wanted, v)) {
        Some(bad) => Err(type_error(name, bad, bad.py_type_name(), allowed)),
        None => Ok(()),
    }
}

#[inline(never)]
fn call<'a>(lits: Lits<'a>, name: &str, args: Vec<Val<'a>>) -> Eval<'a> {
    let Some(sig) = signature(name) else {
        return Err(QueryError::Jmespath(format!("Unknown function: {name}()")).into());
    };
    check_args(name, &sig, &args)?;
    let mut args = args.into_iter();
    let mut arg = || args.next().unwrap_or(Val::Null);
    let num = |v: &Val| match v.kind() {
        Kind::Num(n) => n,
        _ => Num::Int(0),
    };
    let text = |v: &Val| match v.kind() {
        Kind::Str(s) => s.to_string(),
        _ => String::new(),
    };
    Ok(match name {
        "abs" => Val::num(match num(&arg()) {
            Num::Int(i) => Num::Int(i.abs()),
            Num::Float(f) => Num::Float(f.abs()),
        }),
        "ceil" | "floor" => {
            let n = num(&arg());
            match n {
                Num::Int(_) => Val::num(n),
                Num::Float(f) => {
                    let r = if name == "ceil" { f.ceil() } else { f.floor() };
                    if !r.is_finite() {
                        return Err(QueryError::Python(if r.is_nan() {
                            "cannot convert float NaN to integer".into()
                        } else {
                            "cannot convert float infinity to integer".into()
                        })
                        .into());
                    }
                    Val::num(Num::Int(r as i128))
                }
            }
        }
        "avg" => {
            let items = arg().into_items().unwrap_or_default();
            if items.is_empty() {
                Val::Null
            } else {
                let total = sum(&items);
                Val::num(Num::Float(total.as_f64() / items.len() as f64))
            }
        }
        "sum" => Val::num(sum(&arg().into_items().unwrap_or_default())),
        "contains" => {
            let subject = arg();
            let search = arg();
            match subject.kind() {
                Kind::Str(s) => match search.kind() {
                    Kind::Str(needle) => Val::bool(s.contains(needle)),
                    _ => {
                        return Err(QueryError::Python(format!(
                            "'in <string>' requires string as left operand, not {}",
                            search.py_type_name()
                        ))
                        .into());
                    }
                },
                _ => Val::bool(subject.items().unwrap_or_default().iter().any(|i| i.py_eq(&search))),
            }
        }
        "ends_with" => {
            let s = text(&arg());
            Val::bool(s.ends_with(&text(&arg())))
        }
        "starts_with" => {
            let s = text(&arg());
            Val::bool(s.starts_with(&text(&arg())))
        }
        "join" => {
            let sep = text(&arg());
            let parts: Vec<String> = arg().items().unwrap_or_default().iter().map(text).collect();
            Val::text(parts.join(&sep))
        }
        "keys" => Val::arr(
            arg().entries().unwrap_or_default().into_iter().map(|(k, _)| Val::text(k.to_string())).collect(),
        ),
        "values" => Val::arr(arg().entries().unwrap_or_default().into_iter().map(|(_, v)| v).collect()),
        "length" => {
            let v = arg();
            let n = match v.kind() {
                Kind::Str(s) => s.chars().count(),
                _ => v.len(),
            };
            Val::num(Num::Int(n as i128))
        }
        "map" => {
            let Val::Expref(expr) = arg() else {
                return Ok(Val::Null);
            };
            let items = arg().into_items().unwrap_or_default();
            Val::arr(items.into_iter().map(|i| eval(lits, expr, i)).collect::<Result<_, _>>()?)
        }
        "max" | "min" => {
            let items = arg().into_items().unwrap_or_default();
            let want = if name == "max" { Ordering::Greater } else { Ordering::Less };
            extreme(items, want, |v| Ok(v.clone()))?.unwrap_or(Val::Null)
        }
        "max_by" | "min_by" => {
            let items = arg().into_items().unwrap_or_default();
            let Val::Expref(expr) = arg() else {
                return Ok(Val::Null);
            };
            let want = if name == "max_by" { Ordering::Greater } else { Ordering::Less };
            extreme(items, want, |v| key_of(lits, name, expr, v, &["number", "string"]))?.unwrap_or(Val::Null)
        }
        "sort" => {
            let mut items = arg().into_items().unwrap_or_default();
            // Python's stable sort; the signature let through only numbers or only strings.
            items.sort_by(order);
            Val::arr(items)
        }
        "sort_by" => {
            let items = arg().into_items().unwrap_or_default();
            let Val::Expref(expr) = arg() else {
                return Ok(Val::Null);
            };
            Val::arr(sort_by(lits, expr, items)?)
        }
        "merge" => {
            let mut map = IndexMap::new();
            for obj in std::iter::once(arg()).chain(args) {
                for (k, v) in obj.entries().unwrap_or_default() {
                    map.insert(k, v);
                }
            }
            Val::obj(map, Ordered::No)
        }
        "not_null" => std::iter::once(arg()).chain(args).find(|v| !v.is_null()).unwrap_or(Val::Null),
        "reverse" => {
            let v = arg();
            match v.kind() {
                Kind::Str(s) => Val::text(s.chars().rev().collect()),
                _ => {
                    let mut items = v.into_items().unwrap_or_default();
                    items.reverse();
                    Val::arr(items)
                }
            }
        }
        "to_array" => {
            let v = arg();
            if matches!(v.kind(), Kind::Arr) { v } else { Val::arr(vec![v]) }
        }
        "to_number" => to_number(arg()),
        "to_string" => {
            let v = arg();
            match v.kind() {
                Kind::Str(_) => v,
                _ => {
                    let mut s = String::new();
                    v.to_json_compact(&mut s);
                    Val::text(s)
                }
            }
        }
        "type" => Val::text(arg().type_name().to_string()),
        _ => Val::Null,
    })
}

fn sum(items: &[Val]) -> Num {
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

/// Python ordering of two numbers or two strings (the callers have checked the types).
fn order(a: &Val, b: &Val) -> Ordering {
    match (a.kind(), b.kind()) {
        (Kind::Num(x), Kind::Num(y)) => x.py_cmp(y).unwrap_or(Ordering::Equal),
        (Kind::Str(x), Kind::Str(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// `sort_by`: `items` in the order of their keys under `expr`, equal keys keeping their
/// order (Python's `sorted` is stable). Every key has the first one's type, a number or a
/// string, as Python's jmespath requires; the first item's key is evaluated twice, as there.
fn sort_by<'a>(lits: Lits<'a>, expr: &'a Ast, items: Vec<Val<'a>>) -> Result<Vec<Val<'a>>, Failure> {
    let Some(first) = items.first() else {
        return Ok(items);
    };
    let required = eval(lits, expr, first.clone())?.type_name();
    if required != "number" && required != "string" {
        return Err(type_error_names("sort_by", first, required, &["string", "number"]).into());
    }
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        keyed.push((key_of(lits, "sort_by", expr, &item, &[required])?, item));
    }
    keyed.sort_by(|(a, _), (b, _)| order(a, b));
    Ok(keyed.into_iter().map(|(_, item)| item).collect())
}

fn key_of<'a>(lits: Lits<'a>, function: &str, expr: &'a Ast, item: &Val<'a>, allowed: &[&str]) -> Eval<'a> {
    let key = eval(lits, expr, item.clone())?;
    let ty = key.type_name();
    if !allowed.contains(&ty) {
        return Err(type_error_names(function, &key, ty, allowed).into());
    }
    Ok(key)
}

/// Python's `max`/`min`: the first of the extreme elements wins.
fn extreme<'a>(
    items: Vec<Val<'a>>,
    want: Ordering,
    mut key: impl FnMut(&Val<'a>) -> Eval<'a>,
) -> Result<Option<Val<'a>>, Failure> {
    let mut best: Option<(Val<'a>, Val<'a>)> = None;
    for item in items {
        let k = key(&item)?;
        let better = match &best {
            None => true,
            Some((bk, _)) => {
                if !same_family(&k, bk) {
                    let symbol = if want == Ordering::Greater { ">" } else { "<" };
                    return Err(unorderable(symbol, &k, bk).into());
                }
                order(&k, bk) == want
            }
        };
        if better {
            best = Some((k, item));
        }
    }
    Ok(best.map(|(_, v)| v))
}

fn same_family(a: &Val, b: &Val) -> bool {
    matches!((a.kind(), b.kind()), (Kind::Num(_), Kind::Num(_)) | (Kind::Str(_), Kind::Str(_)))
}

/// Python `int(s)` then `float(s)`.
fn to_number<'a>(v: Val<'a>) -> Val<'a> {
    match v.kind() {
        Kind::Num(_) => v,
        Kind::Str(s) => parse_py_number(s).map_or(Val::Null, Val::num),
        _ => Val::Null,
    }
}

fn parse_py_number(s: &str) -> Option<Num> {
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
fn py_int_digits(t: &str) -> Option<String> {
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
fn strip_underscores(s: &str) -> Option<String> {
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

/// Formats a query error the way az's `--query` error handler prints it.
pub fn describe(err: &QueryError) -> String {
    let mut s = String::new();
    match err {
        QueryError::Jmespath(m) => {
            let _ = write!(s, "Invalid jmespath query supplied for `--query`: {m}");
        }
        QueryError::Python(m) => s.push_str(m),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn q(expr: &str, data: Value) -> Result<Data, QueryError> {
        Query::compile(expr).expect("compiles").search(&Data::from(&data)).map(|v| v.to_owned_data())
    }

    fn d(v: Value) -> Data {
        Data::from(&v)
    }

    fn manifests() -> Value {
        json!([
            {"digest": "sha256:a", "tags": ["latest"], "timestamp": "2019-04-01T00:00:00Z"},
            {"digest": "sha256:b", "tags": [], "timestamp": "2019-04-06T00:00:00Z"},
            {"digest": "sha256:c", "tags": null, "timestamp": "2019-03-01T00:00:00Z"}
        ])
    }

    #[test]
    fn seed_queries() {
        assert_eq!(q("[?tags[0]==null].digest", manifests()), Ok(d(json!(["sha256:b", "sha256:c"]))));
        assert_eq!(q("[?tags==null].digest", manifests()), Ok(d(json!(["sha256:c"]))));
        assert_eq!(
            q("[?timestamp < '2019-04-05'].[digest, timestamp]", manifests()),
            Ok(d(json!([["sha256:a", "2019-04-01T00:00:00Z"], ["sha256:c", "2019-03-01T00:00:00Z"]])))
        );
    }

    #[test]
    fn string_number_ordering_is_a_python_type_error() {
        assert_eq!(
            q("[?digest > `1`]", manifests()),
            Err(QueryError::Python("'>' not supported between instances of 'str' and 'int'".into()))
        );
        assert_eq!(q("`null` < `1`", json!(null)), Ok(d(json!(null))));
    }

    #[test]
    fn equality_follows_python() {
        assert_eq!(q("`1` == `1.0`", json!(null)), Ok(d(json!(true))));
        assert_eq!(q("`true` == `1`", json!(null)), Ok(d(json!(false))));
        assert_eq!(q("`[1]` == `[true]`", json!(null)), Ok(d(json!(true))));
    }

    #[test]
    fn functions_and_their_errors() {
        let data = json!({"t": [{"n": "v10", "s": 3}, {"n": "v9", "s": 10}, {"n": "latest", "s": 1}]});
        assert_eq!(q("sort_by(t, &n)[].n", data.clone()), Ok(d(json!(["latest", "v10", "v9"]))));
        assert_eq!(q("max(t[].n)", data.clone()), Ok(d(json!("v9"))));
        assert_eq!(q("avg(t[].s)", data.clone()), Ok(d(json!(4.666666666666667))));
        assert_eq!(q("sum(t[].s)", data.clone()), Ok(d(json!(14))));
        assert_eq!(q("ceil(`1.2`)", json!(null)), Ok(d(json!(2))));
        assert_eq!(
            q("length(t, t)", data.clone()),
            Err(QueryError::Jmespath("Expected 1 argument for function length(), received 2".into()))
        );
        assert_eq!(
            q("abs(missing)", data.clone()),
            Err(QueryError::Jmespath(
                "In function abs(), invalid type for value: None, expected one of: ['number'], received: \"null\""
                    .into()
            ))
        );
        assert_eq!(
            q("sort(`[\"b\", 1]`)", json!(null)),
            Err(QueryError::Jmespath(
                "In function sort(), invalid type for value: 1, expected one of: ['array-string', 'array-number'], received: \"int\"".into()
            ))
        );
        assert_eq!(q("to_string(t[0])", data), Ok(d(json!("{\"n\":\"v10\",\"s\":3}"))));
        assert_eq!(q("to_number(' 5 ')", json!(null)), Ok(d(json!(5))));
        assert_eq!(q("to_number('1_000')", json!(null)), Ok(d(json!(1000))));
        assert_eq!(q("to_number('1e3')", json!(null)), Ok(d(json!(1000.0))));
        assert_eq!(q("to_number('0x10')", json!(null)), Ok(d(json!(null))));
    }

    #[test]
    fn dicts_keep_their_order_and_multiselect_hashes_are_ordered_dicts() {
        let Ok(Data::List(rows)) = q("[].{z: digest, a: timestamp}", manifests()) else { panic!() };
        let Data::Dict(entries, Ordered::Yes) = &rows[0] else { panic!("an OrderedDict") };
        assert_eq!(entries.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["z", "a"]);
        let Ok(Data::Dict(entries, Ordered::No)) = q("@", json!({"b": 1, "a": 2})) else { panic!() };
        assert_eq!(entries.iter().map(|(k, _)| &**k).collect::<Vec<_>>(), ["b", "a"]);
    }

    fn long_listing() -> Vec<Value> {
        (0..20_000)
            .map(|i| {
                // Long, equal-headed timestamps for some rows, so ties need the whole text.
                let long = if i % 7 == 0 { "-and-then-some-more-text" } else { "" };
                json!({
                    "digest": format!("sha256:{i:05}"),
                    "tags": if i % 3 == 0 { json!([format!("v{i}")]) } else { json!([]) },
                    "timestamp": format!("2019-{:02}-{:02}T00:00:00Z{long}", 1 + i % 12, 1 + i % 5),
                    "size": (i * 7919) % 1000,
                })
            })
            .collect()
    }

    #[test]
    fn a_long_list_fails_at_its_first_failing_row() {
        let mut rows = long_listing();
        rows[15_000]["timestamp"] = json!(3);
        rows[19_000]["timestamp"] = json!(null);
        assert_eq!(
            q("sort_by(@, &timestamp)", json!(rows)).unwrap_err(),
            QueryError::Jmespath(
                "In function sort_by(), invalid type for value: 3, expected one of: ['string'], received: \"number\""
                    .into()
            )
        );
        assert_eq!(
            q("[?timestamp < '2019-04']", json!(rows)).unwrap_err(),
            QueryError::Python("'<' not supported between instances of 'int' and 'str'".into())
        );
        rows[100]["timestamp"] = json!(1.5);
        assert_eq!(
            q("[?timestamp < '2019-04']", json!(rows)).unwrap_err(),
            QueryError::Python("'<' not supported between instances of 'float' and 'str'".into())
        );
    }

    #[test]
    fn string_sorts_are_stable_and_by_code_point() {
        let long = "x".repeat(40);
        let texts = [
            format!("{long}b"),
            "a\u{0}".to_string(),
            "é".to_string(),
            format!("{long}a"),
            "a".to_string(),
            String::new(),
            "z".to_string(),
            format!("{long}a"),
            "a".to_string(),
            "2019-01-01T00:00:00.0000000Z".to_string(),
            "2019-01-01T00:00:00.0000000".to_string(),
            "y".repeat(31),
            "y".repeat(32),
            format!("{}\u{0}", "y".repeat(31)),
            format!("{}\u{0}", "y".repeat(30)),
            "y".repeat(33),
            "y".repeat(32),
        ];
        let rows: Vec<Value> = texts.iter().enumerate().map(|(i, t)| json!({"t": t, "i": i})).collect();
        let mut expected: Vec<usize> = (0..texts.len()).collect();
        expected.sort_by(|a, b| texts[*a].cmp(&texts[*b]));
        assert_eq!(expected[..6], [5, 10, 9, 4, 8, 1]);
        assert_eq!(q("sort_by(@, &t)[].i", json!(rows)), Ok(d(json!(expected))));
        let mut sorted = texts.clone();
        sorted.sort();
        assert_eq!(q("sort(@)", json!(texts)), Ok(d(json!(sorted))));
    }

    #[test]
    fn slices_follow_python() {
        assert_eq!(q("[::-1]", json!([1, 2, 3])), Ok(d(json!([3, 2, 1]))));
        assert_eq!(q("[-2:]", json!([1, 2, 3])), Ok(d(json!([2, 3]))));
        assert_eq!(q("[5:]", json!([1, 2, 3])), Ok(d(json!([]))));
        assert_eq!(q("name[0:2]", json!({"name": "abc"})), Ok(d(json!(null))));
    }

    #[test]
    fn syntax_errors_do_not_compile() {
        assert_eq!(Query::compile("[?name==").err(), Some(CompileError::Syntax));
        assert_eq!(Query::compile("").err(), Some(CompileError::Syntax));
    }
}
