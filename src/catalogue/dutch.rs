//! The service's words in Dutch (see docs/GLOSSARY.md for the terms chosen).

use super::Words;


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
