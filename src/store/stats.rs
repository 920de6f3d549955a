//! 统计分析's queries: counts by state, series, level, city and month (whole months from the
//! trigger-kept cube, cut days from the applications' covering index), the durations from
//! submission to final approval, and the 申报明细 rows. Scoped to the bureau's region
//! (`None` = the whole province) like every back-office query.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use super::query_as;
use crate::error::Result;

/// Filters of the statistics page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StatsFilter {
    pub region: Option<String>,
    pub series: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

fn stats_where(f: &StatsFilter) -> (String, Vec<Value>) {
    let mut cond = vec!["a.submitted_at IS NOT NULL".to_owned()];
    let mut v: Vec<Value> = Vec::new();
    if let Some(r) = &f.region {
        cond.push("a.declare_region = ?".into());
        v.push(r.clone().into());
    }
    if let Some(s) = &f.series {
        cond.push("a.series_code = ?".into());
        v.push(s.clone().into());
    }
    if let Some(t) = f.from_ms {
        cond.push("a.submitted_at >= ?".into());
        v.push(t.into());
    }
    if let Some(t) = f.to_ms {
        cond.push("a.submitted_at < ?".into());
        v.push(t.into());
    }
    (cond.join(" AND "), v)
}

/// Counts grouped by one dimension: `state`, `series`, `level`, `city` or `month` (CST).
/// Whole months come from the statistics cube; days a date range cuts off a month are
/// counted from the applications' index.
pub async fn counts(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
    by: &str,
) -> Result<Vec<(String, i64)>> {
    let split = crate::domain::clock::split_months(f.from_ms, f.to_ms);
    let mut acc: std::collections::BTreeMap<String, i64> = Default::default();
    if let Some((first, end)) = &split.months {
        for (k, n) in cube_counts(c, f, by, first.as_deref(), end.as_deref()).await? {
            *acc.entry(k).or_default() += n;
        }
    }
    for (from, to) in split.edges {
        let cut = StatsFilter {
            from_ms: Some(from),
            to_ms: Some(to),
            ..f.clone()
        };
        for (k, n) in counts_scanned(c, &cut, by).await? {
            *acc.entry(k).or_default() += n;
        }
    }
    Ok(acc.into_iter().filter(|(_, n)| *n > 0).take(500).collect())
}

/// A grouping's column in the cube and in `applications a`.
fn columns(by: &str) -> (&'static str, &'static str) {
    match by {
        "state" => ("state", "a.state"),
        "series" => ("series", "a.series_code"),
        "level" => ("level", "a.level_code"),
        "city" => ("region", "a.declare_region"),
        _ => ("month", "a.submitted_month"),
    }
}

async fn cube_counts(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
    by: &str,
    first_month: Option<&str>,
    end_month: Option<&str>,
) -> Result<Vec<(String, i64)>> {
    let key = columns(by).0;
    let (cond, v) = cube_where(
        f.region.as_deref(),
        f.series.as_deref(),
        first_month,
        end_month,
    );
    let b = c.get_database_backend();
    // The index to read (migration 15): a region's cells, a series' cells, or the whole
    // cube in the grouping's order. SQLite's planner, left alone, reads a region's page
    // through a grouping's index, every cell of the province, and takes ten times longer.
    let index = match (&f.region, &f.series) {
        (Some(_), _) => "region",
        (None, Some(_)) => "series",
        (None, None) => key,
    };
    let hint = super::dialect::indexed_by(b, &format!("ix_stats_cube_{index}"));
    key_counts(
        c,
        &format!(
            "SELECT {key} AS k, CAST(SUM(n) AS {}) AS n FROM stats_cube{hint} WHERE {cond} GROUP BY {key} LIMIT 1000",
            super::dialect::bigint(b)
        ),
        v,
    )
    .await
}

/// The conditions on a cube's cells (`stats_cube`, `stats_durations`): non-empty cells of
/// the region and series when given, and months from `first_month` to before `end_month`.
fn cube_where(
    region: Option<&str>,
    series: Option<&str>,
    first_month: Option<&str>,
    end_month: Option<&str>,
) -> (String, Vec<Value>) {
    let mut cond = vec!["n > 0".to_owned()];
    let mut v: Vec<Value> = Vec::new();
    for (col, op, val) in [
        ("region", "=", region),
        ("series", "=", series),
        ("month", ">=", first_month),
        ("month", "<", end_month),
    ] {
        if let Some(x) = val {
            cond.push(format!("{col} {op} ?"));
            v.push(x.to_owned().into());
        }
    }
    (cond.join(" AND "), v)
}

/// A group's key `k` and its count `n`.
#[derive(FromQueryResult)]
struct Group<K: sea_orm::TryGetable> {
    k: K,
    n: i64,
}

/// Runs a grouped count (`SELECT … AS k, … AS n`) and returns its `(k, n)` pairs.
async fn groups<K: sea_orm::TryGetable>(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<(K, i64)>> {
    let rows: Vec<Group<K>> = query_as(c, sql, values).await?;
    Ok(rows.into_iter().map(|g| (g.k, g.n)).collect())
}

/// Counts by a text key; a group without a value (no series yet) is keyed "".
async fn key_counts(
    c: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<(String, i64)>> {
    Ok(groups::<Option<String>>(c, sql, values)
        .await?
        .into_iter()
        .map(|(k, n)| (k.unwrap_or_default(), n))
        .collect())
}

/// The same counts straight from the applications (their covering index): for the cut
/// days of a range, and to check the cube against.
pub async fn counts_scanned(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
    by: &str,
) -> Result<Vec<(String, i64)>> {
    let key = columns(by).1;
    let (wh, v) = stats_where(f);
    key_counts(
        c,
        &format!("SELECT {key} AS k, COUNT(*) AS n FROM applications a WHERE {wh} GROUP BY {key} ORDER BY {key} LIMIT 1000"),
        v,
    )
    .await
}

/// The groupings of the statistics page, in its order.
pub const DIMENSIONS: [&str; 5] = ["state", "series", "level", "city", "month"];

/// Everything the statistics page shows: the counts by each of [`DIMENSIONS`] and the
/// (median, p90, count) of submission → final approval, queried concurrently.
pub struct Summary {
    pub tables: [Vec<(String, i64)>; 5],
    pub durations: (Option<f64>, Option<f64>, i64),
}

pub async fn summary(c: &impl ConnectionTrait, f: &StatsFilter) -> Result<Summary> {
    let [d0, d1, d2, d3, d4] = DIMENSIONS;
    let (a, b, l, ci, m, durations) = tokio::try_join!(
        counts(c, f, d0),
        counts(c, f, d1),
        counts(c, f, d2),
        counts(c, f, d3),
        counts(c, f, d4),
        self::durations(c, f),
    )?;
    Ok(Summary {
        tables: [a, b, l, ci, m],
        durations,
    })
}

/// Median and 90th percentile of submission → final approval, in hours, and the count.
/// Whole months from the duration cube (migration 11), the days a range cuts off from the
/// approved applications' index; a series filter, which the cube does not key, scans.
pub async fn durations(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
) -> Result<(Option<f64>, Option<f64>, i64)> {
    if f.series.is_some() {
        return durations_scanned(c, f).await;
    }
    let split = crate::domain::clock::split_months(f.from_ms, f.to_ms);
    let mut acc: std::collections::BTreeMap<i64, i64> = Default::default();
    if let Some((first, end)) = &split.months {
        // The duration cube has no series column: a series filter scanned above.
        let (cond, v) = cube_where(f.region.as_deref(), None, first.as_deref(), end.as_deref());
        let b = c.get_database_backend();
        // As in `cube_counts`: the region's cells, or all of them in hours' order.
        let index = match &f.region {
            Some(_) => "ix_stats_durations_region",
            None => "ix_stats_durations_hours",
        };
        let hint = super::dialect::indexed_by(b, index);
        let sql = format!(
            "SELECT hours AS k, CAST(SUM(n) AS {}) AS n FROM stats_durations{hint} WHERE {cond} GROUP BY hours",
            super::dialect::bigint(b)
        );
        for (h, n) in groups::<i64>(c, &sql, v).await? {
            *acc.entry(h).or_default() += n;
        }
    }
    for (from, to) in split.edges {
        let cut = StatsFilter {
            from_ms: Some(from),
            to_ms: Some(to),
            ..f.clone()
        };
        for (h, n) in duration_buckets_scanned(c, &cut).await? {
            *acc.entry(h).or_default() += n;
        }
    }
    let buckets: Vec<(i64, i64)> = acc.into_iter().filter(|(_, n)| *n > 0).collect();
    Ok(percentiles(&buckets))
}

/// [`durations`] from the applications alone: what the cube must agree with.
pub async fn durations_scanned(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
) -> Result<(Option<f64>, Option<f64>, i64)> {
    Ok(percentiles(&duration_buckets_scanned(c, f).await?))
}

/// (whole hours taken, approved applications) from one grouped scan of the covering index.
async fn duration_buckets_scanned(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
) -> Result<Vec<(i64, i64)>> {
    let (wh, v) = stats_where(f);
    let b = c.get_database_backend();
    // SQLite's planner prefers the narrower (state, …) index and then reads every row from
    // the table; name the covering partial index (migration 9). PostgreSQL chooses it itself.
    let index = match &f.region {
        None => "ix_applications_approved",
        Some(_) => "ix_applications_approved_region",
    };
    let hint = super::dialect::indexed_by(b, index);
    let div = super::dialect::div(b);
    groups(
        c,
        &format!(
            "SELECT (a.final_at - a.submitted_at) {div} 3600000 AS k, COUNT(*) AS n FROM applications a{hint} \
             WHERE {wh} AND a.state = 'approved' AND a.final_at IS NOT NULL GROUP BY (a.final_at - a.submitted_at) {div} 3600000 ORDER BY k LIMIT 100000"
        ),
        v,
    )
    .await
}

/// (median, p90, count) from (hour, count) buckets sorted by hour.
pub fn percentiles(buckets: &[(i64, i64)]) -> (Option<f64>, Option<f64>, i64) {
    let n: i64 = buckets.iter().map(|b| b.1).sum();
    if n == 0 {
        return (None, None, 0);
    }
    let at = |p: f64| {
        let rank = ((n - 1) as f64 * p).round() as i64;
        let mut seen = 0;
        for (h, k) in buckets {
            seen += k;
            if seen > rank {
                return Some(*h as f64 + 0.5);
            }
        }
        buckets.last().map(|b| b.0 as f64 + 0.5)
    };
    (at(0.5), at(0.9), n)
}

/// One line of the 申报明细 export.
#[derive(Debug, Clone, FromQueryResult)]
pub struct SubmittedRow {
    pub id: Uuid,
    pub submitted_at: i64,
    pub final_at: Option<i64>,
    pub state: crate::domain::workflow::State,
    pub series_code: Option<String>,
    pub title_id: Option<Uuid>,
    #[sea_orm(from_alias = "name")]
    pub person_name: String,
    pub id_masked: String,
    pub id_cipher: String,
    pub unit_name: Option<String>,
}

/// Submitted applications under the statistics filters, newest submission first,
/// keyset-paged by (submitted_at, id) so an export never holds more than one page.
pub async fn submitted_before(
    c: &impl ConnectionTrait,
    f: &StatsFilter,
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<SubmittedRow>> {
    let (mut wh, mut v) = stats_where(f);
    if let Some((at, id)) = before {
        wh.push_str(" AND (a.submitted_at < ? OR (a.submitted_at = ? AND a.id < ?))");
        v.extend([at.into(), at.into(), id.into()]);
    }
    v.push((limit as i64).into());
    Ok(query_as(
        c,
        &format!(
            "SELECT a.id, a.submitted_at, a.final_at, a.state, a.series_code, a.title_id, p.name, p.id_masked, p.id_cipher, \
             u.name AS unit_name FROM applications a JOIN persons p ON p.id = a.person_id \
             LEFT JOIN units u ON u.id = a.declare_unit_id \
             WHERE {wh} ORDER BY a.submitted_at DESC, a.id DESC LIMIT ?"
        ),
        v,
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::percentiles;

    #[test]
    fn percentiles_from_hour_buckets() {
        assert_eq!(percentiles(&[]), (None, None, 0));
        let (m, p90, n) = percentiles(&[(1, 50), (10, 30), (100, 20)]);
        assert_eq!(n, 100);
        assert_eq!(m, Some(10.5));
        assert_eq!(p90, Some(100.5));
    }
}
