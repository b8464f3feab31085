//! The built-in functions: one table of every name Python jmespath knows, each with its
//! signature beside it, looked up once per call. A name not in the table is jmespath's
//! `Unknown function` error; the arguments are checked against the signature (count, then
//! types, with Python's messages) before the function runs.

use std::cmp::Ordering;

use indexmap::IndexMap;
use jmespath::ast::Ast;

use super::QueryError;
use super::eval::eval;
use super::number::{self, Num};
use super::sort;
use super::value::{Eval, Kind, Lits, Val};
use crate::output::data::Ordered;

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

    /// Whether `v` has this type's kind (an array's elements are checked apart).
    fn admits(self, v: &Val) -> bool {
        match self {
            Ty::Any => true,
            Ty::Number => matches!(v.kind(), Kind::Num(_)),
            Ty::String => matches!(v.kind(), Kind::Str(_)),
            Ty::Array | Ty::ArrayNumber | Ty::ArrayString => matches!(v.kind(), Kind::Arr),
            Ty::Object => matches!(v.kind(), Kind::Obj),
            Ty::Expref => matches!(v.kind(), Kind::Expref),
        }
    }
}

/// A function's arguments, taken in order; the signature has been checked.
struct Args<'a> {
    lits: Lits<'a>,
    name: &'static str,
    values: std::vec::IntoIter<Val<'a>>,
}

impl<'a> Args<'a> {
    fn next(&mut self) -> Val<'a> {
        self.values.next().unwrap_or(Val::Null)
    }

    fn number(&mut self) -> Num {
        match self.next().kind() {
            Kind::Num(n) => n,
            _ => Num::Int(0),
        }
    }

    fn text(&mut self) -> String {
        text(&self.next())
    }

    fn items(&mut self) -> Vec<Val<'a>> {
        self.next().into_items().unwrap_or_default()
    }

    fn expref(&mut self) -> &'a Ast {
        match self.next() {
            Val::Expref(ast) => ast,
            _ => unreachable!("the signature admits only an expression"),
        }
    }
}

type Run = for<'a> fn(Args<'a>) -> Eval<'a>;

/// A built-in: its name, its signature (the types each argument may have; a variadic one's
/// last repeats) and what it does.
struct Function {
    name: &'static str,
    args: &'static [&'static [Ty]],
    variadic: bool,
    run: Run,
}

const fn fixed(name: &'static str, args: &'static [&'static [Ty]], run: Run) -> Function {
    Function { name, args, variadic: false, run }
}

const fn variadic(name: &'static str, args: &'static [&'static [Ty]], run: Run) -> Function {
    Function { name, args, variadic: true, run }
}

/// Python jmespath 1.1.0's functions and signatures (the order of each argument's types is
/// the order its error messages list them in).
const FUNCTIONS: [Function; 26] = {
    use Ty::*;
    [
        fixed("abs", &[&[Number]], abs),
        fixed("avg", &[&[ArrayNumber]], avg),
        fixed("ceil", &[&[Number]], ceil),
        fixed("contains", &[&[Array, String], &[Any]], contains),
        fixed("ends_with", &[&[String], &[String]], ends_with),
        fixed("floor", &[&[Number]], floor),
        fixed("join", &[&[String], &[ArrayString]], join),
        fixed("keys", &[&[Object]], keys),
        fixed("length", &[&[String, Array, Object]], length),
        fixed("map", &[&[Expref], &[Array]], map),
        fixed("max", &[&[ArrayNumber, ArrayString]], max),
        fixed("max_by", &[&[Array], &[Expref]], extreme_by),
        variadic("merge", &[&[Object]], merge),
        fixed("min", &[&[ArrayNumber, ArrayString]], min),
        fixed("min_by", &[&[Array], &[Expref]], extreme_by),
        variadic("not_null", &[&[Any]], not_null),
        fixed("reverse", &[&[Array, String]], reverse),
        fixed("sort", &[&[ArrayString, ArrayNumber]], sort),
        fixed("sort_by", &[&[Array], &[Expref]], sort_by),
        fixed("starts_with", &[&[String], &[String]], starts_with),
        fixed("sum", &[&[ArrayNumber]], sum),
        fixed("to_array", &[&[Any]], to_array),
        fixed("to_number", &[&[Any]], to_number),
        fixed("to_string", &[&[Any]], to_string),
        fixed("type", &[&[Any]], type_of),
        fixed("values", &[&[Object]], values),
    ]
};

/// Calls the function `name` with `values`, as Python jmespath's `call_function` does.
#[inline(never)]
pub(super) fn call<'a>(lits: Lits<'a>, name: &str, values: Vec<Val<'a>>) -> Eval<'a> {
    let Some(function) = FUNCTIONS.iter().find(|f| f.name == name) else {
        return Err(QueryError::Jmespath(format!("Unknown function: {name}()")).into());
    };
    function.check(&values)?;
    (function.run)(Args { lits, name: function.name, values: values.into_iter() })
}

impl Function {
    fn check(&self, values: &[Val]) -> Result<(), QueryError> {
        let (name, expected) = (self.name, self.args.len());
        let count = if expected == 1 { "argument" } else { "arguments" };
        if self.variadic && values.len() < expected {
            return Err(QueryError::Jmespath(format!(
                "Expected at least {expected} {count} for function {name}(), received {}",
                values.len()
            )));
        }
        if !self.variadic && values.len() != expected {
            return Err(QueryError::Jmespath(format!(
                "Expected {expected} {count} for function {name}(), received {}",
                values.len()
            )));
        }
        for (i, value) in values.iter().enumerate() {
            check_type(name, value, self.args[i.min(expected - 1)])?;
        }
        Ok(())
    }
}

fn check_type(name: &str, arg: &Val, allowed: &[Ty]) -> Result<(), QueryError> {
    let names: Vec<&str> = allowed.iter().map(|t| t.name()).collect();
    if !allowed.iter().any(|t| t.admits(arg)) {
        return Err(type_error(name, arg, arg.type_name(), &names));
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
            None => return Err(type_error(name, first, first.py_type_name(), &names)),
        }
    };
    match items.iter().find(|v| !element_ok(wanted, v)) {
        Some(bad) => Err(type_error(name, bad, bad.py_type_name(), &names)),
        None => Ok(()),
    }
}

/// Python jmespath's `invalid type for value` error.
pub(super) fn type_error(function: &str, value: &Val, received: &str, expected: &[&str]) -> QueryError {
    let names: Vec<String> = expected.iter().map(|t| format!("'{t}'")).collect();
    QueryError::Jmespath(format!(
        "In function {function}(), invalid type for value: {}, expected one of: [{}], received: \"{received}\"",
        value.py_str(),
        names.join(", ")
    ))
}

/// The key `expr` gives `item`, which must have one of the `allowed` types.
pub(super) fn key_of<'a>(
    lits: Lits<'a>,
    function: &str,
    expr: &'a Ast,
    item: &Val<'a>,
    allowed: &[&str],
) -> Eval<'a> {
    let key = eval(lits, expr, item.clone())?;
    let ty = key.type_name();
    if !allowed.contains(&ty) {
        return Err(type_error(function, &key, ty, allowed).into());
    }
    Ok(key)
}

/// A string's text ("" for other values).
fn text(value: &Val) -> String {
    match value.kind() {
        Kind::Str(s) => s.to_string(),
        _ => String::new(),
    }
}

fn abs(mut args: Args) -> Eval {
    Ok(Val::num(match args.number() {
        Num::Int(i) => Num::Int(i.abs()),
        Num::Float(f) => Num::Float(f.abs()),
    }))
}

fn avg(mut args: Args) -> Eval {
    let items = args.items();
    if items.is_empty() {
        return Ok(Val::Null);
    }
    Ok(Val::num(Num::Float(number::sum(&items).as_f64() / items.len() as f64)))
}

fn ceil(mut args: Args) -> Eval {
    to_int(args.number(), f64::ceil)
}

fn floor(mut args: Args) -> Eval {
    to_int(args.number(), f64::floor)
}

/// Python's `math.ceil` or `math.floor`: an int, however large.
fn to_int<'a>(n: Num, round: fn(f64) -> f64) -> Eval<'a> {
    let Num::Float(f) = n else { return Ok(Val::num(n)) };
    let r = round(f);
    if r.is_nan() {
        return Err(QueryError::Python("cannot convert float NaN to integer".into()).into());
    }
    if r.is_infinite() {
        return Err(QueryError::Python("cannot convert float infinity to integer".into()).into());
    }
    Ok(Val::num(Num::Int(r as i128)))
}

fn contains(mut args: Args) -> Eval {
    let (subject, search) = (args.next(), args.next());
    let Kind::Str(s) = subject.kind() else {
        return Ok(Val::bool(subject.items().unwrap_or_default().iter().any(|i| i.py_eq(&search))));
    };
    match search.kind() {
        Kind::Str(needle) => Ok(Val::bool(s.contains(needle))),
        _ => Err(QueryError::Python(format!(
            "'in <string>' requires string as left operand, not {}",
            search.py_type_name()
        ))
        .into()),
    }
}

fn ends_with(mut args: Args) -> Eval {
    let s = args.text();
    Ok(Val::bool(s.ends_with(&args.text())))
}

fn starts_with(mut args: Args) -> Eval {
    let s = args.text();
    Ok(Val::bool(s.starts_with(&args.text())))
}

fn join(mut args: Args) -> Eval {
    let separator = args.text();
    let parts: Vec<String> = args.items().iter().map(text).collect();
    Ok(Val::text(parts.join(&separator)))
}

fn keys(mut args: Args) -> Eval {
    let entries = args.next().entries().unwrap_or_default();
    Ok(Val::arr(entries.into_iter().map(|(k, _)| Val::text(k.to_string())).collect()))
}

fn values(mut args: Args) -> Eval {
    Ok(Val::arr(args.next().entries().unwrap_or_default().into_iter().map(|(_, v)| v).collect()))
}

fn length(mut args: Args) -> Eval {
    let v = args.next();
    let n = match v.kind() {
        Kind::Str(s) => s.chars().count(),
        _ => v.len(),
    };
    Ok(Val::num(Num::Int(n as i128)))
}

fn map(mut args: Args) -> Eval {
    let (expr, items) = (args.expref(), args.items());
    Ok(Val::arr(items.into_iter().map(|i| eval(args.lits, expr, i)).collect::<Result<_, _>>()?))
}

fn max(mut args: Args) -> Eval {
    Ok(sort::extreme(args.items(), Ordering::Greater, |v| Ok(v.clone()))?.unwrap_or(Val::Null))
}

fn min(mut args: Args) -> Eval {
    Ok(sort::extreme(args.items(), Ordering::Less, |v| Ok(v.clone()))?.unwrap_or(Val::Null))
}

/// `max_by` and `min_by`.
fn extreme_by<'a>(mut args: Args<'a>) -> Eval<'a> {
    let (items, expr, name, lits) = (args.items(), args.expref(), args.name, args.lits);
    let want = if name == "max_by" { Ordering::Greater } else { Ordering::Less };
    let key = |v: &Val<'a>| key_of(lits, name, expr, v, &["number", "string"]);
    Ok(sort::extreme(items, want, key)?.unwrap_or(Val::Null))
}

fn sort(mut args: Args) -> Eval {
    Ok(Val::arr(sort::sort(args.items())))
}

fn sort_by(mut args: Args) -> Eval {
    let (items, expr) = (args.items(), args.expref());
    Ok(Val::arr(sort::sort_by(args.lits, expr, items)?))
}

fn merge(args: Args) -> Eval {
    let mut map = IndexMap::new();
    for obj in args.values {
        map.extend(obj.entries().unwrap_or_default());
    }
    Ok(Val::obj(map, Ordered::No))
}

fn not_null(args: Args) -> Eval {
    Ok(args.values.into_iter().find(|v| !v.is_null()).unwrap_or(Val::Null))
}

fn reverse(mut args: Args) -> Eval {
    let v = args.next();
    if let Kind::Str(s) = v.kind() {
        return Ok(Val::text(s.chars().rev().collect()));
    }
    let mut items = v.into_items().unwrap_or_default();
    items.reverse();
    Ok(Val::arr(items))
}

fn sum(mut args: Args) -> Eval {
    Ok(Val::num(number::sum(&args.items())))
}

fn to_array(mut args: Args) -> Eval {
    let v = args.next();
    Ok(if matches!(v.kind(), Kind::Arr) { v } else { Val::arr(vec![v]) })
}

fn to_number(mut args: Args) -> Eval {
    Ok(number::to_number(args.next()))
}

fn to_string(mut args: Args) -> Eval {
    let v = args.next();
    if let Kind::Str(_) = v.kind() {
        return Ok(v);
    }
    let mut s = String::new();
    v.to_json_compact(&mut s);
    Ok(Val::text(s))
}

fn type_of(mut args: Args) -> Eval {
    Ok(Val::text(args.next().type_name().to_string()))
}
