//! The evaluator: one function per node of the parsed expression, within Python's recursion
//! limit (see `depth`).

use std::cmp::Ordering;

use indexmap::IndexMap;
use jmespath::ast::{Ast, Comparator};

use super::QueryError;
use super::depth;
use super::functions;
use super::value::{Eval, Failure, Kind, Lits, Val, unorderable};
use crate::output::data::{Data, Ordered, key};

pub(super) fn too_deep() -> Failure {
    QueryError::Python(depth::RECURSION.into()).into()
}

/// Evaluates one node, within Python's recursion limit (see `depth`).
pub(super) fn eval<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
    depth::visit(|| eval_node(lits, ast, cur)).unwrap_or_else(|| Err(too_deep()))
}

pub(super) fn eval_node<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
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
            functions::call(lits, name, values)
        }
    }
}

#[inline(never)]
pub(super) fn subexpression_chain<'a>(lits: Lits<'a>, ast: &'a Ast, cur: Val<'a>) -> Eval<'a> {
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
pub(super) fn object_values(base: Val) -> Eval {
    match base.entries() {
        Some(entries) => Ok(Val::arr(entries.into_iter().map(|(_, v)| v).collect())),
        None => Ok(Val::Null),
    }
}

#[inline(never)]
pub(super) fn flatten(base: Val) -> Eval {
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
pub(super) fn multi_list<'a>(lits: Lits<'a>, elements: &'a [Ast], cur: Val<'a>) -> Eval<'a> {
    if cur.is_null() {
        return Ok(Val::Null);
    }
    let items = elements.iter().map(|e| eval(lits, e, cur.clone())).collect::<Result<_, _>>()?;
    Ok(Val::arr(items))
}

#[inline(never)]
pub(super) fn multi_hash<'a>(
    lits: Lits<'a>,
    elements: &'a [jmespath::ast::KeyValuePair],
    cur: Val<'a>,
) -> Eval<'a> {
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
pub(super) fn project<'a>(
    lits: Lits<'a>,
    rhs: &'a Ast,
    items: impl ExactSizeIterator<Item = Val<'a>>,
) -> Eval<'a> {
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
pub(super) fn slice<'a>(items: Vec<Val<'a>>, start: Option<i32>, stop: Option<i32>, step: i32) -> Eval<'a> {
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

pub(super) fn compare<'a>(op: &Comparator, left: &Val<'a>, right: &Val<'a>) -> Eval<'a> {
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
