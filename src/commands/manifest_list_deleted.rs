//! `az acr manifest list-deleted`: a repository's soft-deleted manifests, each with the time
//! the registry purges it (`expiresAfter`: `deletedAt` plus the soft-delete policy's retention
//! days, which az reads from Resource Manager after the listing).

use super::{CommandResult, Context, connect, manifest_target, registry_name, soft_delete_retention_days};
use crate::calendar::{civil_from_days, days_from_civil};
use crate::cli::RegistryArgs;
use crate::data::key;
use crate::error::AppError;
use crate::output::Data;
use crate::registry::reference::FqdnKind;
use crate::registry::{RegistryError, Repository};
use crate::settings::Spec;

pub async fn run(ctx: &Context, registry_args: &RegistryArgs, spec: &Spec) -> CommandResult {
    let (registry_args, image) = manifest_target(ctx, registry_args, spec, FqdnKind::Repository)?;
    let repository = Repository::new(&image.repository)?;
    let name = registry_name(ctx, &registry_args)?;
    let mut registry = connect(ctx, &registry_args, &name, None).await?;
    let manifests = registry.deleted_manifests(&repository).await?;
    let days = soft_delete_retention_days(ctx, &name).await?;
    Ok(Some(Data::List(with_expiry(manifests, days)?)))
}

/// Each item with `expiresAfter` set from its `deletedAt` (where az fails on an item, an
/// unexpected error with Python's words).
pub fn with_expiry(mut items: Vec<Data>, days: Option<i64>) -> Result<Vec<Data>, AppError> {
    let unexpected = |message: &str| AppError::Registry(RegistryError::Unexpected(message.into()));
    for item in &mut items {
        let deleted_at = item.get("deletedAt").ok_or_else(|| unexpected("'deletedAt'"))?;
        let deleted_at =
            deleted_at.as_str().ok_or_else(|| unexpected("'deletedAt' is not a string"))?.to_string();
        let days =
            days.ok_or_else(|| unexpected("unsupported type for timedelta days component: NoneType"))?;
        let expires = expiry(&deleted_at, days).map_err(|m| unexpected(&m))?;
        let Data::Dict(entries, _) = item else { return Err(unexpected("the item is not a dict")) };
        // As Python's `item[key] = value`: in place when the key is there, else last.
        match entries.iter_mut().find(|(k, _)| &**k == "expiresAfter") {
            Some(entry) => entry.1 = Data::Str(expires.into()),
            None => entries.push((key("expiresAfter"), Data::Str(expires.into()))),
        }
    }
    Ok(items)
}

/// `days` days after the timestamp's date, its time of day kept as written (az moves the date
/// part only: `2019-05-20T08:00:00.0000000Z` + 7 is `2019-05-27T08:00:00.0000000Z`).
fn expiry(timestamp: &str, days: i64) -> Result<String, String> {
    let (date, time) = timestamp.split_once('T').ok_or("list index out of range")?;
    let (year, month, day) =
        parse_date(date).ok_or_else(|| format!("time data '{date}' does not match format '%Y-%m-%d'"))?;
    if day > days_in_month(year, month) {
        return Err("day is out of range for month".into());
    }
    let (year, month, day) = civil_from_days(days_from_civil(year, month, day) + days);
    if !(1..=9999).contains(&year) {
        return Err("date value out of range".into());
    }
    Ok(format!("{year:04}-{month:02}-{day:02}T{time}"))
}

/// `%Y-%m-%d` as Python's strptime reads it: four digits, then one or two, then one or two.
fn parse_date(date: &str) -> Option<(i64, i64, i64)> {
    let mut parts = date.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, lengths: &[usize]| {
        (lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<i64>().ok())?
    };
    let (year, month, day) = (digits(y, &[4])?, digits(m, &[1, 2])?, digits(d, &[1, 2])?);
    let valid = parts.next().is_none() && year >= 1 && (1..=12).contains(&month) && (1..=31).contains(&day);
    valid.then_some((year, month, day))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_moves_the_date_and_keeps_the_time_as_written() {
        assert_eq!(expiry("2019-05-20T08:00:00.0000000Z", 7).unwrap(), "2019-05-27T08:00:00.0000000Z");
        // Across months, years and a leap day; the time part is not parsed.
        assert_eq!(expiry("2019-05-30T1", 7).unwrap(), "2019-06-06T1");
        assert_eq!(expiry("2019-12-31T23:59:59Z", 1).unwrap(), "2020-01-01T23:59:59Z");
        assert_eq!(expiry("2024-02-28Tx", 1).unwrap(), "2024-02-29Tx");
        assert_eq!(expiry("2023-02-28Tx", 1).unwrap(), "2023-03-01Tx");
        assert_eq!(expiry("2019-5-2T08:00", 90).unwrap(), "2019-07-31T08:00");
        assert_eq!(expiry("2019-05-20T08", 0).unwrap(), "2019-05-20T08");
        assert_eq!(expiry("2019-05-20T08", -20).unwrap(), "2019-04-30T08");
    }

    #[test]
    fn timestamps_python_would_refuse() {
        assert_eq!(expiry("2019-05-20", 7).unwrap_err(), "list index out of range");
        assert!(expiry("19-05-20T0", 7).unwrap_err().contains("does not match format"));
        assert!(expiry("2019-13-01T0", 7).unwrap_err().contains("does not match format"));
        assert_eq!(expiry("2019-02-30T0", 7).unwrap_err(), "day is out of range for month");
        assert_eq!(expiry("9999-12-31T0", 1).unwrap_err(), "date value out of range");
    }

    #[test]
    fn expiry_is_added_last_or_in_place() {
        let item = |pairs: &[(&'static str, &str)]| {
            Data::dict(pairs.iter().map(|(k, v)| (*k, Data::Str((*v).into()))))
        };
        let listed = vec![
            item(&[("deletedAt", "2019-05-20T08:00:00Z"), ("tag", "old")]),
            item(&[("expiresAfter", "stale"), ("deletedAt", "2019-05-21T08:00:00Z")]),
        ];
        let keys = |d: &Data| match d {
            Data::Dict(entries, _) => entries.iter().map(|(k, _)| k.to_string()).collect::<Vec<_>>(),
            _ => vec![],
        };
        let out = with_expiry(listed, Some(30)).unwrap();
        assert_eq!(keys(&out[0]), ["deletedAt", "tag", "expiresAfter"]);
        assert_eq!(out[0].get("expiresAfter").and_then(Data::as_str), Some("2019-06-19T08:00:00Z"));
        assert_eq!(keys(&out[1]), ["expiresAfter", "deletedAt"]);
        assert_eq!(out[1].get("expiresAfter").and_then(Data::as_str), Some("2019-06-20T08:00:00Z"));
        // No retention days: nothing listed is fine, an item is az's TypeError.
        assert!(with_expiry(vec![], None).unwrap().is_empty());
        assert!(with_expiry(vec![item(&[("deletedAt", "2019-05-20T0")])], None).is_err());
        assert!(with_expiry(vec![item(&[("tag", "x")])], Some(7)).is_err());
    }
}
