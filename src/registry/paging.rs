//! Link-header paging with az's `--top` budget.

use percent_encoding::percent_decode_str;

/// az asks for 100 items a page unless `--top` asks for fewer.
pub const PAGE_SIZE: i64 = 100;

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
    pub fn advance(&mut self, link: Option<&str>) -> Result<bool, String> {
        if self.budget.is_some_and(|b| b <= 0) {
            return Ok(false);
        }
        let Some(link) = link else { return Ok(false) };
        self.params = link_params(link)?;
        Ok(true)
    }
}

/// The query of `<…?a=b&c=d>; rel="next"` as decoded pairs (host and path are ignored, as az does).
pub fn link_params(link: &str) -> Result<Vec<(String, String)>, String> {
    let bad = || format!("Malformed Link header: {link}");
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
}
