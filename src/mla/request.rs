//! Mutual legal assistance requests: what a request says, as drafted and edited
//! before it is approved and submitted, and how complete it is for its legal basis.

use super::basis::RequestField;
use crate::db::schema::mla_requests;
use crate::error::{ApiError, FieldError};
use crate::reply::Reply;
use crate::time::UtcTimestamp;
use actix_web::http::StatusCode;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::string_enum! {
    /// What the requesting state asks the requested state to do.
    AssistanceType {
        SubscriberInformation => "subscriber_information",
        TrafficData => "traffic_data",
        StoredContent => "stored_content",
        Preservation => "preservation",
        SearchAndSeizure => "search_and_seizure",
        WitnessStatement => "witness_statement",
        RealTimeCollection => "real_time_collection",
        Other => "other",
    }
}

crate::string_enum! {
    /// How fast a request must move: `emergency` is an imminent risk to life.
    Urgency {
        Normal => "normal",
        Urgent => "urgent",
        Emergency => "emergency",
    }
}

crate::string_enum! {
    /// Where a request stands: the state its last event leads to (`draft` before any).
    RequestStatus {
        Draft => "draft",
        Approved => "approved",
        Submitted => "submitted",
        Delivered => "delivered",
        Acknowledged => "acknowledged",
        InformationRequested => "information_requested",
        Accepted => "accepted",
        Refused => "refused",
        Postponed => "postponed",
        InExecution => "in_execution",
        PartiallyExecuted => "partially_executed",
        Executed => "executed",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
}

/// An offence the proceedings concern, with the penalty the requesting state's law
/// sets for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargedOffence {
    #[schema(min_length = 1, max_length = 500)]
    pub offence: String,
    #[schema(min_length = 1, max_length = 500)]
    pub penalty: String,
}

/// Every offence of a list names the offence, and its penalty where one is given;
/// `penalty_required` where the list must give each.
pub fn check_offences<'a>(
    offences: impl Iterator<Item = (&'a str, Option<&'a str>)>,
    penalty_required: bool,
    errors: &mut Vec<FieldError>,
) {
    for (i, (offence, penalty)) in offences.enumerate() {
        let penalty_missing = match penalty {
            Some(p) => p.trim().is_empty(),
            None => penalty_required,
        };
        if offence.trim().is_empty() || penalty_missing {
            let message = if penalty_required {
                "must name the offence and its penalty"
            } else {
                "must name the offence, and its penalty when one is given"
            };
            errors.push(FieldError::new(format!("offences[{i}]"), message));
        }
    }
}

/// A person or organisation the request concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestSubject {
    #[schema(min_length = 1, max_length = 500)]
    pub name: String,
    /// Accounts, telephone numbers, IP addresses, document numbers.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub identifiers: Vec<String>,
    #[schema(max_length = 500)]
    pub location: Option<String>,
}

/// Data the requested state is asked for: who holds it, which account, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSought {
    /// The service provider or holder of the data.
    #[schema(min_length = 1, max_length = 500)]
    pub provider: String,
    /// The account, number, address or other identifier.
    #[schema(min_length = 1, max_length = 500)]
    pub identifier: String,
    /// Start of the period, RFC 3339 with its offset.
    #[schema(format = DateTime)]
    pub from: Option<String>,
    /// End of the period, RFC 3339 with its offset.
    #[schema(format = DateTime)]
    pub to: Option<String>,
    /// The IANA time zone the period was given in, such as `America/Jamaica`.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_+/-]+$")]
    pub time_zone: Option<String>,
}

pub use crate::contact::Contact;

/// Declares a struct with the fields of a request's content (those of
/// [`RequestContent`]) after its own, and `take_content` to move them out: the
/// bodies and the view carry them at the top level, as national systems expect.
macro_rules! with_content {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident : $ty:ty,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*

    /// The nature of the proceedings (investigation, prosecution, trial) and the
    /// authority conducting them.
    #[schema(max_length = 20000)]
    pub proceedings: Option<String>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    #[schema(max_items = 50)]
    pub offences: Option<Vec<ChargedOffence>>,
    /// Why the conduct is also an offence in the requested state.
    #[schema(max_length = 5000)]
    pub dual_criminality: Option<String>,
    #[schema(max_items = 8)]
    pub assistance_types: Option<Vec<AssistanceType>>,
    #[schema(max_items = 100)]
    pub subjects: Option<Vec<RequestSubject>>,
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<DataSought>>,
    /// Why the data or evidence is in the requested state.
    #[schema(max_length = 5000)]
    pub why_requested_state: Option<String>,
    #[schema(max_length = 5000)]
    pub special_procedures: Option<String>,
    #[schema(max_length = 5000)]
    pub confidentiality: Option<String>,
    #[schema(max_length = 5000)]
    pub use_limitation: Option<String>,
    #[schema(max_length = 5000)]
    pub urgency_reasons: Option<String>,
    /// The language the request is written in (ISO 639-1), such as `en`.
    #[schema(pattern = "^[a-z]{2,3}$")]
    pub language: Option<String>,
    pub translation_attached: Option<bool>,
    #[schema(max_items = 20)]
    pub contacts: Option<Vec<Contact>>,
        }

        impl $name {
            /// Moves the content's fields out.
            pub fn take_content(&mut self) -> RequestContent {
                RequestContent {
                    proceedings: self.proceedings.take(),
                    summary_of_facts: self.summary_of_facts.take(),
                    offences: self.offences.take(),
                    dual_criminality: self.dual_criminality.take(),
                    assistance_types: self.assistance_types.take(),
                    subjects: self.subjects.take(),
                    data_sought: self.data_sought.take(),
                    why_requested_state: self.why_requested_state.take(),
                    special_procedures: self.special_procedures.take(),
                    confidentiality: self.confidentiality.take(),
                    use_limitation: self.use_limitation.take(),
                    urgency_reasons: self.urgency_reasons.take(),
                    language: self.language.take(),
                    translation_attached: self.translation_attached.take(),
                    contacts: self.contacts.take(),
                }
            }

            /// The struct of its own fields and `content`'s.
            #[allow(clippy::too_many_arguments)]
            pub fn assemble($($field: $ty,)* content: RequestContent) -> $name {
                $name {
                    $($field,)*
                    proceedings: content.proceedings,
                    summary_of_facts: content.summary_of_facts,
                    offences: content.offences,
                    dual_criminality: content.dual_criminality,
                    assistance_types: content.assistance_types,
                    subjects: content.subjects,
                    data_sought: content.data_sought,
                    why_requested_state: content.why_requested_state,
                    special_procedures: content.special_procedures,
                    confidentiality: content.confidentiality,
                    use_limitation: content.use_limitation,
                    urgency_reasons: content.urgency_reasons,
                    language: content.language,
                    translation_attached: content.translation_attached,
                    contacts: content.contacts,
                }
            }

            /// Sets the content's fields.
            pub fn put_content(&mut self, content: RequestContent) {
                self.proceedings = content.proceedings;
                self.summary_of_facts = content.summary_of_facts;
                self.offences = content.offences;
                self.dual_criminality = content.dual_criminality;
                self.assistance_types = content.assistance_types;
                self.subjects = content.subjects;
                self.data_sought = content.data_sought;
                self.why_requested_state = content.why_requested_state;
                self.special_procedures = content.special_procedures;
                self.confidentiality = content.confidentiality;
                self.use_limitation = content.use_limitation;
                self.urgency_reasons = content.urgency_reasons;
                self.language = content.language;
                self.translation_attached = content.translation_attached;
                self.contacts = content.contacts;
            }
        }
    };
}

with_content! {
    /// What a request says: every field may be left empty in a draft; its legal basis
    /// names those that must be filled before it can be approved.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RequestContent {}
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

fn none_or_empty<T>(list: &Option<Vec<T>>) -> bool {
    list.as_ref().is_none_or(Vec::is_empty)
}

fn check_len(field: &str, value: &Option<String>, max: usize, errors: &mut Vec<FieldError>) {
    if value.as_ref().is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Every item of a list names someone.
fn names_given<T>(
    field: &str,
    items: &Option<Vec<T>>,
    name: fn(&T) -> &String,
    errors: &mut Vec<FieldError>,
) {
    for (i, item) in items.iter().flatten().enumerate() {
        if name(item).trim().is_empty() {
            errors.push(FieldError::new(
                format!("{field}[{i}].name"),
                "must not be empty",
            ));
        }
    }
}

use crate::contact::is_time_zone;

impl RequestContent {
    /// Every problem of the content at once. Emptiness is not one: a draft may be
    /// incomplete, and its legal basis says what approval needs.
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        check_len("proceedings", &self.proceedings, 20000, errors);
        check_len("summary_of_facts", &self.summary_of_facts, 20000, errors);
        for (field, value) in [
            ("dual_criminality", &self.dual_criminality),
            ("why_requested_state", &self.why_requested_state),
            ("special_procedures", &self.special_procedures),
            ("confidentiality", &self.confidentiality),
            ("use_limitation", &self.use_limitation),
            ("urgency_reasons", &self.urgency_reasons),
        ] {
            check_len(field, value, 5000, errors);
        }
        check_offences(
            self.offences
                .iter()
                .flatten()
                .map(|o| (o.offence.as_str(), Some(o.penalty.as_str()))),
            true,
            errors,
        );
        names_given("subjects", &self.subjects, |s| &s.name, errors);
        for (i, d) in self.data_sought.iter().flatten().enumerate() {
            let instant = |v: &Option<String>| match v.as_deref() {
                None => Ok(None),
                Some(t) => crate::time::parse_instant(t).map(Some).ok_or(()),
            };
            match (instant(&d.from), instant(&d.to)) {
                (Ok(from), Ok(to)) => {
                    if let (Some(from), Some(to)) = (from, to)
                        && from > to
                    {
                        errors.push(FieldError::new(
                            format!("data_sought[{i}].to"),
                            "must not be before `from`",
                        ));
                    }
                }
                _ => errors.push(FieldError::new(
                    format!("data_sought[{i}]"),
                    format!("`from` and `to` {}", crate::time::INSTANT_RULE),
                )),
            }
            if d.time_zone.as_deref().is_some_and(|tz| !is_time_zone(tz)) {
                errors.push(FieldError::new(
                    format!("data_sought[{i}].time_zone"),
                    "must be an IANA time zone name, such as America/Jamaica",
                ));
            }
        }
        names_given("contacts", &self.contacts, |c| &c.name, errors);
        for (i, c) in self.contacts.iter().flatten().enumerate() {
            c.check(&format!("contacts[{i}]"), errors);
        }
    }

    /// Whether `field` is filled.
    pub fn has(&self, field: RequestField, wanted_by: Option<&str>) -> bool {
        use RequestField as F;
        match field {
            F::RequestingAgencyId => true,
            F::Proceedings => !blank(&self.proceedings),
            F::SummaryOfFacts => !blank(&self.summary_of_facts),
            F::Offences => !none_or_empty(&self.offences),
            F::DualCriminality => !blank(&self.dual_criminality),
            F::AssistanceTypes => !none_or_empty(&self.assistance_types),
            F::Subjects => !none_or_empty(&self.subjects),
            F::DataSought => !none_or_empty(&self.data_sought),
            F::WhyRequestedState => !blank(&self.why_requested_state),
            F::SpecialProcedures => !blank(&self.special_procedures),
            F::Confidentiality => !blank(&self.confidentiality),
            F::UseLimitation => !blank(&self.use_limitation),
            F::UrgencyReasons => !blank(&self.urgency_reasons),
            F::WantedBy => wanted_by.is_some(),
            F::Language => !blank(&self.language),
            F::TranslationAttached => self.translation_attached.is_some(),
            F::Contacts => !none_or_empty(&self.contacts),
            // Preservation fields: not part of a mutual legal assistance request.
            F::CustodianOrLocation | F::WhyNeeded | F::MlaToFollow => true,
        }
    }

    /// Overwrites the fields `patch` sends.
    fn apply(&mut self, patch: RequestContent) {
        macro_rules! take {
            ($($field:ident),+) => { $(if patch.$field.is_some() { self.$field = patch.$field; })+ };
        }
        take!(
            proceedings,
            summary_of_facts,
            offences,
            dual_criminality,
            assistance_types,
            subjects,
            data_sought,
            why_requested_state,
            special_procedures,
            confidentiality,
            use_limitation,
            urgency_reasons,
            language,
            translation_attached,
            contacts
        );
    }
}

/// A wanted-by date as sent: an RFC 3339 full-date, kept as written.
fn check_wanted_by(value: &Option<String>, errors: &mut Vec<FieldError>) {
    if value
        .as_deref()
        .is_some_and(|d| crate::time::FullDate::parse(d).is_none())
    {
        errors.push(FieldError::new("wanted_by", crate::time::DATE_RULE));
    }
}

with_content! {
    /// A new draft, as a request describes it.
    #[derive(Debug, Serialize, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct NewMlaRequest {
        /// The case the request serves; the caller's agency must own it.
        #[schema(format = Uuid)]
        pub case_id: String,
        /// The caller's agency, which owns the case (the default).
        #[schema(format = Uuid)]
        pub requesting_agency_id: Option<String>,
        #[schema(pattern = "^[A-Z]{2}$", example = "TT")]
        pub requested_country: String,
        /// A legal basis code that covers `mla` requests.
        #[schema(min_length = 2, max_length = 40, example = "harare")]
        pub legal_basis: String,
        #[serde(default = "normal")]
        pub urgency: Urgency,
        /// When the requesting state needs the result, `YYYY-MM-DD`.
        #[schema(format = Date)]
        pub wanted_by: Option<String>,
    }
}

fn normal() -> Urgency {
    Urgency::Normal
}

impl NewMlaRequest {
    pub fn check(&mut self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        check_wanted_by(&self.wanted_by, &mut errors);
        let content = self.take_content();
        content.check(&mut errors);
        self.put_content(content);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

with_content! {
    /// Changes to a draft: the fields sent replace the draft's.
    #[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct MlaRequestPatch {
        #[schema(pattern = "^[A-Z]{2}$")]
        pub requested_country: Option<String>,
        #[schema(min_length = 2, max_length = 40)]
        pub legal_basis: Option<String>,
        pub urgency: Option<Urgency>,
        #[schema(format = Date)]
        pub wanted_by: Option<String>,
    }
}

impl MlaRequestPatch {
    pub fn check(&mut self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        check_wanted_by(&self.wanted_by, &mut errors);
        let content = self.take_content();
        content.check(&mut errors);
        self.put_content(content);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// The names of the fields it changes, for the audit trail.
    pub fn fields(&self) -> Vec<&'static str> {
        let value = serde_json::to_value(self).expect("a patch serialises");
        let sent = |name: &str| value.get(name).is_some_and(|v| !v.is_null());
        let mut fields: Vec<&'static str> =
            ["requested_country", "legal_basis", "urgency", "wanted_by"]
                .into_iter()
                .filter(|f| sent(f))
                .collect();
        fields.extend(
            RequestField::ALL
                .iter()
                .map(|f| f.as_str())
                .filter(|f| *f != "wanted_by" && sent(f)),
        );
        fields
    }
}

/// A request as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = mla_requests)]
#[diesel(treat_none_as_null = true)]
pub struct MlaRequestRow {
    pub id: String,
    pub reference: String,
    pub case_id: String,
    pub requesting_agency_id: String,
    pub requesting_country: String,
    pub requested_country: String,
    pub legal_basis: String,
    pub urgency: String,
    pub wanted_by: Option<String>,
    pub content: String,
    pub status: String,
    pub their_reference: Option<String>,
    /// When the requesting central authority submitted it: from then on the
    /// requested state's central authority sees it.
    pub submitted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The `seq` of the request's last history entry (-1 before any).
    pub last_seq: i32,
    /// The `entry_hash` of that entry.
    pub last_hash: Option<String>,
    /// The agency of the requested state that executes it, once assigned.
    pub executing_agency_id: Option<String>,
    /// The deadlines now running (see [`super::deadlines`]).
    pub acknowledge_by: Option<NaiveDateTime>,
    pub decide_by: Option<NaiveDateTime>,
    pub execute_by: Option<NaiveDateTime>,
}

impl MlaRequestRow {
    pub fn content(&self) -> RequestContent {
        serde_json::from_str(&self.content).unwrap_or_default()
    }

    /// The fields of `required` (its legal basis's) that the request leaves empty.
    pub fn missing(
        &self,
        content: &RequestContent,
        required: &[RequestField],
    ) -> Vec<RequestField> {
        required
            .iter()
            .copied()
            .filter(|f| !content.has(*f, self.wanted_by.as_deref()))
            .collect()
    }

    pub fn status(&self) -> RequestStatus {
        RequestStatus::parse(&self.status).unwrap_or(RequestStatus::Draft)
    }

    pub fn etag(&self) -> String {
        crate::input::version_tag(self.version)
    }

    /// The draft with `patch` applied (its country and basis already checked).
    pub fn patched(&self, mut patch: MlaRequestPatch, now: NaiveDateTime) -> MlaRequestRow {
        let mut next = self.clone();
        let mut content = self.content();
        content.apply(patch.take_content());
        next.content = serde_json::to_string(&content).expect("content serialises");
        if let Some(country) = patch.requested_country {
            next.requested_country = country;
        }
        if let Some(basis) = patch.legal_basis {
            next.legal_basis = basis;
        }
        if let Some(urgency) = patch.urgency {
            next.urgency = urgency.as_str().to_owned();
        }
        if patch.wanted_by.is_some() {
            next.wanted_by = patch.wanted_by;
        }
        next.version += 1;
        next.updated_at = now;
        next
    }
}

/// `JM-MLA-2026-000007`: gapless per requesting country and year.
/// The requested state: a known country other than the requesting one.
pub fn check_requested(
    conn: &mut crate::db::DbConn,
    requested: &str,
    requesting: &str,
) -> crate::error::ApiResult<()> {
    if requested == requesting {
        return Err(ApiError::validation(
            "requested_country",
            "must be another state than the requesting one",
        ));
    }
    if !crate::countries::queries::exists(conn, requested)? {
        return Err(ApiError::validation(
            "requested_country",
            "is not a known country",
        ));
    }
    Ok(())
}

pub fn reference(country: &str, year: i32, number: i32) -> String {
    format!("{country}-MLA-{year}-{number:06}")
}

with_content! {
    /// A mutual legal assistance request.
    #[derive(Debug, Serialize, ToSchema)]
    pub struct MlaRequest {
        pub id: String,
        #[schema(example = "JM-MLA-2026-000007")]
        pub reference: String,
        /// The requested state's own reference, once it acknowledged the request.
        pub their_reference: Option<String>,
        pub status: RequestStatus,
        pub case_id: String,
        pub requesting_agency_id: String,
        pub requesting_country: String,
        pub requested_country: String,
        pub legal_basis: String,
        /// The agency of the requested state that executes it, once assigned.
        pub executing_agency_id: Option<String>,
        pub urgency: Urgency,
        #[schema(format = Date)]
        pub wanted_by: Option<String>,
        /// When the requested state must acknowledge it, by its legal basis (absent
        /// when none is set, not yet running, or met).
        pub acknowledge_by: Option<UtcTimestamp>,
        /// When the requested state must decide (paused while information is asked
        /// for or the decision is postponed).
        pub decide_by: Option<UtcTimestamp>,
        /// When the requested state must have executed it.
        pub execute_by: Option<UtcTimestamp>,
        /// The fields its legal basis requires that are still empty: approval is
        /// refused until there are none.
        pub missing_fields: Vec<RequestField>,
        pub version: i32,
        pub created_by: String,
        pub created_at: UtcTimestamp,
        pub updated_at: UtcTimestamp,
    }
}

impl MlaRequest {
    pub fn new(row: MlaRequestRow, required: &[RequestField]) -> MlaRequest {
        let content = row.content();
        let missing_fields = row.missing(&content, required);
        MlaRequest::assemble(
            row.id,
            row.reference,
            row.their_reference,
            RequestStatus::parse(&row.status).unwrap_or(RequestStatus::Draft),
            row.case_id,
            row.requesting_agency_id,
            row.requesting_country,
            row.requested_country,
            row.legal_basis,
            row.executing_agency_id,
            Urgency::parse(&row.urgency).unwrap_or(Urgency::Normal),
            row.wanted_by,
            row.acknowledge_by.map(Into::into),
            row.decide_by.map(Into::into),
            row.execute_by.map(Into::into),
            missing_fields,
            row.version,
            row.created_by,
            row.created_at.into(),
            row.updated_at.into(),
            content,
        )
    }

    /// The reply that carries it, with its ETag (and Location when just created).
    pub fn reply(&self, status: StatusCode) -> Reply {
        let reply = Reply::json(status, self).etag(format!("\"v{}\"", self.version));
        if status == StatusCode::CREATED {
            reply.location(format!("/api/v1/mla/requests/{}", self.id))
        } else {
            reply
        }
    }
}

crate::string_enum! {
    /// Requests the caller's side sent (`outgoing`) or received (`incoming`).
    Direction {
        Outgoing => "outgoing",
        Incoming => "incoming",
    }
}

/// Filters of the request list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestFilter {
    pub direction: Option<Direction>,
    pub status: Option<RequestStatus>,
    /// Requests of this case.
    #[param(format = Uuid)]
    pub case_id: Option<String>,
    /// Requests to this state.
    #[param(pattern = "^[A-Z]{2}$")]
    pub requested_country: Option<String>,
}
