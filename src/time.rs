//! Instants as the API shows them: RFC 3339 in UTC with `Z` and six fractional
//! digits, always (`2026-12-01T06:23:46.619272Z`). Both databases store UTC without
//! an offset; every instant a response carries is this type, so none can leave
//! without its offset.

use chrono::{Datelike, NaiveDateTime};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

/// An instant in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, ToSchema)]
#[schema(value_type = String, format = DateTime, example = "2026-12-01T06:23:46.619272Z")]
pub struct UtcTimestamp(NaiveDateTime);

impl UtcTimestamp {
    /// The stored value, UTC without an offset.
    pub fn naive(self) -> NaiveDateTime {
        self.0
    }
}

impl From<NaiveDateTime> for UtcTimestamp {
    fn from(at: NaiveDateTime) -> UtcTimestamp {
        UtcTimestamp(at)
    }
}

impl From<UtcTimestamp> for NaiveDateTime {
    fn from(at: UtcTimestamp) -> NaiveDateTime {
        at.0
    }
}

impl std::fmt::Display for UtcTimestamp {
    /// `%Y-%m-%dT%H:%M:%S%.6fZ`, written field by field: a list of items writes many,
    /// and chrono's `format` parses its pattern again each time.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        let at = self.0;
        let nanos = at.nanosecond();
        // A leap second is carried in the nanoseconds, as chrono writes it: `:60`.
        let second = at.second() + nanos / 1_000_000_000;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            second,
            (nanos % 1_000_000_000) / 1_000
        )
    }
}

impl Serialize for UtcTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The first and last years a date or an instant the API takes may fall in: wide
/// enough for any date a case, a request or a state's legislation names, and far from
/// where date arithmetic could overflow.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// What a date field says when it is not one.
pub const DATE_RULE: &str =
    "must be a date written YYYY-MM-DD (RFC 3339 full-date), from 1900-01-01 to 2100-12-31";

/// What an instant field says when it is not one.
pub const INSTANT_RULE: &str = "must be an RFC 3339 instant with its offset, from 1900 to 2100";

/// A calendar day as the API takes it: an RFC 3339 `full-date` and nothing else
/// (four digits of year, two of month and of day: `2026-09-01`, not `2026-9-1`,
/// `+2026-09-01` or ` 2026-09-01`), in the years 1900 to 2100. Written that way, a
/// day orders as text exactly as it does as a date, so it is stored as it is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FullDate(chrono::NaiveDate);

impl FullDate {
    pub fn parse(text: &str) -> Option<FullDate> {
        let b = text.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let shaped = b.len() == 10
            && digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10);
        if !shaped {
            return None;
        }
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
            .map(FullDate)
    }

    /// A day as stored, also one stored before days were checked this strictly
    /// (`2026-9-1` is the first of September): the same day when it is one in range,
    /// else none.
    pub fn from_stored(text: &str) -> Option<FullDate> {
        FullDate::parse(text).or_else(|| {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| YEARS.contains(&chrono::Datelike::year(d)))
                .map(FullDate)
        })
    }

    pub fn day(self) -> chrono::NaiveDate {
        self.0
    }
}

impl std::fmt::Display for FullDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// An RFC 3339 instant with its offset, in the years 1900 to 2100, as UTC.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.naive_utc())
        .filter(|t| YEARS.contains(&chrono::Datelike::year(t)))
}

/// How people read instants: in UTC, and, for a viewer whose state the service knows,
/// first in that state's own time zone, named, with its offset from UTC at that
/// instant (daylight saving time included, as the Bahamas, Bermuda, Haiti and the
/// Turks and Caicos Islands keep it). The court report reads UTC only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    zone: Option<chrono_tz::Tz>,
    /// The language the viewer's local time is written in.
    language: crate::catalogue::Language,
}

impl Clock {
    /// UTC alone.
    pub const UTC: Clock = Clock {
        zone: None,
        language: crate::catalogue::Language::En,
    };

    /// The clock of a viewer in the state of ISO code `country`: its time zone and UTC
    /// when it is a CARICOM member or associate state, UTC alone otherwise.
    /// The local time is written in the language of the answer being made.
    pub fn of_country(country: &str) -> Clock {
        Clock {
            zone: zone_of(country),
            language: crate::catalogue::current(),
        }
    }

    /// The same clock, writing in `language`.
    pub fn in_language(self, language: crate::catalogue::Language) -> Clock {
        Clock { language, ..self }
    }

    /// The IANA name of the viewer's zone, if any.
    pub fn zone_name(&self) -> Option<&'static str> {
        self.zone.map(|z| z.name())
    }

    /// `1 December 2026, 17:50 (America/Jamaica, UTC-05:00) · 2026-12-01 22:50 UTC`
    /// (the local time as the viewer's language writes it, then UTC in ISO 8601, as
    /// the report and the records have it); with `seconds`, to the second.
    pub fn show(&self, at: chrono::DateTime<chrono::Utc>, seconds: bool) -> String {
        let pattern = if seconds {
            "%Y-%m-%d %H:%M:%S"
        } else {
            "%Y-%m-%d %H:%M"
        };
        let utc = format!("{} UTC", at.format(pattern));
        match self.zone {
            None => utc,
            Some(zone) => {
                let local = at.with_timezone(&zone);
                let time = local
                    .format(if seconds { "%H:%M:%S" } else { "%H:%M" })
                    .to_string();
                format!(
                    "{} ({}, UTC{}) · {utc}",
                    self.language
                        .date_time(local.day(), local.month(), local.year(), &time),
                    zone.name(),
                    local.format("%:z")
                )
            }
        }
    }

    /// An instant the API wrote (RFC 3339), as [`Clock::show`] has it; the text itself
    /// when it is not one.
    pub fn show_text(&self, at: &str, seconds: bool) -> String {
        chrono::DateTime::parse_from_rfc3339(at)
            .map(|t| self.show(t.with_timezone(&chrono::Utc), seconds))
            .unwrap_or_else(|_| at.to_owned())
    }

    /// A stored instant, as [`Clock::show`] has it.
    pub fn show_stored(&self, at: UtcTimestamp, seconds: bool) -> String {
        self.show(at.0.and_utc(), seconds)
    }
}

/// Each CARICOM member and associate state keeps one time zone.
fn zone_of(country: &str) -> Option<chrono_tz::Tz> {
    use chrono_tz::{America, Atlantic};
    Some(match country {
        "AG" => America::Antigua,
        "BS" => America::Nassau,
        "BB" => America::Barbados,
        "BZ" => America::Belize,
        "DM" => America::Dominica,
        "GD" => America::Grenada,
        "GY" => America::Guyana,
        "HT" => America::PortauPrince,
        "JM" => America::Jamaica,
        "MS" => America::Montserrat,
        "KN" => America::St_Kitts,
        "LC" => America::St_Lucia,
        "VC" => America::St_Vincent,
        "SR" => America::Paramaribo,
        "TT" => America::Port_of_Spain,
        "AI" => America::Anguilla,
        "BM" => Atlantic::Bermuda,
        "VG" => America::Tortola,
        "KY" => America::Cayman,
        "TC" => America::Grand_Turk,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_is_written_as_chronos_pattern_writes_it() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        for (h, m, sec, nanos) in [
            (6, 23, 46, 619_272_000),
            (0, 0, 0, 0),
            (23, 59, 59, 999_999_999),
            (9, 5, 7, 1_000),
            (12, 0, 0, 999),
            // A leap second, as chrono carries it.
            (23, 59, 59, 1_250_000_000),
        ] {
            let at = day.and_hms_nano_opt(h, m, sec, nanos).unwrap();
            assert_eq!(
                UtcTimestamp(at).to_string(),
                at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
            );
        }
        let early = chrono::NaiveDate::from_ymd_opt(900, 1, 2)
            .unwrap()
            .and_hms_opt(3, 4, 5)
            .unwrap();
        assert_eq!(
            UtcTimestamp(early).to_string(),
            early.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        );
    }

    #[test]
    fn a_viewer_reads_their_states_time_with_its_daylight_saving_and_utc() {
        let winter = chrono::DateTime::parse_from_rfc3339("2026-12-01T22:50:31Z")
            .unwrap()
            .to_utc();
        let summer = chrono::DateTime::parse_from_rfc3339("2026-07-01T12:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            Clock::of_country("JM").show(winter, true),
            "1 December 2026, 17:50:31 (America/Jamaica, UTC-05:00) · 2026-12-01 22:50:31 UTC"
        );
        use crate::catalogue::Language;
        assert_eq!(
            Clock::of_country("JM")
                .in_language(Language::Fr)
                .show(winter, false),
            "1 décembre 2026 à 17:50 (America/Jamaica, UTC-05:00) · 2026-12-01 22:50 UTC"
        );
        assert_eq!(
            Clock::of_country("SR")
                .in_language(Language::Nl)
                .show(winter, false),
            "1 december 2026 om 19:50 (America/Paramaribo, UTC-03:00) · 2026-12-01 22:50 UTC"
        );
        // Jamaica keeps no daylight saving time; the Bahamas do.
        assert_eq!(
            Clock::of_country("JM").show(summer, false),
            "1 July 2026, 07:00 (America/Jamaica, UTC-05:00) · 2026-07-01 12:00 UTC"
        );
        assert_eq!(
            Clock::of_country("BS").show(summer, false),
            "1 July 2026, 08:00 (America/Nassau, UTC-04:00) · 2026-07-01 12:00 UTC"
        );
        assert_eq!(
            Clock::of_country("BS").show(winter, false),
            "1 December 2026, 17:50 (America/Nassau, UTC-05:00) · 2026-12-01 22:50 UTC"
        );
        // Across midnight, the local date is the viewer's.
        assert_eq!(
            Clock::of_country("SR").show(winter, false),
            "1 December 2026, 19:50 (America/Paramaribo, UTC-03:00) · 2026-12-01 22:50 UTC"
        );
        assert_eq!(
            Clock::of_country("TT").show_text("2026-12-02T02:30:00Z", false),
            "1 December 2026, 22:30 (America/Port_of_Spain, UTC-04:00) · 2026-12-02 02:30 UTC"
        );
        assert_eq!(
            Clock::of_country("FR").show(winter, false),
            "2026-12-01 22:50 UTC"
        );
        assert_eq!(Clock::UTC.show_text("not a time", true), "not a time");
    }

    #[test]
    fn every_caricom_state_of_the_reference_has_a_zone() {
        let states = include_str!("reference/caricom-states.csv");
        for line in states.lines().skip(1) {
            let code = line.split(',').next().unwrap();
            assert!(Clock::of_country(code).zone_name().is_some(), "{code}");
        }
    }

    #[test]
    fn a_date_is_a_full_date_in_range_and_nothing_else() {
        for good in ["2026-09-01", "1900-01-01", "2100-12-31", "2028-02-29"] {
            assert_eq!(FullDate::parse(good).unwrap().to_string(), good);
        }
        for bad in [
            "+262142-12-31",
            "2026-9-1",
            "+2026-01-05",
            " 2026-01-05",
            "2026-01-05 ",
            "-0001-01-01",
            "1899-12-31",
            "2101-01-01",
            "2026-02-29",
            "2026-13-01",
            "2026-01-05T00:00:00Z",
            "20260105",
            "２０２６-01-05",
            "",
        ] {
            assert_eq!(FullDate::parse(bad), None, "{bad:?}");
        }
        // Days stored before the rule are read as the days they are, if in range.
        assert_eq!(
            FullDate::from_stored("2026-9-1").map(|d| d.to_string()),
            Some("2026-09-01".into())
        );
        assert_eq!(FullDate::from_stored("+262142-12-31"), None);
        // As text, days order as they do as days.
        let a = FullDate::parse("2026-09-01").unwrap();
        let b = FullDate::parse("2026-10-01").unwrap();
        assert!(a < b && a.to_string() < b.to_string());
        assert!(parse_instant("2026-12-01T10:00:00-05:00").is_some());
        assert!(parse_instant("9999-12-31T00:00:00Z").is_none());
        assert!(parse_instant("2026-12-01").is_none());
    }

    #[test]
    fn instants_are_rfc3339_utc_with_z() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_micro_opt(6, 23, 46, 619_272)
            .unwrap();
        let text = serde_json::to_string(&UtcTimestamp::from(at)).unwrap();
        assert_eq!(text, "\"2026-12-01T06:23:46.619272Z\"");
        let whole = at.date().and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(
            UtcTimestamp::from(whole).to_string(),
            "2026-12-01T00:00:00.000000Z"
        );
        let parsed = chrono::DateTime::parse_from_rfc3339(&UtcTimestamp::from(at).to_string());
        assert_eq!(parsed.unwrap().naive_utc(), at);
    }
}
