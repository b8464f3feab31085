//! Sorting and extremes as Python's jmespath does them: `sorted` (stable), `max`, `min`.

use std::cmp::Ordering;

use jmespath::ast::Ast;

use super::eval::eval;
use super::functions::{key_of, type_error};
use super::value::{Eval, Failure, Lits, Val, order, same_family, unorderable};

/// `sort`: numbers or strings (the signature let through no other), in Python's stable order.
pub(super) fn sort<'a>(mut items: Vec<Val<'a>>) -> Vec<Val<'a>> {
    items.sort_by(order);
    items
}

/// `sort_by`: `items` in the order of their keys under `expr`, equal keys keeping their
/// order (Python's `sorted` is stable). Every key has the first one's type, a number or a
/// string, as Python's jmespath requires; the first item's key is evaluated twice, as there.
pub(super) fn sort_by<'a>(
    lits: Lits<'a>,
    expr: &'a Ast,
    items: Vec<Val<'a>>,
) -> Result<Vec<Val<'a>>, Failure> {
    let Some(first) = items.first() else {
        return Ok(items);
    };
    let required = eval(lits, expr, first.clone())?.type_name();
    if required != "number" && required != "string" {
        return Err(type_error("sort_by", first, required, &["string", "number"]).into());
    }
    let mut keyed = Vec::with_capacity(items.len());
    for item in items {
        keyed.push((key_of(lits, "sort_by", expr, &item, &[required])?, item));
    }
    keyed.sort_by(|(a, _), (b, _)| order(a, b));
    Ok(keyed.into_iter().map(|(_, item)| item).collect())
}

/// Python's `max`/`min`: the first of the extreme elements wins.
pub(super) fn extreme<'a>(
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
