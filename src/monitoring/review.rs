//! A country's status review: its cybercrime legislation, where it stands with the
//! Budapest Convention and its Second Additional Protocol, its CSIRT, and the regional
//! minimum standards as a checklist. Kept as versions: a change records the next one,
//! a regional administrator's review records one too, and nothing is ever altered.

use crate::db::schema::{checklist_items, status_reviews};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::time::UtcTimestamp;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::string_enum! {
    /// Where a state stands with a treaty.
    TreatyStanding {
        /// Ratified or acceded: bound by it.
        Party => "party",
        /// Signed, not yet ratified.
        Signatory => "signatory",
        /// Invited to accede.
        Invited => "invited",
        None => "none",
    }
}

crate::string_enum! {
    /// How far a law has come.
    LegislationStatus {
        Drafted => "drafted",
        /// Before parliament.
        Tabled => "tabled",
        /// Passed, not yet in force.
        Enacted => "enacted",
        InForce => "in_force",
        Repealed => "repealed",
    }
}

crate::string_enum! {
    /// How a state meets a minimum standard.
    ChecklistStatus {
        Met => "met",
        PartlyMet => "partly_met",
        NotMet => "not_met",
        NotAssessed => "not_assessed",
    }
}

crate::string_enum! {
    /// What a version of a review records.
    ReviewChange {
        /// The state's (or a regional) administrator changed it.
        Updated => "updated",
        /// A regional administrator reviewed the version before, unchanged.
        Reviewed => "reviewed",
    }
}

/// A law on cybercrime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Legislation {
    #[schema(min_length = 1, max_length = 300, example = "Cybercrimes Act")]
    pub title: String,
    /// The year of the text (of the bill, while it is one).
    #[schema(minimum = 1950, maximum = 2100, example = 2015)]
    pub year: i32,
    pub status: LegislationStatus,
}

/// A state's standing on one item of the regional minimum standards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistEntry {
    /// The checklist item's code (`GET /api/v1/checklist-items`).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,63}$", example = "national_247_point")]
    pub item: String,
    pub status: ChecklistStatus,
    /// The day the status was established (not in the future).
    #[schema(format = Date, example = "2026-03-15")]
    pub date: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// A change to a review: any subset of its fields. `legislation` replaces the list
/// it holds; `checklist` entries replace those of the same items and keep the others;
/// an empty `csirt_name` clears it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewChangeRequest {
    #[schema(max_items = 100)]
    pub legislation: Option<Vec<Legislation>>,
    pub budapest_convention: Option<TreatyStanding>,
    pub second_protocol: Option<TreatyStanding>,
    pub csirt: Option<bool>,
    #[schema(max_length = 200)]
    pub csirt_name: Option<String>,
    #[schema(max_items = 200)]
    pub checklist: Option<Vec<ChecklistEntry>>,
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

/// A regional administrator's review of the current version.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRecord {
    /// What the reviewer found.
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// What a review holds: the part a version stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewContent {
    pub legislation: Vec<Legislation>,
    pub budapest_convention: TreatyStanding,
    pub second_protocol: TreatyStanding,
    pub csirt: bool,
    pub csirt_name: Option<String>,
    pub checklist: Vec<ChecklistEntry>,
    pub notes: String,
}

impl Default for ReviewContent {
    /// A state no one has reviewed yet.
    fn default() -> ReviewContent {
        ReviewContent {
            legislation: Vec::new(),
            budapest_convention: TreatyStanding::None,
            second_protocol: TreatyStanding::None,
            csirt: false,
            csirt_name: None,
            checklist: Vec::new(),
            notes: String::new(),
        }
    }
}

impl ReviewChangeRequest {
    /// Refuses (422) a change with a field out of its bounds; `items` are the
    /// checklist items that exist. An empty change is no change.
    pub fn check(&self, items: &[&str], today: NaiveDate) -> ApiResult<()> {
        let mut errors = Vec::new();
        if let Some(laws) = &self.legislation {
            if laws.len() > 100 {
                errors.push(FieldError::new("legislation", "at most 100 laws"));
            }
            for (i, law) in laws.iter().enumerate() {
                let n = law.title.trim().chars().count();
                if n == 0 || n > 300 {
                    errors.push(FieldError::new(
                        format!("legislation[{i}].title"),
                        "must be 1 to 300 characters",
                    ));
                }
                if !(1950..=2100).contains(&law.year) {
                    errors.push(FieldError::new(
                        format!("legislation[{i}].year"),
                        "must be a year from 1950 to 2100",
                    ));
                }
            }
        }
        if let Some(name) = &self.csirt_name
            && name.trim().chars().count() > 200
        {
            errors.push(FieldError::new(
                "csirt_name",
                "must be at most 200 characters",
            ));
        }
        if let Some(notes) = &self.notes
            && notes.chars().count() > 10_000
        {
            errors.push(FieldError::new("notes", "must be at most 10000 characters"));
        }
        if let Some(entries) = &self.checklist {
            if entries.len() > 200 {
                errors.push(FieldError::new("checklist", "at most 200 entries"));
            }
            for (i, entry) in entries.iter().enumerate() {
                if !items.contains(&entry.item.as_str()) {
                    errors.push(FieldError::new(
                        format!("checklist[{i}].item"),
                        "is not an item of the regional minimum standards",
                    ));
                } else if entries[..i].iter().any(|e| e.item == entry.item) {
                    errors.push(FieldError::new(
                        format!("checklist[{i}].item"),
                        "is given twice",
                    ));
                }
                match crate::time::FullDate::parse(&entry.date) {
                    Some(day) if day.day() > today => errors.push(FieldError::new(
                        format!("checklist[{i}].date"),
                        "must not be in the future",
                    )),
                    Some(_) => {}
                    None => errors.push(FieldError::new(
                        format!("checklist[{i}].date"),
                        crate::time::DATE_RULE,
                    )),
                }
                if entry.note.chars().count() > 2000 {
                    errors.push(FieldError::new(
                        format!("checklist[{i}].note"),
                        "must be at most 2000 characters",
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// The content after this change, and the names of the fields it changes.
    pub fn apply(self, current: &ReviewContent) -> (ReviewContent, Vec<&'static str>) {
        let mut next = current.clone();
        let mut changed = Vec::new();
        if let Some(laws) = self.legislation {
            next.legislation = laws
                .into_iter()
                .map(|l| Legislation {
                    title: l.title.trim().to_owned(),
                    ..l
                })
                .collect();
        }
        if let Some(standing) = self.budapest_convention {
            next.budapest_convention = standing;
        }
        if let Some(standing) = self.second_protocol {
            next.second_protocol = standing;
        }
        if let Some(csirt) = self.csirt {
            next.csirt = csirt;
        }
        if let Some(name) = self.csirt_name {
            let name = name.trim();
            next.csirt_name = (!name.is_empty()).then(|| name.to_owned());
        }
        if let Some(entries) = self.checklist {
            for entry in entries {
                let entry = ChecklistEntry {
                    note: entry.note.trim().to_owned(),
                    ..entry
                };
                match next.checklist.iter_mut().find(|e| e.item == entry.item) {
                    Some(held) => *held = entry,
                    None => next.checklist.push(entry),
                }
            }
            next.checklist.sort_by(|a, b| a.item.cmp(&b.item));
        }
        if let Some(notes) = self.notes {
            next.notes = notes.trim().to_owned();
        }
        let fields: [(&'static str, bool); 7] = [
            ("legislation", next.legislation != current.legislation),
            (
                "budapest_convention",
                next.budapest_convention != current.budapest_convention,
            ),
            (
                "second_protocol",
                next.second_protocol != current.second_protocol,
            ),
            ("csirt", next.csirt != current.csirt),
            ("csirt_name", next.csirt_name != current.csirt_name),
            ("checklist", next.checklist != current.checklist),
            ("notes", next.notes != current.notes),
        ];
        changed.extend(fields.iter().filter(|(_, c)| *c).map(|(name, _)| *name));
        (next, changed)
    }
}

/// A version as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = status_reviews)]
pub struct ReviewRow {
    pub country: String,
    pub version: i32,
    pub change: String,
    pub legislation: String,
    pub budapest_convention: String,
    pub second_protocol: String,
    pub csirt: bool,
    pub csirt_name: Option<String>,
    pub checklist: String,
    pub notes: String,
    pub review_note: Option<String>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
}

impl ReviewRow {
    /// The content the row stores. Written only by [`ReviewRow::new`], so a member
    /// that does not read back is a damaged database, answered as a 500.
    pub fn content(&self) -> ApiResult<ReviewContent> {
        let broken = |what: &str| ApiError::Internal(anyhow::anyhow!("status review {what}"));
        Ok(ReviewContent {
            legislation: serde_json::from_str(&self.legislation)
                .map_err(|_| broken("legislation"))?,
            budapest_convention: TreatyStanding::parse(&self.budapest_convention)
                .ok_or_else(|| broken("budapest_convention"))?,
            second_protocol: TreatyStanding::parse(&self.second_protocol)
                .ok_or_else(|| broken("second_protocol"))?,
            csirt: self.csirt,
            csirt_name: self.csirt_name.clone(),
            checklist: serde_json::from_str(&self.checklist).map_err(|_| broken("checklist"))?,
            notes: self.notes.clone(),
        })
    }

    pub fn new(
        country: &str,
        version: i32,
        change: ReviewChange,
        content: &ReviewContent,
        review_note: Option<String>,
        recorded_by: &str,
    ) -> ReviewRow {
        ReviewRow {
            country: country.to_owned(),
            version,
            change: change.as_str().to_owned(),
            legislation: serde_json::to_string(&content.legislation).unwrap_or_default(),
            budapest_convention: content.budapest_convention.as_str().to_owned(),
            second_protocol: content.second_protocol.as_str().to_owned(),
            csirt: content.csirt,
            csirt_name: content.csirt_name.clone(),
            checklist: serde_json::to_string(&content.checklist).unwrap_or_default(),
            notes: content.notes.clone(),
            review_note,
            recorded_at: crate::db::now(),
            recorded_by: recorded_by.to_owned(),
        }
    }
}

/// Who holds a role the directory derives a designation from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Designation {
    /// Whether anyone in the state holds the role now.
    pub designated: bool,
    /// The agencies whose active people hold it, by name.
    pub agencies: Vec<String>,
    /// How many active people hold it.
    pub people: i64,
}

/// The last review of a state's review by a regional administrator.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LastReview {
    /// The version the review records.
    pub version: i32,
    pub at: UtcTimestamp,
    pub note: String,
}

/// A state's status review as it stands (or stood, with `at`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatusReview {
    #[schema(example = "JM")]
    pub country: String,
    /// 0 before anyone recorded one; the `ETag` is `"v{version}"`.
    pub version: i32,
    pub legislation: Vec<Legislation>,
    pub budapest_convention: TreatyStanding,
    pub second_protocol: TreatyStanding,
    /// Whether the state has a national CSIRT.
    pub csirt: bool,
    pub csirt_name: Option<String>,
    /// Every item of the regional minimum standards, in their order; an item the
    /// state has no entry for is `not_assessed`, without a date.
    pub checklist: Vec<ChecklistView>,
    pub notes: String,
    /// The designated 24/7 point of contact (Budapest art. 35), from the directory as
    /// it is now: who holds the `contact_point` role.
    pub contact_point: Designation,
    /// The central authority for mutual legal assistance, from the directory as it is
    /// now: who holds the `central_authority` role.
    pub central_authority: Designation,
    /// When this version was recorded; absent for version 0.
    pub recorded_at: Option<UtcTimestamp>,
    pub last_review: Option<LastReview>,
    /// Whether a regional administrator reviewed this version (nothing changed since).
    pub reviewed: bool,
}

/// A checklist item with the state's entry for it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChecklistView {
    pub item: String,
    pub title: String,
    pub status: ChecklistStatus,
    #[schema(format = Date)]
    pub date: Option<String>,
    pub note: String,
}

/// One version in a review's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewVersion {
    pub version: i32,
    pub change: ReviewChange,
    pub recorded_at: UtcTimestamp,
    pub legislation: Vec<Legislation>,
    pub budapest_convention: TreatyStanding,
    pub second_protocol: TreatyStanding,
    pub csirt: bool,
    pub csirt_name: Option<String>,
    pub checklist: Vec<ChecklistEntry>,
    pub notes: String,
    /// The reviewer's note, on a `reviewed` version.
    pub review_note: Option<String>,
}

impl ReviewVersion {
    pub fn of(row: &ReviewRow) -> ApiResult<ReviewVersion> {
        let c = row.content()?;
        Ok(ReviewVersion {
            version: row.version,
            change: ReviewChange::parse(&row.change).unwrap_or(ReviewChange::Updated),
            recorded_at: row.recorded_at.into(),
            legislation: c.legislation,
            budapest_convention: c.budapest_convention,
            second_protocol: c.second_protocol,
            csirt: c.csirt,
            csirt_name: c.csirt_name,
            checklist: c.checklist,
            notes: c.notes,
            review_note: row.review_note.clone(),
        })
    }
}

/// An item of the regional minimum standards.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, ToSchema)]
#[diesel(table_name = checklist_items)]
pub struct ChecklistItem {
    #[schema(example = "national_247_point")]
    pub code: String,
    #[schema(example = "A 24/7 point of contact is designated")]
    pub title: String,
    pub description: String,
    /// Where it comes in the checklist (then by code).
    pub position: i32,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

/// An item as a regional administrator defines it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemDefinition {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub description: String,
    /// Where it comes in the checklist; default after the others.
    #[schema(minimum = 0, maximum = 10000)]
    pub position: Option<i32>,
}

impl ChecklistItemDefinition {
    pub fn check(&self, code: &str) -> ApiResult<()> {
        let mut errors = Vec::new();
        let code_ok = (1..=64).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            errors.push(FieldError::new(
                "code",
                "must be 1 to 64 lower-case letters, digits and _, starting with a letter",
            ));
        }
        let n = self.title.trim().chars().count();
        if n == 0 || n > 300 {
            errors.push(FieldError::new("title", "must be 1 to 300 characters"));
        }
        if self.description.chars().count() > 4000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 4000 characters",
            ));
        }
        if let Some(p) = self.position
            && !(0..=10_000).contains(&p)
        {
            errors.push(FieldError::new("position", "must be from 0 to 10000"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(item: &str, status: ChecklistStatus) -> ChecklistEntry {
        ChecklistEntry {
            item: item.into(),
            status,
            date: "2026-03-01".into(),
            note: String::new(),
        }
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_merges_the_checklist_by_item() {
        let current = ReviewContent {
            csirt: true,
            csirt_name: Some("CIRT".into()),
            checklist: vec![
                entry("a", ChecklistStatus::Met),
                entry("b", ChecklistStatus::NotMet),
            ],
            ..ReviewContent::default()
        };
        let change = ReviewChangeRequest {
            checklist: Some(vec![entry("b", ChecklistStatus::PartlyMet)]),
            budapest_convention: Some(TreatyStanding::Party),
            ..ReviewChangeRequest::default()
        };
        let (next, changed) = change.apply(&current);
        assert_eq!(changed, vec!["budapest_convention", "checklist"]);
        assert_eq!(next.csirt_name.as_deref(), Some("CIRT"));
        assert_eq!(next.checklist[0], entry("a", ChecklistStatus::Met));
        assert_eq!(next.checklist[1], entry("b", ChecklistStatus::PartlyMet));
        let same = ReviewChangeRequest {
            csirt: Some(true),
            ..ReviewChangeRequest::default()
        };
        assert!(same.apply(&next).1.is_empty(), "no change, no field named");
        let cleared = ReviewChangeRequest {
            csirt_name: Some("  ".into()),
            ..ReviewChangeRequest::default()
        };
        assert_eq!(cleared.apply(&next).0.csirt_name, None);
    }

    #[test]
    fn a_change_is_refused_for_unknown_items_duplicates_future_dates_and_bad_laws() {
        let items = ["a"];
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(ReviewChangeRequest::default().check(&items, today).is_ok());
        let mut future = entry("a", ChecklistStatus::Met);
        future.date = "2026-12-03".into();
        let bad = ReviewChangeRequest {
            checklist: Some(vec![
                entry("zz", ChecklistStatus::Met),
                future,
                entry("a", ChecklistStatus::Met),
            ]),
            legislation: Some(vec![Legislation {
                title: " ".into(),
                year: 1066,
                status: LegislationStatus::InForce,
            }]),
            ..ReviewChangeRequest::default()
        };
        let Err(ApiError::Validation(errors)) = bad.check(&items, today) else {
            panic!("refused")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "legislation[0].title",
                "legislation[0].year",
                "checklist[0].item",
                "checklist[1].date",
                "checklist[2].item"
            ]
        );
    }
}
