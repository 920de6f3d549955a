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
pub fn format_minutes(ms: i64) -> String {
    let t = from_ms(ms).to_offset(CST);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
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

#[cfg(test)]
mod tests {
    use super::*;

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
