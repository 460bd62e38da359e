//! The custody report a court receives: its text, read back with `pdftotext`, holds
//! the verdict, every entry and the key's fingerprint; its attachment, extracted with
//! `pdfdetach`, verifies offline; a tampered record yields a report that says so on
//! page one.

use super::*;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Runs a poppler tool (from Debian's `poppler-utils`, which the test command installs).
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} must be installed (poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The report of an item, saved; its path.
pub(super) async fn report(w: &World, id: &str) -> std::path::PathBuf {
    let res = w
        .app
        .get(
            &format!("/api/v1/evidence/{id}/custody/report.pdf"),
            &w.inv.token,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.headers.get("content-type").unwrap(), "application/pdf");
    let disposition = res
        .headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"custody-report-"),
        "{disposition}"
    );
    assert!(res.raw.starts_with(b"%PDF-"));
    let path = w
        .app
        .data_dir()
        .join(format!("report-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, &res.raw).unwrap();
    // A copy to look at, under target/tmp/reports/.
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::copy(&path, keep.join(format!("custody-report-{id}.pdf"))).unwrap();
    path
}

pub(super) fn text_of(path: &std::path::Path, pages: Option<(u32, u32)>) -> String {
    let file = path.to_str().unwrap();
    let (first, last) = pages.map(|(f, l)| (f.to_string(), l.to_string())).unzip();
    let mut args = vec!["-layout"];
    if let (Some(f), Some(l)) = (&first, &last) {
        args.extend(["-f", f.as_str(), "-l", l.as_str()]);
    }
    args.extend([file, "-"]);
    poppler("pdftotext", &args)
}

/// The key's fingerprint as the report prints it: SHA-256 of the public key, in
/// groups of four hex digits, eight groups to a line.
fn fingerprint(key: &str) -> [String; 2] {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(key.splitn(3, '+').nth(2).unwrap())
        .unwrap();
    let digest = hex::encode(Sha256::digest(&raw[1..]));
    digest
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .chunks(8)
        .map(|line| line.join(" "))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap()
}

#[actix_web::test]
async fn the_report_states_the_verdict_names_every_entry_and_carries_a_bundle_that_verifies() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    let steps = [
        json!({"type": "sealed", "seal": {"number": "JCF-SEAL-0042", "condition": "intact"},
               "location": "JCF evidence room, Kingston"}),
        json!({"type": "checked_out", "reason": "imaging for analysis", "authority": "Warrant 2026/117"}),
        json!({"type": "checked_in", "location": "JCF evidence room, Kingston"}),
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": DISK_SHA}}),
        json!({"type": "note", "reason": "Curaçao liaison informed — by phone",
               "details": {"tool_version": "20140608", "examiner": {"name": "Det. Sgt. Brown", "unit": "Forensics"}}}),
    ];
    for step in steps {
        ok(append(app, &w.inv.token, &id, step).await);
    }
    let item = app
        .get(&format!("/api/v1/evidence/{id}"), &w.inv.token)
        .await
        .body;
    let label = item["label"].as_str().unwrap().to_owned();
    let case = app
        .get(&format!("/api/v1/cases/{}", w.case_id), &w.inv.token)
        .await
        .body;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let key = log_key(app, &w.inv.token).await;

    let path = report(&w, &id).await;
    let text = text_of(&path, None);
    let first = text_of(&path, Some((1, 1)));
    // Page one: the verdict in words, the case, the item, the checkpoint and the key.
    assert!(first.contains("Verdict: VERIFIED"), "{first}");
    assert!(
        first.contains("The custody record is complete and unaltered"),
        "{first}"
    );
    assert!(
        first.contains(&reference) && first.contains(&label),
        "{first}"
    );
    assert!(first.contains("Forensic image of the file server's system disk"));
    for line in fingerprint(&key) {
        assert!(first.contains(&line), "{line}: {first}");
    }
    assert!(
        first.contains(&key.split('+').nth(1).unwrap().to_owned()),
        "key ID: {first}"
    );
    assert!(first.contains("Entries in the log"));
    // Every entry, with who in names, where, why and under what authority.
    for (seq, what) in [
        "Collected",
        "Sealed",
        "Checked out",
        "Checked in",
        "Hash verified",
        "Note",
    ]
    .iter()
    .enumerate()
    {
        assert!(
            text.contains(&format!("Entry {seq} - {what} - ")),
            "entry {seq}: {text}"
        );
    }
    assert!(
        text.contains("User jm.inv, JCF Cybercrime Unit (Jamaica)"),
        "{text}"
    );
    assert!(text.contains("JCF-SEAL-0042 (intact)"));
    // Codes in words, details as `Name: value` lines, never JSON.
    assert!(
        first.contains("Disk image") && !text.contains("disk_image"),
        "{first}"
    );
    assert!(
        text.contains("Tool version: 20140608")
            && text.contains("Examiner: Name: Det. Sgt. Brown, Unit: Forensics")
            && !text.contains("{\""),
        "{text}"
    );
    assert!(text.contains("imaging for analysis") && text.contains("Warrant 2026/117"));
    assert!(
        text.contains("Curaçao liaison informed — by phone"),
        "WinAnsi text: {text}"
    );
    assert!(!text.contains("INTEGRITY ALERT"));
    // The court reads UTC, whatever the zone of who downloads it.
    assert!(
        text.contains(" UTC") && !text.contains("America/"),
        "{text}"
    );
    // Every page carries the item's label and its number.
    let pages: usize = poppler("pdfinfo", &[path.to_str().unwrap()])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The closing section is whole on the last page, the log's key whole on a line
    // of its own (a key broken on paper is a transcription risk).
    let last = text_of(&path, Some((pages as u32, pages as u32)));
    assert!(
        last.contains("How to verify this record independently"),
        "{last}"
    );
    assert!(last.lines().any(|l| l.trim() == key), "{key}: {last}");
    for page in 1..=pages as u32 {
        let one = text_of(&path, Some((page, page)));
        assert!(one.contains(&label), "page {page}");
        assert!(
            one.contains(&format!("Page {page} of {pages}")),
            "page {page}: {one}"
        );
    }

    // The attachment is the bundle: its SHA-256 is printed, and it verifies offline.
    let out = app
        .data_dir()
        .join(format!("detached-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&out).unwrap();
    let listed = poppler("pdfdetach", &["-list", path.to_str().unwrap()]);
    assert!(listed.contains("custody-bundle-"), "{listed}");
    poppler(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            out.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(
        text.contains(&hex::encode(Sha256::digest(&bytes))),
        "the printed SHA-256"
    );
    let bundle: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(bundle["entries"].as_array().unwrap().len(), 6);
    // The bundle names, beside the signed entries, whom their ids are.
    assert_eq!(
        bundle["names"]["people"][&w.inv.id], "User jm.inv",
        "{}",
        bundle["names"]
    );
    assert_eq!(
        bundle["names"]["agencies"][&w.jm]["name"],
        "JCF Cybercrime Unit"
    );
    assert_eq!(bundle["names"]["agencies"][&w.jm]["country"], "JM");
    let (code, output) = verify_offline(app, &bundle, &key).await;
    assert_eq!(code, 0, "{output}");

    // Audited like the bundle export; nobody else learns the item exists.
    assert!(
        app.audit_entries()
            .iter()
            .any(|e| { e["action"] == "custody.report" && e["details"]["verdict"] == "verified" })
    );
    app.get(
        &format!("/api/v1/evidence/{id}/custody/report.pdf"),
        &w.bb_inv.token,
    )
    .await
    .assert_problem(404, "not-found");
    app.get(
        &format!(
            "/api/v1/evidence/{}/custody/report.pdf",
            uuid::Uuid::now_v7()
        ),
        &w.inv.token,
    )
    .await
    .assert_problem(404, "not-found");
}

#[actix_web::test]
async fn a_failed_hash_check_is_marked_where_it_happens_and_named_in_the_verdict() {
    let w = world().await;
    let id = disk_item(&w).await;
    ok(append(
        &w.app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": OTHER_SHA}}),
    )
    .await);
    let path = report(&w, &id).await;
    let first = text_of(&path, Some((1, 1)));
    assert!(first.contains("Verdict: INTEGRITY ALERT"), "{first}");
    assert!(first.contains("failed an integrity check"), "{first}");
    let text = text_of(&path, None);
    let alert = text
        .find("INTEGRITY ALERT: the hash observed differs")
        .expect("the mark");
    let entry = text.find("Entry 1 - Hash verified").unwrap();
    assert!(alert > entry, "the mark is on entry 1");
    assert!(text.contains(OTHER_SHA));
}

#[actix_web::test]
async fn a_tampered_record_yields_a_report_whose_first_page_says_so() {
    let w = world().await;
    let (id, _) = super::tamper::tamper_setup(&w).await;
    super::tamper::drop_custody_triggers(&w.app);
    w.app
        .exec(&format!(
            "UPDATE custody_entries SET canonical = replace(canonical, '\"checked_out\"', '\"checked_in_\"') WHERE evidence_id = '{id}' AND seq = 2"
        ))
        .unwrap();
    let path = report(&w, &id).await;
    let first = text_of(&path, Some((1, 1)));
    assert!(first.contains("Verdict: NOT VERIFIED"), "{first}");
    assert!(
        first.contains("does not verify and must not be relied on"),
        "{first}"
    );
    let text = text_of(&path, None);
    let mark = text.find("DOES NOT VERIFY").expect("the entry is marked");
    assert!(mark > text.find("Entry 2 - ").unwrap(), "{text}");
}

/// The attached bundle of a report, as `pdfdetach` extracts it.
fn attached_bundle(app: &TestApp, path: &std::path::Path) -> Vec<u8> {
    let out = app
        .data_dir()
        .join(format!("detached-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&out).unwrap();
    poppler(
        "pdfdetach",
        &[
            "-saveall",
            "-o",
            out.to_str().unwrap(),
            path.to_str().unwrap(),
        ],
    );
    let file = std::fs::read_dir(&out).unwrap().next().unwrap().unwrap();
    std::fs::read(file.path()).unwrap()
}

/// A report asked for as `query` with `headers`, saved; its path and the language
/// it says it is in.
async fn report_in(
    w: &World,
    id: &str,
    query: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> (std::path::PathBuf, String) {
    let res = w
        .app
        .request_with_headers(
            "GET",
            &format!("/api/v1/evidence/{id}/custody/report.pdf{query}"),
            token,
            headers,
            None,
        )
        .await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    let language = res
        .headers
        .get("content-language")
        .expect("Content-Language")
        .to_str()
        .unwrap()
        .to_owned();
    let path = w
        .app
        .data_dir()
        .join(format!("report-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, &res.raw).unwrap();
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reports");
    std::fs::create_dir_all(&keep).unwrap();
    std::fs::copy(
        &path,
        keep.join(format!("custody-report-{id}-{language}.pdf")),
    )
    .unwrap();
    (path, language)
}

/// A court reads the report in its language: `?lang=` prints it so whatever the
/// reader's; without it, the reader's chosen language (`PATCH /me`), else the
/// request's `Accept-Language`, else English. The verdict and its sentence, the
/// headings and the event types are in that language, read back with `pdftotext`;
/// the attached bundle is the same bytes in every language and verifies.
#[actix_web::test]
async fn the_report_is_printed_in_the_courts_language_and_its_bundle_is_the_same() {
    let w = world().await;
    let app = &w.app;
    let id = disk_item(&w).await;
    ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": DISK_SHA}}),
    )
    .await);
    let t = w.inv.token.as_str();
    let (english, said) = report_in(&w, &id, "", t, &[]).await;
    assert_eq!(said, "en");
    let (french, said) = report_in(&w, &id, "?lang=fr", t, &[]).await;
    assert_eq!(said, "fr");
    let (dutch, said) = report_in(&w, &id, "?lang=nl", t, &[("Accept-Language", "fr")]).await;
    assert_eq!(said, "nl", "the court's language, whatever the reader's");

    let text = text_of(&french, Some((1, 1)));
    for words in [
        "Rapport de chaîne de possession",
        "Conclusion: VÉRIFIÉ",
        "Le registre de la chaîne de possession est complet et inaltéré",
        "chacun des 1 contrôles d'empreinte",
        "SHA-256 du paquet joint",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(!text.contains("VERIFIED"), "{text}");
    let all = text_of(&french, None);
    assert!(
        all.contains("Empreinte vérifiée"),
        "the event in French: {all}"
    );
    assert!(all.contains("Comment vérifier ce registre"), "{all}");
    let text = text_of(&dutch, Some((1, 1)));
    for words in [
        "Rapport van de bewaarketen",
        "Uitkomst: GEVERIFIEERD",
        "Het register van de bewaarketen is volledig en ongewijzigd",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(text_of(&dutch, None).contains("Hashwaarde gecontroleerd"));
    // The bundle is the record, not its words: the same bytes, and it verifies.
    let bundle = attached_bundle(app, &english);
    assert_eq!(attached_bundle(app, &french), bundle);
    assert_eq!(attached_bundle(app, &dutch), bundle);
    let key = log_key(app, t).await;
    let (code, out) = verify_offline(app, &serde_json::from_slice(&bundle).unwrap(), &key).await;
    assert_eq!(code, 0, "{out}");

    // Without `lang`: Accept-Language, until the reader chooses a language.
    let (_, said) = report_in(&w, &id, "", t, &[("Accept-Language", "fr-HT, en;q=0.5")]).await;
    assert_eq!(said, "fr");
    let (_, said) = report_in(&w, &id, "", t, &[("Accept-Language", "de")]).await;
    assert_eq!(said, "en", "none of ours: English");
    let me = app.patch("/api/v1/me", t, &json!({"language": "nl"})).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["language"], "nl");
    assert_eq!(app.get("/api/v1/me", t).await.body["language"], "nl");
    let (_, said) = report_in(&w, &id, "", t, &[("Accept-Language", "fr")]).await;
    assert_eq!(said, "nl", "the reader's choice over Accept-Language");
    let (_, said) = report_in(&w, &id, "?lang=en", t, &[]).await;
    assert_eq!(said, "en");
    // Not a language of the service: refused, with the field named.
    app.get(
        &format!("/api/v1/evidence/{id}/custody/report.pdf?lang=de"),
        t,
    )
    .await
    .assert_problem(422, "validation-failed");
    app.patch("/api/v1/me", t, &json!({"language": "de"}))
        .await
        .assert_problem(422, "validation-failed");
    // Unset, Accept-Language decides again.
    let me = app.patch("/api/v1/me", t, &json!({"language": null})).await;
    assert_eq!(me.body["language"], Value::Null);
    let (_, said) = report_in(&w, &id, "", t, &[("Accept-Language", "fr")]).await;
    assert_eq!(said, "fr");
    // The choice is audited as a change of the account.
    let changed = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "user.update")
        .map(|e| e["details"]["changed"]["language"].clone())
        .collect::<Vec<_>>();
    assert_eq!(changed, [json!("nl"), Value::Null]);
    // An administrator sets it for a person too.
    let admin = app.regional_admin().await;
    let set = app
        .patch(
            &format!("/api/v1/users/{}", w.sup.id),
            &admin.token,
            &json!({"language": "fr"}),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["language"], "fr");
    assert_eq!(
        app.get("/api/v1/me", &w.sup.token).await.body["language"],
        "fr"
    );
    let (_, said) = report_in(&w, &id, "", &w.sup.token, &[]).await;
    assert_eq!(said, "fr");
}
