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

/// Parses an RFC 3339 / xs:dateTime instant such as `2024-05-01T12:00:00.123Z`.
pub fn parse_instant(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// Formats an instant as RFC 3339 (UTC, `Z`).
pub fn format_instant(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
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
    fn fixed_clock_returns_its_instant() {
        let at = parse_instant("2030-01-01T00:00:00Z").unwrap();
        assert_eq!(FixedClock(at).now(), at);
    }
}
