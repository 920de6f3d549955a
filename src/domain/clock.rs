//! Time as the business sees it: one source, replaceable in tests.

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time, in which dates (birth dates, years, today) are reckoned.
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("valid offset"),
};

/// Where "now" comes from. Everything stored is UTC milliseconds.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    fn now_ms(&self) -> i64 {
        to_ms(self.now())
    }

    fn today(&self) -> Date {
        self.now().to_offset(CST).date()
    }
}

pub fn to_ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that tests move by hand: the system time plus an offset.
#[derive(Default)]
pub struct FakeClock {
    offset_ms: AtomicI64,
}

impl FakeClock {
    pub fn advance_minutes(&self, minutes: i64) {
        self.offset_ms.fetch_add(minutes * 60_000, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + time::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// `2026-11-26 14:05` in China Standard Time, as pages show times.
///
/// Lists show one per row (the queue twenty), so the digits are written directly: through
/// `format!` each took 2,000 instructions, a thirtieth of the queue page.
pub fn format_minutes(ms: i64) -> String {
    let t = from_ms(ms).to_offset(CST);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return format!(
            "{year:04}-{:02}-{:02} {:02}:{:02}",
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute()
        );
    }
    let digit = |n: u32| char::from(b'0' + (n % 10) as u8);
    let year = year as u32;
    let mut out = String::with_capacity(16);
    for n in [year / 1000, year / 100, year / 10, year] {
        out.push(digit(n));
    }
    for (sep, n) in [
        ('-', u32::from(t.month() as u8)),
        ('-', u32::from(t.day())),
        (' ', u32::from(t.hour())),
        (':', u32::from(t.minute())),
    ] {
        out.push(sep);
        out.push(digit(n / 10));
        out.push(digit(n));
    }
    out
}

/// The start (UTC ms) of a `YYYY-MM-DD` day (1950 or later) in China Standard Time, or of the day after it
/// when `end` (filters run `from <= t < to`). `None` for an empty or malformed date.
pub fn day_bound_ms(s: &str, end: bool) -> Option<i64> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = Date::parse(s.trim(), &fmt).ok()?;
    // The same floor as the forms' dates: earlier ones are typing mistakes.
    if d.year() < 1950 {
        return None;
    }
    let d = if end { d.next_day()? } else { d };
    Some(to_ms(d.midnight().assume_offset(CST)))
}

/// `YYYY-MM` of an instant in China Standard Time: the month statistics file it under.
pub fn month_of(ms: i64) -> String {
    let t = from_ms(ms).to_offset(CST);
    format!("{:04}-{:02}", t.year(), t.month() as u8)
}

/// Midnight CST (UTC ms) of the first day of the month holding `ms`, or of the month after.
fn month_start(ms: i64, next: bool) -> i64 {
    let d = from_ms(ms).to_offset(CST).date();
    let first = d.replace_day(1).unwrap_or(d);
    let first = if next {
        let (y, m) = (first.year(), first.month());
        let (y, m) = if m == time::Month::December {
            (y + 1, time::Month::January)
        } else {
            (y, m.next())
        };
        Date::from_calendar_date(y, m, 1).unwrap_or(first)
    } else {
        first
    };
    to_ms(first.midnight().assume_offset(CST))
}

/// A range `from <= t < to` cut into the whole CST months it covers, which the statistics
/// cube answers, and the days it cuts off at either end, which need the applications' index.
#[derive(Debug, PartialEq, Eq)]
pub struct MonthSplit {
    /// Whole months `first <= month < end` as `YYYY-MM`; an open side is `None`.
    /// `None` altogether when the range holds no whole month.
    pub months: Option<(Option<String>, Option<String>)>,
    /// Cut-off stretches `[from, to)` outside the whole months.
    pub edges: Vec<(i64, i64)>,
}

pub fn split_months(from: Option<i64>, to: Option<i64>) -> MonthSplit {
    let first = from.map(|f| {
        if month_start(f, false) == f {
            f
        } else {
            month_start(f, true)
        }
    });
    let end = to.map(|t| month_start(t, false));
    if let (Some(f), Some(t), Some(a), Some(b)) = (from, to, first, end)
        && a >= b
    {
        return MonthSplit {
            months: None,
            edges: if f < t { vec![(f, t)] } else { Vec::new() },
        };
    }
    let mut edges = Vec::new();
    if let (Some(f), Some(a)) = (from, first)
        && f < a
    {
        edges.push((f, a));
    }
    if let (Some(t), Some(b)) = (to, end)
        && b < t
    {
        edges.push((b, t));
    }
    MonthSplit {
        months: Some((first.map(month_of), end.map(month_of))),
        edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        day_bound_ms(s, false).unwrap()
    }

    #[test]
    fn times_show_in_china_to_the_minute() {
        // 2026-10-31 16:05 UTC is 2026-11-01 00:05 in China.
        assert_eq!(
            format_minutes(day("2026-11-01") + 5 * 60_000),
            "2026-11-01 00:05"
        );
        assert_eq!(
            format_minutes(day("2027-01-09") + (23 * 60 + 59) * 60_000 + 59_999),
            "2027-01-09 23:59"
        );
        assert_eq!(format_minutes(0), "1970-01-01 08:00");
        // Far outside any record's years: year 0 written directly, before it as `format!`
        // pads a negative year.
        assert_eq!(format_minutes(-62_135_683_200_000), "0000-12-31 08:00");
        assert_eq!(format_minutes(-62_167_305_600_000), "-001-12-31 08:00");
    }

    #[test]
    fn months_are_china_months() {
        // 2026-10-31 20:00 UTC is already November in China.
        assert_eq!(month_of(day("2026-11-01") + 1), "2026-11");
        assert_eq!(month_of(day("2026-11-01") - 1), "2026-10");
        assert_eq!(month_of(day("2026-12-31") + 86_399_999), "2026-12");
    }

    #[test]
    fn ranges_split_into_whole_months_and_cut_days() {
        assert_eq!(
            split_months(None, None),
            MonthSplit {
                months: Some((None, None)),
                edges: vec![]
            }
        );
        // 2026-10-15 .. 2027-01-10 (inclusive): Nov and Dec whole, two cut stretches.
        let (f, t) = (day("2026-10-15"), day_bound_ms("2027-01-10", true).unwrap());
        assert_eq!(
            split_months(Some(f), Some(t)),
            MonthSplit {
                months: Some((Some("2026-11".into()), Some("2027-01".into()))),
                edges: vec![(f, day("2026-11-01")), (day("2027-01-01"), t)],
            }
        );
        // Exactly one month, nothing cut.
        let (f, t) = (day("2026-02-01"), day_bound_ms("2026-02-28", true).unwrap());
        assert_eq!(
            split_months(Some(f), Some(t)),
            MonthSplit {
                months: Some((Some("2026-02".into()), Some("2026-03".into()))),
                edges: vec![],
            }
        );
        // Inside one month: all from the index.
        let (f, t) = (day("2026-03-03"), day("2026-03-20"));
        assert_eq!(
            split_months(Some(f), Some(t)),
            MonthSplit {
                months: None,
                edges: vec![(f, t)]
            }
        );
        // Open start, cut end; December rolls into the next year.
        let t = day("2026-12-05");
        assert_eq!(
            split_months(None, Some(t)),
            MonthSplit {
                months: Some((None, Some("2026-12".into()))),
                edges: vec![(day("2026-12-01"), t)],
            }
        );
        let f = day("2026-12-05");
        assert_eq!(
            split_months(Some(f), None),
            MonthSplit {
                months: Some((Some("2027-01".into()), None)),
                edges: vec![(f, day("2027-01-01"))],
            }
        );
        // An empty or reversed range asks for nothing.
        assert_eq!(split_months(Some(t), Some(t)).edges, vec![]);
    }

    #[test]
    fn day_bounds_are_china_midnights() {
        // 2026-11-26 00:00 CST is 2026-11-25 16:00 UTC.
        assert_eq!(day_bound_ms("2026-11-26", false), Some(1_795_622_400_000));
        assert_eq!(
            day_bound_ms("2026-11-26", true),
            Some(1_795_622_400_000 + 86_400_000)
        );
        assert_eq!(day_bound_ms("", false), None);
        assert_eq!(day_bound_ms("2026-02-30", false), None);
        assert_eq!(day_bound_ms("1900-01-01", false), None);
    }
}
