//! Orders to service providers: what one asks (the identifiers and times the data is
//! sought for, the facts, the reasons for urgency), where it stands, the events of
//! its life, and the judicial authorisation a judge's approval carries.

use crate::db::schema::orders;
use crate::error::{ApiError, FieldError};
use crate::mla::basis::RequestField;
use crate::mla::request::Urgency;
use crate::providers::OrderType;
use crate::time::UtcTimestamp;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

crate::string_enum! {
    /// Where an order stands: the state its last event leads to (`draft` before any).
    OrderStatus {
        Draft => "draft",
        /// Approved by a prosecutor (for a judge, with the judicial authorisation).
        Approved => "approved",
        /// Sent to the provider (and, where notice is given, to its state).
        Sent => "sent",
        Acknowledged => "acknowledged",
        ClarificationAsked => "clarification_asked",
        ClarificationGiven => "clarification_given",
        PartiallyProduced => "partially_produced",
        Produced => "produced",
        /// Refused by the provider, with grounds.
        Refused => "refused",
        /// Stopped by the notified state's objection, with grounds.
        Objected => "objected",
        Closed => "closed",
        Withdrawn => "withdrawn",
    }
}

impl OrderStatus {
    /// Whether the provider has it: sent and not yet over.
    pub fn is_with_provider(self) -> bool {
        use OrderStatus as S;
        matches!(
            self,
            S::Sent | S::Acknowledged | S::ClarificationAsked | S::ClarificationGiven
        ) || self == S::PartiallyProduced
    }

    /// Whether it has left the requesting agency (the provider and the notified state
    /// see it from then on).
    pub fn is_sent(self) -> bool {
        !matches!(self, OrderStatus::Draft | OrderStatus::Approved)
    }
}

crate::string_enum! {
    /// The events of an order's history.
    OrderEventType {
        /// A prosecutor of the requesting state approves the complete draft; on a
        /// basis a judge approves, with the judicial `authorisation`.
        Approved => "approved",
        /// The case team sends it: its deadlines start, and the provider's state is
        /// notified where the basis or that state requires it.
        Sent => "sent",
        /// The provider's liaison confirms receipt.
        Acknowledged => "acknowledged",
        /// The provider, or the notified state, asks a question (`note`).
        ClarificationAsked => "clarification_asked",
        /// The case team answers it (`note`).
        ClarificationGiven => "clarification_given",
        /// The notified state lets the order go ahead before its period ends.
        NoObjection => "no_objection",
        /// The notified state objects, with `grounds`: the order stops.
        Objected => "objected",
        /// The provider refuses, with `grounds`.
        Refused => "refused",
        /// The provider has produced part of the data and goes on.
        PartiallyProduced => "partially_produced",
        /// The provider has produced everything asked for.
        Produced => "produced",
        Closed => "closed",
        /// The requester withdraws it (`note`), at any time before it is closed.
        Withdrawn => "withdrawn",
    }
}

impl OrderEventType {
    /// The state the event leads to; `None` leaves it where it is.
    pub fn leads_to(self) -> Option<OrderStatus> {
        use OrderEventType as E;
        use OrderStatus as S;
        Some(match self {
            E::Approved => S::Approved,
            E::Sent => S::Sent,
            E::Acknowledged => S::Acknowledged,
            E::ClarificationAsked => S::ClarificationAsked,
            E::ClarificationGiven => S::ClarificationGiven,
            E::NoObjection => return None,
            E::Objected => S::Objected,
            E::Refused => S::Refused,
            E::PartiallyProduced => S::PartiallyProduced,
            E::Produced => S::Produced,
            E::Closed => S::Closed,
            E::Withdrawn => S::Withdrawn,
        })
    }

    /// Whether the event may follow an order in `status`.
    pub fn may_follow(self, status: OrderStatus) -> bool {
        use OrderEventType as E;
        use OrderStatus as S;
        match self {
            E::Approved => status == S::Draft,
            E::Sent => status == S::Approved,
            E::Acknowledged => status == S::Sent,
            E::ClarificationAsked => {
                matches!(status, S::Sent | S::Acknowledged | S::ClarificationGiven)
            }
            E::ClarificationGiven => status == S::ClarificationAsked,
            E::NoObjection | E::Objected => status.is_with_provider(),
            E::Refused => matches!(
                status,
                S::Sent | S::Acknowledged | S::ClarificationAsked | S::ClarificationGiven
            ),
            E::PartiallyProduced | E::Produced => matches!(
                status,
                S::Acknowledged | S::ClarificationGiven | S::PartiallyProduced
            ),
            E::Closed => matches!(
                status,
                S::Produced | S::PartiallyProduced | S::Refused | S::Objected
            ),
            E::Withdrawn => !matches!(status, S::Closed | S::Withdrawn),
        }
    }
}

crate::string_enum! {
    /// What an identifier of the data sought is.
    IdentifierKind {
        /// An IPv4 or IPv6 address (with `port` where the provider shares addresses).
        IpAddress => "ip_address",
        Account => "account",
        Domain => "domain",
        PhoneNumber => "phone_number",
        Email => "email",
        Other => "other",
    }
}

/// One identifier the data is sought for, and when: an instant (`at`: an IP address
/// and port at the moment of a connection) or a period (`from`, `to`), in the time zone
/// the investigator read them in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoughtIdentifier {
    pub kind: IdentifierKind,
    #[schema(min_length = 1, max_length = 500, example = "190.93.14.7")]
    pub identifier: String,
    /// The source port (with `ip_address` only).
    #[schema(minimum = 0, maximum = 65535)]
    pub port: Option<i32>,
    /// The instant, RFC 3339 with its offset.
    #[schema(format = DateTime)]
    pub at: Option<String>,
    /// Start of the period, RFC 3339 with its offset.
    #[schema(format = DateTime)]
    pub from: Option<String>,
    /// End of the period, RFC 3339 with its offset.
    #[schema(format = DateTime)]
    pub to: Option<String>,
    /// The IANA time zone the times were read in, such as `America/Jamaica`.
    #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_+/-]+$")]
    pub time_zone: Option<String>,
}

impl SoughtIdentifier {
    fn check(&self, at: usize, errors: &mut Vec<FieldError>) {
        let field = |name: &str| format!("data_sought[{at}].{name}");
        let identifier = self.identifier.trim();
        if identifier.is_empty() || identifier.chars().count() > 500 {
            errors.push(FieldError::new(
                field("identifier"),
                "must be 1 to 500 characters",
            ));
        }
        match self.kind {
            IdentifierKind::IpAddress if identifier.parse::<std::net::IpAddr>().is_err() => {
                errors.push(FieldError::new(
                    field("identifier"),
                    "must be an IPv4 or IPv6 address",
                ));
            }
            IdentifierKind::Domain if !is_domain(identifier) => errors.push(FieldError::new(
                field("identifier"),
                "must be a domain name, such as example.com",
            )),
            _ => {}
        }
        if let Some(port) = self.port {
            if self.kind != IdentifierKind::IpAddress {
                errors.push(FieldError::new(
                    field("port"),
                    "is given with an IP address only",
                ));
            } else if !(0..=65535).contains(&port) {
                errors.push(FieldError::new(field("port"), "must be 0 to 65535"));
            }
        }
        let mut times = Vec::new();
        for (name, value) in [("at", &self.at), ("from", &self.from), ("to", &self.to)] {
            if let Some(text) = value {
                match crate::time::parse_instant(text) {
                    Some(t) => times.push((name, t)),
                    None => errors.push(FieldError::new(field(name), crate::time::INSTANT_RULE)),
                }
            }
        }
        let time = |name: &str| times.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
        if self.at.is_some() && (self.from.is_some() || self.to.is_some()) {
            errors.push(FieldError::new(
                field("at"),
                "is an instant: give either it or a period (from, to), not both",
            ));
        }
        if self.kind == IdentifierKind::IpAddress && self.at.is_none() && self.from.is_none() {
            errors.push(FieldError::new(
                field("at"),
                "is required for an IP address (an address is shared over time): give the instant, or a period from `from`",
            ));
        }
        if let (Some(from), Some(to)) = (time("from"), time("to"))
            && from > to
        {
            errors.push(FieldError::new(field("to"), "must not be before `from`"));
        }
        if let Some(tz) = &self.time_zone
            && !crate::contact::is_time_zone(tz)
        {
            errors.push(FieldError::new(
                field("time_zone"),
                "must be an IANA time zone, such as America/Jamaica",
            ));
        }
    }
}

/// A domain name: labels of letters, digits and hyphens, dot-separated, at least two.
fn is_domain(text: &str) -> bool {
    let text = text.strip_suffix('.').unwrap_or(text);
    let labels: Vec<&str> = text.split('.').collect();
    text.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// What an order asks, fixed once it is approved.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderContent {
    /// The identifiers and times the data is sought for.
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<SoughtIdentifier>>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    /// Why it cannot wait (an emergency: the imminent risk to life or safety).
    #[schema(max_length = 5000)]
    pub urgency_reasons: Option<String>,
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

impl OrderContent {
    /// Every problem of form at once (what is missing is checked at approval).
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        if let Some(sought) = &self.data_sought {
            if sought.len() > 100 {
                errors.push(FieldError::new("data_sought", "must list at most 100"));
            }
            for (i, identifier) in sought.iter().enumerate() {
                identifier.check(i, errors);
            }
        }
        for (field, value, max) in [
            ("summary_of_facts", &self.summary_of_facts, 20000),
            ("urgency_reasons", &self.urgency_reasons, 5000),
        ] {
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {max} characters"),
                ));
            }
        }
    }

    /// Whether `field` is filled; fields an order does not have count as filled.
    pub fn has(&self, field: RequestField) -> bool {
        match field {
            RequestField::DataSought => self.data_sought.as_ref().is_some_and(|d| !d.is_empty()),
            RequestField::SummaryOfFacts => !blank(&self.summary_of_facts),
            RequestField::UrgencyReasons => !blank(&self.urgency_reasons),
            _ => true,
        }
    }

    /// The fields `required` names that are empty, with the data sought always among
    /// them (an order asks for something), and the reasons for urgency whenever the
    /// order is urgent.
    pub fn missing(&self, required: &[RequestField], urgency: Urgency) -> Vec<RequestField> {
        let mut wanted: Vec<RequestField> = required.to_vec();
        wanted.push(RequestField::DataSought);
        if urgency != Urgency::Normal {
            wanted.push(RequestField::UrgencyReasons);
        }
        wanted.sort();
        wanted.dedup();
        wanted.into_iter().filter(|f| !self.has(*f)).collect()
    }

    fn trimmed(mut self) -> OrderContent {
        let trim = |v: &mut Option<String>| {
            if let Some(text) = v {
                *text = text.trim().to_owned();
            }
        };
        trim(&mut self.summary_of_facts);
        trim(&mut self.urgency_reasons);
        if let Some(sought) = &mut self.data_sought {
            for s in sought {
                s.identifier = s.identifier.trim().to_owned();
            }
        }
        self
    }
}

/// The judge's authorisation an approval carries on a basis a judge approves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Authorisation {
    #[schema(min_length = 1, max_length = 300, example = "Parish Court, Kingston")]
    pub court: String,
    #[schema(min_length = 1, max_length = 300)]
    pub judge: String,
    /// The order's or warrant's number at the court.
    #[schema(min_length = 1, max_length = 100)]
    pub reference: String,
    /// The day it was made (RFC 3339 full-date).
    #[schema(format = Date, example = "2026-12-04")]
    pub issued_on: String,
}

impl Authorisation {
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        for (name, value, max) in [
            ("court", &self.court, 300),
            ("judge", &self.judge, 300),
            ("reference", &self.reference, 100),
        ] {
            let n = value.trim().chars().count();
            if n == 0 || n > max {
                errors.push(FieldError::new(
                    format!("authorisation.{name}"),
                    format!("must be 1 to {max} characters"),
                ));
            }
        }
        match crate::time::FullDate::parse(&self.issued_on) {
            Some(day) if day.day() <= chrono::Utc::now().date_naive() => {}
            Some(_) => errors.push(FieldError::new(
                "authorisation.issued_on",
                "must not be in the future",
            )),
            None => errors.push(FieldError::new(
                "authorisation.issued_on",
                crate::time::DATE_RULE,
            )),
        }
    }
}

/// An order as drafted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// A case the caller's agency owns.
    #[schema(format = Uuid)]
    pub case_id: String,
    /// The provider (its id in the directory).
    #[schema(format = Uuid)]
    pub provider_id: String,
    #[serde(rename = "type")]
    pub order_type: OrderType,
    /// The code of a legal basis that covers orders of this type.
    #[schema(min_length = 1, max_length = 64, example = "budapest-2p-7")]
    pub legal_basis: String,
    #[serde(default = "normal")]
    pub urgency: Urgency,
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<SoughtIdentifier>>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    #[schema(max_length = 5000)]
    pub urgency_reasons: Option<String>,
    /// The investigator or supervisor of the requesting agency to whom the provider
    /// transfers what it produces (default: the caller, when they are one).
    #[schema(format = Uuid)]
    pub deliver_to: Option<String>,
}

fn normal() -> Urgency {
    Urgency::Normal
}

impl NewOrder {
    /// The content, trimmed, and every problem of form at once.
    pub fn content(&self) -> Result<OrderContent, ApiError> {
        let content = OrderContent {
            data_sought: self.data_sought.clone(),
            summary_of_facts: self.summary_of_facts.clone(),
            urgency_reasons: self.urgency_reasons.clone(),
        }
        .trimmed();
        let mut errors = Vec::new();
        content.check(&mut errors);
        urgency_fits(self.order_type, self.urgency, &mut errors);
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// An emergency disclosure is an emergency.
fn urgency_fits(order_type: OrderType, urgency: Urgency, errors: &mut Vec<FieldError>) {
    if order_type == OrderType::EmergencyDisclosure && urgency != Urgency::Emergency {
        errors.push(FieldError::new(
            "urgency",
            "must be emergency for an emergency disclosure",
        ));
    }
}

/// A change to a draft: the members given replace what it had.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderChange {
    #[schema(format = Uuid)]
    pub provider_id: Option<String>,
    #[serde(rename = "type")]
    pub order_type: Option<OrderType>,
    #[schema(min_length = 1, max_length = 64)]
    pub legal_basis: Option<String>,
    pub urgency: Option<Urgency>,
    #[schema(max_items = 100)]
    pub data_sought: Option<Vec<SoughtIdentifier>>,
    #[schema(max_length = 20000)]
    pub summary_of_facts: Option<String>,
    #[schema(max_length = 5000)]
    pub urgency_reasons: Option<String>,
    /// The investigator or supervisor of the requesting agency who receives what is
    /// produced.
    #[schema(format = Uuid)]
    pub deliver_to: Option<String>,
}

impl OrderChange {
    /// The names of the members it changes (for the audit entry).
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("provider_id", self.provider_id.is_some()),
            ("type", self.order_type.is_some()),
            ("legal_basis", self.legal_basis.is_some()),
            ("urgency", self.urgency.is_some()),
            ("data_sought", self.data_sought.is_some()),
            ("summary_of_facts", self.summary_of_facts.is_some()),
            ("urgency_reasons", self.urgency_reasons.is_some()),
            ("deliver_to", self.deliver_to.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The draft as changed: its content and kind, checked.
    pub fn apply(self, row: &OrderRow, now: NaiveDateTime) -> Result<OrderRow, ApiError> {
        let mut content = row.content();
        if let Some(sought) = self.data_sought {
            content.data_sought = Some(sought);
        }
        if let Some(facts) = self.summary_of_facts {
            content.summary_of_facts = Some(facts);
        }
        if let Some(reasons) = self.urgency_reasons {
            content.urgency_reasons = Some(reasons);
        }
        let content = content.trimmed();
        let mut next = row.clone();
        if let Some(provider) = self.provider_id {
            next.provider_id = provider;
        }
        if let Some(order_type) = self.order_type {
            next.order_type = order_type.as_str().to_owned();
        }
        if let Some(basis) = self.legal_basis {
            next.legal_basis = basis;
        }
        if let Some(urgency) = self.urgency {
            next.urgency = urgency.as_str().to_owned();
        }
        if let Some(receiver) = self.deliver_to {
            next.deliver_to = Some(receiver);
        }
        let mut errors = Vec::new();
        content.check(&mut errors);
        urgency_fits(next.order_type(), next.urgency(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        next.content = serde_json::to_string(&content).expect("content serialises");
        next.version += 1;
        next.updated_at = now;
        Ok(next)
    }
}

/// An order as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
pub struct OrderRow {
    pub id: String,
    pub reference: String,
    pub case_id: String,
    pub requesting_agency_id: String,
    pub requesting_country: String,
    pub provider_id: String,
    pub provider_country: String,
    pub order_type: String,
    pub legal_basis: String,
    pub urgency: String,
    pub content: String,
    pub status: String,
    pub notified: bool,
    pub authorisation: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub objection_by: Option<NaiveDateTime>,
    pub acknowledge_by: Option<NaiveDateTime>,
    pub produce_by: Option<NaiveDateTime>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub answered_at: Option<NaiveDateTime>,
    pub version: i32,
    pub last_seq: i32,
    pub last_hash: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deliver_to: Option<String>,
}

impl OrderRow {
    pub fn status(&self) -> OrderStatus {
        OrderStatus::parse(&self.status).unwrap_or(OrderStatus::Draft)
    }

    pub fn order_type(&self) -> OrderType {
        OrderType::parse(&self.order_type).unwrap_or(OrderType::SubscriberInformation)
    }

    pub fn urgency(&self) -> Urgency {
        Urgency::parse(&self.urgency).unwrap_or(Urgency::Normal)
    }

    pub fn content(&self) -> OrderContent {
        serde_json::from_str(&self.content).unwrap_or_default()
    }

    pub fn authorisation(&self) -> Option<Authorisation> {
        self.authorisation
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
    }

    /// Whether it runs on the emergency track (hours, not days).
    pub fn is_emergency(&self) -> bool {
        self.urgency() == Urgency::Emergency || self.order_type() == OrderType::EmergencyDisclosure
    }

    /// Whether the notified state may still object at `now`.
    pub fn objection_open(&self, now: NaiveDateTime) -> bool {
        self.notified && self.objection_by.is_none_or(|by| by > now)
    }

    /// Whether the provider holds the data back at `now`: the notified state's period
    /// to object is running.
    pub fn held_back(&self, now: NaiveDateTime) -> bool {
        self.notified && self.objection_by.is_some_and(|by| by > now)
    }

    pub fn etag(&self) -> String {
        crate::input::version_tag(self.version)
    }
}

/// `JM-ORD-2026-000001`: gapless per requesting country and year.
pub fn reference(country: &str, year: i32, number: i32) -> String {
    format!("{country}-ORD-{year}-{number:06}")
}

/// Who reads an order: its case team, or someone outside the case (the provider, the
/// notified state), who is not told which case it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    CaseTeam,
    Outside,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(example = "JM-ORD-2026-000001")]
    pub reference: String,
    /// The case it serves: shown to the case team alone.
    pub case_id: Option<String>,
    pub requesting_agency_id: String,
    pub requesting_country: String,
    pub provider_id: String,
    /// Where the provider is established.
    pub provider_country: String,
    /// The investigator or supervisor of the requesting agency to whom the provider
    /// transfers what it produces (`to_custodian_id` of the transfer).
    pub deliver_to: Option<String>,
    #[serde(rename = "type")]
    pub order_type: OrderType,
    pub legal_basis: String,
    pub urgency: Urgency,
    pub status: OrderStatus,
    #[serde(flatten)]
    pub content: OrderContent,
    /// The judicial authorisation its approval carries (a basis a judge approves).
    pub authorisation: Option<Authorisation>,
    /// Whether the provider's state was notified when it was sent.
    pub notified: bool,
    pub sent_at: Option<UtcTimestamp>,
    /// Until when the notified state may object, the data held back meanwhile; absent
    /// where it may object until the order is answered.
    pub objection_by: Option<UtcTimestamp>,
    /// Whether the provider holds the data back now, while the notified state may
    /// still object.
    pub held_back: bool,
    pub acknowledge_by: Option<UtcTimestamp>,
    pub produce_by: Option<UtcTimestamp>,
    pub acknowledged_at: Option<UtcTimestamp>,
    /// When it was produced, refused or objected to.
    pub answered_at: Option<UtcTimestamp>,
    /// What its legal basis still needs before approval (drafts).
    pub missing_fields: Vec<RequestField>,
    /// How many evidence items the provider registered under it.
    pub produced_items: i64,
    pub version: i32,
    pub created_at: UtcTimestamp,
    pub updated_at: UtcTimestamp,
}

impl Order {
    pub fn new(
        row: OrderRow,
        reader: Reader,
        missing_fields: Vec<RequestField>,
        produced_items: i64,
    ) -> Order {
        let now = crate::db::now();
        Order {
            content: row.content(),
            authorisation: row.authorisation(),
            status: row.status(),
            order_type: row.order_type(),
            urgency: row.urgency(),
            held_back: row.held_back(now),
            case_id: (reader == Reader::CaseTeam).then(|| row.case_id.clone()),
            id: row.id,
            reference: row.reference,
            requesting_agency_id: row.requesting_agency_id,
            requesting_country: row.requesting_country,
            provider_id: row.provider_id,
            provider_country: row.provider_country,
            deliver_to: row.deliver_to,
            legal_basis: row.legal_basis,
            notified: row.notified,
            sent_at: row.sent_at.map(Into::into),
            objection_by: row.objection_by.map(Into::into),
            acknowledge_by: row.acknowledge_by.map(Into::into),
            produce_by: row.produce_by.map(Into::into),
            acknowledged_at: row.acknowledged_at.map(Into::into),
            answered_at: row.answered_at.map(Into::into),
            missing_fields,
            produced_items,
            version: row.version,
            created_at: row.created_at.into(),
            updated_at: row.updated_at.into(),
        }
    }

    pub fn reply(&self, status: actix_web::http::StatusCode) -> crate::reply::Reply {
        let reply =
            crate::reply::Reply::json(status, self).etag(crate::input::version_tag(self.version));
        if status == actix_web::http::StatusCode::CREATED {
            reply.location(format!("/api/v1/orders/{}", self.id))
        } else {
            reply
        }
    }
}

/// An event to record for an order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderEvent {
    #[serde(rename = "type")]
    pub event_type: OrderEventType,
    /// Required for `refused` and `objected`.
    #[schema(min_length = 1, max_length = 5000)]
    pub grounds: Option<String>,
    /// The question or the answer (required for `clarification_asked` and
    /// `clarification_given`), or why it is withdrawn (required for `withdrawn`).
    #[schema(min_length = 1, max_length = 5000)]
    pub note: Option<String>,
    /// The judge's authorisation (`approved`, on a basis a judge approves).
    pub authorisation: Option<Authorisation>,
}

impl NewOrderEvent {
    pub fn of(event_type: OrderEventType) -> NewOrderEvent {
        NewOrderEvent {
            event_type,
            grounds: None,
            note: None,
            authorisation: None,
        }
    }

    pub fn check(&self) -> Result<(), ApiError> {
        use OrderEventType as E;
        let mut errors = Vec::new();
        for (field, value) in [("grounds", &self.grounds), ("note", &self.note)] {
            if value
                .as_deref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().count() > 5000)
            {
                errors.push(FieldError::new(field, "must be 1 to 5000 characters"));
            }
        }
        let required = match self.event_type {
            E::Refused | E::Objected => Some(("grounds", self.grounds.is_some())),
            E::ClarificationAsked | E::ClarificationGiven | E::Withdrawn => {
                Some(("note", self.note.is_some()))
            }
            _ => None,
        };
        if let Some((field, false)) = required {
            errors.push(FieldError::new(
                field,
                format!("is required for `{}`", self.event_type.as_str()),
            ));
        }
        match (&self.authorisation, self.event_type) {
            (Some(a), E::Approved) => a.check(&mut errors),
            (Some(_), _) => errors.push(FieldError::new(
                "authorisation",
                "is given with `approved` only",
            )),
            (None, _) => {}
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The filters of the order list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub order_type: Option<OrderType>,
    /// Only orders to this provider.
    #[param(format = Uuid)]
    pub provider_id: Option<String>,
    /// Only orders of this case (its case team's filter).
    #[param(format = Uuid)]
    pub case_id: Option<String>,
}
