//! How azacr uses memory: glibc's allocator tuned for long listings, and memory for the
//! output made ready while the registry is still answering.

/// Tunes glibc's allocator for azacr's pattern: many small values decoded and freed page by
/// page, then a few large vectors (sort keys, results, text) made and freed by a query.
/// - No fast bins: they make the first large allocation after those frees walk them all
///   (`malloc_consolidate`), which cost more than half of a query over 100,000 manifests.
/// - Large vectors from the heap rather than fresh mappings, and freed memory kept for reuse:
///   every fresh page costs a fault (a sort over 100,000 manifests touched 2,800 of them).
///   (A single arena for all threads, to share freed vectors too, doubled the time of filters
///   that allocate per row on several threads: they wait on its lock.)
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator parameter; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_MXFAST, 0);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

/// How much memory this thread's heap holds ready for the output.
const HERE: usize = 4 << 20;

/// How much the heap of the thread that helps with long lists holds ready.
const HELPER: usize = 2 << 20;

/// Memory for a listing's `--query` and output, touched (its pages faulted in) while the
/// command still waits on the registry, and held so that decoding the pages does not take
/// it. Dropped just before the output: the query and the writers then reuse it instead of
/// faulting fresh pages, which cost a third of the time of a query over 20,000 manifests.
/// A thread that would help with long lists (see `output::parallel`) readies its heap too:
/// glibc gives that heap to the next thread that starts.
pub struct Reserve {
    _held: Vec<u8>,
}

impl Reserve {
    pub fn new() -> Reserve {
        if !cfg!(all(target_os = "linux", target_env = "gnu")) {
            return Reserve { _held: Vec::new() };
        }
        if crate::output::parallel::helps() {
            // Detached: nothing waits for it, and it costs nothing if it fails to start.
            let _ = std::thread::Builder::new().spawn(|| drop(touched(HELPER)));
        }
        Reserve { _held: touched(HERE) }
    }
}

impl Default for Reserve {
    fn default() -> Reserve {
        Reserve::new()
    }
}

/// A block of `len` bytes with every page written to.
fn touched(len: usize) -> Vec<u8> {
    let mut block = vec![0u8; len];
    for byte in block.iter_mut().step_by(4096) {
        *byte = 1;
    }
    std::hint::black_box(block)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Page faults this thread has taken so far.
    fn faults() -> i64 {
        // SAFETY: getrusage only writes the struct it is given.
        unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            libc::getrusage(libc::RUSAGE_THREAD, &mut usage);
            usage.ru_minflt
        }
    }

    #[test]
    fn output_after_the_reserve_reuses_its_pages() {
        tune_allocator();
        let faults_touching = |len: usize| {
            let before = faults();
            drop(touched(len));
            faults() - before
        };
        let len = HERE * 3 / 4;
        drop(Reserve::new());
        let taken = faults_touching(len);
        assert!(taken < (len / 4096 / 4) as i64, "{taken} faults: the reserve's pages were not reused");
        // Fresh memory, more than any heap holds ready here, does fault (the check can fail).
        let fresh = std::thread::spawn(move || faults_touching(6 * HERE)).join().unwrap();
        assert!(fresh > (6 * HERE / 4096 / 2) as i64, "{fresh} faults");
    }
}
