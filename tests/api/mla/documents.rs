//! The documents of requests: the requesting side's until it sends the request, the
//! requested side's once it has it; each sealed in the content store and named with
//! its hash by an entry of the request's history; seen by whoever sees the request
//! and by no one else.

use super::preservations::{Desks, desks, preservation};
use crate::common::{Response, TestApp};
use crate::custody::{log_key, verify_offline};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const BOUNDARY: &str = "caseledger-test-boundary-7d1f";

/// A `multipart/form-data` body of text fields and, perhaps, a file.
pub(crate) fn form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    if let Some((media, bytes)) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"doc\"\r\nContent-Type: {media}\r\n\r\n"
            )
            .into_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").into_bytes());
    body
}

pub(crate) async fn add(app: &TestApp, token: &str, path: &str, body: Vec<u8>) -> Response {
    let media = format!("multipart/form-data; boundary={BOUNDARY}");
    app.send_bytes("POST", path, token, &[("Content-Type", &media)], body)
        .await
}

pub(crate) fn letter() -> Vec<u8> {
    b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..150_000u32).map(|i| (i % 97) as u8))
        .collect()
}

fn kinds(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// A JM draft to TT, by the desks' case team: its id.
async fn draft(app: &TestApp, d: &Desks) -> String {
    let t = d.jm_investigator.token.as_str();
    let case = app.create_case(t, "Bank SMS phishing").await;
    let created = app
        .post(
            "/api/v1/mla/requests",
            t,
            &super::complete(case["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["id"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn each_side_adds_its_documents_in_its_time_and_the_history_names_them() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_investigator.token.as_str();
    let id = draft(&app, &d).await;
    let path = format!("/api/v1/mla/requests/{id}/documents");
    let bytes = letter();

    // The requesting team adds the letter of request to its draft.
    let added = add(
        &app,
        jm,
        &path,
        form(
            &[
                ("kind", "letter_of_request"),
                ("title", "Letter of request, signed"),
                ("language", "en"),
            ],
            Some(("application/pdf", &bytes)),
        ),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(added.body["size_bytes"], bytes.len());
    assert_eq!(added.body["media_type"], "application/pdf");
    assert_eq!(added.body["side"], "requesting");
    let letter_id = added.body["id"].as_str().unwrap().to_owned();
    // Fields checked, nothing kept on a refusal.
    for (body, status) in [
        (
            form(
                &[("kind", "memo"), ("title", "x")],
                Some(("text/plain", b"x")),
            ),
            422,
        ),
        (
            form(
                &[("kind", "annex"), ("title", "")],
                Some(("text/plain", b"x")),
            ),
            422,
        ),
        (form(&[("kind", "annex"), ("title", "No file")], None), 422),
        (
            form(
                &[("kind", "annex"), ("title", "x"), ("colour", "red")],
                Some(("text/plain", b"x")),
            ),
            422,
        ),
        // The requested side's kinds are not the requesting team's.
        (
            form(
                &[("kind", "response"), ("title", "x")],
                Some(("text/plain", b"x")),
            ),
            403,
        ),
    ] {
        let res = add(&app, jm, &path, body).await;
        assert_eq!(res.status.as_u16(), status, "{}", res.body);
    }
    app.send_bytes(
        "POST",
        &path,
        jm,
        &[("Content-Type", "application/json")],
        b"{}".to_vec(),
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    // The requested state cannot see the draft, nor learn that it has documents.
    let hidden = add(
        &app,
        &d.tt_authority.token,
        &path,
        form(
            &[("kind", "response"), ("title", "x")],
            Some(("text/plain", b"x")),
        ),
    )
    .await;
    hidden.assert_problem(404, "not-found");
    app.get(&path, &d.tt_authority.token)
        .await
        .assert_problem(404, "not-found");

    // Sent: the requesting side adds nothing more; the requested side answers.
    let events = format!("/api/v1/mla/requests/{id}/events");
    let case_id = app
        .get(&format!("/api/v1/mla/requests/{id}"), jm)
        .await
        .body["case_id"]
        .clone();
    let referred = app
        .post(
            &format!("/api/v1/cases/{}/participants", case_id.as_str().unwrap()),
            jm,
            &json!({"agency_id": d.dpp, "access": "read"}),
        )
        .await;
    assert!(referred.status.is_success());
    for (token, kind) in [
        (&d.jm_prosecutor.token, "approved"),
        (&d.jm_authority.token, "submitted"),
    ] {
        let res = app.post(&events, token, &json!({"type": kind})).await;
        assert_eq!(res.status, 201, "{kind}: {}", res.body);
    }
    add(
        &app,
        jm,
        &path,
        form(
            &[("kind", "annex"), ("title", "Late annex")],
            Some(("text/plain", b"late")),
        ),
    )
    .await
    .assert_problem(409, "conflict");
    let response = add(
        &app,
        &d.tt_authority.token,
        &path,
        form(
            &[
                ("kind", "response"),
                ("title", "Subscriber records"),
                ("language", "en"),
            ],
            Some(("text/plain", b"+1 868 555 0101: Harbour Logistics Ltd")),
        ),
    )
    .await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.body["side"], "requested");

    // Both sides list and download them; the history names each, with its hash.
    for token in [jm, d.tt_authority.token.as_str()] {
        let list = app.get(&path, token).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(kinds(&list.body), ["letter_of_request", "response"]);
    }
    let got = app
        .send_bytes(
            "GET",
            &format!("{path}/{letter_id}/content"),
            &d.tt_authority.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, bytes);
    assert_eq!(got.headers.get("content-type").unwrap(), "application/pdf");
    let history = app.get(&events, jm).await;
    let added: Vec<&Value> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "document_added")
        .collect();
    assert_eq!(added.len(), 2);
    assert_eq!(added[0]["entry"]["document"]["kind"], "letter_of_request");
    assert_eq!(
        added[0]["entry"]["document"]["sha256"],
        hex::encode(Sha256::digest(&bytes))
    );
    assert_eq!(added[1]["entry"]["actor"]["country"], "TT");
    let bundle = app
        .get(&format!("/api/v1/mla/requests/{id}/bundle"), jm)
        .await;
    let key = log_key(&app, jm).await;
    let (code, out) = verify_offline(&app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    // Someone who may not see the request learns nothing of its documents.
    for path in [path.clone(), format!("{path}/{letter_id}/content")] {
        let res = app.get(&path, &d.bb_point.token).await;
        res.assert_problem(404, "not-found");
    }
    let audited = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "document.download")
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(
        audited,
        ["success", "denied"],
        "the download, and the refused attempt"
    );
}

#[actix_web::test]
async fn a_preservation_carries_documents_of_both_points_of_contact() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_point.token.as_str();
    let tt = d.tt_point.token.as_str();
    let sent = app
        .post("/api/v1/preservations", jm, &preservation(&d.jm_police))
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let id = sent.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/preservations/{id}/documents");
    let order = add(
        &app,
        jm,
        &path,
        form(
            &[
                ("kind", "court_order"),
                ("title", "Preservation order 2026/311"),
            ],
            Some(("application/pdf", &letter())),
        ),
    )
    .await;
    assert_eq!(order.status, 201, "{}", order.body);
    let preserved = app
        .post(
            &format!("/api/v1/preservations/{id}/events"),
            tt,
            &json!({"type": "preserved"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    // Once preserved, the requesting side adds nothing; the requested side answers.
    add(
        &app,
        jm,
        &path,
        form(
            &[("kind", "annex"), ("title", "x")],
            Some(("text/plain", b"x")),
        ),
    )
    .await
    .assert_problem(409, "conflict");
    let answer = add(
        &app,
        tt,
        &path,
        form(
            &[
                ("kind", "response"),
                ("title", "Preserved under PoS-2026-311"),
            ],
            Some(("text/plain", b"preserved")),
        ),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let list = app.get(&path, tt).await;
    assert_eq!(kinds(&list.body), ["court_order", "response"]);
    let history = app
        .get(&format!("/api/v1/preservations/{id}/events"), jm)
        .await;
    let types: Vec<&str> = history
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["requested", "document_added", "preserved", "document_added"]
    );
    app.get(&path, &d.bb_point.token)
        .await
        .assert_problem(404, "not-found");
}

/// A finished resumable upload of `bytes` by `token`, with tus metadata: its id.
async fn uploaded(app: &TestApp, token: &str, bytes: &[u8], metadata: &str) -> String {
    let tus = ("Tus-Resumable", "1.0.0");
    let created = app
        .send_bytes(
            "POST",
            "/api/v1/uploads",
            token,
            &[
                tus,
                ("Upload-Length", &bytes.len().to_string()),
                ("Upload-Metadata", metadata),
            ],
            Vec::new(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let path = created
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let sent = app
        .send_bytes(
            "PATCH",
            &path,
            token,
            &[
                tus,
                ("Upload-Offset", "0"),
                ("Content-Type", "application/offset+octet-stream"),
            ],
            bytes.to_vec(),
        )
        .await;
    assert_eq!(sent.status, 204, "{}", sent.body);
    path.rsplit('/').next().unwrap().to_owned()
}

#[actix_web::test]
async fn a_finished_upload_becomes_a_document_of_the_request() {
    let app = TestApp::spawn().await;
    let d = desks(&app).await;
    let jm = d.jm_investigator.token.as_str();
    let id = draft(&app, &d).await;
    let path = format!("/api/v1/mla/requests/{id}/documents");
    let bytes = letter();
    // filetype application/pdf, filename letter.pdf
    let upload = uploaded(
        &app,
        jm,
        &bytes,
        "filetype YXBwbGljYXRpb24vcGRm,filename bGV0dGVyLnBkZg==",
    )
    .await;

    // A refusal keeps the upload for another try; a file and an upload at once, or
    // another person's upload, are refused.
    let fields = |kind: &'static str| {
        vec![
            ("kind", kind),
            ("title", "Letter of request, signed"),
            ("upload_id", upload.as_str()),
        ]
    };
    add(&app, jm, &path, form(&fields("memo"), None))
        .await
        .assert_problem(422, "validation-failed");
    add(
        &app,
        jm,
        &path,
        form(&fields("letter_of_request"), Some(("text/plain", b"x"))),
    )
    .await
    .assert_problem(422, "validation-failed");
    let theirs = add(
        &app,
        d.jm_authority.token.as_str(),
        &path,
        form(&fields("letter_of_request"), None),
    )
    .await;
    theirs.assert_problem(422, "validation-failed");
    assert_eq!(theirs.body["errors"][0]["field"], "upload_id");

    let added = add(&app, jm, &path, form(&fields("letter_of_request"), None)).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.body["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(added.body["media_type"], "application/pdf");
    let document = added.body["id"].as_str().unwrap();
    let got = app
        .send_bytes(
            "GET",
            &format!("{path}/{document}/content"),
            jm,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.raw, bytes);
    // Consumed: it makes no second document.
    add(&app, jm, &path, form(&fields("annex"), None))
        .await
        .assert_problem(422, "validation-failed");
    let listed = app.get(&path, jm).await;
    assert_eq!(kinds(&listed.body), ["letter_of_request"]);
    // Which documents were exchanged is never rewritten behind the service's back.
    app.assert_append_only(
        "request_documents",
        "UPDATE request_documents SET title = 'x'",
    );
    app.assert_append_only("request_documents", "DELETE FROM request_documents");
}
