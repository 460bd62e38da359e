//! Problem documents' words in French and Dutch, by their stable `type` slug: the
//! title, and the detail where the service words it the same every time (a
//! `{placeholder}` is filled in). English is the error's own (`crate::error`). A
//! detail that says something particular of the request (a field, a rule of the
//! custody log, a conflict) is given as the code words it.

/// One problem type's words in a language.
pub struct ProblemWords {
    pub slug: &'static str,
    pub title: &'static str,
    pub detail: Option<&'static str>,
}

const fn p(slug: &'static str, title: &'static str, detail: Option<&'static str>) -> ProblemWords {
    ProblemWords {
        slug,
        title,
        detail,
    }
}

pub static FRENCH_PROBLEMS: &[ProblemWords] = &[
    p("malformed-request", "Requête mal formée", None),
    p(
        "validation-failed",
        "Validation échouée",
        Some("un ou plusieurs champs ne sont pas valides"),
    ),
    p(
        "unsupported-media-type",
        "Type de média non pris en charge",
        None,
    ),
    p(
        "payload-too-large",
        "Corps de requête trop volumineux",
        Some("le corps de la requête dépasse la limite de {limit} octets"),
    ),
    p(
        "payload-too-large.unbounded",
        "Corps de requête trop volumineux",
        Some("le corps de la requête est trop volumineux"),
    ),
    p("unauthenticated", "Authentification requise", None),
    p(
        "invalid-credentials",
        "Identifiants non valides",
        Some("le nom d'utilisateur ou le mot de passe est inexact, ou le compte est verrouillé"),
    ),
    p(
        "invalid-refresh-token",
        "Jeton de renouvellement non valide",
        None,
    ),
    p(
        "password-change-required",
        "Changement de mot de passe requis",
        Some("changez d'abord votre mot de passe avec POST /api/v1/auth/password"),
    ),
    p(
        "factor-enrolment-required",
        "Enregistrement d'un second facteur requis",
        Some("enregistrez d'abord un second facteur avec POST /api/v1/me/factors et confirmez-le"),
    ),
    p(
        "mfa-required",
        "Second facteur requis",
        Some("donnez un second facteur avec le mfa_token à POST /api/v1/auth/login/mfa"),
    ),
    p(
        "invalid-second-factor",
        "Second facteur non valide",
        Some("le code est inexact ou a déjà servi, ou le mfa_token a expiré ou a déjà servi"),
    ),
    p(
        "step-up-required",
        "Second facteur de nouveau requis",
        Some(
            "donnez de nouveau votre second facteur avec POST /api/v1/auth/step-up, puis réessayez",
        ),
    ),
    p("forbidden", "Interdit", None),
    p("not-found", "Introuvable", None),
    p(
        "method-not-allowed",
        "Méthode non autorisée",
        Some("ce chemin ne répond qu'à {methods}"),
    ),
    p("conflict", "Conflit", None),
    p(
        "precondition-failed",
        "Précondition non remplie",
        Some("la ressource a changé depuis votre lecture : lisez-la de nouveau"),
    ),
    p(
        "precondition-required",
        "Précondition requise",
        Some("envoyez If-Match avec l'ETag de la version que vous avez lue"),
    ),
    p(
        "idempotency-key-reused",
        "Clé d'idempotence réutilisée",
        Some("cette Idempotency-Key a servi pour une autre requête"),
    ),
    p(
        "custody-rule-violated",
        "Règle de la chaîne de possession enfreinte",
        None,
    ),
    p(
        "custody-chain-moved",
        "La chaîne de possession a évolué",
        Some("prev n'est pas la dernière entrée de cet élément : relisez sa chaîne de possession"),
    ),
    p("service-unavailable", "Service indisponible", None),
    p(
        "server-busy",
        "Serveur occupé",
        Some("trop de connexions sont vérifiées en même temps : réessayez dans {seconds} s"),
    ),
    p(
        "invalid-client",
        "Échec de l'authentification du client",
        None,
    ),
    p(
        "unsupported-grant-type",
        "Type d'autorisation non pris en charge",
        None,
    ),
    p("invalid-token-request", "Demande de jeton non valide", None),
    p(
        "content-mismatch",
        "Le contenu ne correspond pas à son registre",
        None,
    ),
    p("gone", "Disparu", None),
    p(
        "range-not-satisfiable",
        "Plage non satisfaisable",
        Some("la plage demandée n'est pas comprise dans les {size} octets du contenu"),
    ),
    p(
        "insufficient-storage",
        "Espace de stockage insuffisant",
        Some("le magasin de contenu est plein : rien n'a été conservé ni consigné"),
    ),
    p(
        "store-unavailable",
        "Magasin de contenu indisponible",
        Some(
            "le magasin de contenu est injoignable pour l'instant : rien n'a été conservé ni consigné ; réessayez",
        ),
    ),
    p(
        "content-altered",
        "Contenu conservé altéré",
        Some(
            "le contenu conservé ne s'ouvre pas : il a été altéré dans le magasin, et rien n'en est servi",
        ),
    ),
    p(
        "tus-version-unsupported",
        "Version de tus non prise en charge",
        Some("ce serveur ne parle que tus 1.0.0 : envoyez Tus-Resumable: 1.0.0"),
    ),
    p(
        "checksum-mismatch",
        "Somme de contrôle discordante",
        Some(
            "les octets envoyés ne sont pas ceux que nomme Upload-Checksum : aucun n'a été conservé ; renvoyez-les",
        ),
    ),
    p("internal-error", "Erreur interne du serveur", None),
];

pub static DUTCH_PROBLEMS: &[ProblemWords] = &[
    p("malformed-request", "Onjuist gevormd verzoek", None),
    p(
        "validation-failed",
        "Validatie mislukt",
        Some("een of meer velden zijn ongeldig"),
    ),
    p("unsupported-media-type", "Mediatype niet ondersteund", None),
    p(
        "payload-too-large",
        "Inhoud van het verzoek te groot",
        Some("de inhoud van het verzoek overschrijdt de grens van {limit} bytes"),
    ),
    p(
        "payload-too-large.unbounded",
        "Inhoud van het verzoek te groot",
        Some("de inhoud van het verzoek is te groot"),
    ),
    p("unauthenticated", "Authenticatie vereist", None),
    p(
        "invalid-credentials",
        "Ongeldige inloggegevens",
        Some("de gebruikersnaam of het wachtwoord klopt niet, of het account is vergrendeld"),
    ),
    p("invalid-refresh-token", "Ongeldig vernieuwingstoken", None),
    p(
        "password-change-required",
        "Wachtwoordwijziging vereist",
        Some("wijzig eerst uw wachtwoord met POST /api/v1/auth/password"),
    ),
    p(
        "factor-enrolment-required",
        "Registratie van een tweede factor vereist",
        Some("registreer eerst een tweede factor met POST /api/v1/me/factors en bevestig die"),
    ),
    p(
        "mfa-required",
        "Tweede factor vereist",
        Some("geef een tweede factor met het mfa_token aan POST /api/v1/auth/login/mfa"),
    ),
    p(
        "invalid-second-factor",
        "Ongeldige tweede factor",
        Some("de code klopt niet of is al gebruikt, of het mfa_token is verlopen of al gebruikt"),
    ),
    p(
        "step-up-required",
        "Tweede factor opnieuw vereist",
        Some(
            "geef uw tweede factor opnieuw met POST /api/v1/auth/step-up en probeer het dan opnieuw",
        ),
    ),
    p("forbidden", "Verboden", None),
    p("not-found", "Niet gevonden", None),
    p(
        "method-not-allowed",
        "Methode niet toegestaan",
        Some("dit pad beantwoordt alleen {methods}"),
    ),
    p("conflict", "Conflict met de huidige staat", None),
    p(
        "precondition-failed",
        "Voorwaarde niet vervuld",
        Some("de bron is gewijzigd sinds u haar las: lees haar opnieuw"),
    ),
    p(
        "precondition-required",
        "Voorwaarde vereist",
        Some("stuur If-Match met de ETag van de versie die u las"),
    ),
    p(
        "idempotency-key-reused",
        "Idempotentiesleutel hergebruikt",
        Some("deze Idempotency-Key is voor een ander verzoek gebruikt"),
    ),
    p(
        "custody-rule-violated",
        "Regel van de bewaarketen geschonden",
        None,
    ),
    p(
        "custody-chain-moved",
        "De bewaarketen is intussen gewijzigd",
        Some("prev is niet de laatste vermelding van dit stuk: lees de bewaarketen opnieuw"),
    ),
    p("service-unavailable", "Dienst niet beschikbaar", None),
    p(
        "server-busy",
        "Server bezet",
        Some(
            "er worden te veel aanmeldingen tegelijk gecontroleerd: probeer het over {seconds} s opnieuw",
        ),
    ),
    p(
        "invalid-client",
        "Authenticatie van de client mislukt",
        None,
    ),
    p(
        "unsupported-grant-type",
        "Soort machtiging niet ondersteund",
        None,
    ),
    p("invalid-token-request", "Ongeldig tokenverzoek", None),
    p(
        "content-mismatch",
        "De inhoud komt niet overeen met het register",
        None,
    ),
    p("gone", "Verdwenen", None),
    p(
        "range-not-satisfiable",
        "Bereik niet leverbaar",
        Some("het gevraagde bereik ligt niet binnen de {size} bytes van de inhoud"),
    ),
    p(
        "insufficient-storage",
        "Onvoldoende opslagruimte",
        Some("de inhoudsopslag is vol: er is niets bewaard of vastgelegd"),
    ),
    p(
        "store-unavailable",
        "Inhoudsopslag niet beschikbaar",
        Some(
            "de inhoudsopslag is nu niet bereikbaar: er is niets bewaard of vastgelegd; probeer het opnieuw",
        ),
    ),
    p(
        "content-altered",
        "Bewaarde inhoud gewijzigd",
        Some(
            "de bewaarde inhoud gaat niet open: zij is in de opslag gewijzigd, en er wordt niets van geleverd",
        ),
    ),
    p(
        "tus-version-unsupported",
        "tus-versie niet ondersteund",
        Some("deze server spreekt alleen tus 1.0.0: stuur Tus-Resumable: 1.0.0"),
    ),
    p(
        "checksum-mismatch",
        "Controlesom komt niet overeen",
        Some(
            "de verzonden bytes zijn niet die welke Upload-Checksum noemt: er is niets van bewaard; stuur ze opnieuw",
        ),
    ),
    p("internal-error", "Interne serverfout", None),
];

/// The field messages the service's input checks write the same way for every
/// field (English, French, Dutch); `{name}`s are filled in.
static FIELD_MESSAGES: &[(&str, &str, &str)] = &[
    ("is required", "est obligatoire", "is verplicht"),
    (
        "is not a known field",
        "n'est pas un champ connu",
        "is geen bekend veld",
    ),
    (
        "has a type or form not allowed here",
        "a un type ou une forme non admis ici",
        "heeft een type of vorm die hier niet is toegestaan",
    ),
    ("must be {types}", "doit être {types}", "moet {types} zijn"),
    ("or", "ou", "of"),
    ("true or false", "vrai ou faux", "waar of onwaar"),
    ("an integer", "un entier", "een geheel getal"),
    ("a number", "un nombre", "een getal"),
    ("a string", "une chaîne de caractères", "een tekenreeks"),
    ("an array", "une liste", "een lijst"),
    ("an object", "un objet", "een object"),
    (
        "must be one of: {names}",
        "doit être l'une des valeurs suivantes : {names}",
        "moet een van de volgende zijn: {names}",
    ),
    (
        "must not be empty",
        "ne doit pas être vide",
        "mag niet leeg zijn",
    ),
    (
        "must be at least {min} characters",
        "doit compter au moins {min} caractères",
        "moet minstens {min} tekens lang zijn",
    ),
    (
        "must be at most {max} characters",
        "doit compter au plus {max} caractères",
        "mag hoogstens {max} tekens lang zijn",
    ),
    (
        "must match the pattern {pattern}",
        "doit respecter le motif {pattern}",
        "moet aan het patroon {pattern} voldoen",
    ),
    (
        "must be an RFC 3339 date-time with its offset, such as 2026-12-01T09:30:00Z, from 1900 to 2100",
        "doit être une date et heure RFC 3339 avec son décalage, par exemple 2026-12-01T09:30:00Z, de 1900 à 2100",
        "moet een RFC 3339-datum en -tijd met verschuiving zijn, zoals 2026-12-01T09:30:00Z, van 1900 tot 2100",
    ),
    (
        "must be a UUID in lower-case hyphenated form",
        "doit être un UUID en minuscules avec traits d'union",
        "moet een UUID in kleine letters met koppeltekens zijn",
    ),
    (
        "must be at least {min}",
        "doit être au moins {min}",
        "moet minstens {min} zijn",
    ),
    (
        "must be at most {max}",
        "doit être au plus {max}",
        "mag hoogstens {max} zijn",
    ),
    (
        "must name at least one item",
        "doit nommer au moins un élément",
        "moet minstens één element noemen",
    ),
    (
        "must have at least {min} items",
        "doit compter au moins {min} éléments",
        "moet minstens {min} elementen bevatten",
    ),
    (
        "must have at most {max} items",
        "doit compter au plus {max} éléments",
        "mag hoogstens {max} elementen bevatten",
    ),
];

/// A field message in `language`, from its English words (`template`, which names
/// it), its `{name}`s filled in; the English words when it has no translation.
pub fn say(language: super::Language, template: &str, values: &[(&str, &str)]) -> String {
    let words = FIELD_MESSAGES
        .iter()
        .find(|(en, _, _)| *en == template)
        .map(|(en, fr, nl)| match language {
            super::Language::En => *en,
            super::Language::Fr => *fr,
            super::Language::Nl => *nl,
        })
        .unwrap_or(template);
    super::Words::fill(words, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_message_is_translated_with_its_placeholders() {
        use super::super::Language;
        for (en, fr, nl) in FIELD_MESSAGES {
            for (language, text) in [(Language::Fr, fr), (Language::Nl, nl)] {
                assert_ne!(en, text, "{language:?}: {en}");
                let names = |t: &str| -> Vec<String> {
                    t.split('{')
                        .skip(1)
                        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
                        .collect()
                };
                assert_eq!(names(en), names(text), "{language:?}: {en}");
            }
        }
        assert_eq!(
            say(
                Language::Fr,
                "must be at most {max} characters",
                &[("max", "200")]
            ),
            "doit compter au plus 200 caractères"
        );
        assert_eq!(
            say(Language::Nl, "a message not in the table", &[]),
            "a message not in the table"
        );
        assert_eq!(say(Language::En, "is required", &[]), "is required");
    }
}
