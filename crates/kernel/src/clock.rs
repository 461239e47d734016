//! The clock every time-dependent check reads, injectable so tests pin time.

use time::OffsetDateTime;

/// A source of "now". Handlers hold one; tests pass a [`FixedClock`].
pub trait Clock: Send + Sync {
    /// The current instant (UTC).
    fn now(&self) -> OffsetDateTime;
}

/// Wall-clock time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// Parses an RFC 3339 / xs:dateTime instant such as `2024-05-01T12:00:00.123Z`, as UTC. An instant
/// outside the years 1900 to 9000 is refused: no sign-in means one, and the checks add a clock skew
/// or a maximum age to what they read, which near `time`'s limits (year 9999, or 9999-12-31 at
/// `-01:00`, year 10000 in UTC) would be out of range.
pub fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?
        .checked_to_offset(time::UtcOffset::UTC)
        .filter(|at| (1900..=9000).contains(&at.year()))
}

/// Formats an instant as RFC 3339 (UTC, `Z`).
pub fn format_instant(at: OffsetDateTime) -> String {
    at.checked_to_offset(time::UtcOffset::UTC)
        .and_then(|utc| {
            utc.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fractional_utc_instants_and_rejects_zone_less_ones() {
        let at = parse_instant("2016-01-05T16:55:39.348Z").expect("valid instant");
        assert_eq!(at.unix_timestamp(), 1_452_012_939);
        assert_eq!(parse_instant("2016-01-05T16:55:39"), None);
        assert_eq!(format_instant(at), "2016-01-05T16:55:39.348Z");
    }

    #[test]
    fn instants_no_sign_in_means_are_refused_rather_than_overflow_later() {
        // In UTC this is year 10000, past what `time` represents.
        assert_eq!(parse_instant("9999-12-31T23:59:59-01:00"), None);
        assert_eq!(parse_instant("9999-12-31T23:59:59Z"), None);
        assert_eq!(parse_instant("0001-01-01T00:00:00Z"), None);
        let offset = parse_instant("2030-01-01T01:00:00+01:00").unwrap();
        assert_eq!(format_instant(offset), "2030-01-01T00:00:00Z");
        assert_eq!(offset.offset(), time::UtcOffset::UTC);
    }

    #[test]
    fn fixed_clock_returns_its_instant() {
        let at = parse_instant("2030-01-01T00:00:00Z").unwrap();
        assert_eq!(FixedClock(at).now(), at);
    }
}
