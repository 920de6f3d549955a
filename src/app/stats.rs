//! 统计分析's figures with their dictionary labels, for the page, the workbook and the API.

use std::collections::HashMap;
use std::sync::Arc;

use futures::FutureExt;
use uuid::Uuid;

use crate::app::{AppState, Caller};
use crate::domain::workflow::State as WfState;
use crate::error::{AppError, Result};
use crate::store::stats::{self, StatsFilter, SubmittedRow, Summary};

/// A computation of the figures for one filter, shared by the requests that wait for it.
type Flight = futures::future::Shared<
    futures::future::BoxFuture<'static, std::result::Result<Arc<Summary>, Arc<AppError>>>,
>;

/// The computations under way, by filter.
pub(crate) type Flights = Arc<std::sync::Mutex<HashMap<StatsFilter, Flight>>>;

/// The figures of 统计分析 for `f`. Requests for the same figures that arrive while they are
/// being computed wait for that computation instead of starting their own: at a deadline
/// many operators open the same page, and each computation runs six queries on the shared
/// pool (on 1M applications, 512 at once answered 3 a second and held 140 MB more). The
/// computation runs as a task of its own, so a request that gives up does not end it for
/// the others; it leaves the map when done, so a request arriving later reads afresh.
pub async fn summary(state: &AppState, f: &StatsFilter) -> Result<Arc<Summary>> {
    let flight = {
        let mut flights = state
            .stats_flights
            .lock()
            .map_err(|_| anyhow::anyhow!("the statistics' map is poisoned"))?;
        match flights.get(f) {
            Some(flight) => flight.clone(),
            None => {
                let (db, key, map) = (
                    state.db.conn.clone(),
                    f.clone(),
                    state.stats_flights.clone(),
                );
                let task = tokio::spawn(async move {
                    let figures = stats::summary(&db, &key).await;
                    if let Ok(mut flights) = map.lock() {
                        flights.remove(&key);
                    }
                    figures.map(Arc::new).map_err(Arc::new)
                });
                let flight: Flight = async move {
                    task.await.unwrap_or_else(|e| {
                        Err(Arc::new(
                            anyhow::anyhow!("computing the statistics: {e}").into(),
                        ))
                    })
                }
                .boxed()
                .shared();
                flights.insert(f.clone(), flight.clone());
                flight
            }
        }
    };
    flight.await.map_err(|e| match &*e {
        AppError::Conflict(why) => AppError::Conflict(*why),
        other => anyhow::anyhow!("computing the statistics: {other}").into(),
    })
}

/// One table of the statistics: its dimension (`state`, `series`, `level`, `city`, `month`),
/// its title, and `(code, label, count)` rows.
pub type Table = (&'static str, &'static str, Vec<(String, String, i64)>);

/// The five tables with dictionary labels, states in workflow order.
pub fn labelled(state: &AppState, tables: &[Vec<(String, i64)>; 5]) -> Vec<Table> {
    let d = state.dicts();
    let label = |by: &str, k: &str| -> String {
        let l = match by {
            "state" => WfState::parse(k).map_or(k.to_owned(), |s| s.label().to_owned()),
            "series" => d.series_name(k).to_owned(),
            "level" => d.level_name(k).to_owned(),
            "city" => d.region(k).map_or(k.to_owned(), |r| r.name.clone()),
            _ => k.to_owned(),
        };
        if l.is_empty() {
            "（未填）".to_owned()
        } else {
            l
        }
    };
    let titles = ["按状态", "按职称系列", "按级别", "按地市", "按提交月份"];
    stats::DIMENSIONS
        .into_iter()
        .zip(titles)
        .zip(tables.iter().cloned())
        .map(|((by, title), mut rows)| {
            if by == "state" {
                in_workflow_order(&mut rows);
            }
            let rows = rows
                .into_iter()
                .map(|(k, n)| {
                    let l = label(by, &k);
                    (k, l, n)
                })
                .collect();
            (by, title, rows)
        })
        .collect()
}

/// One submitted application of 申报明细, labelled.
pub struct Detail {
    pub id: Uuid,
    pub person: String,
    /// Masked, or in full when asked for (and audited).
    pub id_number: String,
    pub unit: String,
    pub series: String,
    pub title: String,
    pub state: WfState,
    pub submitted_at: i64,
    pub final_at: Option<i64>,
}

/// The row with its dictionary labels; the ID number decrypted if `full_id`.
pub fn detail(state: &AppState, r: SubmittedRow, full_id: bool) -> Result<Detail> {
    let d = state.dicts();
    Ok(Detail {
        id_number: if full_id {
            state
                .keys
                .decrypt(crate::store::accounts::ID_CONTEXT, &r.id_cipher)?
        } else {
            r.id_masked
        },
        id: r.id,
        person: r.person_name,
        unit: r.unit_name.unwrap_or_default(),
        series: r
            .series_code
            .as_deref()
            .map(|c| d.series_name(c).to_owned())
            .unwrap_or_default(),
        title: d.title_name(r.title_id).to_owned(),
        state: r.state,
        submitted_at: r.submitted_at,
        final_at: r.final_at,
    })
}

/// One page of 申报明细 under the statistics filters, newest submission first, after
/// `before`. With full ID numbers the page is audited as an export of personal information.
pub async fn details(
    state: &AppState,
    caller: &Caller,
    f: &StatsFilter,
    (before, limit): (Option<(i64, Uuid)>, u64),
    full_ids: bool,
) -> Result<Vec<Detail>> {
    let rows = stats::submitted_before(&state.db.conn, f, before, limit).await?;
    let details = rows
        .into_iter()
        .map(|r| detail(state, r, full_ids))
        .collect::<Result<Vec<_>>>()?;
    if full_ids {
        caller
            .record_alone(
                state,
                "pii_export",
                "applications",
                format!("{} rows through the API, ID numbers in full", details.len()),
            )
            .await?;
    }
    Ok(details)
}

/// States in the order an application goes through them, not alphabetically.
fn in_workflow_order(rows: &mut [(String, i64)]) {
    rows.sort_by_key(|(k, _)| {
        WfState::parse(k).and_then(|s| WfState::ALL.iter().position(|x| *x == s))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_workflow() {
        let mut rows: Vec<(String, i64)> =
            ["approved", "pending", "returned", "to_report", "draft"]
                .iter()
                .map(|k| (k.to_string(), 1))
                .collect();
        in_workflow_order(&mut rows);
        let keys: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            keys,
            ["draft", "pending", "returned", "to_report", "approved"]
        );
    }
}
