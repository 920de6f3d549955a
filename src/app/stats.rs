//! 统计分析's figures with their dictionary labels, for the page, the workbook and the API.

use crate::app::AppState;
use crate::domain::workflow::State as WfState;
use crate::store::oversight;

/// One table of the statistics: its dimension (`state`, `series`, `level`, `city`, `month`),
/// its title, and `(code, label, count)` rows.
pub type Table = (&'static str, &'static str, Vec<(String, String, i64)>);

/// The five tables with dictionary labels, states in workflow order.
pub fn labelled(state: &AppState, tables: [Vec<(String, i64)>; 5]) -> Vec<Table> {
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
    oversight::DIMENSIONS
        .into_iter()
        .zip(titles)
        .zip(tables)
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
