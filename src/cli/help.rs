//! az's help texts, recorded from az 2.91.0 into `help/*.txt` and printed byte for byte,
//! and the help examples az recommends after an argument error.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Help {
    pub text: &'static str,
}

const PAGES: [(&str, &str); 24] = [
    ("acr repository", include_str!("help/acr_repository.txt")),
    ("acr repository list", include_str!("help/acr_repository_list.txt")),
    ("acr repository list-deleted", include_str!("help/acr_repository_list_deleted.txt")),
    ("acr repository show", include_str!("help/acr_repository_show.txt")),
    ("acr repository show-tags", include_str!("help/acr_repository_show_tags.txt")),
    ("acr repository show-manifests", include_str!("help/acr_repository_show_manifests.txt")),
    ("acr repository update", include_str!("help/acr_repository_update.txt")),
    ("acr repository delete", include_str!("help/acr_repository_delete.txt")),
    ("acr repository untag", include_str!("help/acr_repository_untag.txt")),
    ("acr manifest", include_str!("help/acr_manifest.txt")),
    ("acr manifest list-metadata", include_str!("help/acr_manifest_list_metadata.txt")),
    ("acr manifest list", include_str!("help/acr_manifest_list.txt")),
    ("acr manifest show", include_str!("help/acr_manifest_show.txt")),
    ("acr manifest show-metadata", include_str!("help/acr_manifest_show_metadata.txt")),
    ("acr manifest update-metadata", include_str!("help/acr_manifest_update_metadata.txt")),
    ("acr manifest delete", include_str!("help/acr_manifest_delete.txt")),
    ("acr manifest list-referrers", include_str!("help/acr_manifest_list_referrers.txt")),
    ("acr manifest list-deleted", include_str!("help/acr_manifest_list_deleted.txt")),
    ("acr manifest list-deleted-tags", include_str!("help/acr_manifest_list_deleted_tags.txt")),
    ("acr manifest restore", include_str!("help/acr_manifest_restore.txt")),
    ("acr manifest metadata", include_str!("help/acr_manifest_metadata.txt")),
    ("acr manifest metadata list", include_str!("help/acr_manifest_metadata_list.txt")),
    ("acr manifest metadata show", include_str!("help/acr_manifest_metadata_show.txt")),
    ("acr manifest metadata update", include_str!("help/acr_manifest_metadata_update.txt")),
];

impl Help {
    /// The page for the longest command path the words on the line name.
    pub fn for_args(args: &[String]) -> Help {
        let words: Vec<&str> = args.iter().map(String::as_str).filter(|a| !a.starts_with('-')).collect();
        let mut best = PAGES[0].1;
        for n in 1..=words.len().min(4) {
            let path = words[..n].join(" ");
            if let Some((_, text)) = PAGES.iter().find(|(p, _)| *p == path) {
                best = text;
            }
        }
        Help { text: best }
    }
}

impl Help {
    /// The page as az prints it when a default registry is configured: the registry option
    /// is no longer `[Required]` and names its `Config:` value; the arguments are laid out
    /// again, since their column width may change.
    pub fn with_default_registry(&self, value: &str) -> String {
        relayout(self.text, |item| {
            if item.name == "--name -n" && item.summary.starts_with("The name of the container registry")
                || item.name == "--registry -r"
            {
                item.required = false;
                item.summary.push_str(&format!("  Config: {value}."));
            }
        })
    }
}

/// One argument line of a help page.
struct Item {
    name: String,
    required: bool,
    summary: String,
}

const REQUIRED: &str = "[Required]";

/// Lays a page's argument lists out again as knack does (name column as wide as the widest
/// name with its tags, summaries wrapped at 100 columns under the column), after `edit`.
fn relayout(text: &str, mut edit: impl FnMut(&mut Item)) -> String {
    enum Part {
        Verbatim(String),
        Item(Item),
    }
    let mut parts: Vec<Part> = Vec::new();
    let mut in_arguments = false;
    for line in text.split('\n') {
        if line == "Arguments" {
            in_arguments = true;
        } else if line == "Examples" {
            in_arguments = false;
        }
        let continuation = line.starts_with("     ");
        match parts.last_mut() {
            Some(Part::Item(item)) if in_arguments && continuation => {
                let more = line.trim();
                // textwrap breaks hyphenated words after the hyphen; rejoin those without a space.
                let hyphen_break = item.summary.ends_with('-')
                    && item.summary.chars().rev().nth(1).is_some_and(char::is_alphabetic)
                    && more.starts_with(char::is_alphabetic);
                if !hyphen_break {
                    item.summary.push(' ');
                }
                item.summary.push_str(more);
                continue;
            }
            _ => {}
        }
        let item = in_arguments
            .then(|| line.strip_prefix("    "))
            .flatten()
            .filter(|rest| !rest.starts_with(' '))
            .and_then(|rest| rest.split_once(" : "));
        match item {
            Some((left, summary)) => {
                let left = left.trim_end();
                let (name, required) = match left.strip_suffix(REQUIRED) {
                    Some(name) => (name.trim_end(), true),
                    None => (left, false),
                };
                parts.push(Part::Item(Item {
                    name: name.to_string(),
                    required,
                    summary: summary.to_string(),
                }));
            }
            None => parts.push(Part::Verbatim(line.to_string())),
        }
    }
    for part in &mut parts {
        if let Part::Item(item) = part {
            // knack puts two spaces before these; a line break may have eaten one.
            for marker in ["Allowed values:", "Default:", "Config:"] {
                item.summary = item.summary.replace(&format!(". {marker}"), &format!(".  {marker}"));
            }
            edit(item);
        }
    }
    // knack lists each group's required arguments first, then by name without dashes.
    let sort_key = |i: &Item| (!i.required, i.name.replace('-', "").to_lowercase());
    let mut start = 0;
    while start < parts.len() {
        let end =
            (start..parts.len()).find(|&i| matches!(parts[i], Part::Verbatim(_))).unwrap_or(parts.len());
        parts[start..end].sort_by(|a, b| match (a, b) {
            (Part::Item(x), Part::Item(y)) => sort_key(x).cmp(&sort_key(y)),
            _ => std::cmp::Ordering::Equal,
        });
        start = end + 1;
    }
    let line_len =
        |item: &Item| item.name.chars().count() + if item.required { REQUIRED.len() + 2 } else { 1 };
    let max_len = parts
        .iter()
        .filter_map(|p| if let Part::Item(i) = p { Some(line_len(i)) } else { None })
        .max()
        .unwrap_or(0);
    let hanging = " ".repeat(max_len + 6);
    let lines: Vec<String> = parts
        .iter()
        .map(|part| match part {
            Part::Verbatim(line) => line.clone(),
            Part::Item(item) => {
                let (tags, pad) = if item.required {
                    (REQUIRED, max_len - line_len(item) + 1)
                } else {
                    ("", max_len - line_len(item))
                };
                let line = format!("{}{}{tags} : {}", item.name, " ".repeat(pad), item.summary);
                super::textwrap::fill(&line, 100, "    ", &hanging)
            }
        })
        .collect();
    lines.join("\n")
}

fn page(path: &str) -> Option<&'static str> {
    PAGES.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

/// `(command line, description)` for each example of a help page, unwrapped.
fn examples(text: &str) -> Vec<(String, String)> {
    let Some(start) = text.find("\nExamples\n") else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    let mut description = String::new();
    let mut command = String::new();
    let flush = |out: &mut Vec<(String, String)>, c: &mut String, d: &mut String| {
        if !c.is_empty() {
            out.push((std::mem::take(c), std::mem::take(d)));
        }
    };
    for line in text[start + 10..].lines() {
        if let Some(cmd) = line.strip_prefix("        ") {
            if !command.is_empty() {
                command.push(' ');
            }
            command.push_str(cmd.trim());
        } else if let Some(desc) = line.strip_prefix("    ") {
            flush(&mut out, &mut command, &mut description);
            let desc = desc.trim();
            // textwrap breaks a hyphenated word after its hyphen: rejoined without a space.
            let hyphen_break = description.ends_with('-')
                && description.chars().rev().nth(1).is_some_and(char::is_alphabetic)
                && desc.starts_with(char::is_alphabetic);
            if !description.is_empty() && !hyphen_break {
                description.push(' ');
            }
            description.push_str(desc);
        } else {
            flush(&mut out, &mut command, &mut description);
        }
    }
    flush(&mut out, &mut command, &mut description);
    out
}

/// Long option names of a command line, short forms mapped to long ones.
fn options(words: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in words {
        if !w.starts_with('-') {
            continue;
        }
        let name = w.split('=').next().unwrap_or(&w);
        // A short option may carry its value attached (`-otsv`).
        let short = name.strip_prefix('-').filter(|n| !n.starts_with('-')).and_then(|n| n.chars().next());
        let long = short.and_then(super::long_of).unwrap_or_else(|| name.to_string());
        if !out.contains(&long) {
            out.push(long);
        }
    }
    out
}

/// Up to three examples, those sharing the most options with the user's line first, then
/// the shorter ones (a stable sort, as az's recommender does).
/// `globals_only`: az knows no command yet (a misspelled command word), so only the options
/// its recommender knows without one count.
pub fn recommended_examples(path: &str, args: &[String], globals_only: bool) -> Vec<(String, String)> {
    let Some(text) = page(path) else {
        return Vec::new();
    };
    const KNOWN_WITHOUT_COMMAND: [&str; 9] = [
        "--help",
        "--output",
        "--only-show-errors",
        "--query",
        "--debug",
        "--verbose",
        "--yes",
        "--no-wait",
        "-h",
    ];
    let counted = |opts: Vec<String>| -> Vec<String> {
        let global = |o: &String| match o.as_str() {
            "-h" => true,
            // `-o` is mapped; `-y` and the command's own short forms are not.
            _ => o.starts_with("--") && KNOWN_WITHOUT_COMMAND.contains(&o.as_str()),
        };
        if globals_only { opts.into_iter().filter(global).collect() } else { opts }
    };
    let used = counted(options(args.iter().cloned()));
    let mut scored: Vec<(usize, usize, (String, String))> = examples(text)
        .into_iter()
        .map(|ex| {
            let opts = counted(options(ex.0.split_whitespace().map(String::from)));
            let shared = opts.iter().filter(|o| used.contains(o)).count();
            (shared, opts.len(), ex)
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(3).map(|(_, _, ex)| ex).collect()
}

/// Python difflib's `get_close_matches(word, choices, n=1, cutoff=0.7)`.
pub fn close_match<'a>(word: &str, choices: &[&'a str]) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for choice in choices {
        let r = ratio(word, choice);
        if r >= 0.7 && best.is_none_or(|(b, _)| r > b) {
            best = Some((r, choice));
        }
    }
    best.map(|(_, c)| c)
}

/// SequenceMatcher(None, a, b).ratio(), without the autojunk heuristic (short words only).
fn ratio(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let total = a.len() + b.len();
    if total == 0 {
        return 1.0;
    }
    2.0 * matching(&a, &b) as f64 / total as f64
}

fn matching(a: &[char], b: &[char]) -> usize {
    let (mut best_i, mut best_j, mut best_len) = (0, 0, 0);
    for i in 0..a.len() {
        for j in 0..b.len() {
            let mut k = 0;
            while i + k < a.len() && j + k < b.len() && a[i + k] == b[j + k] {
                k += 1;
            }
            if k > best_len {
                (best_i, best_j, best_len) = (i, j, k);
            }
        }
    }
    if best_len == 0 {
        return 0;
    }
    best_len
        + matching(&a[..best_i], &b[..best_j])
        + matching(&a[best_i + best_len..], &b[best_j + best_len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_unwrap_and_rank() {
        let args: Vec<String> = "acr repository show-manifests -n r --repository x --orderby foo"
            .split(' ')
            .map(String::from)
            .collect();
        let picked = recommended_examples("acr repository show-manifests", &args, false);
        assert_eq!(picked.len(), 3);
        assert_eq!(
            picked[0].0,
            "az acr repository show-manifests -n myregistry --repository MyRepository --top 10 --orderby time_desc"
        );
        assert_eq!(picked[2].1, "Show manifests of a repository in an Azure Container Registry.");
    }

    #[test]
    fn laying_the_arguments_out_again_gives_the_recorded_page() {
        for (path, text) in PAGES {
            assert_eq!(relayout(text, |_| {}), text, "{path}");
        }
    }

    #[test]
    fn difflib_close_matches() {
        let choices = ["delete", "list", "show", "show-tags"];
        assert_eq!(close_match("lst", &choices), Some("list"));
        assert_eq!(close_match("xyz", &choices), None);
    }
}
