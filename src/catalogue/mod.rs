//! The words the service prints for people (reports and pages), one value per
//! language, so that French and Dutch follow English word by word: a language is a
//! [`Words`], and the compiler refuses one that lacks a word.

mod dutch;
mod english;
mod french;
pub mod problems;

pub use dutch::{DUTCH, DUTCH_EVIDENCE_KINDS, DUTCH_PAGES};
pub use english::{ENGLISH, ENGLISH_PAGES, EVIDENCE_KINDS};
pub use french::{FRENCH, FRENCH_EVIDENCE_KINDS, FRENCH_PAGES};

crate::string_enum! {
    /// A language the service speaks, by its ISO 639-1 code.
    Language {
        En => "en",
        Fr => "fr",
        Nl => "nl",
    }
}

impl Language {
    /// The custody report's words in this language.
    pub fn words(self) -> &'static Words {
        match self {
            Language::En => &ENGLISH,
            Language::Fr => &FRENCH,
            Language::Nl => &DUTCH,
        }
    }

    /// A problem type's words in this language, by its slug; `None` in English
    /// (the error's own words).
    pub fn problem(self, slug: &str) -> Option<&'static problems::ProblemWords> {
        let table = match self {
            Language::En => return None,
            Language::Fr => problems::FRENCH_PROBLEMS,
            Language::Nl => problems::DUTCH_PROBLEMS,
        };
        table.iter().find(|p| p.slug == slug)
    }

    /// A day and a time of day as this language writes them: `1 December 2026,
    /// 17:50`, `1 décembre 2026 à 17:50`, `1 december 2026 om 17:50`.
    pub fn date_time(self, day: u32, month: u32, year: i32, time: &str) -> String {
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const NL: [&str; 12] = [
            "januari",
            "februari",
            "maart",
            "april",
            "mei",
            "juni",
            "juli",
            "augustus",
            "september",
            "oktober",
            "november",
            "december",
        ];
        let index = (month.clamp(1, 12) - 1) as usize;
        match self {
            Language::En => format!("{day} {} {year}, {time}", EN[index]),
            Language::Fr => format!("{day} {} {year} à {time}", FR[index]),
            Language::Nl => format!("{day} {} {year} om {time}", NL[index]),
        }
    }

    /// A whole number as this language writes it: `90,000`, `90 000` (a narrow
    /// no-break space), `90.000`.
    pub fn number(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let separator = match self {
            Language::En => ",",
            Language::Fr => "\u{202f}",
            Language::Nl => ".",
        };
        let mut out = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(d);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }

    /// A state's name in this language, for the states of the region (its name as
    /// the service keeps it otherwise).
    pub fn state_name(self, code: &str) -> Option<&'static str> {
        let table: &[(&str, &str)] = match self {
            Language::En => return None,
            Language::Fr => &[
                ("AG", "Antigua-et-Barbuda"),
                ("BS", "Bahamas"),
                ("BB", "Barbade"),
                ("BZ", "Belize"),
                ("DM", "Dominique"),
                ("GD", "Grenade"),
                ("GY", "Guyana"),
                ("HT", "Haïti"),
                ("JM", "Jamaïque"),
                ("MS", "Montserrat"),
                ("KN", "Saint-Christophe-et-Niévès"),
                ("LC", "Sainte-Lucie"),
                ("VC", "Saint-Vincent-et-les-Grenadines"),
                ("SR", "Suriname"),
                ("TT", "Trinité-et-Tobago"),
                ("AI", "Anguilla"),
                ("BM", "Bermudes"),
                ("VG", "Îles Vierges britanniques"),
                ("KY", "Îles Caïmans"),
                ("TC", "Îles Turques-et-Caïques"),
            ],
            Language::Nl => &[
                ("AG", "Antigua en Barbuda"),
                ("BS", "Bahama's"),
                ("BB", "Barbados"),
                ("BZ", "Belize"),
                ("DM", "Dominica"),
                ("GD", "Grenada"),
                ("GY", "Guyana"),
                ("HT", "Haïti"),
                ("JM", "Jamaica"),
                ("MS", "Montserrat"),
                ("KN", "Saint Kitts en Nevis"),
                ("LC", "Saint Lucia"),
                ("VC", "Saint Vincent en de Grenadines"),
                ("SR", "Suriname"),
                ("TT", "Trinidad en Tobago"),
                ("AI", "Anguilla"),
                ("BM", "Bermuda"),
                ("VG", "Britse Maagdeneilanden"),
                ("KY", "Kaaimaneilanden"),
                ("TC", "Turks- en Caicoseilanden"),
            ],
        };
        table
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| *name)
    }

    /// A legal basis's name in this language, for the bases the service ships with
    /// (its name as kept otherwise: a basis an administrator adds is named as typed).
    pub fn legal_basis_name(self, code: &str) -> Option<&'static str> {
        let table: &[(&str, &str)] = match self {
            Language::En => return None,
            Language::Fr => &[
                (
                    "budapest-29",
                    "Convention de Budapest, art. 29 : conservation rapide de données informatiques stockées",
                ),
                (
                    "budapest-30",
                    "Convention de Budapest, art. 30 : divulgation rapide de données conservées",
                ),
                (
                    "budapest-31",
                    "Convention de Budapest, art. 31 : entraide concernant l'accès aux données stockées",
                ),
                (
                    "harare",
                    "Programme relatif à l'entraide en matière pénale au sein du Commonwealth (Programme de Harare)",
                ),
                (
                    "caricom-2005",
                    "Traité de la CARICOM sur l'entraide judiciaire en matière pénale grave et autres (2005)",
                ),
                ("bilateral", "Traité bilatéral d'entraide judiciaire"),
                ("reciprocity", "Réciprocité (sans traité)"),
                (
                    "budapest-2p-6",
                    "Deuxième Protocole additionnel, art. 6 : demande d'informations sur l'enregistrement de noms de domaine",
                ),
                (
                    "budapest-2p-7",
                    "Deuxième Protocole additionnel, art. 7 : divulgation d'informations relatives aux abonnés",
                ),
                (
                    "budapest-2p-8",
                    "Deuxième Protocole additionnel, art. 8 : donner effet aux injonctions de produire des informations relatives aux abonnés et des données relatives au trafic",
                ),
                (
                    "budapest-2p-9",
                    "Deuxième Protocole additionnel, art. 9 : divulgation accélérée de données informatiques stockées en situation d'urgence",
                ),
                ("domestic-production", "Injonction de produire nationale"),
            ],
            Language::Nl => &[
                (
                    "budapest-29",
                    "Verdrag van Boedapest, art. 29: snelle bewaring van opgeslagen computergegevens",
                ),
                (
                    "budapest-30",
                    "Verdrag van Boedapest, art. 30: snelle openbaarmaking van bewaarde verkeersgegevens",
                ),
                (
                    "budapest-31",
                    "Verdrag van Boedapest, art. 31: wederzijdse bijstand met betrekking tot de toegang tot opgeslagen computergegevens",
                ),
                (
                    "harare",
                    "Regeling inzake wederzijdse rechtshulp in strafzaken binnen het Gemenebest (Harare-regeling)",
                ),
                (
                    "caricom-2005",
                    "CARICOM-verdrag inzake wederzijdse rechtshulp in ernstige strafzaken en andere zaken (2005)",
                ),
                ("bilateral", "Bilateraal rechtshulpverdrag"),
                ("reciprocity", "Wederkerigheid (geen verdrag)"),
                (
                    "budapest-2p-6",
                    "Tweede Aanvullend Protocol, art. 6: verzoek om registratiegegevens van domeinnamen",
                ),
                (
                    "budapest-2p-7",
                    "Tweede Aanvullend Protocol, art. 7: verstrekking van abonneegegevens",
                ),
                (
                    "budapest-2p-8",
                    "Tweede Aanvullend Protocol, art. 8: tenuitvoerlegging van bevelen tot verstrekking van abonnee- en verkeersgegevens",
                ),
                (
                    "budapest-2p-9",
                    "Tweede Aanvullend Protocol, art. 9: versnelde openbaarmaking van opgeslagen computergegevens in een noodsituatie",
                ),
                ("domestic-production", "Nationaal bevel tot verstrekking"),
            ],
        };
        table
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| *name)
    }

    /// The pages' words in this language.
    pub fn pages(self) -> &'static PageWords {
        match self {
            Language::En => &ENGLISH_PAGES,
            Language::Fr => &FRENCH_PAGES,
            Language::Nl => &DUTCH_PAGES,
        }
    }

    /// The language of a language tag (BCP 47): its primary subtag decides (`fr-HT`
    /// is French, `nl-SR` Dutch); Haitian Creole (`ht`) is answered in French, the
    /// other official language of Haiti, which its officials read.
    pub fn of_tag(tag: &str) -> Option<Language> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "ht" => Some(Language::Fr),
            other => Language::parse(other),
        }
    }

    /// The language an `Accept-Language` field (RFC 9110 §12.5.4) prefers among the
    /// service's: the one of the highest weight (the first among equals); `None` when
    /// it names none of them (or only with weight 0).
    pub fn from_accept(field: &str) -> Option<Language> {
        let mut best: Option<(u16, Language)> = None;
        for range in field.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), weight_of);
            let (Some(weight), Some(language)) = (weight, Language::of_tag(tag)) else {
                continue;
            };
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language)
    }

    /// The language to answer in: the person's choice, else what the request's
    /// `Accept-Language` prefers, else English.
    pub fn negotiate(chosen: Option<Language>, accept: Option<&str>) -> Language {
        chosen
            .or_else(|| accept.and_then(Language::from_accept))
            .unwrap_or(Language::En)
    }
}

tokio::task_local! {
    /// The language of the answer being made: the request's `Accept-Language` (set
    /// as the request enters), then the person's own choice once it is known. Every
    /// page, message and problem document of the request is in it.
    static ANSWERING_IN: std::cell::Cell<Language>;
}

/// Answers `fut` (a request) in the language its `Accept-Language` prefers, until
/// the person's choice is known ([`choose`]).
pub async fn answering<F: std::future::Future>(accept: Option<&str>, fut: F) -> F::Output {
    let language = Language::negotiate(None, accept);
    ANSWERING_IN
        .scope(std::cell::Cell::new(language), fut)
        .await
}

/// The language of the answer being made (English outside a request; the blocking
/// work of a request runs [`within`] its language).
pub fn current() -> Language {
    ANSWERING_IN
        .try_with(std::cell::Cell::get)
        .unwrap_or(Language::En)
}

/// Runs `f` (blocking work of a request, on another thread) in `language`.
pub fn within<T>(language: Language, f: impl FnOnce() -> T) -> T {
    ANSWERING_IN.sync_scope(std::cell::Cell::new(language), f)
}

/// Answers the rest of the request in the person's language, when they chose one.
pub fn choose(chosen: Option<Language>) {
    if let Some(language) = chosen {
        let _ = ANSWERING_IN.try_with(|cell| cell.set(language));
    }
}

/// A weight (`q=0.8`) in thousandths; `None` when it is not one.
fn weight_of(text: &str) -> Option<u16> {
    let value: f32 = text.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

/// Every printed word of the custody report.
#[derive(serde::Serialize)]
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
    pub cosigned_by: &'static str,
    pub no_witness_policy: &'static str,
    /// The verifier key, printed whole.
    pub log_key_whole: &'static str,
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
    /// The bytes a `content_stored` entry names.
    pub content_stored: &'static str,
    /// The byte range a download took.
    pub range: &'static str,
    pub whole_content: &'static str,
    pub content_shredded: &'static str,
    pub corrects: &'static str,
    pub details: &'static str,
    pub entry_hash: &'static str,
    pub log_index: &'static str,
    pub none: &'static str,
    pub not_recorded: &'static str,
    pub unknown_person: &'static str,
    pub alert_mark: &'static str,
    pub uncompared_mark: &'static str,
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
    pub evidence_kinds: &'static [(&'static str, &'static str)],
    /// The verdict in a sentence, by outcome; `{record}` is one of the two record
    /// names below, and the other `{…}` are filled in as [`Words::fill`] does.
    pub summary_verified_history: &'static str,
    pub summary_verified_custody: &'static str,
    /// What the verified sentence says of the hash checks (`{hash_checks}`).
    pub summary_no_hash_check: &'static str,
    pub summary_hash_checks_matched: &'static str,
    pub summary_some_hash_checks_matched: &'static str,
    pub summary_none_compared: &'static str,
    /// The checks that could not be compared (`{uncompared}`), each named by
    /// `summary_uncompared_check`.
    pub summary_uncompared: &'static str,
    pub summary_uncompared_check: &'static str,
    pub summary_integrity_alert: &'static str,
    pub summary_more_alerts: &'static str,
    pub summary_not_verified: &'static str,
    pub record_custody: &'static str,
    pub record_request: &'static str,
    pub record_audit_heads: &'static str,
    pub at_unrecorded_time: &'static str,
    pub could_not_be_checked: &'static str,
}

impl Words {
    /// An event type in words (its code when the catalogue has none).
    /// A kind of evidence in words.
    pub fn evidence_kind(&self, code: &str) -> String {
        in_words(self.evidence_kinds, code)
    }

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

/// Every word of the review pages.
#[derive(serde::Serialize)]
pub struct PageWords {
    /// The language's code, for `lang` attributes and `Content-Language`.
    pub lang: &'static str,
    /// The button that shows the pages in the language chosen.
    pub apply_language: &'static str,
    /// The choice of no language of one's own: the browser's decides.
    pub browser_language: &'static str,
    pub service: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub sign_in_failed: &'static str,
    pub second_step: &'static str,
    pub second_step_hint: &'static str,
    pub app_code: &'static str,
    pub recovery_code: &'static str,
    pub recovery_code_hint: &'static str,
    pub second_step_failed: &'static str,
    pub continue_sign_in: &'static str,
    pub sign_in_security: &'static str,
    pub must_enrol: &'static str,
    pub your_factors: &'static str,
    pub no_factors: &'static str,
    pub factor_totp: &'static str,
    pub factor_passkey: &'static str,
    pub sso_failed: &'static str,
    pub sign_in_with_provider: &'static str,
    pub sign_in_with: &'static str,
    pub sso_signed_in: &'static str,
    pub sso_continue: &'static str,
    pub add_passkey: &'static str,
    pub passkey_hint: &'static str,
    pub use_passkey: &'static str,
    pub passkey_failed: &'static str,
    pub passkey_refused: &'static str,
    pub passkey_or_code: &'static str,
    pub factor_unconfirmed: &'static str,
    pub factor_added: &'static str,
    pub factor_last_used: &'static str,
    pub never_used: &'static str,
    pub remove_factor: &'static str,
    pub recovery_codes_left: &'static str,
    pub new_recovery_codes: &'static str,
    pub add_authenticator: &'static str,
    pub factor_label: &'static str,
    pub scan_code: &'static str,
    pub qr_code_label: &'static str,
    pub secret_by_hand: &'static str,
    pub confirm_factor: &'static str,
    pub confirm_failed: &'static str,
    pub factor_confirmed: &'static str,
    pub factor_removed: &'static str,
    pub last_factor_kept: &'static str,
    pub recovery_codes_heading: &'static str,
    pub recovery_codes_once: &'static str,
    pub go_to_desk: &'static str,
    pub back_to_security: &'static str,
    pub step_up: &'static str,
    pub step_up_hint: &'static str,
    pub step_up_failed: &'static str,
    pub go_back: &'static str,
    pub factor_name: &'static str,
    pub signed_in_as: &'static str,
    pub desk: &'static str,
    pub my_cases: &'static str,
    pub no_cases: &'static str,
    pub team_requests: &'static str,
    pub no_team_requests: &'static str,
    pub expiring_preservations: &'static str,
    pub no_expiring_preservations: &'static str,
    pub awaiting_receipt: &'static str,
    pub none_awaiting_receipt: &'static str,
    pub incoming_requests: &'static str,
    pub no_incoming_requests: &'static str,
    pub outgoing_requests: &'static str,
    pub no_outgoing_requests: &'static str,
    pub preservations_to_act_on: &'static str,
    pub no_preservations_to_act_on: &'static str,
    pub to_do: &'static str,
    pub other_state: &'static str,
    pub next_deadline: &'static str,
    pub nothing_on_desk: &'static str,
    pub none_set_by_basis: &'static str,
    pub items_to_verify: &'static str,
    pub no_items_to_verify: &'static str,
    pub audit_trail: &'static str,
    pub verify_audit_trail: &'static str,
    pub preservation: &'static str,
    pub expires_at: &'static str,
    /// Orders to providers: their page and the desk's part.
    pub order: &'static str,
    pub order_facts: &'static str,
    pub order_case: &'static str,
    pub orders: &'static str,
    pub no_orders: &'static str,
    pub provider: &'static str,
    pub provider_state: &'static str,
    pub order_type: &'static str,
    pub sent_at: &'static str,
    pub notified_state: &'static str,
    pub held_back_until: &'static str,
    pub produced_items: &'static str,
    pub authorisation: &'static str,
    pub deadlines_heading: &'static str,
    pub no_deadlines_running: &'static str,
    pub due_at: &'static str,
    pub identifier_kind: &'static str,
    pub when: &'static str,
    pub custody_verification: &'static str,
    pub item: &'static str,
    pub checkpoint_size: &'static str,
    pub entries_word: &'static str,
    pub position: &'static str,
    pub log_index: &'static str,
    pub inclusion_checked: &'static str,
    pub problems: &'static str,
    pub none: &'static str,
    pub audit_trail_intact: &'static str,
    pub audit_trail_broken: &'static str,
    pub entries_checked: &'static str,
    pub head_hash: &'static str,
    pub first_broken_entry: &'static str,
    pub registered: &'static str,
    pub alerts_as_recorded: &'static str,
    pub integrity: &'static str,
    pub integrity_alert_recorded: &'static str,
    pub no_alert_recorded: &'static str,
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
    /// The item's stored bytes: what they are, and the link to them.
    pub stored_content: &'static str,
    pub download_content: &'static str,
    pub content_destroyed: &'static str,
    pub bytes: &'static str,
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
    pub case_requests: &'static str,
    pub no_case_requests: &'static str,
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
    pub approval_incomplete: &'static str,
    /// A request's documents, and the form that adds one.
    pub documents: &'static str,
    pub no_documents: &'static str,
    pub document: &'static str,
    pub kind: &'static str,
    pub language: &'static str,
    pub size: &'static str,
    pub added: &'static str,
    pub add_document: &'static str,
    pub file: &'static str,
    pub add: &'static str,
    pub document_added_now: &'static str,
    pub document_refused: &'static str,
    pub order_event_recorded: &'static str,
    pub order_event_refused: &'static str,
    pub order_produced_now: &'static str,
    pub production_refused: &'static str,
    pub produced_item_kept: &'static str,
    pub record_event: &'static str,
    pub event_text: &'static str,
    pub produce_heading: &'static str,
    pub produce_note: &'static str,
    pub answers_order: &'static str,
    pub answer_later: &'static str,
    pub upload_and_hand_over: &'static str,
    pub document_kinds: &'static [(&'static str, &'static str)],
    pub evidence_kinds: &'static [(&'static str, &'static str)],
    /// Languages a document is written in, by their BCP 47 code.
    pub languages: &'static [(&'static str, &'static str)],
    pub assistance_types: &'static [(&'static str, &'static str)],
    /// A date or deadline the request's legal basis (or its author) does not set.
    pub none_set: &'static str,
    /// The requested state's own reference of a request.
    pub their_reference: &'static str,
    /// Who took a step the service recorded itself.
    pub the_service: &'static str,
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
    pub desk_tasks: &'static [(&'static str, &'static str)],
    pub preservation_statuses: &'static [(&'static str, &'static str)],
    pub preservation_events: &'static [(&'static str, &'static str)],
    pub order_statuses: &'static [(&'static str, &'static str)],
    pub order_events: &'static [(&'static str, &'static str)],
    pub order_types: &'static [(&'static str, &'static str)],
    pub identifier_kinds: &'static [(&'static str, &'static str)],
    /// The monitoring page.
    pub monitoring: &'static str,
    pub monitoring_period: &'static str,
    pub status_reviews: &'static str,
    pub state: &'static str,
    pub budapest_convention: &'static str,
    pub second_protocol: &'static str,
    pub csirt: &'static str,
    pub contact_point: &'static str,
    pub central_authority: &'static str,
    pub reviewed: &'static str,
    pub not_reviewed: &'static str,
    pub turnaround: &'static str,
    pub turnaround_note: &'static str,
    pub requesting_state: &'static str,
    pub trends: &'static str,
    pub cases_per_quarter: &'static str,
    pub requests_per_quarter: &'static str,
    pub overdue_now: &'static str,
    pub nothing_overdue: &'static str,
    pub count: &'static str,
    pub fewer_than_5: &'static str,
    pub download_csv: &'static str,
    pub days: &'static str,
    pub orders_to_providers: &'static str,
    pub orders_to_providers_note: &'static str,
    pub orders_sent: &'static str,
    pub hours_to_acknowledgement: &'static str,
    pub hours_to_production: &'static str,
    pub emergencies_in_time: &'static str,
    pub emergencies_late: &'static str,
    pub hours: &'static str,
    pub turnaround_as_csv: &'static str,
    pub emergencies_as_csv: &'static str,
    pub stages: &'static [(&'static str, &'static str)],
    pub treaty_standings: &'static [(&'static str, &'static str)],
    pub checklist_statuses: &'static [(&'static str, &'static str)],
    pub case_events: &'static [(&'static str, &'static str)],
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every word of a catalogue by its path (`event_types.collected`), as text.
    fn flat(value: &Value, path: &str, out: &mut Vec<(String, String)>) {
        match value {
            Value::String(s) => out.push((path.to_owned(), s.clone())),
            Value::Object(members) => {
                for (name, v) in members {
                    let inner = if path.is_empty() {
                        name.clone()
                    } else {
                        format!("{path}.{name}")
                    };
                    flat(v, &inner, out);
                }
            }
            // A table: pairs of a code and its words.
            Value::Array(rows) => {
                for row in rows {
                    if let [Value::String(code), Value::String(words)] =
                        row.as_array().map(Vec::as_slice).unwrap_or_default()
                    {
                        out.push((format!("{path}.{code}"), words.clone()));
                    }
                }
            }
            _ => {}
        }
    }

    fn words(language: Language) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flat(
            &serde_json::to_value(language.words()).unwrap(),
            "",
            &mut out,
        );
        out
    }

    fn page_words(language: Language) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flat(
            &serde_json::to_value(language.pages()).unwrap(),
            "",
            &mut out,
        );
        out
    }

    /// The `{name}`s a template fills in, in order.
    fn placeholders(text: &str) -> Vec<&str> {
        text.match_indices('{')
            .filter_map(|(at, _)| text[at + 1..].split_once('}').map(|(name, _)| name))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect()
    }

    /// Words that are the same in a language as in English, rightly: names, codes,
    /// and words the languages share.
    const SAME_AS_ENGLISH: &[(&str, &str)] = &[
        ("fr", "description"),
        ("fr", "evidence_kinds.document"),
        ("nl", "evidence_kinds.document"),
        ("fr", "event_types.note"),
        ("*", "service"),
        ("*", "csirt"),
        ("*", "document"),
        ("fr", "documents"),
        ("fr", "position"),
        ("nl", "status"),
        ("nl", "downloads"),
        ("nl", "bytes"),
        ("fr", "request_members.contacts"),
        ("nl", "case_statuses.open"),
        ("nl", "identifier_kinds.account"),
        ("fr", "languages.pap"),
        ("nl", "offence_names.ransomware"),
        ("nl", "offence_names.phishing"),
        ("nl", "offence_names.cyberstalking"),
    ];

    /// Every entry of `theirs` is there, not empty, translated (but for the words
    /// rightly the same) and fills in the English entry's placeholders.
    fn translated(language: Language, english: &[(String, String)], theirs: &[(String, String)]) {
        let paths: Vec<&String> = theirs.iter().map(|(p, _)| p).collect();
        let ours: Vec<&String> = english.iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths, ours,
            "{language:?}: the same entries, tables included"
        );
        for ((path, en), (_, text)) in english.iter().zip(theirs) {
            assert!(!text.trim().is_empty(), "{language:?} {path} is empty");
            if path == "lang" {
                assert_eq!(text, language.as_str());
                continue;
            }
            let same_allowed = SAME_AS_ENGLISH
                .iter()
                .any(|(l, p)| (*l == "*" || *l == language.as_str()) && *p == path.as_str());
            assert!(
                text != en || same_allowed,
                "{language:?} {path} is the English words: {text}"
            );
            let mut want = placeholders(en);
            let mut got = placeholders(text);
            want.sort();
            got.sort();
            assert_eq!(got, want, "{language:?} {path}: the same placeholders");
        }
    }

    #[test]
    fn every_language_has_every_word_of_the_report_translated_with_its_placeholders() {
        let english = words(Language::En);
        assert!(english.len() > 90, "{}", english.len());
        for language in [Language::Fr, Language::Nl] {
            translated(language, &english, &words(language));
        }
    }

    #[test]
    fn every_language_has_every_word_of_the_pages_translated() {
        let english = page_words(Language::En);
        assert!(english.len() > 450, "{}", english.len());
        for language in [Language::Fr, Language::Nl] {
            translated(language, &english, &page_words(language));
        }
    }

    #[test]
    fn the_language_is_the_choice_else_accept_language_else_english() {
        use Language::*;
        assert_eq!(Language::from_accept("fr-HT, en;q=0.5"), Some(Fr));
        assert_eq!(Language::from_accept("en;q=0.4, nl-SR;q=0.9"), Some(Nl));
        assert_eq!(
            Language::from_accept("ht"),
            Some(Fr),
            "Haitian Creole reads French"
        );
        assert_eq!(Language::from_accept("de, es;q=0.8"), None);
        assert_eq!(Language::from_accept("fr;q=0, nl;q=0.1"), Some(Nl));
        assert_eq!(Language::from_accept("fr;q=abc, nl;q=0.2"), Some(Nl));
        assert_eq!(Language::from_accept("*"), None);
        assert_eq!(Language::from_accept("NL-be"), Some(Nl));
        assert_eq!(Language::negotiate(Some(Nl), Some("fr")), Nl);
        assert_eq!(Language::negotiate(None, Some("fr-CA")), Fr);
        assert_eq!(Language::negotiate(None, Some("de")), En);
        assert_eq!(Language::negotiate(None, None), En);
    }

    #[test]
    fn days_and_numbers_are_written_as_each_language_writes_them() {
        use Language::*;
        assert_eq!(En.date_time(6, 12, 2026, "10:31"), "6 December 2026, 10:31");
        assert_eq!(Fr.date_time(6, 8, 2026, "10:31"), "6 août 2026 à 10:31");
        assert_eq!(Nl.date_time(1, 3, 2026, "09:05"), "1 maart 2026 om 09:05");
        assert_eq!(En.number(90_000), "90,000");
        assert_eq!(Fr.number(1_234_567), "1\u{202f}234\u{202f}567");
        assert_eq!(Nl.number(-1_234), "-1.234");
        assert_eq!(Nl.number(999), "999");
        assert_eq!(En.number(0), "0");
    }
}
