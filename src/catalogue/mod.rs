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
    pub password_change_required: &'static str,
    pub skip_to_content: &'static str,
    pub evidence_item: &'static str,
    pub case: &'static str,
    pub downloads: &'static str,
    pub download_report: &'static str,
    pub download_bundle: &'static str,
    pub custody_timeline: &'static str,
    pub verdict: &'static str,
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
    password_change_required: "Your password must be changed before you continue. Change it with the API (POST /api/v1/auth/password), then sign in again.",
    skip_to_content: "Skip to the content",
    evidence_item: "Evidence item",
    case: "Case",
    downloads: "Downloads",
    download_report: "Custody report (PDF, with the bundle attached)",
    download_bundle: "Custody bundle (JSON, for offline verification)",
    custody_timeline: "Custody timeline",
    verdict: "Verdict",
};
