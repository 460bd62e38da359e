//! The pages in English, French and Dutch: the person's choice (from the pages'
//! header or `PATCH /me`), else the request's `Accept-Language`, else English; the
//! answer says which in `lang` and `Content-Language`. What people typed is shown as
//! typed.

use crate::common::{PASSWORD, Response, TestApp};
use crate::pages::{csrf_field, sign_in, text};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use serde_json::json;
use sha2::{Digest, Sha256};

/// A page asked for in `accept` (an `Accept-Language`), as `session` if any.
async fn page_in(app: &TestApp, path: &str, session: Option<&str>, accept: &str) -> Response {
    let cookie = session.map(|s| format!("caseledger={s}"));
    let mut headers: Vec<(&str, &str)> = vec![("Accept-Language", accept)];
    if let Some(c) = &cookie {
        headers.push(("Cookie", c.as_str()));
    }
    app.request_with_headers("GET", path, "", &headers, None)
        .await
}

/// The language a page says it is in, by its `lang` and its `Content-Language`
/// (which must agree).
fn language_of(res: &Response) -> String {
    let html = text(res);
    let at = html.find("<html lang=\"").expect("a lang attribute") + 12;
    let lang = html[at..].split('"').next().unwrap().to_owned();
    let header = res
        .headers
        .get("content-language")
        .expect("Content-Language")
        .to_str()
        .unwrap();
    assert_eq!(header, lang, "lang and Content-Language agree");
    lang
}

#[actix_web::test]
async fn pages_speak_the_persons_language_else_the_browsers_else_english() {
    let app = TestApp::spawn().await;
    // Signed out: the browser's language.
    for (accept, lang, words) in [
        ("fr-HT,fr;q=0.9,en;q=0.5", "fr", "Se connecter"),
        ("nl-SR", "nl", "Inloggen"),
        ("de-DE", "en", "Sign in"),
        ("ht", "fr", "Se connecter"),
    ] {
        let res = page_in(&app, "/app/login", None, accept).await;
        assert_eq!(res.status, 200);
        assert_eq!(language_of(&res), lang, "{accept}");
        assert!(text(&res).contains(words), "{accept}: {}", text(&res));
    }
    let missing = page_in(&app, "/app/nothing-here", None, "nl").await;
    assert_eq!(missing.status, 404);
    assert_eq!(language_of(&missing), "nl");
    assert!(text(&missing).contains("Niet gevonden"));

    // Signed in: a case, an item with a verified custody record.
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app
        .user_caller("jm.inv", &jcf, &[Role::Investigator, Role::Supervisor])
        .await;
    let case = app
        .create_case(&inv.token, "Fraude par échange de SIM")
        .await;
    let case_id = case["id"].as_str().unwrap();
    let bytes = b"capture";
    let item = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            &inv.token,
            &json!({"description": "Capture réseau du routeur", "kind": "network_capture",
                    "sha256": hex::encode(Sha256::digest(bytes)), "size_bytes": bytes.len(),
                    "collected": {"location": "Kingston", "reason": "seized", "authority": "Warrant 1"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let item_id = item.body["id"].as_str().unwrap();
    let session = sign_in(&app, "jm.inv", PASSWORD).await.unwrap();
    let s = Some(session.as_str());

    let desk = page_in(&app, "/app/", s, "fr").await;
    assert_eq!(language_of(&desk), "fr");
    let html = text(&desk);
    assert!(
        html.contains("Mon bureau") && html.contains("Mes affaires"),
        "{html}"
    );
    assert!(
        html.contains("Fraude par échange de SIM"),
        "typed as typed: {html}"
    );
    assert!(
        html.contains("JCF Cybercrime Unit (Jamaïque)"),
        "the state's name in French: {html}"
    );
    assert!(html.contains("<option value=\"fr\" lang=\"fr\" selected>Français</option>"));
    let case_page = text(&page_in(&app, &format!("/app/cases/{case_id}"), s, "fr").await);
    assert!(
        case_page.contains("Ouverte"),
        "the status in French: {case_page}"
    );
    let evidence = page_in(&app, &format!("/app/evidence/{item_id}"), s, "nl").await;
    assert_eq!(language_of(&evidence), "nl");
    let html = text(&evidence);
    assert!(html.contains("GEVERIFIEERD"), "{html}");
    assert!(
        html.contains("Het register van de bewaarketen is volledig en ongewijzigd"),
        "{html}"
    );
    assert!(html.contains("Netwerkopname"), "the kind in Dutch: {html}");
    assert!(html.contains("Capture réseau du routeur"), "typed as typed");

    // The person chooses Dutch from the header: it holds whatever the browser says,
    // and the API's /me says so too.
    let csrf = csrf_field(&text(&desk));
    let cookie = format!("caseledger={session}");
    let back = format!("http://localhost/app/cases/{case_id}");
    let post = |token: String, language: &'static str| {
        let cookie = cookie.clone();
        let back = back.clone();
        let app = &app;
        async move {
            let body =
                serde_urlencoded::to_string([("csrf", token.as_str()), ("language", language)])
                    .unwrap();
            app.post_form(
                "/app/language",
                &[("Cookie", cookie.as_str()), ("Referer", back.as_str())],
                &body,
            )
            .await
        }
    };
    assert_eq!(post("forged".into(), "nl").await.status, 403);
    assert_eq!(post(csrf.clone(), "de").await.status, 404);
    let chosen = post(csrf.clone(), "nl").await;
    assert_eq!(chosen.status, 303, "{}", text(&chosen));
    assert_eq!(
        chosen.headers.get("location").unwrap(),
        &format!("/app/cases/{case_id}"),
        "back to the page it was chosen on"
    );
    let desk = page_in(&app, "/app/", s, "fr").await;
    assert_eq!(language_of(&desk), "nl");
    assert!(text(&desk).contains("Mijn bureau"));
    assert_eq!(
        app.get("/api/v1/me", &inv.token).await.body["language"],
        "nl"
    );
    let missing = page_in(&app, "/app/cases/not-a-case", s, "fr").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        language_of(&missing),
        "nl",
        "the person's choice, on every page"
    );

    // A monitor reads the region's figures in French.
    let impacs = app.agency("BB", "CARICOM IMPACS", AgencyKind::Regional);
    app.user_caller("bb.monitor", &impacs, &[Role::Monitor])
        .await;
    let monitor = sign_in(&app, "bb.monitor", PASSWORD).await.unwrap();
    let html = text(&page_in(&app, "/app/monitoring", Some(&monitor), "fr").await);
    assert!(html.contains("<h1>Suivi régional</h1>"), "{html}");
    assert!(
        html.contains("Injonctions aux fournisseurs de services"),
        "{html}"
    );
}

/// Problem documents in each language: the title and the service's own words of the
/// detail translated, the `type` the same in every language, and the language said
/// in `Content-Language`: the person's choice (carried by their tokens from the
/// next sign-in), else `Accept-Language`, else English.
#[actix_web::test]
async fn problem_documents_speak_the_callers_language_with_stable_types() {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let ask = |method: &'static str,
               path: String,
               token: String,
               accept: Option<&'static str>,
               body: Option<serde_json::Value>| {
        let app = &app;
        async move {
            let mut headers = Vec::new();
            if let Some(a) = accept {
                headers.push(("Accept-Language", a));
            }
            app.request_with_headers(method, &path, &token, &headers, body.as_ref())
                .await
        }
    };
    let missing = format!("/api/v1/cases/{}", uuid::Uuid::new_v4());
    let said = |res: &Response| {
        (
            res.status.as_u16(),
            res.body["type"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned(),
            res.body["title"].as_str().unwrap().to_owned(),
            res.headers
                .get("content-language")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned(),
        )
    };
    let t = inv.token.clone();
    let res = ask("GET", missing.clone(), t.clone(), Some("fr-HT"), None).await;
    assert_eq!(
        said(&res),
        (404, "not-found".into(), "Introuvable".into(), "fr".into())
    );
    let res = ask("GET", missing.clone(), t.clone(), None, None).await;
    assert_eq!(
        said(&res),
        (404, "not-found".into(), "Not found".into(), "en".into())
    );
    let invalid = json!({"title": "", "offences": ["not_an_offence"]});
    let res = ask(
        "POST",
        "/api/v1/cases".into(),
        t.clone(),
        Some("nl"),
        Some(invalid),
    )
    .await;
    assert_eq!(
        said(&res),
        (
            422,
            "validation-failed".into(),
            "Validatie mislukt".into(),
            "nl".into()
        )
    );
    assert_eq!(res.body["detail"], "een of meer velden zijn ongeldig");
    let messages: Vec<(String, String)> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        messages.contains(&("title".into(), "mag niet leeg zijn".into())),
        "the input checks' words in Dutch, the field named as it is: {messages:?}"
    );
    let res = ask(
        "GET",
        "/api/v1/stats/cases".into(),
        t.clone(),
        Some("fr"),
        None,
    )
    .await;
    assert_eq!(
        said(&res),
        (403, "forbidden".into(), "Interdit".into(), "fr".into())
    );
    let res = ask(
        "GET",
        "/api/v1/cases".into(),
        "not-a-token".into(),
        Some("nl"),
        None,
    )
    .await;
    assert_eq!(
        said(&res),
        (
            401,
            "unauthenticated".into(),
            "Authenticatie vereist".into(),
            "nl".into()
        )
    );

    // The person chooses French: the answers to their requests are French whatever
    // the request asks (at once where the service reads the person, and with every
    // token issued from then on).
    let me = app
        .patch("/api/v1/me", &t, &json!({"language": "fr"}))
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    let again = app.caller("jm.inv", PASSWORD).await;
    for token in [t.clone(), again.token.clone()] {
        let res = ask(
            "GET",
            "/api/v1/stats/cases".into(),
            token.clone(),
            Some("nl"),
            None,
        )
        .await;
        assert_eq!(
            said(&res),
            (403, "forbidden".into(), "Interdit".into(), "fr".into())
        );
    }
    let res = ask("GET", missing, again.token.clone(), Some("nl"), None).await;
    assert_eq!(
        said(&res),
        (404, "not-found".into(), "Introuvable".into(), "fr".into())
    );
    let ok = ask("GET", "/api/v1/me".into(), again.token.clone(), None, None).await;
    assert_eq!(ok.headers.get("content-language").unwrap(), "fr");
}

/// Every legal basis the service ships with has its name in French and Dutch (one
/// an administrator adds is named as typed).
#[actix_web::test]
async fn the_shipped_legal_bases_are_named_in_every_language() {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let bases = app.get("/api/v1/legal-bases?limit=100", &inv.token).await;
    assert_eq!(bases.status, 200, "{}", bases.body);
    let codes: Vec<&str> = bases.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert!(codes.len() >= 12, "{codes:?}");
    use caseledger::catalogue::Language;
    for code in codes {
        for language in [Language::Fr, Language::Nl] {
            let name = language.legal_basis_name(code);
            assert!(name.is_some_and(|n| !n.is_empty()), "{language:?} {code}");
        }
        assert_eq!(
            Language::En.legal_basis_name(code),
            None,
            "English is the kept name"
        );
    }
}
