//! Python's `textwrap.TextWrapper.fill` with the settings az's help uses (width 100,
//! `replace_whitespace=False`, hyphenated words may break after their hyphen).

/// `[^\d\W]`: a word character that is not a digit.
fn letter(c: char) -> bool {
    (c.is_alphanumeric() || c == '_') && !c.is_numeric()
}

/// `[\w!"'&.,?]`
fn word_punct(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || "!\"'&.,?".contains(c)
}

/// textwrap's `wordsep_re`: whitespace runs, and words split after inner hyphens and before
/// em-dashes.
fn chunks(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        if chars[i].is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
        } else if chars[i] == '-' && i > 0 && word_punct(chars[i - 1]) && chars.get(i + 1) == Some(&'-') && {
            let mut j = i;
            while chars.get(j) == Some(&'-') {
                j += 1;
            }
            chars.get(j).is_some_and(|c| c.is_alphanumeric() || *c == '_')
        } {
            while chars.get(i) == Some(&'-') {
                i += 1;
            }
        } else {
            // The shortest run of non-space characters that ends at a break.
            i += 1;
            loop {
                if i >= chars.len() || chars[i].is_whitespace() {
                    break;
                }
                let hyphen_here = chars[i - 1] == '-'
                    && ((i >= 3 && letter(chars[i - 2]) && letter(chars[i - 3]))
                        || (i >= 4 && letter(chars[i - 2]) && chars[i - 3] == '-' && letter(chars[i - 4])))
                    && chars.get(i).is_some_and(|c| letter(*c))
                    && (chars.get(i + 1).is_some_and(|c| letter(*c))
                        || (chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|c| letter(*c))));
                let em_dash_next =
                    word_punct(chars[i - 1]) && chars[i] == '-' && chars.get(i + 1) == Some(&'-') && {
                        let mut j = i;
                        while chars.get(j) == Some(&'-') {
                            j += 1;
                        }
                        chars.get(j).is_some_and(|c| c.is_alphanumeric() || *c == '_')
                    };
                if hyphen_here || em_dash_next {
                    break;
                }
                i += 1;
            }
        }
        out.push(chars[start..i].iter().collect());
    }
    out
}

/// Wraps `text` into lines of at most `width` columns (counting characters).
pub fn fill(text: &str, width: usize, initial_indent: &str, subsequent_indent: &str) -> String {
    let mut chunks: Vec<String> = chunks(text);
    chunks.reverse();
    let mut lines: Vec<String> = Vec::new();
    let len = |s: &str| s.chars().count();
    while !chunks.is_empty() {
        let indent = if lines.is_empty() { initial_indent } else { subsequent_indent };
        let room = width.saturating_sub(len(indent));
        if !lines.is_empty() && chunks.last().is_some_and(|c| c.trim().is_empty()) {
            chunks.pop();
        }
        let mut line: Vec<String> = Vec::new();
        let mut used = 0;
        while let Some(chunk) = chunks.last() {
            if used + len(chunk) <= room {
                used += len(chunk);
                line.push(chunks.pop().unwrap());
            } else {
                break;
            }
        }
        if let Some(chunk) = chunks.last().cloned()
            && len(&chunk) > room
        {
            // A word longer than a line: cut it, after a hyphen if one fits.
            let space_left = room.saturating_sub(used).max(1);
            let chars: Vec<char> = chunk.chars().collect();
            let mut end = space_left;
            if let Some(h) = chars[..space_left.min(chars.len())].iter().rposition(|c| *c == '-')
                && h > 0
                && chars[..h].iter().any(|c| *c != '-')
            {
                end = h + 1;
            }
            line.push(chars[..end].iter().collect());
            *chunks.last_mut().unwrap() = chars[end..].iter().collect();
        }
        if line.last().is_some_and(|c| c.trim().is_empty()) {
            line.pop();
        }
        if !line.is_empty() {
            lines.push(format!("{indent}{}", line.concat()));
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_textwrap() {
        assert_eq!(
            chunks("in the format 'registry-tenant.azurecr.io'"),
            ["in", " ", "the", " ", "format", " ", "'registry-", "tenant.azurecr.io'"]
        );
        assert_eq!(
            chunks("specify '--suffix tenant'"),
            ["specify", " ", "'", "--", "suffix", " ", "tenant'"]
        );
        assert_eq!(chunks("x-1 a-b"), ["x-1", " ", "a-b"]);
    }

    #[test]
    fn fills_like_textwrap() {
        assert_eq!(fill("aaa bbb ccc", 7, "", "  "), "aaa bbb\n  ccc");
        assert_eq!(fill("one two", 100, "    ", ""), "    one two");
    }
}
