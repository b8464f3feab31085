//! Sending purge's requests: each tried until it is done, gone or has finally failed, at a
//! concurrency that adapts to the registry's throttling (AIMD: halved on a 429, raised by one
//! per window of successes), never above the `--concurrency` cap.
//!
//! * 429: waits what `Retry-After` asks (capped at 60 s), else an exponential backoff with
//!   jitter (50 ms doubling per 429 since the last success, at most 1.6 s); every request
//!   pauses until then, as the throttle is the registry's, not one request's. 429s do not use
//!   up the tries (up to 100 of them for one request).
//! * 5xx, 408 and lost answers: tried again, 5 tries in all, backing off with jitter.
//! * 404 on a DELETE: the item is gone (deleted earlier, or by the registry with its
//!   subject): counted as deleted, as is what a retried DELETE finds gone.
//! * 401, 403: denied (the caller renews its token once on a 401, then stops working on
//!   that repository); anything else (405 …):
//!   the item failed, with the registry's words.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use reqwest::{Client, Method, Url};

use crate::registry::error::{RegistryError, StatusText};
use crate::registry::transport;

const TRIES: u32 = 5;
const THROTTLED_TRIES: u32 = 100;
const NOT_RETRIED: &str = "not tried again after Ctrl-C";
const MAX_WAIT: Duration = Duration::from_secs(60);

/// One try's bound: the connect limit, then the data limit for the whole answer (purge's
/// answers are small), as `AZACR_CONNECT_TIMEOUT` / `AZACR_DATA_TIMEOUT` set them.
fn request_timeout() -> Duration {
    let limits = transport::limits();
    limits.connect + limits.data
}

/// What became of one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Done(Vec<u8>),
    /// 404: not there (any more).
    Gone,
    /// 401 or 403: the identity may not do this here (nothing more is tried in the repository).
    Denied(String),
    Failed(String),
}

/// The adaptive concurrency limit, shared by every request of the run (one thread).
pub struct Limiter {
    limit: f64,
    max: usize,
    in_flight: usize,
    pause_until: Option<Instant>,
    last_cut: Option<Instant>,
    /// 429s since the last success, anywhere: the backoff without `Retry-After` grows with it.
    streak: u32,
    pub throttled: u64,
    pub retried: u64,
    pub requests: u64,
    /// Ctrl-C: nothing is tried again (what is in flight finishes, or is abandoned).
    pub stopped: bool,
}

pub type Shared = Rc<RefCell<Limiter>>;

impl Limiter {
    pub fn new(max: usize) -> Shared {
        Rc::new(RefCell::new(Limiter {
            limit: max as f64,
            max,
            in_flight: 0,
            pause_until: None,
            last_cut: None,
            streak: 0,
            throttled: 0,
            retried: 0,
            requests: 0,
            stopped: false,
        }))
    }

    /// Whether another request may start now.
    pub fn has_room(&self) -> bool {
        self.in_flight < (self.limit.floor() as usize).max(1)
    }

    pub fn limit(&self) -> usize {
        self.limit.floor() as usize
    }

    /// The wait after a 429 without `Retry-After`: shared by every request (the throttle is
    /// the registry's), doubling with each 429 since the last success, from 50 ms to 1.6 s,
    /// with jitter.
    fn throttled_wait(&self) -> Duration {
        Duration::from_millis(50 << self.streak.min(5)).mul_f64(jitter())
    }

    fn success(&mut self) {
        self.streak = 0;
        // +1 per window: each success adds 1/limit.
        self.limit = (self.limit + 1.0 / self.limit).min(self.max as f64);
    }

    /// A 429: halve (once per round trip: the other requests in flight were sent at the old
    /// rate and say nothing new), and pause everyone for `wait`.
    fn throttle(&mut self, started: Instant, wait: Duration) {
        self.throttled += 1;
        self.streak += 1;
        if self.last_cut.is_none_or(|cut| started > cut) {
            self.limit = (self.limit / 2.0).max(1.0);
            self.last_cut = Some(Instant::now());
        }
        let until = Instant::now() + wait;
        if self.pause_until.is_none_or(|p| p < until) {
            self.pause_until = Some(until);
        }
    }
}

/// A random factor in [0.5, 1.0): jitter for backoffs.
fn jitter() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    0.5 + f64::from(u16::from_le_bytes(b)) / 131_072.0
}

fn first_backoff() -> Duration {
    crate::registry::transport::knobs::first_backoff() / 10
}

/// One request (`accept`: an Accept header), tried as the module says.
pub async fn send(
    client: &Client,
    limiter: &Shared,
    method: Method,
    url: &Url,
    auth: &str,
    accept: Option<&str>,
    json: Option<&serde_json::Value>,
) -> Outcome {
    let mut backoff = first_backoff();
    let (mut tries, mut throttled) = (0, 0);
    loop {
        let pause = limiter.borrow().pause_until;
        if let Some(until) = pause.filter(|u| *u > Instant::now()) {
            tokio::time::sleep_until(until.into()).await;
        }
        let started = Instant::now();
        let mut request = client
            .request(method.clone(), url.clone())
            .header("Authorization", auth)
            .timeout(request_timeout());
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        if let Some(body) = json {
            request = request.json(body);
        }
        limiter.borrow_mut().requests += 1;
        let answer = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = transport::retry_after(&response);
                let correlation = transport::header(&response, "x-ms-correlation-request-id");
                // Bounded as every answer is (`transport::MAX_BODY`); a larger one is not
                // tried again: it would be as large next time.
                match transport::read_body(response).await {
                    Ok(Ok(body)) => Ok((status, retry_after, correlation, body)),
                    Ok(Err(too_large)) => return Outcome::Failed(too_large.to_string()),
                    Err(e) => Err(transport::describe(&e)),
                }
            }
            Err(e) => Err(transport::describe(&e)),
        };
        crate::log::debug(format_args!(
            "{method} {url} -> {}",
            answer.as_ref().map_or_else(|e| e.clone(), |a| a.0.to_string())
        ));
        let error = match answer {
            Ok((200..=299, ..)) => {
                limiter.borrow_mut().success();
                return match answer {
                    Ok((.., body)) => Outcome::Done(body),
                    Err(_) => unreachable!("matched Ok"),
                };
            }
            Ok((404, ..)) => {
                limiter.borrow_mut().success();
                return Outcome::Gone;
            }
            Ok((429, retry_after, ..)) => {
                throttled += 1;
                {
                    let mut l = limiter.borrow_mut();
                    let wait = retry_after.unwrap_or_else(|| l.throttled_wait()).min(MAX_WAIT);
                    l.throttle(started, wait);
                    l.retried += 1;
                }
                if limiter.borrow().stopped {
                    return Outcome::Failed(NOT_RETRIED.into());
                }
                if throttled >= THROTTLED_TRIES {
                    return Outcome::Failed(format!("still throttled (429) after {throttled} tries"));
                }
                continue;
            }
            Ok((status, _, correlation, body)) if status == 408 || status >= 500 => {
                error_text(status, &method, &body, correlation.as_deref())
            }
            Ok((status @ (401 | 403), _, correlation, body)) => {
                return Outcome::Denied(error_text(status, &method, &body, correlation.as_deref()));
            }
            Ok((status, _, correlation, body)) => {
                return Outcome::Failed(error_text(status, &method, &body, correlation.as_deref()));
            }
            Err(transport) => transport,
        };
        tries += 1;
        if tries >= TRIES {
            return Outcome::Failed(error);
        }
        if limiter.borrow().stopped {
            return Outcome::Failed(format!("{error} ({NOT_RETRIED})"));
        }
        limiter.borrow_mut().retried += 1;
        tokio::time::sleep(backoff.mul_f64(jitter())).await;
        backoff = (backoff * 2).min(MAX_WAIT);
    }
}

/// The registry's words for a failed request (as az words them).
fn error_text(status: u16, method: &Method, body: &[u8], correlation: Option<&str>) -> String {
    let default = match *method {
        Method::PATCH => "Could not patch the requested data.",
        Method::DELETE => "Could not delete the requested data.",
        _ => "Could not get the requested data.",
    };
    let error = RegistryError::status(StatusText { code: status, default }, body, correlation);
    format!("HTTP {status}: {error}")
}

/// Marks a request as started or finished (the driver counts what is in flight).
pub fn started(limiter: &Shared) {
    limiter.borrow_mut().in_flight += 1;
}

pub fn finished(limiter: &Shared) {
    limiter.borrow_mut().in_flight -= 1;
}
