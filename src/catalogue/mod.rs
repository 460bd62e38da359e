//! The words the service prints for people (reports, and the pages to come), one
//! value per language, so that French and Dutch follow English word by word: a
//! language is a [`Words`], and the compiler refuses one that lacks a word.

/// Every printed word of the custody report.
pub struct Words {
    pub custody_report: &'static str,
    pub case_reference: &'static str,
    pub evidence_item: &'static str,
    pub description: &'static str,
    pub kind: &'static str,
    pub acquisition_hash: &'static str,
    pub verdict: &'static str,
    pub verdict_verified: &'static str,
    pub verdict_integrity_alert: &'static str,
    pub verdict_not_verified: &'static str,
    pub checkpoint: &'static str,
    pub tree_size: &'static str,
    pub signed_at: &'static str,
    pub log_key: &'static str,
    pub key_fingerprint: &'static str,
    pub generated_at: &'static str,
    pub entries_heading: &'static str,
    pub entry: &'static str,
    pub who: &'static str,
    pub when: &'static str,
    pub place: &'static str,
    pub reason: &'static str,
    pub authority: &'static str,
    pub custodian_before: &'static str,
    pub custodian_after: &'static str,
    pub transferred_to: &'static str,
    pub seal: &'static str,
    pub hash_observed: &'static str,
    pub corrects: &'static str,
    pub details: &'static str,
    pub entry_hash: &'static str,
    pub log_index: &'static str,
    pub none: &'static str,
    pub not_recorded: &'static str,
    pub unknown_person: &'static str,
    pub alert_mark: &'static str,
    pub problem_mark: &'static str,
    pub verify_heading: &'static str,
    /// How to verify, with `{spec}`, `{key}` and `{file}` to fill in.
    pub verify_steps: &'static str,
    pub attached_bundle: &'static str,
    pub bundle_sha256: &'static str,
    pub bundle_description: &'static str,
    pub page_head: &'static str,
    /// Custody event types by their code.
    pub event_types: &'static [(&'static str, &'static str)],
    /// The verdict in a sentence, by outcome; `{record}` is one of the two record
    /// names below, and the other `{…}` are filled in as [`Words::fill`] does.
    pub summary_verified_history: &'static str,
    pub summary_verified_custody: &'static str,
    pub summary_integrity_alert: &'static str,
    pub summary_more_alerts: &'static str,
    pub summary_not_verified: &'static str,
    pub record_custody: &'static str,
    pub record_request: &'static str,
    pub at_unrecorded_time: &'static str,
    pub could_not_be_checked: &'static str,
}

impl Words {
    /// An event type in words (its code when the catalogue has none).
    pub fn event_type<'a>(&self, code: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.event_types
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, words)| *words)
            .unwrap_or(code)
    }

    /// `template` with each `{name}` replaced by its value.
    pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
        let mut out = template.to_owned();
        for (name, value) in values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }
}

/// A code in words: the table's, or the code made readable (`under_investigation`
/// is "Under investigation") for one the table does not hold yet.
pub fn in_words(table: &[(&'static str, &'static str)], code: &str) -> String {
    if let Some((_, words)) = table.iter().find(|(c, _)| *c == code) {
        return (*words).to_owned();
    }
    let words = code.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub static ENGLISH: Words = Words {
    custody_report: "Custody report",
    case_reference: "Case reference",
    evidence_item: "Evidence item",
    description: "Description",
    kind: "Kind",
    acquisition_hash: "Hash at acquisition (SHA-256)",
    verdict: "Verdict",
    verdict_verified: "VERIFIED",
    verdict_integrity_alert: "INTEGRITY ALERT",
    verdict_not_verified: "NOT VERIFIED",
    checkpoint: "Signed checkpoint",
    tree_size: "Entries in the log",
    signed_at: "Signed at",
    log_key: "Log key",
    key_fingerprint: "Key fingerprint (SHA-256)",
    generated_at: "Report made at",
    entries_heading: "The custody record, entry by entry",
    entry: "Entry",
    who: "Who",
    when: "When",
    place: "Where",
    reason: "Why",
    authority: "Authority",
    custodian_before: "Custodian before",
    custodian_after: "Custodian after",
    transferred_to: "Transferred to",
    seal: "Seal",
    hash_observed: "Hash observed",
    corrects: "Corrects entry",
    details: "Details",
    entry_hash: "Entry hash",
    log_index: "Position in the log",
    none: "none",
    not_recorded: "not recorded",
    unknown_person: "unknown",
    alert_mark: "INTEGRITY ALERT: the hash observed differs from the hash taken at acquisition",
    problem_mark: "DOES NOT VERIFY",
    verify_heading: "How to verify this record independently",
    verify_steps: "The custody record of this item is attached to this PDF as the file {file}: \
        the complete chain of entries, the signed checkpoint of the log and an inclusion proof \
        for each entry. Anyone can check it without asking the service, and without trusting it:\n\
        1. Extract the attachment (for example: pdfdetach -saveall report.pdf) and check that its \
        SHA-256 is the one printed below.\n\
        2. Obtain the log's verifier key from the operator of the service by a separate channel, \
        and check that it is the key printed here: {key}\n\
        3. Verify the bundle with any implementation of the custody log format ({spec}), for \
        example: caseledger verify-bundle {file} --key <verifier key>\n\
        A verified bundle proves that these entries were recorded in this order, unaltered, in \
        the log the key signs.",
    attached_bundle: "Attached bundle",
    bundle_sha256: "SHA-256 of the attached bundle",
    bundle_description: "The custody bundle of the item, for offline verification",
    page_head: "Custody report",
    event_types: &[
        ("collected", "Collected"),
        ("sealed", "Sealed"),
        ("transferred", "Transferred"),
        ("received", "Received"),
        ("checked_out", "Checked out"),
        ("checked_in", "Checked in"),
        ("hash_verified", "Hash verified"),
        ("analysed", "Analysed"),
        ("copied", "Copied"),
        ("shared_abroad", "Shared abroad"),
        ("returned", "Returned"),
        ("released", "Released"),
        ("destroyed", "Destroyed"),
        ("note", "Note"),
        ("correction", "Correction"),
    ],
    summary_verified_history: "{record} is complete and unaltered: its {entries} entries are \
        covered by the log's signed checkpoint of {size} entries.",
    summary_verified_custody: "{record} is complete and unaltered: its {entries} entries are \
        covered by the log's signed checkpoint of {size} entries, and every hash check of the \
        item matched the hash taken at acquisition.",
    summary_integrity_alert: "The custody record is complete and unaltered, but it shows that \
        the item failed an integrity check: entry {position}, recorded {at}, observed {algorithm} \
        {observed} where the hash taken at acquisition is {expected}{more}.",
    summary_more_alerts: " ({count} more checks failed as well)",
    summary_not_verified: "{record} does not verify and must not be relied on as it stands: \
        {problem}.",
    record_custody: "The custody record",
    record_request: "The request's history",
    at_unrecorded_time: "at an unrecorded time",
    could_not_be_checked: "it could not be checked",
};

/// Every word of the review pages.
pub struct PageWords {
    pub service: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in_failed: &'static str,
    pub signed_in_as: &'static str,
    pub desk: &'static str,
    pub referred_cases: &'static str,
    pub no_referred_cases: &'static str,
    pub reference: &'static str,
    pub title: &'static str,
    pub status: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub refused_title: &'static str,
    pub refused_text: &'static str,
    pub skip_to_content: &'static str,
    pub evidence_item: &'static str,
    pub case: &'static str,
    pub downloads: &'static str,
    pub download_report: &'static str,
    pub download_bundle: &'static str,
    pub custody_timeline: &'static str,
    pub verdict: &'static str,
    pub mla_request: &'static str,
    pub request_facts: &'static str,
    pub from_state: &'static str,
    pub to_state: &'static str,
    pub legal_basis: &'static str,
    pub urgency: &'static str,
    pub wanted_by: &'static str,
    pub acknowledge_by: &'static str,
    pub decide_by: &'static str,
    pub execute_by: &'static str,
    pub content: &'static str,
    pub completeness: &'static str,
    pub complete: &'static str,
    pub missing: &'static str,
    pub approve: &'static str,
    pub approved_now: &'static str,
    pub approval_refused: &'static str,
    pub history: &'static str,
    pub event: &'static str,
    pub at: &'static str,
    pub no_history: &'static str,
    pub awaiting_approval: &'static str,
    pub none_awaiting: &'static str,
    pub my_deadlines: &'static str,
    pub no_deadlines: &'static str,
    pub deadline: &'static str,
    pub due: &'static str,
    pub overdue: &'static str,
    pub missing_count: &'static str,
    pub summary: &'static str,
    pub priority: &'static str,
    pub owner: &'static str,
    pub offences: &'static str,
    pub participants: &'static str,
    pub no_participants: &'static str,
    pub agency: &'static str,
    pub country: &'static str,
    pub access: &'static str,
    pub status_history: &'static str,
    pub change: &'static str,
    pub by: &'static str,
    pub evidence_items: &'static str,
    pub no_evidence: &'static str,
    pub label: &'static str,
    pub opened: &'static str,
    pub description: &'static str,
    pub reason: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub not_changed: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub approval_not_draft: &'static str,
    pub approval_not_yours: &'static str,
    /// The members of a request's content, and of what they hold, by their code.
    pub request_members: &'static [(&'static str, &'static str)],
    /// Stored codes in words, one table per kind of code, by code.
    pub case_statuses: &'static [(&'static str, &'static str)],
    pub priorities: &'static [(&'static str, &'static str)],
    pub offence_names: &'static [(&'static str, &'static str)],
    pub access_levels: &'static [(&'static str, &'static str)],
    pub request_statuses: &'static [(&'static str, &'static str)],
    pub request_events: &'static [(&'static str, &'static str)],
    pub urgencies: &'static [(&'static str, &'static str)],
    pub deadline_kinds: &'static [(&'static str, &'static str)],
}

impl PageWords {
    /// Where a request member comes among the others: in the catalogue's order, then
    /// the ones it does not hold yet.
    pub fn request_member_rank(&self, code: &str) -> usize {
        self.request_members
            .iter()
            .position(|(c, _)| *c == code)
            .unwrap_or(self.request_members.len())
    }

    /// A request member in words: the catalogue's, or its code made readable
    /// (`assistance_sought` is "Assistance sought") for one it does not hold yet.
    pub fn request_member(&self, code: &str) -> String {
        in_words(self.request_members, code)
    }
}

pub static ENGLISH_PAGES: PageWords = PageWords {
    service: "caseledger",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    sign_in_failed: "The username or password is not right, or the account is locked or disabled.",
    signed_in_as: "Signed in as",
    desk: "My desk",
    referred_cases: "Cases referred to my prosecution service",
    no_referred_cases: "No case is referred to your service.",
    reference: "Reference",
    title: "Title",
    status: "Status",
    not_found_title: "Not found",
    not_found_text: "There is no such page, or it is not one you may see.",
    refused_title: "Refused",
    refused_text: "This form was not sent from this service's own page, or it has expired. Go back, reload the page and try again.",
    skip_to_content: "Skip to the content",
    evidence_item: "Evidence item",
    case: "Case",
    downloads: "Downloads",
    download_report: "Custody report (PDF, with the bundle attached)",
    download_bundle: "Custody bundle (JSON, for offline verification)",
    custody_timeline: "Custody timeline",
    verdict: "Verdict",
    mla_request: "Mutual legal assistance request",
    request_facts: "The request",
    from_state: "From",
    to_state: "To",
    legal_basis: "Legal basis",
    urgency: "Urgency",
    wanted_by: "Wanted by",
    acknowledge_by: "To be acknowledged by",
    decide_by: "To be decided by",
    execute_by: "To be executed by",
    content: "Content",
    completeness: "Completeness check",
    complete: "Everything its legal basis requires is filled in.",
    missing: "Its legal basis still requires:",
    approve: "Approve this request",
    approved_now: "The request is approved.",
    approval_refused: "The request was not approved:",
    history: "History",
    event: "Event",
    at: "When",
    no_history: "Nothing has happened to it yet.",
    awaiting_approval: "Requests awaiting my approval",
    none_awaiting: "No request waits for your approval.",
    my_deadlines: "My deadlines in the next 7 days",
    no_deadlines: "Nothing falls due in the next 7 days.",
    deadline: "Deadline",
    due: "Due",
    overdue: "OVERDUE",
    missing_count: "Fields still missing",
    summary: "Summary",
    priority: "Priority",
    owner: "Owning agency",
    offences: "Offences",
    participants: "Agencies it is shared with",
    no_participants: "It is shared with no other agency.",
    agency: "Agency",
    country: "Country",
    access: "Access",
    status_history: "Status history",
    change: "Change",
    by: "By",
    evidence_items: "Evidence items",
    no_evidence: "No evidence item is registered.",
    label: "Label",
    opened: "opened",
    description: "Description",
    reason: "Reason",
    change_password: "Change your password",
    current_password: "Current password",
    new_password: "New password",
    not_changed: "The password was not changed:",
    yes: "yes",
    no: "no",
    approval_not_draft: "Only a draft can be approved, and this request is no longer one.",
    approval_not_yours: "Only a prosecutor of the requesting state may approve this request.",
    request_members: &[
        ("name", "Name"),
        ("summary_of_facts", "Summary of the facts"),
        ("proceedings", "Proceedings"),
        ("offences", "Offences"),
        ("offence", "Offence"),
        ("penalty", "Penalty"),
        ("dual_criminality", "Dual criminality"),
        ("assistance_types", "Assistance sought"),
        ("data_sought", "Data sought"),
        ("provider", "Provider"),
        ("identifier", "Identifier"),
        ("identifiers", "Identifiers"),
        ("from", "From"),
        ("to", "To"),
        ("time_zone", "Time zone"),
        ("subjects", "Persons concerned"),
        ("location", "Location"),
        ("why_requested_state", "Why the requested state"),
        ("special_procedures", "Special procedures"),
        ("confidentiality", "Confidentiality"),
        ("use_limitation", "Limits on use"),
        ("urgency_reasons", "Why it is urgent"),
        ("language", "Language"),
        ("translation_attached", "Translation attached"),
        ("contacts", "Contacts"),
        ("email", "Email"),
        ("phone", "Phone"),
        ("office_hours", "Office hours"),
        ("direction", "Direction"),
        ("submitted_at", "Submitted"),
    ],
    case_statuses: &[
        ("open", "Open"),
        ("under_investigation", "Under investigation"),
        ("referred_to_prosecution", "Referred to prosecution"),
        ("charged", "Charged"),
        ("closed", "Closed"),
        ("archived", "Archived"),
    ],
    priorities: &[
        ("low", "Low"),
        ("medium", "Medium"),
        ("high", "High"),
        ("critical", "Critical"),
    ],
    offence_names: &[
        ("illegal_access", "Illegal access"),
        ("illegal_interception", "Illegal interception"),
        ("data_interference", "Data interference"),
        ("system_interference", "System interference"),
        ("misuse_of_devices", "Misuse of devices"),
        ("computer_related_forgery", "Computer-related forgery"),
        ("computer_related_fraud", "Computer-related fraud"),
        ("child_sexual_abuse_material", "Child sexual abuse material"),
        ("copyright_infringement", "Copyright infringement"),
        ("ransomware", "Ransomware"),
        ("business_email_compromise", "Business email compromise"),
        ("online_fraud", "Online fraud"),
        ("sextortion", "Sextortion"),
        ("phishing", "Phishing"),
        ("identity_theft", "Identity theft"),
        ("cyberstalking", "Cyberstalking"),
        ("denial_of_service", "Denial of service"),
    ],
    access_levels: &[("read", "Read"), ("contribute", "Contribute")],
    request_statuses: &[
        ("draft", "Draft"),
        ("approved", "Approved"),
        ("submitted", "Submitted"),
        ("delivered", "Delivered"),
        ("acknowledged", "Acknowledged"),
        ("information_requested", "Information requested"),
        ("accepted", "Accepted"),
        ("refused", "Refused"),
        ("postponed", "Postponed"),
        ("in_execution", "In execution"),
        ("partially_executed", "Partially executed"),
        ("executed", "Executed"),
        ("closed", "Closed"),
        ("withdrawn", "Withdrawn"),
    ],
    request_events: &[
        ("approved", "Approved by the prosecutor"),
        ("submitted", "Submitted"),
        ("delivered", "Delivered"),
        ("acknowledged", "Acknowledged"),
        ("information_requested", "Information requested"),
        ("information_supplied", "Information supplied"),
        ("accepted", "Accepted"),
        ("refused", "Refused"),
        ("postponed", "Postponed"),
        ("decision_extended", "Time to decide extended"),
        ("assigned", "Assigned for execution"),
        ("partially_executed", "Partially executed"),
        ("executed", "Executed"),
        ("closed", "Closed"),
        ("withdrawn", "Withdrawn"),
    ],
    urgencies: &[
        ("normal", "Normal"),
        ("urgent", "Urgent"),
        ("emergency", "Emergency"),
    ],
    deadline_kinds: &[
        ("acknowledge", "Acknowledge"),
        ("decide", "Decide"),
        ("execute", "Execute"),
        ("wanted_by", "Wanted by"),
        ("expires_at", "Preservation expires"),
    ],
};
