//! Legal bases: the instruments a request between states rests on (the Budapest
//! Convention's articles, the Harare Scheme, treaties, reciprocity), what each
//! requires a request to contain, and the deadlines it sets. Deadlines are days on
//! the normal track and hours on the emergency track; an absent deadline means that
//! the instrument sets none, and the requester's wanted-by date is what is tracked.

use crate::db::schema::legal_bases;
use crate::error::{ApiError, FieldError};
use crate::providers::OrderType;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::string_enum! {
    /// The kinds of request between states.
    RequestType {
        /// A mutual legal assistance request.
        Mla => "mla",
        /// An expedited preservation request (Budapest art. 29 and 30).
        Preservation => "preservation",
        /// An order to a service provider (Second Additional Protocol, arts. 6-9, or
        /// a domestic production order).
        Order => "order",
    }
}

crate::string_enum! {
    /// Who approves an order before it is sent.
    Approver {
        /// A prosecutor of the requesting state.
        Prosecutor => "prosecutor",
        /// A judge: a prosecutor of the requesting state records the approval with
        /// the judicial authorisation (court, judge, reference, date).
        Judge => "judge",
    }
}

crate::string_enum! {
    /// Whether the provider's state is notified of an order.
    Notice {
        Never => "never",
        Always => "always",
        /// Where that state requires notice (art. 7(5)(a)): its `order_notice_required`.
        WhereRequired => "where_required",
    }
}

/// Days to produce for one order type, where a basis sets them apart from its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeProduceDays {
    pub order_type: OrderType,
    #[schema(minimum = 1, maximum = 3650)]
    pub produce_days: i32,
}

/// How a legal basis governs orders to providers. The basis's `acknowledge_days` and
/// `execute_days` are the provider's days to acknowledge and to produce,
/// `emergency_acknowledge_hours` and `emergency_execute_hours` the same for an
/// emergency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderRules {
    /// The order types the basis covers.
    #[schema(min_items = 1, max_items = 6)]
    pub order_types: Vec<OrderType>,
    pub approver: Approver,
    pub notice: Notice,
    /// Days the notified state has to object, during which the provider holds the
    /// data back; absent: it may object until the order is answered, and the data is
    /// not held back.
    #[schema(minimum = 1, maximum = 3650)]
    pub objection_days: Option<i32>,
    /// Days to produce for particular order types (art. 8(6)), in place of
    /// `execute_days`.
    #[serde(default)]
    #[schema(max_items = 6)]
    pub produce_days_by_type: Vec<TypeProduceDays>,
}

impl OrderRules {
    fn check(&self, errors: &mut Vec<FieldError>) {
        let mut types = self.order_types.clone();
        types.sort();
        types.dedup();
        if self.order_types.is_empty() || types.len() != self.order_types.len() {
            errors.push(FieldError::new(
                "order_rules.order_types",
                "must name at least one order type, each once",
            ));
        }
        if self
            .objection_days
            .is_some_and(|d| !(1..=3650).contains(&d))
        {
            errors.push(FieldError::new(
                "order_rules.objection_days",
                "must be 1 to 3650 days",
            ));
        }
        let mut seen = Vec::new();
        for (i, by_type) in self.produce_days_by_type.iter().enumerate() {
            if !(1..=3650).contains(&by_type.produce_days) {
                errors.push(FieldError::new(
                    format!("order_rules.produce_days_by_type[{i}].produce_days"),
                    "must be 1 to 3650 days",
                ));
            }
            if !self.order_types.contains(&by_type.order_type) || seen.contains(&by_type.order_type)
            {
                errors.push(FieldError::new(
                    format!("order_rules.produce_days_by_type[{i}].order_type"),
                    "must be an order type the basis covers, named once",
                ));
            }
            seen.push(by_type.order_type);
        }
    }

    /// The days to produce an order of `order_type` on the normal track.
    pub fn produce_days(&self, order_type: OrderType, deadlines: &Deadlines) -> Option<i32> {
        self.produce_days_by_type
            .iter()
            .find(|t| t.order_type == order_type)
            .map(|t| t.produce_days)
            .or(deadlines.execute_days)
    }
}

crate::string_enum! {
    /// The fields of a request that a legal basis may require: those of a mutual
    /// legal assistance request and those of a preservation request.
    RequestField {
        RequestingAgencyId => "requesting_agency_id",
        Proceedings => "proceedings",
        SummaryOfFacts => "summary_of_facts",
        Offences => "offences",
        DualCriminality => "dual_criminality",
        AssistanceTypes => "assistance_types",
        Subjects => "subjects",
        DataSought => "data_sought",
        WhyRequestedState => "why_requested_state",
        SpecialProcedures => "special_procedures",
        Confidentiality => "confidentiality",
        UseLimitation => "use_limitation",
        UrgencyReasons => "urgency_reasons",
        WantedBy => "wanted_by",
        Language => "language",
        TranslationAttached => "translation_attached",
        Contacts => "contacts",
        CustodianOrLocation => "custodian_or_location",
        WhyNeeded => "why_needed",
        MlaToFollow => "mla_to_follow",
    }
}

/// The deadlines a legal basis sets; each absent where it sets none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Days from submission to acknowledge receipt.
    #[schema(minimum = 1, maximum = 3650)]
    pub acknowledge_days: Option<i32>,
    /// Days from acknowledgement to decide (accept, refuse or postpone).
    #[schema(minimum = 1, maximum = 3650)]
    pub decide_days: Option<i32>,
    /// Days one extension of the decision adds, where the basis allows one.
    #[schema(minimum = 1, maximum = 3650)]
    pub decide_extension_days: Option<i32>,
    /// Days from acceptance to execute.
    #[schema(minimum = 1, maximum = 3650)]
    pub execute_days: Option<i32>,
    /// Days data stays preserved.
    #[schema(minimum = 1, maximum = 3650)]
    pub preservation_days: Option<i32>,
    /// Days one extension of a preservation adds.
    #[schema(minimum = 1, maximum = 3650)]
    pub preservation_extension_days: Option<i32>,
    /// Hours to acknowledge an emergency request (imminent risk to life).
    #[schema(minimum = 1, maximum = 8760)]
    pub emergency_acknowledge_hours: Option<i32>,
    /// Hours to decide an emergency request.
    #[schema(minimum = 1, maximum = 8760)]
    pub emergency_decide_hours: Option<i32>,
    /// Hours to execute an emergency request.
    #[schema(minimum = 1, maximum = 8760)]
    pub emergency_execute_hours: Option<i32>,
}

impl Deadlines {
    /// Every deadline out of range, at once.
    fn check(&self, errors: &mut Vec<FieldError>) {
        let days = [
            ("acknowledge_days", self.acknowledge_days),
            ("decide_days", self.decide_days),
            ("decide_extension_days", self.decide_extension_days),
            ("execute_days", self.execute_days),
            ("preservation_days", self.preservation_days),
            (
                "preservation_extension_days",
                self.preservation_extension_days,
            ),
        ];
        for (field, value) in days {
            if value.is_some_and(|d| !(1..=3650).contains(&d)) {
                errors.push(FieldError::new(
                    format!("deadlines.{field}"),
                    "must be 1 to 3650 days",
                ));
            }
        }
        let hours = [
            (
                "emergency_acknowledge_hours",
                self.emergency_acknowledge_hours,
            ),
            ("emergency_decide_hours", self.emergency_decide_hours),
            ("emergency_execute_hours", self.emergency_execute_hours),
        ];
        for (field, value) in hours {
            if value.is_some_and(|h| !(1..=8760).contains(&h)) {
                errors.push(FieldError::new(
                    format!("deadlines.{field}"),
                    "must be 1 to 8760 hours",
                ));
            }
        }
    }
}

/// A legal basis as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = legal_bases)]
#[diesel(treat_none_as_null = true)]
pub struct LegalBasisRow {
    pub code: String,
    pub name: String,
    pub request_types: String,
    pub required_fields: String,
    pub dual_criminality_required: bool,
    pub acknowledge_days: Option<i32>,
    pub decide_days: Option<i32>,
    pub decide_extension_days: Option<i32>,
    pub execute_days: Option<i32>,
    pub preservation_days: Option<i32>,
    pub preservation_extension_days: Option<i32>,
    pub emergency_acknowledge_hours: Option<i32>,
    pub emergency_decide_hours: Option<i32>,
    pub emergency_execute_hours: Option<i32>,
    pub notes: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub order_rules: Option<String>,
}

/// A legal basis.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalBasis {
    #[schema(example = "budapest-29")]
    pub code: String,
    pub name: String,
    /// The kinds of request it covers.
    pub request_types: Vec<RequestType>,
    /// The fields a request on this basis must fill before it can be approved.
    pub required_fields: Vec<RequestField>,
    /// Whether the conduct must be an offence in both states.
    pub dual_criminality_required: bool,
    pub deadlines: Deadlines,
    /// How it governs orders to providers; present when it covers orders.
    pub order_rules: Option<OrderRules>,
    pub notes: String,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
}

/// A JSON list of names as stored; names no longer known are left out.
fn parse_names<T>(stored: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    serde_json::from_str::<Vec<String>>(stored)
        .unwrap_or_default()
        .iter()
        .filter_map(|name| parse(name))
        .collect()
}

impl From<LegalBasisRow> for LegalBasis {
    fn from(row: LegalBasisRow) -> LegalBasis {
        LegalBasis {
            request_types: parse_names(&row.request_types, RequestType::parse),
            required_fields: parse_names(&row.required_fields, RequestField::parse),
            deadlines: Deadlines {
                acknowledge_days: row.acknowledge_days,
                decide_days: row.decide_days,
                decide_extension_days: row.decide_extension_days,
                execute_days: row.execute_days,
                preservation_days: row.preservation_days,
                preservation_extension_days: row.preservation_extension_days,
                emergency_acknowledge_hours: row.emergency_acknowledge_hours,
                emergency_decide_hours: row.emergency_decide_hours,
                emergency_execute_hours: row.emergency_execute_hours,
            },
            order_rules: row
                .order_rules
                .as_deref()
                .and_then(|rules| serde_json::from_str(rules).ok()),
            code: row.code,
            name: row.name,
            dual_criminality_required: row.dual_criminality_required,
            notes: row.notes,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        }
    }
}

/// A legal basis as a regional administrator defines it (`PUT`: the whole definition).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LegalBasisDefinition {
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    #[schema(min_items = 1)]
    pub request_types: Vec<RequestType>,
    #[serde(default)]
    pub required_fields: Vec<RequestField>,
    #[serde(default)]
    pub dual_criminality_required: bool,
    #[serde(default)]
    pub deadlines: Deadlines,
    /// Required when the basis covers orders, and only then.
    pub order_rules: Option<OrderRules>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
}

/// A legal basis's code: lowercase letters, digits and hyphens.
pub fn check_code(code: &str) -> Result<(), ApiError> {
    let valid = (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ApiError::validation(
            "code",
            "must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter or digit",
        ))
    }
}

/// Sorted, without repeats, as a JSON list.
fn names_json<T: Copy + Ord>(values: &[T], name: fn(T) -> &'static str) -> String {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted.dedup();
    let names: Vec<&str> = sorted.into_iter().map(name).collect();
    serde_json::to_string(&names).expect("a list of names serialises")
}

impl LegalBasisDefinition {
    /// The row for `code`, checked field by field (every problem at once).
    pub fn into_row(
        self,
        code: &str,
        created_at: NaiveDateTime,
        now: NaiveDateTime,
    ) -> Result<LegalBasisRow, ApiError> {
        let mut errors = Vec::new();
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 300 {
            errors.push(FieldError::new("name", "must be 1 to 300 characters"));
        }
        if self.request_types.is_empty() {
            errors.push(FieldError::new("request_types", "must name at least one"));
        }
        if self.notes.chars().count() > 5000 {
            errors.push(FieldError::new("notes", "must be at most 5000 characters"));
        }
        self.deadlines.check(&mut errors);
        let orders = self.request_types.contains(&RequestType::Order);
        match &self.order_rules {
            Some(rules) if orders => rules.check(&mut errors),
            None if orders => errors.push(FieldError::new(
                "order_rules",
                "is required when the basis covers orders",
            )),
            Some(_) => errors.push(FieldError::new(
                "order_rules",
                "is given only when the basis covers orders",
            )),
            None => {}
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let d = self.deadlines;
        Ok(LegalBasisRow {
            code: code.to_owned(),
            name,
            request_types: names_json(&self.request_types, RequestType::as_str),
            required_fields: names_json(&self.required_fields, RequestField::as_str),
            dual_criminality_required: self.dual_criminality_required,
            acknowledge_days: d.acknowledge_days,
            decide_days: d.decide_days,
            decide_extension_days: d.decide_extension_days,
            execute_days: d.execute_days,
            preservation_days: d.preservation_days,
            preservation_extension_days: d.preservation_extension_days,
            emergency_acknowledge_hours: d.emergency_acknowledge_hours,
            emergency_decide_hours: d.emergency_decide_hours,
            emergency_execute_hours: d.emergency_execute_hours,
            notes: self.notes,
            created_at,
            updated_at: now,
            order_rules: self
                .order_rules
                .map(|rules| serde_json::to_string(&rules).expect("order rules serialise")),
        })
    }
}
