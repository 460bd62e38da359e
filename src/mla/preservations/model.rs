//! Expedited preservation requests (Budapest Convention arts. 29 and 30): what one
//! says, where it stands, and the events of its life.

use crate::db::schema::preservations;
use crate::error::{ApiError, FieldError};
use crate::mla::basis::RequestField;
use crate::mla::request::{DataSought, RequestContent, check_offences};
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::string_enum! {
    /// Where a preservation stands: the state its last event leads to.
    PreservationStatus {
        /// Sent by the requesting state's 24/7 point of contact.
        Requested => "requested",
        Preserved => "preserved",
        Extended => "extended",
        /// The mutual legal assistance request for the data followed.
        MlaFollowed => "mla_followed",
        /// Traffic data was disclosed far enough to name a provider in a third state
        /// (art. 30).
        PartiallyDisclosed => "partially_disclosed",
        Released => "released",
        Expired => "expired",
    }
}

impl PreservationStatus {
    /// Whether the data is (or is about to be) held.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            PreservationStatus::Released | PreservationStatus::Expired
        )
    }
}

crate::string_enum! {
    /// The events of a preservation's history.
    PreservationEventType {
        /// The requested state preserves the data, until `expires_at`.
        Preserved => "preserved",
        /// The requested state keeps it longer.
        Extended => "extended",
        /// The requesting state sent the MLA request for the data
        /// (`mla_request_id`); the expiry is suspended while that request is decided.
        MlaFollowed => "mla_followed",
        /// Art. 30: the traffic data shows a provider in a third state (`third_country`).
        PartiallyDisclosed => "partially_disclosed",
        /// The data is no longer held for the request.
        Released => "released",
        /// Recorded by the service when the preservation runs out.
        Expired => "expired",
    }
}

impl PreservationEventType {
    pub fn leads_to(self) -> PreservationStatus {
        use PreservationEventType as E;
        use PreservationStatus as S;
        match self {
            E::Preserved => S::Preserved,
            E::Extended => S::Extended,
            E::MlaFollowed => S::MlaFollowed,
            E::PartiallyDisclosed => S::PartiallyDisclosed,
            E::Released => S::Released,
            E::Expired => S::Expired,
        }
    }

    pub fn may_follow(self, status: PreservationStatus) -> bool {
        use PreservationEventType as E;
        use PreservationStatus as S;
        let held = matches!(
            status,
            S::Preserved | S::Extended | S::MlaFollowed | S::PartiallyDisclosed
        );
        match self {
            E::Preserved => status == S::Requested,
            E::Extended | E::MlaFollowed | E::PartiallyDisclosed | E::Expired => held,
            E::Released => status.is_open(),
        }
    }
}

/// An offence a preservation request names (art. 29(2)): the penalty is not asked
/// for, and a point of contact may not know it; given, it is kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllegedOffence {
    #[schema(min_length = 1, max_length = 500)]
    pub offence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(min_length = 1, max_length = 500)]
    pub penalty: Option<String>,
}

/// What a preservation request says (art. 29(2)); fixed once sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreservationContent {
    #[schema(max_items = 50)]
    pub offences: Option<Vec<AllegedOffence>>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    /// The stored data to preserve and its link to the offence.
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<DataSought>>,
    /// Who holds the data, or where the computer system is.
    #[schema(max_length = 5000)]
    pub custodian_or_location: Option<String>,
    /// Why preservation is needed.
    #[schema(max_length = 5000)]
    pub why_needed: Option<String>,
    /// That a mutual legal assistance request for the data will follow.
    pub mla_to_follow: Option<bool>,
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

impl PreservationContent {
    /// Every problem at once; `required` are the fields the legal basis requires
    /// (the data sought is always required: there is nothing to preserve without it).
    pub fn check(&self, required: &[RequestField], basis: &str) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        // The shared members are checked as those of an MLA request are, but for the
        // offences' penalties, which a preservation need not give.
        check_offences(
            self.offences
                .iter()
                .flatten()
                .map(|o| (o.offence.as_str(), o.penalty.as_deref())),
            false,
            &mut errors,
        );
        RequestContent {
            summary_of_facts: self.summary_of_facts.clone(),
            data_sought: self.data_sought.clone(),
            ..Default::default()
        }
        .check(&mut errors);
        for (field, value) in [
            ("custodian_or_location", &self.custodian_or_location),
            ("why_needed", &self.why_needed),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > 5000) {
                errors.push(FieldError::new(field, "must be at most 5000 characters"));
            }
        }
        let mut missing: Vec<RequestField> =
            required.iter().copied().filter(|f| !self.has(*f)).collect();
        if !self.has(RequestField::DataSought) && !missing.contains(&RequestField::DataSought) {
            missing.push(RequestField::DataSought);
        }
        for field in missing {
            let message = if field == RequestField::MlaToFollow {
                format!(
                    "must be true: the legal basis {basis} preserves data for the MLA request that will follow"
                )
            } else {
                format!("is required by the legal basis {basis}")
            };
            errors.push(FieldError::new(field.as_str(), message));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Whether `field` is filled. Fields of an MLA request alone do not apply.
    pub fn has(&self, field: RequestField) -> bool {
        use RequestField as F;
        match field {
            F::Offences => self.offences.as_ref().is_some_and(|o| !o.is_empty()),
            F::SummaryOfFacts => !blank(&self.summary_of_facts),
            F::DataSought => self.data_sought.as_ref().is_some_and(|d| !d.is_empty()),
            F::CustodianOrLocation => !blank(&self.custodian_or_location),
            F::WhyNeeded => !blank(&self.why_needed),
            F::MlaToFollow => self.mla_to_follow == Some(true),
            _ => true,
        }
    }
}

/// A preservation request as sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPreservation {
    #[schema(pattern = "^[A-Z]{2}$")]
    pub requested_country: String,
    /// The code of a legal basis that covers preservation requests.
    #[schema(min_length = 1, max_length = 64)]
    pub legal_basis: String,
    /// The agency of the requesting state whose investigation the data serves
    /// (default: the caller's).
    #[schema(format = Uuid)]
    pub requesting_agency_id: Option<String>,
    #[schema(max_items = 50)]
    pub offences: Option<Vec<AllegedOffence>>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    /// The stored data to preserve and its link to the offence.
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<DataSought>>,
    /// Who holds the data, or where the computer system is.
    #[schema(max_length = 5000)]
    pub custodian_or_location: Option<String>,
    /// Why preservation is needed.
    #[schema(max_length = 5000)]
    pub why_needed: Option<String>,
    /// That a mutual legal assistance request for the data will follow.
    pub mla_to_follow: Option<bool>,
}

impl NewPreservation {
    /// The content, trimmed.
    pub fn content(&self) -> PreservationContent {
        let trim = |v: &Option<String>| v.as_ref().map(|t| t.trim().to_owned());
        PreservationContent {
            offences: self.offences.clone(),
            summary_of_facts: trim(&self.summary_of_facts),
            data_sought: self.data_sought.clone(),
            custodian_or_location: trim(&self.custodian_or_location),
            why_needed: trim(&self.why_needed),
            mla_to_follow: self.mla_to_follow,
        }
    }
}

/// A preservation request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = preservations, treat_none_as_null = true)]
pub struct PreservationRow {
    pub id: String,
    pub reference: String,
    pub requesting_agency_id: String,
    pub requesting_country: String,
    pub requested_country: String,
    pub legal_basis: String,
    pub content: String,
    pub status: String,
    pub their_reference: Option<String>,
    pub mla_request_id: Option<String>,
    pub third_country: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub suspended_seconds: Option<i64>,
    pub version: i32,
    pub last_seq: i32,
    pub last_hash: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PreservationRow {
    /// The status its history records.
    pub fn status(&self) -> PreservationStatus {
        PreservationStatus::parse(&self.status).unwrap_or(PreservationStatus::Requested)
    }

    /// Whether it ran out by `now`: it is then expired, whether or not the service
    /// has recorded the expiry yet (only preserved data that runs has an expiry).
    pub fn has_lapsed(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    /// Its status at `now`: expired once it ran out, recorded or not.
    pub fn status_at(&self, now: NaiveDateTime) -> PreservationStatus {
        if self.has_lapsed(now) {
            PreservationStatus::Expired
        } else {
            self.status()
        }
    }

    pub fn content(&self) -> PreservationContent {
        serde_json::from_str(&self.content).unwrap_or_default()
    }
}

/// `JM-PRES-2026-000003`: gapless per requesting country and year.
pub fn reference(country: &str, year: i32, number: i32) -> String {
    format!("{country}-PRES-{year}-{number:06}")
}

/// A preservation request.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preservation {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(example = "JM-PRES-2026-000003")]
    pub reference: String,
    /// The requested state's own reference, once it preserves the data.
    pub their_reference: Option<String>,
    pub requesting_agency_id: String,
    pub requesting_country: String,
    pub requested_country: String,
    pub legal_basis: String,
    pub status: PreservationStatus,
    #[serde(flatten)]
    pub content: PreservationContent,
    /// The MLA request that followed.
    pub mla_request_id: Option<String>,
    /// The third state a partial disclosure named (art. 30).
    pub third_country: Option<String>,
    /// When the data stops being preserved: absent before it is preserved, after it
    /// ends, and while the MLA request that followed is decided.
    pub expires_at: Option<UtcTimestamp>,
    /// Whether the expiry is suspended while the MLA request that followed is
    /// decided.
    pub expiry_suspended: bool,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
}

impl From<PreservationRow> for Preservation {
    fn from(row: PreservationRow) -> Preservation {
        let content = row.content();
        let status = row.status_at(crate::db::now());
        Preservation {
            id: row.id,
            reference: row.reference,
            their_reference: row.their_reference,
            requesting_agency_id: row.requesting_agency_id,
            requesting_country: row.requesting_country,
            requested_country: row.requested_country,
            legal_basis: row.legal_basis,
            status,
            content,
            mla_request_id: row.mla_request_id,
            third_country: row.third_country,
            expires_at: row.expires_at.map(Into::into),
            expiry_suspended: row.suspended_seconds.is_some(),
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        }
    }
}

/// An event to record for a preservation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPreservationEvent {
    #[serde(rename = "type")]
    pub event_type: PreservationEventType,
    /// Until when the data is preserved (`preserved`, `extended`): RFC 3339. When
    /// absent, the legal basis's period (or extension) from now (or from the
    /// current expiry).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The requested state's own reference (with `preserved`).
    #[schema(min_length = 1, max_length = 100)]
    pub their_reference: Option<String>,
    /// The MLA request that followed (required for `mla_followed`).
    #[schema(format = Uuid)]
    pub mla_request_id: Option<String>,
    /// The third state a partial disclosure names (required for
    /// `partially_disclosed`), ISO 3166-1 alpha-2.
    #[schema(pattern = "^[A-Z]{2}$")]
    pub third_country: Option<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub note: Option<String>,
}

impl NewPreservationEvent {
    pub fn of(event_type: PreservationEventType) -> NewPreservationEvent {
        NewPreservationEvent {
            event_type,
            expires_at: None,
            their_reference: None,
            mla_request_id: None,
            third_country: None,
            note: None,
        }
    }

    /// The expiry given, parsed.
    pub fn expiry(&self) -> Option<NaiveDateTime> {
        self.expires_at
            .as_deref()
            .and_then(crate::time::parse_instant)
    }

    pub fn check(&self) -> Result<(), ApiError> {
        use PreservationEventType as E;
        let mut errors = Vec::new();
        if self.expires_at.is_some() && self.expiry().is_none() {
            errors.push(FieldError::new("expires_at", crate::time::INSTANT_RULE));
        }
        if self
            .their_reference
            .as_deref()
            .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 100)
        {
            errors.push(FieldError::new(
                "their_reference",
                "must be 1 to 100 characters",
            ));
        }
        if self
            .note
            .as_deref()
            .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 5000)
        {
            errors.push(FieldError::new("note", "must be 1 to 5000 characters"));
        }
        if self
            .third_country
            .as_deref()
            .is_some_and(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()))
        {
            errors.push(FieldError::new(
                "third_country",
                "must be an ISO 3166-1 alpha-2 code",
            ));
        }
        let required = match self.event_type {
            E::MlaFollowed => Some(("mla_request_id", self.mla_request_id.is_some())),
            E::PartiallyDisclosed => Some(("third_country", self.third_country.is_some())),
            _ => None,
        };
        if let Some((field, false)) = required {
            errors.push(FieldError::new(
                field,
                format!("is required for `{}`", self.event_type.as_str()),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The filters of the preservation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PreservationFilter {
    pub direction: Option<crate::mla::request::Direction>,
    pub status: Option<PreservationStatus>,
}
