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
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("http_request_duration_seconds".into()),
                &buckets,
            )
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
