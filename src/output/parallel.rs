//! Long lists are worked on by every CPU, and what comes out is the same as one thread's:
//! a query's parts come back in the list's order (`map`), a writer's text goes out in order
//! (`in_blocks`). The work over a row is mostly waiting for memory, which several cores do
//! side by side (see BENCHMARKS.md).

use std::cell::Cell;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock, PoisonError};

/// Items a thread needs to be worth starting (starting and joining one took 60–400 µs on the
/// benchmark machine; a row costs 0.1–0.3 µs).
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

/// Whether long lists are worked on by more than this thread.
pub fn helps() -> bool {
    cpus() > 1
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

fn spawn<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    work: impl FnOnce() + Send + 'scope,
) -> Option<std::thread::ScopedJoinHandle<'scope, ()>> {
    std::thread::Builder::new().stack_size(STACK).spawn_scoped(scope, move || in_part(work)).ok()
}

/// `work` applied to each part, the first on this thread and the others on threads of their
/// own (or on this one, should a thread not start); the results in the parts' order.
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
    std::thread::scope(|scope| {
        let run = &run;
        let threads: Vec<_> = (1..slots.len()).map(|k| spawn(scope, move || run(k))).collect();
        in_part(|| (0..slots.len()).for_each(run));
        // A part whose thread did not start was done above; a panic reaches the caller.
        for thread in threads.into_iter().flatten() {
            thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
    results.into_iter().filter_map(|r| r.into_inner().unwrap_or_else(PoisonError::into_inner)).collect()
}

/// For text that must come out in order: `items` in blocks of `block`, dealt round the
/// threads. Each block comes to `each` in order, with the index of its first item: this
/// thread's as `None`, to be done there, the others' with what `work` made of them. Threads
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
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads)
            .map(|t| {
                let (done, finished) = mpsc::sync_channel::<R>(AHEAD);
                let (recycle, recycled) = mpsc::channel::<R>();
                let work = &work;
                let thread = spawn(scope, move || {
                    for (_, start, chunk) in blocks().skip(t).step_by(threads) {
                        let mut result = recycled.try_recv().unwrap_or_default();
                        work(start, chunk, &mut result);
                        if done.send(result).is_err() {
                            break;
                        }
                    }
                });
                thread.map(|_| (finished, recycle))
            })
            .collect();
        in_part(|| {
            for (k, start, chunk) in blocks() {
                let worker = k % threads;
                let from = (worker > 0).then(|| workers[worker - 1].as_ref()).flatten();
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
        });
    });
}

/// Runs `work` as a part: lists it meets are not cut again.
fn in_part<R>(work: impl FnOnce() -> R) -> R {
    let outer = IN_PART.replace(true);
    let result = work();
    IN_PART.set(outer);
    result
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
    fn a_panic_in_a_part_reaches_the_caller() {
        let caught = std::panic::catch_unwind(|| map([1, 2], |n| assert_eq!(n, 1)));
        assert!(caught.is_err());
    }
}
