//! Link-header paging with az's `--top` budget, and pages decoded straight into their items.

use std::fmt;
use std::marker::PhantomData;

use percent_encoding::percent_decode_str;
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::RegistryError;
use crate::data::scalars_give;

/// az asks for 100 items a page unless `--top` asks for fewer.
pub const PAGE_SIZE: i64 = 100;

/// The most a registry gives per page (ACR caps `/v2` listings at 1,000).
pub const MAX_PAGE_SIZE: i64 = 1000;

/// Request parameters across pages, following az's rules: `--top` sets the page size and stops
/// paging once used up (it never cuts a page); the next request reuses only the Link's query.
pub struct Pager {
    params: Vec<(String, String)>,
    budget: Option<i64>,
}

impl Pager {
    pub fn new(top: Option<i64>, orderby: Option<&str>) -> Pager {
        let mut params = vec![("n".to_string(), PAGE_SIZE.to_string())];
        if let Some(o) = orderby {
            params.push(("orderby".into(), o.into()));
        }
        Pager { params, budget: top }
    }

    /// A listing az asks for without a page size (the OCI referrers API).
    pub fn without_page_size() -> Pager {
        Pager { params: Vec::new(), budget: None }
    }

    /// `size` items a page instead of az's 100 (the Link's query then carries it on).
    pub fn with_page_size(mut self, size: i64) -> Pager {
        for (key, value) in &mut self.params {
            if key == "n" {
                *value = size.to_string();
            }
        }
        self
    }

    /// A filter parameter on the first request (later ones take the Link's query).
    pub fn with_param(mut self, key: &str, value: &str) -> Pager {
        self.params.push((key.into(), value.into()));
        self
    }

    /// Parameters for the next request, charging its page size to the budget.
    pub fn next_params(&mut self) -> &[(String, String)] {
        if let Some(budget) = self.budget.as_mut() {
            let n = if *budget > PAGE_SIZE { PAGE_SIZE } else { *budget };
            *budget -= n;
            match self.params.iter_mut().find(|(k, _)| k == "n") {
                Some(entry) => entry.1 = n.to_string(),
                None => self.params.push(("n".into(), n.to_string())),
            }
        }
        &self.params
    }

    /// Moves to the page a `Link` header names; `false` when paging is over.
    pub fn advance(&mut self, link: Option<&str>) -> Result<bool, RegistryError> {
        if self.budget.is_some_and(|b| b <= 0) {
            return Ok(false);
        }
        let Some(link) = link else { return Ok(false) };
        self.params = link_params(link)?;
        Ok(true)
    }
}

/// The query of `<…?a=b&c=d>; rel="next"` as decoded pairs (host and path are ignored, as az does).
pub fn link_params(link: &str) -> Result<Vec<(String, String)>, RegistryError> {
    let bad = || RegistryError::BadLink(link.to_string());
    let start = link.find('<').ok_or_else(bad)?;
    let end = link.find('>').ok_or_else(bad)?;
    let target = link.get(start + 1..end).ok_or_else(bad)?;
    let (_, query) = target.split_once('?').ok_or_else(bad)?;
    query
        .split('&')
        .map(|item| {
            let (k, v) = item.split_once('=').ok_or_else(bad)?;
            Ok((k.to_string(), percent_decode_str(v).decode_utf8_lossy().into_owned()))
        })
        .collect()
}

/// What a page body holds under its list key (`manifests`, `tags`, `repositories`).
#[derive(Debug, PartialEq)]
pub enum PageItems<T> {
    Items(Vec<T>),
    /// `null`: an empty page.
    Null,
    /// The key is missing, or holds something other than a list (az fails on it).
    Missing,
}

/// Decodes a page body, keeping only `body[key]`'s items, each decoded as `T`. The rest of
/// the body is checked as JSON but never built, so a listing of many manifests holds only
/// what the command keeps, laid out in the order it is read.
pub fn decode_page<T: DeserializeOwned>(body: &[u8], key: &str) -> serde_json::Result<PageItems<T>> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let items = PageSeed { key, item: PhantomData }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(items)
}

struct PageSeed<'k, T> {
    key: &'k str,
    item: PhantomData<T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for PageSeed<'_, T> {
    type Value = PageItems<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PageItems<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for PageSeed<'_, T> {
    type Value = PageItems<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PageItems<T>, A::Error> {
        let mut found = PageItems::Missing;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if k == self.key {
                // Python keeps the last of repeated keys.
                found = map.next_value_seed(ItemsSeed(PhantomData))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PageItems<T>, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(PageItems::Missing)
    }

    fn visit_unit<E>(self) -> Result<PageItems<T>, E> {
        Ok(PageItems::Missing)
    }

    scalars_give!(PageItems<T>, PageItems::Missing);
}

/// The value under the page's key: a list of items, `null`, or anything else (skipped).
struct ItemsSeed<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for ItemsSeed<T> {
    type Value = PageItems<T>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<PageItems<T>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for ItemsSeed<T> {
    type Value = PageItems<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PageItems<T>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(PageItems::Items(items))
    }

    fn visit_unit<E>(self) -> Result<PageItems<T>, E> {
        Ok(PageItems::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PageItems<T>, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(PageItems::Missing)
    }

    scalars_give!(PageItems<T>, PageItems::Missing);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n_of(p: &mut Pager) -> String {
        p.next_params().iter().find(|(k, _)| k == "n").unwrap().1.clone()
    }

    #[test]
    fn top_sets_page_size_and_stops() {
        let link = Some("</v2/_catalog?last=b&n=100&orderby=>; rel=\"next\"");
        let mut p = Pager::new(Some(150), None);
        assert_eq!(n_of(&mut p), "100");
        assert!(p.advance(link).unwrap());
        assert_eq!(
            p.next_params(),
            [("last".into(), "b".into()), ("n".into(), "50".into()), ("orderby".into(), String::new())]
        );
        assert!(!p.advance(link).unwrap());

        let mut p = Pager::new(Some(0), Some("timedesc"));
        assert_eq!(p.next_params(), [("n".into(), "0".into()), ("orderby".into(), "timedesc".into())]);
        assert!(!p.advance(link).unwrap());

        let mut p = Pager::new(None, None);
        assert_eq!(n_of(&mut p), "100");
        assert!(p.advance(link).unwrap());
        assert!(!p.advance(None).unwrap());
    }

    #[test]
    fn link_query_is_decoded() {
        let params = link_params(
            "<https://elsewhere.test/x?last=library%2Fbusybox&n=100&x=a+b%20c&orderby=>; rel=\"next\"",
        )
        .unwrap();
        assert_eq!(params[0], ("last".into(), "library/busybox".into()));
        assert_eq!(params[2], ("x".into(), "a+b c".into()));
        assert!(link_params("no brackets").is_err());
    }

    #[test]
    fn pages_keep_only_their_items() {
        use crate::data::Data;
        let page = |body: &str| decode_page::<Data>(body.as_bytes(), "tags");
        assert_eq!(
            page(r#"{"registry": "r", "tags": [{"name": "a"}, "b"], "more": {"x": [1]}}"#).unwrap(),
            PageItems::Items(vec![Data::dict([("name", Data::Str("a".into()))]), Data::Str("b".into())])
        );
        assert_eq!(page(r#"{"tags": [1], "tags": [2]}"#).unwrap(), PageItems::Items(vec![Data::Int(2)]));
        assert_eq!(page(r#"{"tags": null}"#).unwrap(), PageItems::Null);
        for missing in [r#"{"other": []}"#, r#"{"tags": "x"}"#, r#"{"tags": {"a": 1}}"#, "[1]", "3", "null"] {
            assert_eq!(page(missing).unwrap(), PageItems::Missing, "{missing}");
        }
        // The whole body is still JSON-checked, as Python's json.loads does.
        assert!(page(r#"{"tags": [], "x": [1,]}"#).is_err());
        assert!(page(r#"{"tags": []} x"#).is_err());
    }
}
