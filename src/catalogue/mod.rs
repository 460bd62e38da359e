//! The words the service prints for people (reports and pages), one value per
//! language, so that French and Dutch follow English word by word: a language is a
//! [`Words`], and the compiler refuses one that lacks a word.

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
    cosigned_by: "Witnesses",
    no_witness_policy: "no witness policy: the checkpoint is signed by the log key alone",
    log_key_whole: "The log's verifier key, whole",
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
    content_stored: "Content stored",
    range: "Range",
    whole_content: "the whole content",
    content_shredded: "Its stored content was destroyed with it (its key forgotten)",
    corrects: "Corrects entry",
    details: "Details",
    entry_hash: "Entry hash",
    log_index: "Position in the log",
    none: "none",
    not_recorded: "not recorded",
    unknown_person: "unknown",
    alert_mark: "INTEGRITY ALERT: the hash observed differs from the hash taken at acquisition",
    uncompared_mark: "NOT COMPARED: no hash of this algorithm was taken at acquisition, so this \
        check neither matches nor fails",
    problem_mark: "DOES NOT VERIFY",
    verify_heading: "How to verify this record independently",
    verify_steps: "The custody record of this item is attached to this PDF as the file {file}: \
        the complete chain of entries, the signed checkpoint of the log and an inclusion proof \
        for each entry. Anyone can check it without asking the service, and without trusting it:\n\
        1. Extract the attachment (for example: pdfdetach -saveall report.pdf) and check that its \
        SHA-256 is the one printed below.\n\
        2. Obtain the log's verifier key from the operator of the service by a separate channel, \
        and check that it is the key printed below, whole, on a line of its own.\n\
        3. Verify the bundle with any implementation of the custody log format ({spec}), for \
        example: caseledger verify-bundle {file} --key <verifier key>\n\
        A verified bundle proves that these entries were recorded in this order, unaltered, in \
        the log the key signs.",
    attached_bundle: "Attached bundle",
    bundle_sha256: "SHA-256 of the attached bundle",
    bundle_description: "The custody bundle of the item, for offline verification",
    page_head: "Custody report",
    evidence_kinds: EVIDENCE_KINDS,
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
        ("content_stored", "Content stored"),
        ("content_downloaded", "Content downloaded"),
    ],
    summary_verified_history: "{record} is complete and unaltered: its {entries} entries are \
        covered by the log's signed checkpoint of {size} entries.",
    summary_verified_custody: "{record} is complete and unaltered: its {entries} entries are \
        covered by the log's signed checkpoint of {size} entries, and {hash_checks}.{uncompared}",
    summary_no_hash_check: "it records no hash check of the item",
    summary_hash_checks_matched: "each of the item's {count} hash checks matched the hash of \
        its algorithm taken at acquisition",
    summary_some_hash_checks_matched: "{matched} of the item's {total} hash checks matched the \
        hash of their algorithm taken at acquisition",
    summary_none_compared: "none of the item's hash checks could be compared with a hash \
        taken at acquisition",
    summary_uncompared: " {count} of its hash checks could not be compared, and count neither \
        as matched nor as failed: {which}.",
    summary_uncompared_check: "entry {position} checked {algorithm}, and no {algorithm} hash \
        was taken at acquisition",
    summary_integrity_alert: "The custody record is complete and unaltered, but it shows that \
        the item failed an integrity check: entry {position}, recorded {at}, observed {algorithm} \
        {observed} where the hash taken at acquisition is {expected}{more}.{uncompared}",
    summary_more_alerts: " ({count} more checks failed as well)",
    summary_not_verified: "{record} does not verify and must not be relied on as it stands: \
        {problem}.",
    record_custody: "The custody record",
    record_request: "The request's history",
    record_audit_heads: "The record of the audit trail's anchored heads",
    at_unrecorded_time: "at an unrecorded time",
    could_not_be_checked: "it could not be checked",
};

/// The custody report in French. The legal notions are those of the Convention sur
/// la cybercriminalité (STE n° 185) in its official French text; see docs/GLOSSARY.md.
pub static FRENCH: Words = Words {
    custody_report: "Rapport de chaîne de possession",
    case_reference: "Référence de l'affaire",
    evidence_item: "Élément de preuve",
    description: "Description",
    kind: "Nature",
    acquisition_hash: "Empreinte à l'acquisition (SHA-256)",
    verdict: "Conclusion",
    verdict_verified: "VÉRIFIÉ",
    verdict_integrity_alert: "ALERTE D'INTÉGRITÉ",
    verdict_not_verified: "NON VÉRIFIÉ",
    checkpoint: "Point de contrôle signé",
    tree_size: "Entrées du journal",
    signed_at: "Signé le",
    log_key: "Clé du journal",
    cosigned_by: "Témoins",
    no_witness_policy: "aucune politique de témoins : le point de contrôle est signé par la seule clé du journal",
    log_key_whole: "La clé de vérification du journal, en entier",
    key_fingerprint: "Empreinte de la clé (SHA-256)",
    generated_at: "Rapport établi le",
    entries_heading: "La chaîne de possession, entrée par entrée",
    entry: "Entrée",
    who: "Qui",
    when: "Quand",
    place: "Où",
    reason: "Pourquoi",
    authority: "Fondement juridique",
    custodian_before: "Gardien avant",
    custodian_after: "Gardien après",
    transferred_to: "Remis à",
    seal: "Scellé",
    hash_observed: "Empreinte constatée",
    content_stored: "Contenu conservé",
    range: "Plage",
    whole_content: "l'intégralité du contenu",
    content_shredded: "Son contenu conservé a été détruit avec lui (sa clé effacée)",
    corrects: "Rectifie l'entrée",
    details: "Précisions",
    entry_hash: "Empreinte de l'entrée",
    log_index: "Position dans le journal",
    none: "aucun",
    not_recorded: "non consigné",
    unknown_person: "inconnu",
    alert_mark: "ALERTE D'INTÉGRITÉ : l'empreinte constatée diffère de l'empreinte prise à l'acquisition",
    uncompared_mark: "NON COMPARÉ : aucune empreinte de cet algorithme n'a été prise à l'acquisition ; \
        ce contrôle n'est ni concordant ni en échec",
    problem_mark: "NE SE VÉRIFIE PAS",
    verify_heading: "Comment vérifier ce registre de manière indépendante",
    verify_steps: "Le registre de la chaîne de possession de cet élément est joint à ce PDF sous \
        la forme du fichier {file} : la chaîne complète des entrées, le point de contrôle signé du \
        journal et une preuve d'inclusion pour chaque entrée. Chacun peut le vérifier sans \
        interroger le service et sans avoir à lui faire confiance :\n\
        1. Extraire la pièce jointe (par exemple : pdfdetach -saveall report.pdf) et vérifier que \
        son SHA-256 est celui imprimé ci-dessous.\n\
        2. Obtenir la clé de vérification du journal auprès de l'opérateur du service par un canal \
        distinct, et vérifier qu'il s'agit de la clé imprimée ci-dessous, en entier, sur une ligne \
        séparée.\n\
        3. Vérifier le paquet avec toute mise en œuvre du format du journal de possession ({spec}), \
        par exemple : caseledger verify-bundle {file} --key <clé de vérification>\n\
        Un paquet vérifié prouve que ces entrées ont été consignées dans cet ordre, sans \
        altération, dans le journal que la clé signe.",
    attached_bundle: "Paquet joint",
    bundle_sha256: "SHA-256 du paquet joint",
    bundle_description: "Le paquet de la chaîne de possession de l'élément, pour une vérification hors ligne",
    page_head: "Rapport de chaîne de possession",
    evidence_kinds: FRENCH_EVIDENCE_KINDS,
    event_types: &[
        ("collected", "Recueilli"),
        ("sealed", "Placé sous scellé"),
        ("transferred", "Remis"),
        ("received", "Reçu"),
        ("checked_out", "Sorti"),
        ("checked_in", "Réintégré"),
        ("hash_verified", "Empreinte vérifiée"),
        ("analysed", "Analysé"),
        ("copied", "Copié"),
        ("shared_abroad", "Communiqué à l'étranger"),
        ("returned", "Restitué"),
        ("released", "Mainlevée"),
        ("destroyed", "Détruit"),
        ("note", "Note"),
        ("correction", "Rectification"),
        ("content_stored", "Contenu conservé"),
        ("content_downloaded", "Contenu téléchargé"),
    ],
    summary_verified_history: "{record} est complet et inaltéré : ses {entries} entrées sont \
        couvertes par le point de contrôle signé du journal, qui en compte {size}.",
    summary_verified_custody: "{record} est complet et inaltéré : ses {entries} entrées sont \
        couvertes par le point de contrôle signé du journal, qui en compte {size}, et \
        {hash_checks}.{uncompared}",
    summary_no_hash_check: "il ne consigne aucun contrôle d'empreinte de l'élément",
    summary_hash_checks_matched: "chacun des {count} contrôles d'empreinte de l'élément \
        concorde avec l'empreinte de son algorithme prise à l'acquisition",
    summary_some_hash_checks_matched: "{matched} des {total} contrôles d'empreinte de \
        l'élément concordent avec l'empreinte de leur algorithme prise à l'acquisition",
    summary_none_compared: "aucun des contrôles d'empreinte de l'élément n'a pu être comparé \
        à une empreinte prise à l'acquisition",
    summary_uncompared: " {count} de ses contrôles d'empreinte n'ont pu être comparés et ne \
        comptent ni comme concordants ni comme en échec : {which}.",
    summary_uncompared_check: "l'entrée {position} a contrôlé {algorithm}, et aucune empreinte \
        {algorithm} n'a été prise à l'acquisition",
    summary_integrity_alert: "Le registre de la chaîne de possession est complet et inaltéré, \
        mais il montre que l'élément a échoué à un contrôle d'intégrité : l'entrée {position}, \
        consignée {at}, a constaté {algorithm} {observed} alors que l'empreinte prise à \
        l'acquisition est {expected}{more}.{uncompared}",
    summary_more_alerts: " ({count} autres contrôles ont également échoué)",
    summary_not_verified: "{record} ne se vérifie pas et ne doit pas être tenu pour fiable en \
        l'état : {problem}.",
    record_custody: "Le registre de la chaîne de possession",
    record_request: "L'historique de la demande",
    record_audit_heads: "Le registre des têtes ancrées de la piste d'audit",
    at_unrecorded_time: "à une date non consignée",
    could_not_be_checked: "il n'a pas pu être contrôlé",
};

/// The custody report in Dutch. The legal notions are those of the Dutch text of the
/// Verdrag inzake de bestrijding van strafbare feiten verbonden met elektronische
/// netwerken (Trb. 2002, 18); see docs/GLOSSARY.md.
pub static DUTCH: Words = Words {
    custody_report: "Rapport van de bewaarketen",
    case_reference: "Zaaknummer",
    evidence_item: "Bewijsstuk",
    description: "Omschrijving",
    kind: "Soort",
    acquisition_hash: "Hashwaarde bij verkrijging (SHA-256)",
    verdict: "Uitkomst",
    verdict_verified: "GEVERIFIEERD",
    verdict_integrity_alert: "INTEGRITEITSWAARSCHUWING",
    verdict_not_verified: "NIET GEVERIFIEERD",
    checkpoint: "Ondertekend controlepunt",
    tree_size: "Vermeldingen in het logboek",
    signed_at: "Ondertekend op",
    log_key: "Sleutel van het logboek",
    cosigned_by: "Getuigen",
    no_witness_policy: "geen getuigenbeleid: het controlepunt is alleen met de sleutel van het logboek ondertekend",
    log_key_whole: "De verificatiesleutel van het logboek, volledig",
    key_fingerprint: "Vingerafdruk van de sleutel (SHA-256)",
    generated_at: "Rapport opgemaakt op",
    entries_heading: "De bewaarketen, vermelding voor vermelding",
    entry: "Vermelding",
    who: "Wie",
    when: "Wanneer",
    place: "Waar",
    reason: "Waarom",
    authority: "Rechtsgrond",
    custodian_before: "Bewaarder voor",
    custodian_after: "Bewaarder na",
    transferred_to: "Overgedragen aan",
    seal: "Verzegeling",
    hash_observed: "Vastgestelde hashwaarde",
    content_stored: "Inhoud bewaard",
    range: "Bereik",
    whole_content: "de volledige inhoud",
    content_shredded: "De bewaarde inhoud is mee vernietigd (de sleutel gewist)",
    corrects: "Verbetert vermelding",
    details: "Bijzonderheden",
    entry_hash: "Hashwaarde van de vermelding",
    log_index: "Plaats in het logboek",
    none: "geen",
    not_recorded: "niet vastgelegd",
    unknown_person: "onbekend",
    alert_mark: "INTEGRITEITSWAARSCHUWING: de vastgestelde hashwaarde wijkt af van de hashwaarde bij verkrijging",
    uncompared_mark: "NIET VERGELEKEN: bij verkrijging is geen hashwaarde met dit algoritme \
        berekend; deze controle klopt noch faalt",
    problem_mark: "NIET VERIFIEERBAAR",
    verify_heading: "Hoe dit register onafhankelijk te verifiëren",
    verify_steps: "Het register van de bewaarketen van dit stuk is als het bestand {file} bij \
        deze PDF gevoegd: de volledige keten van vermeldingen, het ondertekende controlepunt van \
        het logboek en een insluitingsbewijs voor elke vermelding. Iedereen kan het controleren \
        zonder de dienst te raadplegen en zonder de dienst te hoeven vertrouwen:\n\
        1. Haal de bijlage eruit (bijvoorbeeld: pdfdetach -saveall report.pdf) en controleer dat \
        de SHA-256 ervan de hieronder afgedrukte is.\n\
        2. Verkrijg de verificatiesleutel van het logboek langs een afzonderlijke weg van de \
        beheerder van de dienst, en controleer dat het de hieronder volledig, op een eigen regel, \
        afgedrukte sleutel is.\n\
        3. Verifieer de bundel met een willekeurige implementatie van het formaat van het \
        bewaarlogboek ({spec}), bijvoorbeeld: caseledger verify-bundle {file} --key <verificatiesleutel>\n\
        Een geverifieerde bundel bewijst dat deze vermeldingen in deze volgorde, ongewijzigd, zijn \
        vastgelegd in het logboek dat de sleutel ondertekent.",
    attached_bundle: "Bijgevoegde bundel",
    bundle_sha256: "SHA-256 van de bijgevoegde bundel",
    bundle_description: "De bundel van de bewaarketen van het stuk, voor verificatie zonder verbinding",
    page_head: "Rapport van de bewaarketen",
    evidence_kinds: DUTCH_EVIDENCE_KINDS,
    event_types: &[
        ("collected", "Verkregen"),
        ("sealed", "Verzegeld"),
        ("transferred", "Overgedragen"),
        ("received", "Ontvangen"),
        ("checked_out", "Uitgeleend"),
        ("checked_in", "Teruggebracht"),
        ("hash_verified", "Hashwaarde gecontroleerd"),
        ("analysed", "Onderzocht"),
        ("copied", "Gekopieerd"),
        ("shared_abroad", "Aan het buitenland verstrekt"),
        ("returned", "Teruggegeven"),
        ("released", "Vrijgegeven"),
        ("destroyed", "Vernietigd"),
        ("note", "Aantekening"),
        ("correction", "Verbetering"),
        ("content_stored", "Inhoud bewaard"),
        ("content_downloaded", "Inhoud gedownload"),
    ],
    summary_verified_history: "{record} is volledig en ongewijzigd: de {entries} vermeldingen \
        vallen onder het ondertekende controlepunt van het logboek, dat er {size} telt.",
    summary_verified_custody: "{record} is volledig en ongewijzigd: de {entries} vermeldingen \
        vallen onder het ondertekende controlepunt van het logboek, dat er {size} telt, en \
        {hash_checks}.{uncompared}",
    summary_no_hash_check: "het vermeldt geen controle van de hashwaarde van het stuk",
    summary_hash_checks_matched: "elk van de {count} controles van de hashwaarde van het stuk \
        kwam overeen met de hashwaarde van hetzelfde algoritme bij verkrijging",
    summary_some_hash_checks_matched: "{matched} van de {total} controles van de hashwaarde van \
        het stuk kwamen overeen met de hashwaarde van hetzelfde algoritme bij verkrijging",
    summary_none_compared: "geen enkele controle van de hashwaarde van het stuk kon worden \
        vergeleken met een hashwaarde bij verkrijging",
    summary_uncompared: " {count} van de controles konden niet worden vergeleken en tellen \
        niet als overeenkomend of mislukt: {which}.",
    summary_uncompared_check: "vermelding {position} controleerde {algorithm}, en bij \
        verkrijging is geen {algorithm}-hashwaarde berekend",
    summary_integrity_alert: "Het register van de bewaarketen is volledig en ongewijzigd, maar \
        het toont dat het stuk een integriteitscontrole niet heeft doorstaan: vermelding \
        {position}, vastgelegd {at}, stelde {algorithm} {observed} vast, terwijl de hashwaarde bij \
        verkrijging {expected} is{more}.{uncompared}",
    summary_more_alerts: " ({count} andere controles mislukten eveneens)",
    summary_not_verified: "{record} is niet verifieerbaar en mag in deze staat niet als \
        betrouwbaar worden aangemerkt: {problem}.",
    record_custody: "Het register van de bewaarketen",
    record_request: "Het verloop van het verzoek",
    record_audit_heads: "Het register van de verankerde koppen van het auditspoor",
    at_unrecorded_time: "op een niet vastgelegd tijdstip",
    could_not_be_checked: "het kon niet worden gecontroleerd",
};

/// Kinds of evidence in French.
pub const FRENCH_EVIDENCE_KINDS: &[(&str, &str)] = &[
    ("device", "Appareil"),
    ("storage_medium", "Support de stockage"),
    ("disk_image", "Image disque"),
    ("memory_capture", "Capture de mémoire"),
    ("network_capture", "Capture réseau"),
    ("cloud_account_data", "Données de compte en nuage"),
    ("logs", "Journaux"),
    ("document", "Document"),
    ("other", "Autre"),
];

/// Kinds of evidence in Dutch.
pub const DUTCH_EVIDENCE_KINDS: &[(&str, &str)] = &[
    ("device", "Apparaat"),
    ("storage_medium", "Opslagmedium"),
    ("disk_image", "Schijfkopie"),
    ("memory_capture", "Geheugenopname"),
    ("network_capture", "Netwerkopname"),
    ("cloud_account_data", "Gegevens van een cloudaccount"),
    ("logs", "Logbestanden"),
    ("document", "Document"),
    ("other", "Overig"),
];

/// Kinds of evidence in words, by code (the pages' and the report's).
pub const EVIDENCE_KINDS: &[(&str, &str)] = &[
    ("device", "Device"),
    ("storage_medium", "Storage medium"),
    ("disk_image", "Disk image"),
    ("memory_capture", "Memory capture"),
    ("network_capture", "Network capture"),
    ("cloud_account_data", "Cloud account data"),
    ("logs", "Logs"),
    ("document", "Document"),
    ("other", "Other"),
];

/// Every word of the review pages.
pub struct PageWords {
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

pub static ENGLISH_PAGES: PageWords = PageWords {
    service: "caseledger",
    sign_in: "Sign in",
    sign_out: "Sign out",
    username: "Username",
    password: "Password",
    sign_in_failed: "The username or password is not right, or the account is locked or disabled.",
    second_step: "Your second factor",
    second_step_hint: "Enter the six-digit code your authenticator app shows now, or one of your recovery codes.",
    app_code: "Code from your app",
    recovery_code: "Or a recovery code",
    recovery_code_hint: "Each recovery code works once.",
    second_step_failed: "That code is not right or was used already, or this sign-in has expired: try again, or sign in again.",
    continue_sign_in: "Continue",
    sign_in_security: "Sign-in security",
    must_enrol: "Your account must hold a second factor before you go on: add an authenticator app below and confirm it with the code it shows, or add a passkey or security key.",
    your_factors: "Your second factors",
    no_factors: "You hold no second factor.",
    factor_totp: "Authenticator app",
    factor_passkey: "Passkey or security key",
    sso_failed: "The sign-in through your identity provider did not succeed, or it gives you no role here: try again, or ask your administrator.",
    sign_in_with_provider: "Or sign in with your agency's identity provider",
    sign_in_with: "Sign in with",
    sso_signed_in: "You are signed in",
    sso_continue: "Continue to your desk",
    add_passkey: "Add a passkey or security key",
    passkey_hint: "Your browser will ask for a passkey on this device or your phone, or a security key, and for its PIN, fingerprint or face: the key is kept there, never here.",
    use_passkey: "Use a passkey",
    passkey_failed: "The browser gave no passkey (it was cancelled, timed out or none fits): try again, or use a code below.",
    passkey_refused: "That passkey was not accepted: try again.",
    passkey_or_code: "Or enter a code",
    factor_unconfirmed: "not confirmed yet",
    factor_added: "Added",
    factor_last_used: "Last used",
    never_used: "never",
    remove_factor: "Remove",
    recovery_codes_left: "Recovery codes left:",
    new_recovery_codes: "New recovery codes",
    add_authenticator: "Add an authenticator app",
    factor_label: "Name (to tell it from your others)",
    scan_code: "Scan this code with your authenticator app, or type the secret in by hand; then enter the six digits the app shows.",
    qr_code_label: "QR code holding the secret of your new factor",
    secret_by_hand: "Secret, to type in by hand",
    confirm_factor: "Confirm",
    confirm_failed: "That code is not right: enter the six digits the app shows now.",
    factor_confirmed: "The factor was confirmed.",
    factor_removed: "The factor was removed.",
    last_factor_kept: "Your account must hold a second factor: add another before removing this one.",
    recovery_codes_heading: "Your recovery codes",
    recovery_codes_once: "Keep these codes somewhere safe, apart from your phone. Each works once, in place of a code from the app, if you lose it. They are shown this once.",
    go_to_desk: "Go to your desk",
    back_to_security: "Back to sign-in security",
    step_up: "Confirm it is you",
    step_up_hint: "This needs your second factor again. Enter the code your app shows now, or a recovery code; then you are taken back to the form, to send it again.",
    step_up_failed: "That code is not right or was used already: try the code the app shows now.",
    go_back: "Back",
    factor_name: "Name",
    signed_in_as: "Signed in as",
    desk: "My desk",
    my_cases: "My cases",
    no_cases: "No case of yours is open.",
    team_requests: "Requests of my cases, and those my agency executes",
    no_team_requests: "No request of your cases is open.",
    expiring_preservations: "Preservations that run out within 30 days",
    no_expiring_preservations: "None of your agency's preservations runs out within 30 days.",
    awaiting_receipt: "Items awaiting my receipt",
    none_awaiting_receipt: "No item is on its way to you.",
    incoming_requests: "Incoming requests",
    no_incoming_requests: "No incoming request waits for your authority.",
    outgoing_requests: "Outgoing requests",
    no_outgoing_requests: "No outgoing request is open.",
    preservations_to_act_on: "Preservations to act on, and those that run out within 30 days",
    no_preservations_to_act_on: "No preservation waits for you.",
    to_do: "To do",
    other_state: "Other state",
    next_deadline: "Next deadline",
    nothing_on_desk: "Nothing waits for you here: your roles do their work through the API.",
    none_set_by_basis: "None set by the basis",
    items_to_verify: "Items whose custody you may verify",
    no_items_to_verify: "No evidence item of your state has a custody record yet.",
    audit_trail: "The audit trail",
    verify_audit_trail: "Verify the audit trail",
    preservation: "Preservation",
    expires_at: "Preserved until",
    order: "Order",
    order_facts: "The order",
    order_case: "The case it serves",
    orders: "Orders to providers",
    no_orders: "No order waits on a provider.",
    provider: "Provider",
    provider_state: "Provider's state",
    order_type: "What is ordered",
    sent_at: "Sent",
    notified_state: "Provider's state notified",
    held_back_until: "Data held back until (the notified state may object)",
    produced_items: "Items produced",
    authorisation: "Judicial authorisation",
    deadlines_heading: "Deadlines",
    no_deadlines_running: "No deadline runs.",
    due_at: "Due",
    identifier_kind: "Kind",
    when: "When",
    custody_verification: "Custody verification",
    item: "Item",
    checkpoint_size: "Signed checkpoint covering",
    entries_word: "entries",
    position: "Position",
    log_index: "Log index",
    inclusion_checked: "Inclusion checked",
    problems: "Problems",
    none: "None",
    audit_trail_intact: "The audit trail is intact: every entry hashes correctly and links to the one before it.",
    audit_trail_broken: "The audit trail does not verify.",
    entries_checked: "Entries checked",
    head_hash: "Hash of the last entry (note it: a later check that ends before it reveals a truncated trail)",
    first_broken_entry: "First entry that does not verify",
    registered: "Registered",
    alerts_as_recorded: "Integrity as recorded when each entry was committed; an item's own page verifies its whole record.",
    integrity: "Integrity",
    integrity_alert_recorded: "INTEGRITY ALERT",
    no_alert_recorded: "No alert",
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
    stored_content: "Stored content",
    download_content: "The item's content (each download is recorded in its custody)",
    content_destroyed: "destroyed with the item",
    bytes: "bytes",
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
    case_requests: "Requests for assistance",
    no_case_requests: "No request for assistance to show.",
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
    approval_incomplete: "Its legal basis still requires what the completeness check lists.",
    documents: "Documents",
    no_documents: "No document has been added to this request.",
    document: "Document",
    kind: "Kind",
    language: "Language",
    size: "Size",
    added: "Added",
    add_document: "Add a document",
    file: "File",
    add: "Add the document",
    document_added_now: "The document is added, and named in the request's history.",
    document_refused: "The document was not added:",
    order_event_recorded: "The event is recorded in the order's history.",
    order_event_refused: "The event was not recorded:",
    order_produced_now: "The data is registered as evidence in the requesting case, stored, and handed over to whom the order names.",
    production_refused: "The data was not produced:",
    produced_item_kept: "The item was registered (and stays, as far as it got):",
    record_event: "Record an event",
    event_text: "Note, or grounds for a refusal or an objection",
    produce_heading: "Produce the data",
    produce_note: "The file becomes an item of evidence in the requesting case: its custody starts with you, its bytes are stored sealed, and it is handed over to the requesting agency in the same step.",
    answers_order: "This answers the order",
    answer_later: "Not yet (say so later)",
    upload_and_hand_over: "Upload and hand over",
    none_set: "None set",
    their_reference: "Their reference",
    the_service: "The service",
    assistance_types: &[
        ("subscriber_information", "Subscriber information"),
        ("traffic_data", "Traffic data"),
        ("stored_content", "Stored content"),
        ("preservation", "Preservation of data"),
        ("search_and_seizure", "Search and seizure"),
        ("witness_statement", "Witness statement"),
        ("real_time_collection", "Real-time collection"),
        ("other", "Other assistance"),
    ],
    languages: &[
        ("en", "English"),
        ("fr", "French"),
        ("nl", "Dutch"),
        ("es", "Spanish"),
        ("pt", "Portuguese"),
        ("ht", "Haitian Creole"),
        ("pap", "Papiamento"),
        ("srn", "Sranan Tongo"),
    ],
    evidence_kinds: EVIDENCE_KINDS,
    document_kinds: &[
        ("letter_of_request", "Letter of request"),
        ("translation", "Translation"),
        ("court_order", "Court order"),
        ("annex", "Annex"),
        ("response", "Response"),
        ("refusal_grounds", "Grounds of refusal"),
    ],
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
        ("custodian_or_location", "Who holds the data, or where"),
        ("why_needed", "Why preservation is needed"),
        ("mla_to_follow", "A request for assistance will follow"),
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
        ("document_added", "Document added"),
    ],
    urgencies: &[
        ("normal", "Normal"),
        ("urgent", "Urgent"),
        ("emergency", "Emergency"),
    ],
    desk_tasks: &[
        ("complete_draft", "Complete the draft and have it approved"),
        ("submit", "Submit to the requested state"),
        ("supply_information", "Supply the information asked for"),
        ("acknowledge", "Acknowledge receipt"),
        ("decide", "Decide: accept, refuse or postpone"),
        ("assign", "Assign to an executing agency"),
        ("execute", "Execute and report"),
        ("follow_execution", "Follow its execution"),
        ("close", "Close"),
        (
            "await_submission",
            "Waiting for our central authority to send it",
        ),
        ("await_answer", "Waiting for the other state"),
        ("preserve", "Preserve the data"),
        (
            "extend_or_follow",
            "Extend, release, or follow with a request",
        ),
    ],
    preservation_events: &[
        ("requested", "Requested by the 24/7 point of contact"),
        ("preserved", "Preserved"),
        ("extended", "Preservation extended"),
        ("mla_followed", "Request for assistance followed"),
        ("partially_disclosed", "Traffic data partially disclosed"),
        ("released", "Released"),
        ("expired", "Expired"),
        ("document_added", "Document added"),
    ],
    order_statuses: &[
        ("draft", "Draft"),
        ("approved", "Approved"),
        ("sent", "Sent to the provider"),
        ("acknowledged", "Acknowledged by the provider"),
        ("clarification_asked", "Clarification asked"),
        ("clarification_given", "Clarification given"),
        ("partially_produced", "Partially produced"),
        ("produced", "Produced"),
        ("refused", "Refused by the provider"),
        ("objected", "Objected to by the provider's state"),
        ("closed", "Closed"),
        ("withdrawn", "Withdrawn"),
    ],
    order_events: &[
        ("approved", "Approved"),
        ("sent", "Sent to the provider"),
        ("acknowledged", "Acknowledged by the provider"),
        ("clarification_asked", "Clarification asked"),
        ("clarification_given", "Clarification given"),
        ("no_objection", "No objection from the provider's state"),
        ("objected", "Objected to by the provider's state"),
        ("refused", "Refused by the provider"),
        ("partially_produced", "Partially produced"),
        ("produced", "Produced"),
        ("closed", "Closed"),
        ("withdrawn", "Withdrawn"),
    ],
    order_types: &[
        ("subscriber_information", "Subscriber information"),
        (
            "domain_registration",
            "Domain name registration information",
        ),
        ("traffic_data", "Traffic data"),
        ("content_data", "Content data"),
        ("emergency_disclosure", "Emergency disclosure"),
        ("preservation", "Preservation of data"),
    ],
    identifier_kinds: &[
        ("ip_address", "IP address"),
        ("account", "Account"),
        ("domain", "Domain name"),
        ("phone_number", "Telephone number"),
        ("email", "Email address"),
        ("other", "Other identifier"),
    ],
    preservation_statuses: &[
        ("requested", "Requested"),
        ("preserved", "Preserved"),
        ("extended", "Extended"),
        ("mla_followed", "Request for assistance followed"),
        ("partially_disclosed", "Partially disclosed"),
        ("released", "Released"),
        ("expired", "Expired"),
    ],
    deadline_kinds: &[
        ("acknowledge", "Acknowledge"),
        ("decide", "Decide"),
        ("execute", "Execute"),
        ("wanted_by", "Wanted by"),
        ("expires_at", "Preservation expires"),
        ("produce", "Produce"),
        ("objection_ends", "Objection period ends"),
        ("order_acknowledge", "Provider to acknowledge"),
        ("order_produce", "Provider to produce"),
    ],
    monitoring: "Regional monitoring",
    monitoring_period: "Figures of the four quarters up to now",
    status_reviews: "Status reviews and the regional minimum standards",
    state: "State",
    budapest_convention: "Budapest Convention",
    second_protocol: "Second Protocol",
    csirt: "CSIRT",
    contact_point: "24/7 point of contact",
    central_authority: "Central authority",
    reviewed: "Reviewed",
    not_reviewed: "Not reviewed since it changed",
    turnaround: "Turnaround between states",
    turnaround_note: "Median days from submission, by requesting state (rows) and requested state (columns).",
    requesting_state: "Requesting state",
    trends: "Trends per quarter",
    cases_per_quarter: "Cases in the region, per quarter",
    requests_per_quarter: "Requests between states, per quarter",
    overdue_now: "Overdue now, by the state that owes",
    nothing_overdue: "Nothing is overdue.",
    count: "Count",
    fewer_than_5: "fewer than 5",
    download_csv: "Download as CSV",
    days: "days",
    orders_to_providers: "Orders to service providers",
    orders_to_providers_note: "Orders sent in the period, by requesting state and provider; median hours from sending to acknowledgement and to the first data produced; emergencies answered within their hours, and late.",
    orders_sent: "Orders sent",
    hours_to_acknowledgement: "To acknowledgement",
    hours_to_production: "To production",
    emergencies_in_time: "Emergencies answered in time",
    emergencies_late: "Emergencies answered late",
    hours: "hours",
    turnaround_as_csv: "Turnaround as CSV",
    emergencies_as_csv: "Emergencies as CSV",
    stages: &[
        ("acknowledged", "To acknowledgement"),
        ("decided", "To the decision"),
        ("executed", "To execution"),
    ],
    treaty_standings: &[
        ("party", "Party"),
        ("signatory", "Signatory"),
        ("invited", "Invited"),
        ("none", "None"),
    ],
    checklist_statuses: &[
        ("met", "Met"),
        ("partly_met", "Partly met"),
        ("not_met", "Not met"),
        ("not_assessed", "Not assessed"),
    ],
    case_events: &[
        ("opened", "Opened"),
        ("referred", "Referred"),
        ("charged", "Charged"),
        ("closed", "Closed"),
        ("integrity_alerts", "Integrity alerts"),
        ("submitted", "Submitted"),
    ],
};

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

    /// The `{name}`s a template fills in, in order.
    fn placeholders(text: &str) -> Vec<&str> {
        text.match_indices('{')
            .filter_map(|(at, _)| text[at + 1..].split_once('}').map(|(name, _)| name))
            .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect()
    }

    /// Words that are the same in a language as in English, rightly.
    const SAME_AS_ENGLISH: [(&str, &str); 4] = [
        ("fr", "description"),
        ("fr", "evidence_kinds.document"),
        ("nl", "evidence_kinds.document"),
        ("fr", "event_types.note"),
    ];

    #[test]
    fn every_language_has_every_word_of_the_report_translated_with_its_placeholders() {
        let english = words(Language::En);
        assert!(english.len() > 90, "{}", english.len());
        for language in [Language::Fr, Language::Nl] {
            let theirs = words(language);
            let paths: Vec<&String> = theirs.iter().map(|(p, _)| p).collect();
            let ours: Vec<&String> = english.iter().map(|(p, _)| p).collect();
            assert_eq!(
                paths, ours,
                "{language:?}: the same entries, tables included"
            );
            for ((path, en), (_, text)) in english.iter().zip(&theirs) {
                assert!(!text.trim().is_empty(), "{language:?} {path} is empty");
                let same_allowed = SAME_AS_ENGLISH.contains(&(language.as_str(), path.as_str()));
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
}
