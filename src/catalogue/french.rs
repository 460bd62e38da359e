//! The service's words in French (see docs/GLOSSARY.md for the terms chosen).

use super::Words;


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
