//! Long lists are worked on by every CPU, and what comes out is the same as one thread's:
//! a query's parts come back in the list's order (`map`), a writer's text goes out in order
//! (`in_blocks`). The work over a row is mostly waiting for memory, which several cores do
//! side by side (see BENCHMARKS.md). The other CPUs' threads are helpers kept for the
//! process's life (`fork`): a new thread cost 60–400 µs here, a waiting one a few.

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// Items a thread needs to be worth a share of a list (a row costs 0.1–0.3 µs; with helper
/// threads waiting, 1,024 and 2,048 measured no better).
const MIN_PART: usize = 4096;

/// Each thread's stack: expressions nest as deep here as on the main thread.
const STACK: usize = 8 << 20;

/// How many finished blocks a writer's thread may hold while this one catches up.
const AHEAD: usize = 4;

thread_local! {
    /// Set while this thread works on a part: parts of parts stay on their thread.
    static IN_PART: Cell<bool> = const { Cell::new(false) };
}

/// The threads to use: `AZACR_THREADS`, or the CPUs this process may run on.
fn cpus() -> usize {
    static CPUS: OnceLock<usize> = OnceLock::new();
    *CPUS.get_or_init(|| {
        let available = std::thread::available_parallelism().map_or(1, |n| n.get()).min(16);
        let chosen = std::env::var("AZACR_THREADS").ok().and_then(|n| n.trim().parse::<usize>().ok());
        chosen.unwrap_or(available).max(1)
    })
}

/// How many threads `len` items are worth.
fn threads_for(len: usize, cpus: usize) -> usize {
    if IN_PART.get() { 1 } else { (len / MIN_PART).clamp(1, cpus) }
}

/// How long each part of a list of `len` items is, for `map`.
pub fn part_len(len: usize) -> usize {
    part_len_for(len, cpus())
}

fn part_len_for(len: usize, cpus: usize) -> usize {
    len.div_ceil(threads_for(len, cpus)).max(1)
}

/// `work` applied to each part, the first on this thread and the others on helper threads
/// (or on this one, should no helper take them); the results in the parts' order.
pub fn map<P: Send, R: Send>(parts: impl IntoIterator<Item = P>, work: impl Fn(P) -> R + Sync) -> Vec<R> {
    let parts: Vec<P> = parts.into_iter().collect();
    if parts.len() < 2 {
        return parts.into_iter().map(work).collect();
    }
    let slots: Vec<Mutex<Option<P>>> = parts.into_iter().map(|part| Mutex::new(Some(part))).collect();
    let results: Vec<Mutex<Option<R>>> = slots.iter().map(|_| Mutex::new(None)).collect();
    let run = |k: usize| {
        let part = slots[k].lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(part) = part {
            let result = work(part);
            *results[k].lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
        }
    };
    let run = &run;
    // A part no helper has begun yet is done here, after this thread's own.
    let jobs = (1..slots.len()).map(|k| Box::new(move || run(k)) as Box<dyn FnOnce() + Send + '_>).collect();
    fork(jobs, || (0..slots.len()).for_each(run));
    results.into_iter().filter_map(|r| r.into_inner().unwrap_or_else(PoisonError::into_inner)).collect()
}

/// For text that must come out in order: `items` in blocks of `block`, dealt round the
/// threads. Each block comes to `each` in order, with the index of its first item: this
/// thread's as `None`, to be done there, the others' with what `work` made of them. Helpers
/// keep at most `AHEAD` blocks waiting and get their memory back through `recycle`, so the
/// text in flight stays small and reuses warm memory instead of fresh pages.
pub fn in_blocks<'t, T: Sync, R: Send + Default>(
    items: &'t [T],
    block: usize,
    work: impl Fn(usize, &'t [T], &mut R) + Sync,
    each: impl FnMut(usize, &'t [T], Option<&R>),
) {
    in_blocks_on(threads_for(items.len(), cpus()), items, block, work, each)
}

fn in_blocks_on<'t, T: Sync, R: Send + Default>(
    threads: usize,
    items: &'t [T],
    block: usize,
    work: impl Fn(usize, &'t [T], &mut R) + Sync,
    mut each: impl FnMut(usize, &'t [T], Option<&R>),
) {
    let block = block.max(1);
    let blocks = || items.chunks(block).enumerate().map(move |(k, chunk)| (k, k * block, chunk));
    if threads < 2 {
        return blocks().for_each(|(_, start, chunk)| each(start, chunk, None));
    }
    let work = &work;
    let mut jobs: Vec<Box<dyn FnOnce() + Send + '_>> = Vec::new();
    let mut channels = Vec::new();
    for t in 1..threads {
        let (done, finished) = mpsc::sync_channel::<R>(AHEAD);
        let (recycle, recycled) = mpsc::channel::<R>();
        jobs.push(Box::new(move || {
            for (_, start, chunk) in blocks().skip(t).step_by(threads) {
                let mut result = recycled.try_recv().unwrap_or_default();
                work(start, chunk, &mut result);
                if done.send(result).is_err() {
                    break;
                }
            }
        }));
        channels.push((finished, recycle));
    }
    fork(jobs, move || {
        for (k, start, chunk) in blocks() {
            let worker = k % threads;
            let from = (worker > 0).then(|| &channels[worker - 1]);
            // A helper that could not be had (its job dropped unrun, its channel closed)
            // leaves its blocks to this thread.
            match from.and_then(|(finished, _)| finished.recv().ok()) {
                Some(result) => {
                    each(start, chunk, Some(&result));
                    if let Some((_, recycle)) = from {
                        let _ = recycle.send(result);
                    }
                }
                None => each(start, chunk, None),
            }
        }
        // `channels` go with this closure, a panic included: a helper still writing blocks
        // nobody reads then stops at its next one.
    });
}

/// A job for a helper thread, and where it says that it is done.
type Job = (Box<dyn FnOnce() + Send + 'static>, mpsc::Sender<std::thread::Result<()>>);

/// Helper threads waiting for a job: they stay for the process's life, so that a long
/// list's parts do not wait for a thread to start, and their heaps stay warm.
static IDLE: Mutex<Vec<mpsc::Sender<Job>>> = Mutex::new(Vec::new());

/// Runs each of `jobs` on a helper thread and `here` on this one, and returns what `here`
/// gives once every job has ended. A job no thread can be had for is dropped unrun: the
/// callers then do its work here. A panic in a job or in `here` reaches the caller, after
/// every job has ended.
fn fork<'a, R>(jobs: Vec<Box<dyn FnOnce() + Send + 'a>>, here: impl FnOnce() -> R) -> R {
    let (done, finished) = mpsc::channel();
    let mut handed = 0;
    for job in jobs {
        // SAFETY: only the lifetime changes. A job is dropped once it has run, and fork
        // returns only after every job handed to a helper has said it is done (below) or
        // has been dropped unrun (all the `done` senders gone), so nothing a job borrows is
        // used after fork returns.
        let job: Box<dyn FnOnce() + Send + 'static> = unsafe { std::mem::transmute(job) };
        if hand_over((job, done.clone())).is_ok() {
            handed += 1;
        }
    }
    drop(done);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| in_part(here)));
    let mut panic = None;
    for _ in 0..handed {
        match finished.recv() {
            Ok(Ok(())) => {}
            Ok(Err(p)) => panic = panic.or(Some(p)),
            Err(mpsc::RecvError) => break,
        }
    }
    match (result, panic) {
        (Ok(result), None) => result,
        (Err(p), _) | (_, Some(p)) => std::panic::resume_unwind(p),
    }
}

/// Gives `job` to an idle helper, or to a new one; gives it back if no thread can be had.
fn hand_over(mut job: Job) -> Result<(), Job> {
    loop {
        let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let Some(helper) = idle else { break };
        match helper.send(job) {
            Ok(()) => return Ok(()),
            Err(mpsc::SendError(back)) => job = back,
        }
    }
    let (jobs, inbox) = mpsc::channel::<Job>();
    // Where the new thread takes its first job from, or this one takes it back.
    let first = Arc::new(Mutex::new(Some(job)));
    let taken = Arc::clone(&first);
    let started = std::thread::Builder::new().stack_size(STACK).spawn(move || {
        let first = taken.lock().unwrap_or_else(PoisonError::into_inner).take();
        for (work, done) in first.into_iter().chain(inbox) {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| in_part(work)));
            // Idle again before saying so, so that the next fork finds this thread.
            IDLE.lock().unwrap_or_else(PoisonError::into_inner).push(jobs.clone());
            let _ = done.send(outcome);
        }
    });
    match started {
        Ok(_) => Ok(()),
        Err(_) => first.lock().unwrap_or_else(PoisonError::into_inner).take().map_or(Ok(()), Err),
    }
}

/// Readies `threads - 1` helpers ahead of any long list, each running `warm` (to ready its
/// heap, say) and then waiting for work. Returns at once.
pub fn prepare(warm: fn()) {
    for _ in 1..cpus() {
        let (done, _) = mpsc::channel();
        let _ = hand_over((Box::new(warm), done));
    }
}

/// Runs `work` as a part: lists it meets are not cut again. The mark is lifted however
/// `work` ends, a panic included (`fork` catches those and goes on on this thread).
fn in_part<R>(work: impl FnOnce() -> R) -> R {
    struct Lift(bool);
    impl Drop for Lift {
        fn drop(&mut self) {
            IN_PART.set(self.0);
        }
    }
    let _lift = Lift(IN_PART.replace(true));
    work()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_come_back_in_order() {
        let items: Vec<usize> = (0..10_000).collect();
        let sums = map(items.chunks(1000), |part| part.iter().sum::<usize>());
        assert_eq!(sums.len(), 10);
        assert_eq!(sums[3], (3000..4000).sum::<usize>());
        assert_eq!(sums.iter().sum::<usize>(), items.iter().sum::<usize>());
    }

    #[test]
    fn long_lists_are_cut_and_parts_of_parts_are_not() {
        assert_eq!(part_len_for(100, 4), 100);
        assert_eq!(part_len_for(3 * MIN_PART, 2), 3 * MIN_PART / 2);
        assert_eq!(part_len_for(100 * MIN_PART, 4), 25 * MIN_PART);
        assert_eq!(part_len_for(0, 4), 1);
        let inner = map([(); 2], |()| part_len_for(100 * MIN_PART, 4));
        assert_eq!(inner, [100 * MIN_PART, 100 * MIN_PART]);
        assert!(!IN_PART.get());
    }

    #[test]
    fn blocks_come_in_order_each_done_once() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 3] {
            let mut seen = Vec::new();
            let mut here = 0;
            in_blocks_on(
                threads,
                &items,
                7,
                |start, block, sums: &mut Vec<usize>| {
                    sums.clear();
                    sums.push(start);
                    sums.push(block.iter().sum());
                },
                |start, block, done| {
                    assert_eq!(block[0], start);
                    match done {
                        Some(sums) => {
                            assert_eq!(sums[..], [start, block.iter().sum()]);
                            assert_ne!((start / 7) % threads, 0, "this thread's block done elsewhere");
                        }
                        None => here += 1,
                    }
                    seen.extend_from_slice(block);
                },
            );
            assert_eq!(seen, items);
            assert_eq!(here, 1000_usize.div_ceil(7).div_ceil(threads));
        }
    }

    #[test]
    fn helpers_are_kept_and_used_again() {
        let mut helpers = std::collections::HashSet::new();
        for _ in 0..20 {
            let ids = map([(), ()], |()| std::thread::current().id());
            assert_eq!(ids.len(), 2);
            helpers.insert(ids[1]);
        }
        // Other tests may hold a helper for a while; twenty new threads would mean none is kept.
        assert!(helpers.len() < 10, "{} helpers for 20 lists", helpers.len());
    }

    #[test]
    fn a_panic_while_writing_blocks_reaches_the_caller_once_all_have_stopped() {
        let items: Vec<usize> = (0..1000).collect();
        let in_helper = std::panic::catch_unwind(|| {
            in_blocks_on(2, &items, 10, |start, _, _: &mut usize| assert_ne!(start, 510), |_, _, _| {})
        });
        assert!(in_helper.is_err());
        // Here, while the helper waits to hand over more blocks than are read.
        let here = std::panic::catch_unwind(|| {
            in_blocks_on(
                2,
                &items,
                1,
                |_, _, _: &mut usize| {},
                |start, _, done| assert!(done.is_none() || start < 9),
            )
        });
        assert!(here.is_err());
    }

    #[test]
    fn a_panic_in_a_part_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| map([1, 2], |n| assert_eq!(n, 1)));
        assert!(caught.is_err());
        // This thread may still cut lists after a panic in its own part.
        assert!(std::panic::catch_unwind(|| map([1, 2], |n| assert_eq!(n, 2))).is_err());
        assert!(!IN_PART.get());
    }
}
