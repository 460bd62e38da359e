//! The custody report a prosecutor hands a court: the verdict in plain words first,
//! then every entry of the record with the people and agencies named, and how to
//! verify it independently. The bundle it describes is attached to the PDF, with its
//! SHA-256 printed, so that the paper and the proof travel together.

use super::model::Evidence;
use super::verify::{Report, Verdict};
use crate::catalogue::{Language, Words, in_words};
use crate::pdf::{ALERT, Attachment, Colour, Document, Field, Font, OK};
use crate::time::Clock;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Who the ids in the entries are: people's names, and agencies' names and countries.
/// Bundles carry it as `names` (outside the signed entries, for the reader).
#[derive(Debug, Default, serde::Serialize)]
pub struct Directory {
    pub people: BTreeMap<String, String>,
    pub agencies: BTreeMap<String, AgencyName>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AgencyName {
    pub name: String,
    pub country: String,
    /// The state's name, for people to read (bundles carry the code).
    #[serde(skip)]
    pub state: String,
}

impl AgencyName {
    fn shown(&self) -> String {
        let state = if self.state.is_empty() {
            &self.country
        } else {
            &self.state
        };
        format!("{} ({state})", self.name)
    }
}

impl Directory {
    /// "Name, Agency (Jamaica)" for a user of an agency; what is unknown, said so.
    fn person(&self, words: &Words, user_id: Option<&str>, agency_id: Option<&str>) -> String {
        let name = user_id
            .and_then(|id| self.people.get(id).cloned())
            .unwrap_or_else(|| words.unknown_person.to_owned());
        match agency_id.and_then(|id| self.agencies.get(id)) {
            Some(a) => format!("{name}, {}", a.shown()),
            None => name,
        }
    }

    fn agency(&self, id: &str) -> String {
        match self.agencies.get(id) {
            Some(a) => a.shown(),
            None => id.to_owned(),
        }
    }
}

/// The ids of people and agencies a set of entries names.
pub fn named_in(entries: &[Value]) -> (Vec<String>, Vec<String>) {
    let mut people = Vec::new();
    let mut agencies = Vec::new();
    for entry in entries {
        for member in ["actor", "custodian_before", "custodian_after"] {
            let v = &entry[member];
            people.extend(v.get("user_id").and_then(Value::as_str).map(str::to_owned));
            agencies.extend(
                v.get("agency_id")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            );
        }
        agencies.extend(
            entry
                .get("to_agency_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        );
        people.extend(
            entry
                .get("to_custodian_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
        );
    }
    people.sort();
    people.dedup();
    agencies.sort();
    agencies.dedup();
    (people, agencies)
}

/// The signed checkpoint the report rests on, and the key that signs the log.
pub struct CheckpointFacts {
    pub size: u64,
    pub signed_at: Option<chrono::NaiveDateTime>,
    /// The verifier key string (`<name>+<key ID>+<base64 key>`).
    pub verifier_key: String,
    /// Under a witness policy: which states' witnesses cosigned the checkpoint.
    pub witnessed: Option<super::verify::Witnessed>,
}

impl CheckpointFacts {
    /// The key's name and ID, and the SHA-256 of its public key in groups of four.
    fn fingerprint(&self) -> (String, String) {
        use base64::Engine;
        let mut parts = self.verifier_key.splitn(3, '+');
        let name = parts.next().unwrap_or_default();
        let id = parts.next().unwrap_or_default();
        let key = parts
            .next()
            .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
            .unwrap_or_default();
        // The verifier key holds the algorithm byte (0x01) before the 32-byte key.
        let public = key.get(1..).unwrap_or_default();
        let digest = hex::encode(Sha256::digest(public));
        // Groups of four hex digits, eight to a line, as key fingerprints are read aloud.
        let groups: Vec<&str> = digest
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        let grouped = groups
            .chunks(8)
            .map(|line| line.join(" "))
            .collect::<Vec<_>>()
            .join("\n");
        (format!("{name}, key ID {id}"), grouped)
    }
}

/// Everything the report shows.
pub struct CustodyReport<'a> {
    pub language: Language,
    pub words: &'a Words,
    pub case_reference: &'a str,
    pub item: &'a Evidence,
    pub verification: &'a Report,
    /// The entries, parsed, in `seq` order, with their hashes and positions in the log.
    pub entries: &'a [ReportEntry],
    pub checkpoint: &'a CheckpointFacts,
    pub directory: &'a Directory,
    /// The bundle as attached, byte for byte.
    pub bundle: &'a [u8],
    pub generated_at: chrono::DateTime<chrono::Utc>,
}

/// One entry of the record, as the report prints it.
pub struct ReportEntry {
    pub entry: Value,
    pub entry_hash: String,
    pub log_index: u64,
}

/// The attachment's file name.
pub fn bundle_file_name(item: &Evidence) -> String {
    let safe: String = item
        .label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("custody-bundle-{safe}.json")
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The PDF.
pub fn render(report: &CustodyReport<'_>) -> Vec<u8> {
    let w = report.words;
    let item = report.item;
    let title = format!(
        "{} {} ({})",
        w.custody_report, item.label, report.case_reference
    );
    let mut doc = Document::new(
        title.clone(),
        format!("{} {} / {}", w.page_head, item.label, report.case_reference),
        report.generated_at,
    );
    doc.set_language(report.language.as_str());
    doc.heading(&title, 17.0);

    // The verdict first, in plain words.
    let (verdict, colour): (&str, Colour) = match report.verification.verdict {
        Verdict::Verified => (w.verdict_verified, OK),
        Verdict::IntegrityAlert => (w.verdict_integrity_alert, ALERT),
        Verdict::NotVerified => (w.verdict_not_verified, ALERT),
    };
    doc.paragraph(
        &format!("{}: {verdict}", w.verdict),
        Font::Bold,
        13.0,
        Some(colour),
    );
    doc.paragraph(
        &report.verification.summary_in(w),
        Font::Regular,
        11.0,
        None,
    );
    doc.space(6.0);

    let facts = [
        Field::new(w.case_reference, report.case_reference),
        Field::new(w.evidence_item, item.label.clone()),
        Field::new(w.description, item.description.clone()),
        Field::new(w.kind, w.evidence_kind(item.kind.as_str())),
        Field::mono(
            w.acquisition_hash,
            item.sha256
                .clone()
                .unwrap_or_else(|| w.not_recorded.to_owned()),
        ),
    ];
    doc.fields(&facts);
    let (key_name, fingerprint) = report.checkpoint.fingerprint();
    let checkpoint = [
        Field::new(w.tree_size, report.checkpoint.size.to_string()),
        Field::new(
            w.signed_at,
            report
                .checkpoint
                .signed_at
                .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                .unwrap_or_else(|| w.not_recorded.to_owned()),
        ),
        Field::new(w.log_key, key_name),
        Field::mono(w.key_fingerprint, fingerprint),
        Field::new(
            w.cosigned_by,
            match &report.checkpoint.witnessed {
                Some(witnessed) => witnessed.words(),
                None => w.no_witness_policy.to_owned(),
            },
        ),
        Field::mono(w.bundle_sha256, hex::encode(Sha256::digest(report.bundle))),
        Field::new(
            w.generated_at,
            report
                .generated_at
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        ),
    ];
    doc.heading(w.checkpoint, 12.0);
    doc.fields(&checkpoint);

    // Every entry, as the timeline has it.
    doc.heading(w.entries_heading, 13.0);
    // The court reads UTC.
    let entries = entry_views(
        w,
        &Clock::UTC,
        report.verification,
        report.entries,
        report.directory,
    );
    for view in entries {
        doc.block(
            &view.heading,
            view.note.as_deref().map(|text| (text, ALERT)),
            &view.fields,
        );
    }

    // How to verify, without the service: kept on one page, the key whole on a line
    // of its own.
    let file = bundle_file_name(item);
    let steps = w.verify_steps.replace("{file}", &file).replace(
        "{spec}",
        "the caseledger custody log format, version 1: JCS entries, an RFC 9162 Merkle log, \
         C2SP signed checkpoints",
    );
    let bundle_sha = hex::encode(Sha256::digest(report.bundle));
    doc.keep_together(|doc| {
        doc.heading(w.verify_heading, 13.0);
        doc.paragraph(&steps, Font::Regular, BODY, None);
        doc.fields(&[
            Field::new(w.attached_bundle, file.clone()),
            Field::mono(w.bundle_sha256, bundle_sha.clone()),
        ]);
        doc.line_of_its_own(w.log_key_whole, &report.checkpoint.verifier_key);
    });
    doc.attach(Attachment {
        name: file,
        description: w.bundle_description.to_owned(),
        mime: "application/json".into(),
        bytes: report.bundle.to_vec(),
    });
    doc.finish()
}

const BODY: f32 = 9.5;

/// Members of an entry's details that have fields of their own.
const SHOWN_APART: &[&str] = &[
    "location",
    "reason",
    "authority",
    "to_agency_id",
    "to_custodian_id",
    "seal",
    "hash",
    "corrects_seq",
];

/// A value as people read it: text as it is, lists joined by "; ", the members of an
/// object named ("Seized from: Harbour Logistics Ltd, Location: Kingston").
fn in_plain_words(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(in_plain_words)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(members) => members
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{}: {}", in_words(&[], k), in_plain_words(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// An entry's details as `Name: value` lines (those shown apart left out), or none.
fn details_lines(details: &Value, shown_apart: &[&str]) -> Option<String> {
    let lines: Vec<String> = details
        .as_object()?
        .iter()
        .filter(|(k, v)| !shown_apart.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| format!("{}: {}", in_words(&[], k), in_plain_words(v)))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// One entry as people read it: its heading (position, what, when), the alert it
/// carries if any, and its fields. The report prints it; the evidence page shows it.
pub struct EntryView {
    pub heading: String,
    pub note: Option<String>,
    pub fields: Vec<Field>,
}

/// The entries of a record, as people read them.
pub fn entry_views(
    w: &Words,
    clock: &Clock,
    verification: &Report,
    entries: &[ReportEntry],
    directory: &Directory,
) -> Vec<EntryView> {
    let mut views = Vec::with_capacity(entries.len());
    let problems: HashMap<usize, &Vec<String>> = verification
        .entries
        .iter()
        .filter(|f| !f.problems.is_empty())
        .map(|f| (f.position, &f.problems))
        .collect();
    let alerts: Vec<usize> = verification
        .integrity_alerts
        .iter()
        .map(|a| a.position)
        .collect();
    let uncompared: Vec<usize> = verification
        .uncompared_checks
        .iter()
        .map(|u| u.position)
        .collect();
    for (position, shown) in entries.iter().enumerate() {
        let e = &shown.entry;
        let code = e["type"].as_str().unwrap_or_default();
        let when = e["at"]
            .as_str()
            .map(|at| clock.show_text(at, true))
            .unwrap_or_default();
        let heading = format!(
            "{} {} - {} - {when}",
            w.entry,
            e["seq"].as_i64().unwrap_or(position as i64),
            w.event_type(code)
        );
        let actor = &e["actor"];
        let custodian = |v: &Value| {
            if v.is_null() {
                w.none.to_owned()
            } else {
                directory.person(
                    w,
                    v.get("user_id").and_then(Value::as_str),
                    v.get("agency_id").and_then(Value::as_str),
                )
            }
        };
        // Members are at the top of an entry; a registration's circumstances may sit in
        // its details.
        let member = |name: &str| {
            e.get(name)
                .filter(|v| !v.is_null())
                .or_else(|| e["details"].get(name).filter(|v| !v.is_null()))
        };
        let mut fields = vec![
            Field::new(
                w.who,
                directory.person(
                    w,
                    actor.get("user_id").and_then(Value::as_str),
                    actor.get("agency_id").and_then(Value::as_str),
                ),
            ),
            Field::new(w.when, when.clone()),
        ];
        for (label, key) in [
            (w.place, "location"),
            (w.reason, "reason"),
            (w.authority, "authority"),
        ] {
            if let Some(v) = member(key).and_then(text_of) {
                fields.push(Field::new(label, v));
            }
        }
        fields.push(Field::new(
            w.custodian_before,
            custodian(&e["custodian_before"]),
        ));
        fields.push(Field::new(
            w.custodian_after,
            custodian(&e["custodian_after"]),
        ));
        if let Some(agency) = member("to_agency_id").and_then(Value::as_str) {
            let to = match member("to_custodian_id").and_then(Value::as_str) {
                Some(person) => directory.person(w, Some(person), Some(agency)),
                None => directory.agency(agency),
            };
            fields.push(Field::new(w.transferred_to, to));
        }
        if let Some(seal) = member("seal") {
            fields.push(Field::new(
                w.seal,
                format!(
                    "{} ({})",
                    seal["number"].as_str().unwrap_or_default(),
                    seal["condition"].as_str().unwrap_or_default()
                ),
            ));
        }
        if let Some(hash) = member("hash") {
            fields.push(Field::mono(
                w.hash_observed,
                format!(
                    "{} {}",
                    hash["algorithm"].as_str().unwrap_or_default(),
                    hash["value"].as_str().unwrap_or_default()
                ),
            ));
        }
        if let Some(content) = e.get("content").filter(|v| v.is_object()) {
            fields.push(Field::mono(
                w.content_stored,
                format!(
                    "SHA-256 {} ({} bytes)",
                    content["sha256"].as_str().unwrap_or_default(),
                    content["size_bytes"]
                ),
            ));
        }
        if code == "content_downloaded" {
            let range = e["range"]
                .as_str()
                .map_or_else(|| w.whole_content.to_owned(), str::to_owned);
            fields.push(Field::new(w.range, range));
        }
        if e["content_shredded"] == true {
            fields.push(Field::new(w.content_stored, w.content_shredded.to_owned()));
        }
        if let Some(seq) = member("corrects_seq").and_then(Value::as_i64) {
            fields.push(Field::new(w.corrects, seq.to_string()));
        }
        if let Some(lines) = e.get("details").and_then(|d| details_lines(d, SHOWN_APART)) {
            fields.push(Field::new(w.details, lines));
        }
        fields.push(Field::mono(w.entry_hash, shown.entry_hash.clone()));
        fields.push(Field::new(w.log_index, shown.log_index.to_string()));
        let note = if let Some(found) = problems.get(&position) {
            Some(format!("{}: {}", w.problem_mark, found.join("; ")))
        } else if alerts.contains(&position) {
            Some(w.alert_mark.to_owned())
        } else if uncompared.contains(&position) {
            Some(w.uncompared_mark.to_owned())
        } else {
            None
        };
        views.push(EntryView {
            heading,
            note,
            fields,
        });
    }
    views
}
