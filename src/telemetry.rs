//! Logging: human-readable in development, JSON lines in production. Never logs secrets.

use tracing_subscriber::EnvFilter;

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("ZHICHENG_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,hyper=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(true)
        // Standard output is for what a command prints (a token, sample accounts, a report).
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The process's metrics recorder (installed on first use) and the handle that renders
/// the Prometheus text. One per process: tests run many platforms side by side.
pub fn metrics() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: std::sync::OnceLock<metrics_exporter_prometheus::PrometheusHandle> =
        std::sync::OnceLock::new();
    HANDLE.get_or_init(|| {
        use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
        // Page latencies: from a warm 2 ms page to the 30 s request timeout.
        let buckets = [
            0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
        ];
        // How late a timer fires (under a millisecond on a runtime that keeps up), and how
        // long a group commit holds the write lock (about a millisecond for its fsync).
        let lateness = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &buckets,
            )
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(RUNTIME_LATENESS.into()), &lateness)
            })
            .and_then(|b| {
                b.set_buckets_for_metric(
                    Matcher::Full(crate::store::COMMIT_SECONDS.into()),
                    &lateness,
                )
            })
            .expect("non-empty buckets");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        describe();
        handle
    })
}

const RUNTIME_LATENESS: &str = "zhicheng_runtime_lateness_seconds";

/// Watches the async runtime until aborted: a task that asks to wake every 10 ms records
/// how much later than asked it ran (`zhicheng_runtime_lateness_seconds`). Every request is
/// served by the same worker threads, so this is the wait any ready request has before a
/// thread picks it up, which the per-route histograms (measured once a request runs) miss.
pub fn watch_runtime() -> tokio::task::JoinHandle<()> {
    const PERIOD: std::time::Duration = std::time::Duration::from_millis(10);
    tokio::spawn(async {
        let lateness = metrics::histogram!(RUNTIME_LATENESS);
        loop {
            let asked = std::time::Instant::now();
            tokio::time::sleep(PERIOD).await;
            lateness.record(asked.elapsed().saturating_sub(PERIOD).as_secs_f64());
        }
    })
}

/// The runtime's own counts at scrape time: its worker threads, the tasks alive (one per
/// open connection, plus the platform's own) and the tasks waiting in its shared queue.
pub fn record_runtime() {
    let m = tokio::runtime::Handle::current().metrics();
    metrics::gauge!("tokio_workers").set(m.num_workers() as f64);
    metrics::gauge!("tokio_alive_tasks").set(m.num_alive_tasks() as f64);
    metrics::gauge!("tokio_global_queue_depth").set(m.global_queue_depth() as f64);
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "http_requests_total",
        "Requests answered, by site, route template, method and status"
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer, by site and route template"
    );
    describe_gauge!(
        "db_pool_connections",
        "Database pool connections, by state (in_use, idle) and the pool's maximum"
    );
    describe_histogram!(
        RUNTIME_LATENESS,
        Unit::Seconds,
        "How much later than asked a 10 ms timer task ran: the wait of a ready request for a worker thread"
    );
    describe_histogram!(
        crate::store::COMMIT_SECONDS,
        Unit::Seconds,
        "How long a group of writes held SQLite's write lock, by phase (statements, commit)"
    );
    describe_gauge!(
        crate::store::WAL_FRAMES,
        "Frames in SQLite's write-ahead log at the last checkpoint (4 KiB each): it starts over once copied"
    );
    describe_gauge!("tokio_workers", "The async runtime's worker threads");
    describe_gauge!(
        "tokio_alive_tasks",
        "Tasks alive in the async runtime (one per open connection, and the platform's own)"
    );
    describe_gauge!(
        "tokio_global_queue_depth",
        "Tasks ready to run waiting in the runtime's shared queue"
    );
    describe_counter!(
        "zhicheng_transitions_total",
        "Workflow steps recorded in applications' history, by action"
    );
    describe_counter!(
        "zhicheng_logins_total",
        "Login attempts, by site and outcome (ok, failed, locked, refused)"
    );
    describe_counter!(
        "zhicheng_upload_bytes_total",
        Unit::Bytes,
        "Bytes of attachments stored"
    );
}
