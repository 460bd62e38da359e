//! Instants as the API shows them: RFC 3339 in UTC with `Z` and six fractional
//! digits, always (`2026-12-01T06:23:46.619272Z`). Both databases store UTC without
//! an offset; every instant a response carries is this type, so none can leave
//! without its offset.

use chrono::NaiveDateTime;
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
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
    }
}

impl Serialize for UtcTimestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
