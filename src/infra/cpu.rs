//! CPU-heavy work off the async threads, at most one job per core at a time.
//!
//! Argon2 takes 19 MiB and tens of milliseconds per password; typesetting a 转入表 takes
//! tens of megabytes and milliseconds more. Handed to `spawn_blocking` freely, a peak of 512
//! logins or downloads runs 512 of them at once on 512 threads: no faster on two cores, and
//! the memory of all of them at the same time (the benchmark saw 269 MB after six seconds of
//! 转入表 downloads). Past the cores' number, requests wait here, holding no thread.

use std::sync::LazyLock;

use tokio::sync::Semaphore;

static SLOTS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs `job` on a blocking thread once a core is free; `what` names it in the error if the
/// job panicked.
pub async fn run<T: Send + 'static>(
    what: &str,
    job: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<T> {
    let _slot = SLOTS
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| anyhow::anyhow!("{what} task: {e}"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_jobs_run_at_once_than_there_are_cores() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = (0..cores * 4).map(|i| {
            let (running, most) = (running.clone(), most.clone());
            tokio::spawn(super::run("test job", move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                i
            }))
        });
        let mut done = Vec::new();
        for job in jobs.collect::<Vec<_>>() {
            done.push(job.await.unwrap().unwrap());
        }
        assert_eq!(done, (0..cores * 4).collect::<Vec<_>>());
        let most = most.load(Ordering::SeqCst);
        assert!(most <= cores, "{most} jobs ran at once on {cores} cores");
        assert!(most >= 1);
    }

    #[tokio::test]
    async fn a_panicking_job_is_an_error_and_frees_its_core() {
        let err = super::run("typesetting", || -> u8 { panic!("boom") })
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("typesetting task"));
        assert_eq!(super::run("after", || 7).await.unwrap(), 7);
    }
}
