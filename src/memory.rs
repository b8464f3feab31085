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

/// A listing is long once the process holds this much: only then is a reserve made (and
/// the helper threads started), so that short listings, often run in loops, pay nothing.
const LONG: usize = 4 << 20;

/// The reserve grows a block at a time, to a quarter of what the listing holds so far:
/// a query and its output take about that much more (sort keys, results, text).
const BLOCK: usize = 4 << 20;
const MOST: usize = 32 << 20;

/// How much the heap of a thread that helps with long lists holds ready.
const HELPER: usize = 4 << 20;

/// How much is touched between looks at the registry's answers.
const STEP: usize = 64 << 10;

/// How long the reserve waits before it looks again whether the listing has grown.
const PAUSE: std::time::Duration = std::time::Duration::from_millis(2);

/// Memory for a long listing's `--query` and output: its pages faulted in ahead, then held
/// so that decoding the registry's pages does not take it, and dropped just before the
/// output. The query and the writers then reuse it instead of faulting fresh pages (2–3 µs
/// each on the benchmark machine; a third of the time of a query over 20,000 manifests).
/// The threads that help with long lists (see `output::parallel`) are started with its
/// first block and ready their heaps too.
#[derive(Default)]
pub struct Reserve {
    blocks: Vec<Vec<u8>>,
}

impl Reserve {
    /// An empty reserve, to be grown with the listing.
    pub fn new() -> Reserve {
        Reserve::default()
    }

    /// Grows the reserve, at once, to what the listing decoded so far wants.
    pub fn top_up(&mut self) {
        while self.short() {
            self.add(touched(BLOCK));
        }
    }

    /// Runs `work` (a listing's requests) while the reserve grows with the listing, a step
    /// at a time while `work` waits on the network; frees the reserve when `work` is done.
    pub async fn during<F: Future>(work: F) -> F::Output {
        let prepare = async {
            let mut reserve = Reserve::new();
            loop {
                if !reserve.short() {
                    tokio::time::sleep(PAUSE).await;
                    continue;
                }
                let mut block = vec![0; BLOCK];
                for chunk in block.chunks_mut(STEP) {
                    touch(chunk);
                    tokio::task::yield_now().await;
                }
                reserve.add(block);
            }
        };
        tokio::select! {
            output = work => output,
            () = prepare => unreachable!("never ends"),
        }
    }

    fn add(&mut self, block: Vec<u8>) {
        if self.blocks.is_empty() {
            crate::output::parallel::prepare(|| drop(touched(HELPER)));
        }
        self.blocks.push(block);
    }

    /// Whether the reserve is smaller than what the listing wants.
    fn short(&self) -> bool {
        let (held, holding) = (self.blocks.len() * BLOCK, in_use());
        holding >= LONG && held < MOST && held < (holding / 4).max(BLOCK)
    }
}

/// The bytes the process has allocated (0 where the allocator cannot say: no reserve then,
/// as what it saves is glibc's).
fn in_use() -> usize {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    return unsafe { libc::mallinfo2() }.uordblks;
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    0
}

/// Writes to every page of `block`, so that its pages are faulted in.
fn touch(block: &mut [u8]) {
    for byte in block.iter_mut().step_by(4096) {
        *byte = 1;
    }
    std::hint::black_box(block);
}

/// A block of `len` bytes with every page written to.
fn touched(len: usize) -> Vec<u8> {
    let mut block = vec![0u8; len];
    touch(&mut block);
    block
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

    /// Page faults taken touching a fresh block of `len` bytes.
    fn faults_touching(len: usize) -> i64 {
        let before = faults();
        drop(touched(len));
        faults() - before
    }

    const LEN: usize = BLOCK * 3 / 4;

    #[test]
    fn output_after_the_reserve_reuses_its_pages() {
        tune_allocator();
        let listing = touched(2 * LONG);
        let mut reserve = Reserve::new();
        reserve.top_up();
        assert!(!reserve.blocks.is_empty());
        drop(reserve);
        let taken = faults_touching(LEN);
        assert!(taken < (LEN / 4096 / 4) as i64, "{taken} faults: the reserve's pages were not reused");
        // Fresh memory, more than any heap holds ready here, does fault (the check can fail).
        let fresh = std::thread::spawn(move || faults_touching(6 * BLOCK)).join().unwrap();
        assert!(fresh > (6 * BLOCK / 4096 / 2) as i64, "{fresh} faults");
        drop(listing);
    }

    #[test]
    fn the_reserve_grows_with_the_listing() {
        let listing = touched(40 << 20);
        let mut reserve = Reserve::new();
        reserve.top_up();
        // A quarter of 40 MB is 10 MB: three blocks.
        assert!(reserve.blocks.len() >= 3, "{} blocks for 40 MB", reserve.blocks.len());
        assert!(reserve.blocks.len() * BLOCK <= MOST);
        drop(listing);
    }

    #[test]
    fn a_reserve_is_made_while_the_work_waits_and_freed_when_it_ends() {
        tune_allocator();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let long_listing = async {
            let pages = touched(2 * LONG);
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            pages.len()
        };
        assert_eq!(runtime.block_on(Reserve::during(long_listing)), 2 * LONG);
        let taken = faults_touching(LEN);
        assert!(taken < (LEN / 4096 / 4) as i64, "{taken} faults: the reserve's pages were not reused");
        // Quick work is not held up by the reserve.
        assert_eq!(runtime.block_on(Reserve::during(async { 7 })), 7);
    }
}
