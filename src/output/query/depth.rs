//! Python's recursion limit, as az meets it in `--query`.
//!
//! Python jmespath parses and evaluates recursively, and az runs with Python's default limit
//! of 1,000 frames: too deep an expression ends in `RecursionError: maximum recursion depth
//! exceeded`, which az reports as an unexpected error (exit 1). azacr bounds its own parser
//! and evaluator at the same places, so that it never overflows its stack and fails where az
//! fails.
//!
//! Parsing: `check_parse` follows Python jmespath 1.1.0's recursive-descent parser call for
//! call and counts its frames (a rule's own frame, and the helper or `ast.*` call it makes
//! below it). Measured on az 2.91.0 (`python -m azure.cli`, as az's launcher runs it), the
//! deepest frame a parse may reach is 956 below the parser's first `_expression`: 477 nested
//! `!`, `(` or function calls parse and 478 do not; 318 nested `[`, `{` or `[*]` parse and 319
//! do not; 239 nested filters parse and 240 do not. All are reproduced exactly.
//!
//! Evaluating: every node the evaluator visits costs Python's two frames (`visit` and
//! `visit_<node>`), and a node may sit at most 990 frames below the first visit (measured:
//! a 494-deep `a || a || …` or `a | a | …` evaluates and 495 does not). Python's function
//! calls and projections add frames of their own that are not counted here, so azacr may
//! accept a few levels more than az where those nest hundreds deep. Comparisons count their
//! own (`COMPARISON_FRAMES`). One known difference: the jmespath crate parses `a | b` into
//! the same node as `a.b`, and `.` chains are one node in Python however long, so azacr
//! evaluates `a | a | …` chains of any length where az stops at 495.
//!
//! Every nesting the evaluator can meet is bounded: the expression's by these limits, the
//! registry's JSON by serde_json's depth limit (128), literals by `MAX_LITERAL_DEPTH`; long
//! `.` and `[0]` chains are walked without recursing and dropped without recursing.

use std::cell::Cell;

/// The deepest parser frame az reaches without a `RecursionError`, counted from the first
/// `_expression` (frame 0).
const MAX_PARSE_FRAME: usize = 956;
/// The deepest evaluator frame, counted from the first `visit` (frame 1).
const MAX_EVAL_FRAME: usize = 990;

pub(super) const RECURSION: &str = "maximum recursion depth exceeded";

#[derive(Clone, Copy, PartialEq, Debug)]
enum T {
    Eof,
    Ident,
    Quoted,
    Literal,
    Number,
    Dot,
    Star,
    Flatten,
    Filter,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    Lparen,
    Rparen,
    Comma,
    Colon,
    Current,
    Expref,
    Pipe,
    Or,
    And,
    Not,
    Cmp,
}

fn binding_power(t: T) -> usize {
    match t {
        T::Pipe => 1,
        T::Or => 2,
        T::And => 3,
        T::Cmp => 5,
        T::Flatten => 9,
        T::Star => 20,
        T::Filter => 21,
        T::Dot => 40,
        T::Not => 45,
        T::Lbrace => 50,
        T::Lbracket => 55,
        T::Lparen => 60,
        _ => 0,
    }
}

const PROJECTION_STOP: usize = 10;

/// Python jmespath's lexer, reduced to token types; `None` on a lexer error (then the real
/// parser reports the syntax error).
fn tokens(expression: &str) -> Option<Vec<T>> {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let quoted = |i: &mut usize, close: char| -> Option<()> {
        *i += 1;
        while *i < chars.len() && chars[*i] != close {
            if chars[*i] == '\\' {
                *i += 1;
            }
            *i += 1;
        }
        (*i < chars.len()).then(|| *i += 1)
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let (t, len) = match c {
            ' ' | '\t' | '\n' | '\r' => {
                i += 1;
                continue;
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(T::Ident);
                continue;
            }
            '0'..='9' | '-' => {
                if c == '-' && !next.is_some_and(|n| n.is_ascii_digit()) {
                    return None;
                }
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                out.push(T::Number);
                continue;
            }
            '"' | '\'' | '`' => {
                quoted(&mut i, c)?;
                out.push(if c == '"' { T::Quoted } else { T::Literal });
                continue;
            }
            '.' => (T::Dot, 1),
            '*' => (T::Star, 1),
            '[' if next == Some(']') => (T::Flatten, 2),
            '[' if next == Some('?') => (T::Filter, 2),
            '[' => (T::Lbracket, 1),
            ']' => (T::Rbracket, 1),
            '{' => (T::Lbrace, 1),
            '}' => (T::Rbrace, 1),
            '(' => (T::Lparen, 1),
            ')' => (T::Rparen, 1),
            ',' => (T::Comma, 1),
            ':' => (T::Colon, 1),
            '@' => (T::Current, 1),
            '&' if next == Some('&') => (T::And, 2),
            '&' => (T::Expref, 1),
            '|' if next == Some('|') => (T::Or, 2),
            '|' => (T::Pipe, 1),
            '!' if next == Some('=') => (T::Cmp, 2),
            '!' => (T::Not, 1),
            '=' if next == Some('=') => (T::Cmp, 2),
            '<' | '>' if next == Some('=') => (T::Cmp, 2),
            '<' | '>' => (T::Cmp, 1),
            _ => return None,
        };
        out.push(t);
        i += len;
    }
    out.push(T::Eof);
    Some(out)
}

/// Whether Python jmespath's parser would run out of frames on `expression` before it
/// found a syntax error; a syntax error (or none) is for the real parser to report.
pub(super) fn too_deep_to_parse(expression: &str) -> bool {
    let Some(tokens) = tokens(expression) else { return false };
    let mut r = Recognizer { tokens, at: 0, slice: false };
    matches!(r.expression(0, 0), Err(Stop::TooDeep))
}

thread_local! {
    /// Evaluator frames (Python's count) open on this thread.
    static EVAL_FRAMES: Cell<usize> = const { Cell::new(0) };
}

/// One visited node: Python's `visit` and `visit_<node>` frames, open while `f` runs; `None`
/// when they would pass the limit.
#[inline]
pub(super) fn visit<T>(f: impl FnOnce() -> T) -> Option<T> {
    let open = EVAL_FRAMES.with(Cell::get);
    if open + 2 > MAX_EVAL_FRAME {
        return None;
    }
    EVAL_FRAMES.with(|c| c.set(open + 2));
    let out = f();
    EVAL_FRAMES.with(|c| c.set(open));
    Some(out)
}

/// Frames a comparison opens below its own `visit_comparator` frame in Python: `_equals` or
/// `_is_comparable`, `_is_actual_number`, and `isinstance(x, Number)`'s `__instancecheck__`
/// and nested `__subclasscheck__` calls (measured: a 487-deep `a == a == …` evaluates and 488
/// does not). Python caches that isinstance check after its first call; azacr counts the
/// frames on every comparison, so it may stop a little earlier than az where a comparison
/// sits within 15 frames of the limit more than once.
pub(super) const COMPARISON_FRAMES: usize = 15;

/// Whether `frames` more frames fit below the open ones.
pub(super) fn room_for(frames: usize) -> bool {
    EVAL_FRAMES.with(Cell::get) + frames <= MAX_EVAL_FRAME
}

/// Why the recognizer stopped: too deep, or a syntax error (left to the real parser).
enum Stop {
    TooDeep,
    Syntax,
}

struct Recognizer {
    tokens: Vec<T>,
    at: usize,
    /// Whether the last index expression was a slice (which then projects).
    slice: bool,
}

type R = Result<(), Stop>;

/// A frame at `depth`: Python would raise `RecursionError` on entering it past the limit.
fn frame(depth: usize) -> R {
    if depth > MAX_PARSE_FRAME { Err(Stop::TooDeep) } else { Ok(()) }
}

impl Recognizer {
    fn cur(&self) -> T {
        self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn ahead(&self, n: usize) -> T {
        self.tokens[(self.at + n).min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) {
        self.at += 1;
    }

    /// `self._match(t)` called from a frame at `d` (it calls `_advance` below itself).
    fn eat(&mut self, t: T, d: usize) -> R {
        frame(d + 2)?;
        if self.cur() != t {
            return Err(Stop::Syntax);
        }
        self.advance();
        Ok(())
    }

    /// `_expression(binding_power)` at frame `d`.
    fn expression(&mut self, bp: usize, d: usize) -> R {
        frame(d + 1)?; // _lookahead_token, _advance
        let token = self.cur();
        self.advance();
        self.nud(token, d + 1)?;
        while bp < binding_power(self.cur()) {
            let token = self.cur();
            self.advance();
            self.led(token, d + 1)?;
        }
        Ok(())
    }

    fn nud(&mut self, token: T, d: usize) -> R {
        frame(d + 1)?; // ast.* or a helper
        match token {
            T::Literal | T::Ident | T::Quoted | T::Current => Ok(()),
            T::Star => {
                if self.cur() == T::Rbracket {
                    Ok(())
                } else {
                    self.projection_rhs(binding_power(T::Star), d + 1)
                }
            }
            T::Filter => self.led(T::Filter, d + 1), // _token_led_filter(ast.identity())
            T::Lbrace => self.multi_select_hash(d + 1),
            T::Lparen => {
                self.expression(0, d + 1)?;
                self.eat(T::Rparen, d)
            }
            T::Flatten => self.projection_rhs(binding_power(T::Flatten), d + 1),
            T::Not => self.expression(binding_power(T::Not), d + 1),
            T::Expref => self.expression(0, d + 1),
            T::Lbracket => {
                if matches!(self.cur(), T::Number | T::Colon) {
                    self.index_expression(d + 1)?;
                    self.project_if_slice(d + 1)
                } else if self.cur() == T::Star && self.ahead(1) == T::Rbracket {
                    self.advance();
                    self.advance();
                    self.projection_rhs(binding_power(T::Star), d + 1)
                } else {
                    self.multi_select_list(d + 1)
                }
            }
            _ => Err(Stop::Syntax),
        }
    }

    fn led(&mut self, token: T, d: usize) -> R {
        frame(d + 1)?;
        match token {
            T::Dot => {
                if self.cur() == T::Star {
                    self.advance();
                    self.projection_rhs(binding_power(T::Dot), d + 1)
                } else {
                    self.dot_rhs(binding_power(T::Dot), d + 1)
                }
            }
            T::Pipe | T::Or | T::And => self.expression(binding_power(token), d + 1),
            T::Cmp => self.expression(binding_power(T::Cmp), d + 2), // via _parse_comparator
            T::Lparen => {
                while self.cur() != T::Rparen {
                    if self.cur() == T::Eof {
                        return Err(Stop::Syntax);
                    }
                    self.expression(0, d + 1)?;
                    if self.cur() == T::Comma {
                        self.eat(T::Comma, d)?;
                    }
                }
                self.eat(T::Rparen, d)
            }
            T::Filter => {
                self.expression(0, d + 1)?;
                self.eat(T::Rbracket, d)?;
                if self.cur() == T::Flatten {
                    Ok(())
                } else {
                    self.projection_rhs(binding_power(T::Filter), d + 1)
                }
            }
            T::Flatten => self.projection_rhs(binding_power(T::Flatten), d + 1),
            T::Lbracket => {
                if matches!(self.cur(), T::Number | T::Colon) {
                    self.index_expression(d + 1)?;
                    self.project_if_slice(d + 1)
                } else {
                    self.eat(T::Star, d)?;
                    self.eat(T::Rbracket, d)?;
                    self.projection_rhs(binding_power(T::Star), d + 1)
                }
            }
            _ => Err(Stop::Syntax),
        }
    }

    /// `_parse_index_expression` (and the slice it may be): no recursion.
    fn index_expression(&mut self, d: usize) -> R {
        frame(d + 2)?;
        self.slice = false;
        if self.cur() == T::Colon || self.ahead(1) == T::Colon {
            self.slice = true;
            while self.cur() != T::Rbracket {
                if !matches!(self.cur(), T::Colon | T::Number) {
                    return Err(Stop::Syntax);
                }
                self.advance();
            }
            self.eat(T::Rbracket, d + 1)
        } else {
            self.advance();
            self.eat(T::Rbracket, d)
        }
    }

    fn project_if_slice(&mut self, d: usize) -> R {
        frame(d + 1)?;
        if self.slice { self.projection_rhs(binding_power(T::Star), d + 1) } else { Ok(()) }
    }

    fn multi_select_list(&mut self, d: usize) -> R {
        frame(d + 1)?;
        loop {
            self.expression(0, d + 1)?;
            if self.cur() == T::Rbracket {
                break;
            }
            self.eat(T::Comma, d)?;
        }
        self.eat(T::Rbracket, d)
    }

    fn multi_select_hash(&mut self, d: usize) -> R {
        frame(d + 1)?;
        loop {
            if !matches!(self.cur(), T::Ident | T::Quoted) {
                return Err(Stop::Syntax);
            }
            self.advance();
            self.eat(T::Colon, d)?;
            self.expression(0, d + 1)?;
            match self.cur() {
                T::Comma => self.eat(T::Comma, d)?,
                T::Rbrace => return self.eat(T::Rbrace, d),
                _ => return Err(Stop::Syntax),
            }
        }
    }

    fn projection_rhs(&mut self, bp: usize, d: usize) -> R {
        frame(d + 1)?;
        match self.cur() {
            t if binding_power(t) < PROJECTION_STOP => Ok(()),
            T::Lbracket | T::Filter => self.expression(bp, d + 1),
            T::Dot => {
                self.eat(T::Dot, d)?;
                self.dot_rhs(bp, d + 1)
            }
            _ => Err(Stop::Syntax),
        }
    }

    fn dot_rhs(&mut self, bp: usize, d: usize) -> R {
        frame(d + 1)?;
        match self.cur() {
            T::Ident | T::Quoted | T::Star => self.expression(bp, d + 1),
            T::Lbracket => {
                self.eat(T::Lbracket, d)?;
                self.multi_select_list(d + 1)
            }
            T::Lbrace => {
                self.eat(T::Lbrace, d)?;
                self.multi_select_hash(d + 1)
            }
            _ => Err(Stop::Syntax),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CompileError, Query};

    fn recursion(expr: &str) -> bool {
        matches!(Query::compile(expr), Err(CompileError::Recursion(m)) if m.starts_with(super::RECURSION))
    }

    // The thresholds themselves, per construct, are checked on the whole compile (the
    // jmespath crate's parser included) in tests/it/deep_query.rs.

    #[test]
    fn syntax_errors_before_the_limit_stay_syntax_errors() {
        assert_eq!(Query::compile(&format!("a ){}", "[".repeat(6000))).err(), Some(CompileError::Syntax));
        // json.loads fails (ValueError) at the `x`, before the depth: a legacy string literal.
        assert!(Query::compile(&format!("`[1 x{}`", "[".repeat(6000))).is_ok());
        // Unclosed, but too deep before Python sees the end.
        assert!(recursion(&"[".repeat(6000)));
        assert!(recursion(&format!("`{}`", "[".repeat(6000))));
    }
}
