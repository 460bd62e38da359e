//! Resumable uploads (tus 1.0) and their binding to an item's content: the protocol
//! as a client meets it (versions, offsets, checksums, termination, expiry), an upload
//! its owner's alone, a binding checked as bytes sent whole and taken once; and a real
//! tus client (tuspy) that uploads across a kill -9 of the service.

use super::content::entry_types;
use super::*;
use crate::common::ServerProcess;
use base64::Engine;
use sha1::Sha1;
use sha2::{Digest, Sha256};

fn bytes_of(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 11) as u8)
        .collect()
}

async fn item_holding(w: &World, bytes: &[u8]) -> String {
    let mut body = disk();
    body["sha256"] = json!(hex::encode(Sha256::digest(bytes)));
    body["size_bytes"] = json!(bytes.len());
    ok(register(&w.app, &w.inv.token, &w.case_id, body).await)["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

const TUS: (&str, &str) = ("Tus-Resumable", "1.0.0");

/// Creates an upload of `length` bytes; returns its path.
async fn create(app: &TestApp, token: &str, length: usize) -> String {
    let res = app
        .send_bytes(
            "POST",
            "/api/v1/uploads",
            token,
            &[TUS, ("Upload-Length", &length.to_string())],
            Vec::new(),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    assert_eq!(res.headers.get("tus-resumable").unwrap(), "1.0.0");
    assert!(res.headers.get("upload-expires").is_some());
    res.headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

async fn patch(
    app: &TestApp,
    token: &str,
    path: &str,
    offset: usize,
    bytes: &[u8],
    more: &[(&str, &str)],
) -> Response {
    let offset = offset.to_string();
    let mut headers = vec![
        TUS,
        ("Upload-Offset", offset.as_str()),
        ("Content-Type", "application/offset+octet-stream"),
    ];
    headers.extend_from_slice(more);
    app.send_bytes("PATCH", path, token, &headers, bytes.to_vec())
        .await
}

async fn offset(app: &TestApp, token: &str, path: &str) -> Response {
    app.send_bytes("HEAD", path, token, &[TUS], Vec::new())
        .await
}

fn offset_of(res: &Response) -> u64 {
    res.headers
        .get("upload-offset")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn bind(app: &TestApp, token: &str, item: &str, upload: &str) -> Response {
    let upload_id = upload.rsplit('/').next().unwrap();
    app.send_json(
        "PUT",
        &format!("/api/v1/evidence/{item}/content"),
        Some(token),
        &json!({"upload_id": upload_id}),
    )
    .await
}

async fn upload_rows(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    let uploads: i64 = caseledger::db::schema::uploads::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    let parts: i64 = caseledger::db::schema::upload_parts::table
        .count()
        .get_result(&mut conn)
        .unwrap();
    (uploads, parts)
}

#[actix_web::test]
async fn the_tus_server_tells_what_it_takes_and_refuses_what_it_does_not() {
    let w = world().await;
    let app = &w.app;
    let token = &w.inv.token;

    // What the server takes, without credentials.
    let caps = app
        .request("OPTIONS", "/api/v1/uploads", None, None, None)
        .await;
    assert_eq!(caps.status, 204);
    assert_eq!(caps.headers.get("tus-version").unwrap(), "1.0.0");
    let extensions = caps.headers.get("tus-extension").unwrap().to_str().unwrap();
    for extension in ["creation", "termination", "checksum", "expiration"] {
        assert!(
            extensions.split(',').any(|e| e == extension),
            "{extensions}"
        );
    }
    assert_eq!(
        caps.headers.get("tus-max-size").unwrap().to_str().unwrap(),
        app.state.settings.max_upload_bytes.to_string()
    );
    assert!(
        caps.headers
            .get("tus-checksum-algorithm")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("sha1")
    );

    // Another version, none, no length, a deferred length, too long, metadata malformed.
    let other_version = app
        .send_bytes(
            "POST",
            "/api/v1/uploads",
            token,
            &[("Tus-Resumable", "0.2.2"), ("Upload-Length", "10")],
            Vec::new(),
        )
        .await;
    other_version.assert_problem(412, "tus-version-unsupported");
    assert_eq!(other_version.headers.get("tus-version").unwrap(), "1.0.0");
    for (headers, status, slug) in [
        (vec![("Upload-Length", "10")], 400, "malformed-request"),
        (vec![TUS], 400, "malformed-request"),
        (
            vec![TUS, ("Upload-Defer-Length", "1")],
            400,
            "malformed-request",
        ),
        (vec![TUS, ("Upload-Length", "-1")], 422, "validation-failed"),
        (
            vec![TUS, ("Upload-Length", "70000000000000")],
            413,
            "payload-too-large",
        ),
        (
            vec![
                TUS,
                ("Upload-Length", "10"),
                ("Upload-Metadata", "name not base64!"),
            ],
            400,
            "malformed-request",
        ),
    ] {
        app.send_bytes("POST", "/api/v1/uploads", token, &headers, Vec::new())
            .await
            .assert_problem(status, slug);
    }
    assert_eq!(upload_rows(app).await, (0, 0), "nothing refused is kept");
}

#[actix_web::test]
async fn an_upload_is_patched_checked_kept_whole_or_not_at_all_sealed_ended_and_audited() {
    let w = world().await;
    let app = &w.app;
    let token = &w.inv.token;

    // An upload in three PATCHes, one with a checksum of each kind.
    let bytes = bytes_of(100_000, 7);
    let path = create(app, token, bytes.len()).await;
    let head = offset(app, token, &path).await;
    assert_eq!(head.status, 200);
    assert_eq!(offset_of(&head), 0);
    assert_eq!(head.headers.get("upload-length").unwrap(), "100000");
    assert_eq!(head.headers.get("cache-control").unwrap(), "no-store");

    let sha1 = |b: &[u8]| {
        format!(
            "sha1 {}",
            base64::engine::general_purpose::STANDARD.encode(Sha1::digest(b))
        )
    };
    let first = patch(
        app,
        token,
        &path,
        0,
        &bytes[..30_000],
        &[("Upload-Checksum", &sha1(&bytes[..30_000]))],
    )
    .await;
    assert_eq!(first.status, 204, "{}", first.body);
    assert_eq!(offset_of(&first), 30_000);

    // A body that is not what its checksum says: 460, nothing of it kept.
    let wrong = patch(
        app,
        token,
        &path,
        30_000,
        &bytes[30_000..60_000],
        &[("Upload-Checksum", &sha1(b"other"))],
    )
    .await;
    wrong.assert_problem(460, "checksum-mismatch");
    assert_eq!(offset_of(&offset(app, token, &path).await), 30_000);
    patch(
        app,
        token,
        &path,
        30_000,
        b"x",
        &[("Upload-Checksum", "md5 AAAA")],
    )
    .await
    .assert_problem(400, "malformed-request");

    // The wrong offset, the wrong media type, more bytes than the upload's length.
    patch(app, token, &path, 10, &bytes[10..20], &[])
        .await
        .assert_problem(409, "conflict");
    app.send_bytes(
        "PATCH",
        &path,
        token,
        &[
            TUS,
            ("Upload-Offset", "30000"),
            ("Content-Type", "application/octet-stream"),
        ],
        bytes[30_000..].to_vec(),
    )
    .await
    .assert_problem(415, "unsupported-media-type");
    let mut beyond = bytes[30_000..].to_vec();
    beyond.push(0);
    patch(app, token, &path, 30_000, &beyond, &[])
        .await
        .assert_problem(413, "payload-too-large");
    assert_eq!(offset_of(&offset(app, token, &path).await), 30_000);

    let sha256 = format!(
        "sha256 {}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes[30_000..70_000]))
    );
    let second = patch(
        app,
        token,
        &path,
        30_000,
        &bytes[30_000..70_000],
        &[("Upload-Checksum", &sha256)],
    )
    .await;
    assert_eq!(offset_of(&second), 70_000);

    // Another person's upload does not exist for them, whatever they try.
    for (method, body) in [
        ("HEAD", vec![]),
        ("PATCH", bytes[70_000..].to_vec()),
        ("DELETE", vec![]),
    ] {
        let res = app
            .send_bytes(
                method,
                &path,
                &w.sup.token,
                &[
                    TUS,
                    ("Upload-Offset", "70000"),
                    ("Content-Type", "application/offset+octet-stream"),
                ],
                body,
            )
            .await;
        assert_eq!(res.status, 404, "{method}");
    }
    let last = patch(app, token, &path, 70_000, &bytes[70_000..], &[]).await;
    assert_eq!(offset_of(&last), 100_000);
    // Complete: it takes nothing more, and is joined into one object.
    patch(app, token, &path, 100_000, b"x", &[])
        .await
        .assert_problem(413, "payload-too-large");
    let empty = patch(app, token, &path, 100_000, b"", &[]).await;
    assert_eq!(offset_of(&empty), 100_000);
    assert_eq!(upload_rows(app).await, (1, 0), "parts joined");

    // Sealed at rest like any content: the bytes appear nowhere in the store.
    let backend = super::content::Backend::of(app);
    for object in backend.objects().await {
        let sealed = backend.read(&object).await;
        assert!(!sealed.windows(64).any(|w| w == &bytes[1000..1064]));
    }

    // Ended: gone, with its bytes.
    let ended = app
        .send_bytes("DELETE", &path, token, &[TUS], Vec::new())
        .await;
    assert_eq!(ended.status, 204);
    assert_eq!(offset(app, token, &path).await.status, 404);
    assert_eq!(upload_rows(app).await, (0, 0));
    assert!(backend.objects().await.is_empty());

    // Creating and ending are audited, with the upload named.
    let auditor = app.user_caller("jm.aud", &w.jm, &[Role::Auditor]).await;
    let audit = app
        .get("/api/v1/audit?action=upload.create", &auditor.token)
        .await;
    assert!(
        audit
            .body
            .to_string()
            .contains(path.rsplit('/').next().unwrap()),
        "{}",
        audit.body
    );
}

#[actix_web::test]
async fn a_finished_upload_binds_as_the_items_content_once_and_only_its_owners() {
    let w = world().await;
    let app = &w.app;
    let bytes = bytes_of(200_000, 9);
    let item = item_holding(&w, &bytes).await;
    let other = item_holding(&w, &bytes_of(1000, 1)).await;

    let path = create(app, &w.inv.token, bytes.len()).await;
    // Unfinished: 409.
    let done = patch(app, &w.inv.token, &path, 0, &bytes[..1000], &[]).await;
    assert!(done.status.is_success(), "{}", done.body);
    bind(app, &w.inv.token, &item, &path)
        .await
        .assert_problem(409, "conflict");
    let done = patch(app, &w.inv.token, &path, 1000, &bytes[1000..], &[]).await;
    assert!(done.status.is_success(), "{}", done.body);

    // Not the item's bytes: 422, and the upload is still there.
    bind(app, &w.inv.token, &other, &path)
        .await
        .assert_problem(422, "content-mismatch");
    assert_eq!(entry_types(app, &w.inv.token, &other).await, ["collected"]);
    // Another person's upload, or none: a field in error, nothing recorded.
    let theirs = bind(app, &w.sup.token, &item, &path).await;
    theirs.assert_problem(422, "validation-failed");
    assert_eq!(theirs.body["errors"][0]["field"], "upload_id");
    bind(app, &w.inv.token, &item, "/api/v1/uploads/not-an-upload")
        .await
        .assert_problem(422, "validation-failed");
    let extra = app
        .send_json(
            "PUT",
            &format!("/api/v1/evidence/{item}/content"),
            Some(&w.inv.token),
            &json!({"upload_id": path.rsplit('/').next().unwrap(), "more": 1}),
        )
        .await;
    extra.assert_problem(422, "validation-failed");
    // An outsider sees no item, whatever the upload.
    bind(app, &w.bb_inv.token, &item, &path)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(entry_types(app, &w.inv.token, &item).await, ["collected"]);

    // Bound: stored, recorded, the upload consumed.
    let bound = bind(app, &w.inv.token, &item, &path).await;
    assert_eq!(bound.status, 201, "{}", bound.body);
    assert_eq!(bound.body["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(
        entry_types(app, &w.inv.token, &item).await,
        ["collected", "content_stored"]
    );
    assert_eq!(offset(app, &w.inv.token, &path).await.status, 404);
    assert_eq!(upload_rows(app).await, (0, 0));
    let got = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item}/content"),
            &w.inv.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.raw, bytes);
    // Once: the same upload binds nothing else.
    let again = item_holding(&w, &bytes).await;
    bind(app, &w.inv.token, &again, &path)
        .await
        .assert_problem(422, "validation-failed");

    // Two bindings of one upload at once: one wins, the other is refused, and the
    // winner's object is the only one.
    let twice = create(app, &w.inv.token, bytes.len()).await;
    let done = patch(app, &w.inv.token, &twice, 0, &bytes, &[]).await;
    assert!(done.status.is_success(), "{}", done.body);
    let (a, b) = futures_util::join!(
        bind(app, &w.inv.token, &again, &twice),
        bind(app, &w.inv.token, &again, &twice)
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses[0], 201, "{} {}", a.body, b.body);
    assert!([409, 422].contains(&statuses[1]), "{} {}", a.body, b.body);
    let got = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{again}/content"),
            &w.inv.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.raw, bytes);
}

#[actix_web::test]
async fn an_upload_left_untouched_expires_and_is_swept() {
    let w = world().await;
    let app = &w.app;
    let path = create(app, &w.inv.token, 50_000).await;
    let done = patch(app, &w.inv.token, &path, 0, &bytes_of(20_000, 3), &[]).await;
    assert!(done.status.is_success(), "{}", done.body);
    let backend = super::content::Backend::of(app);
    assert_eq!(backend.objects().await.len(), 1, "one part");
    // Expired a minute ago: gone for its owner, but kept for the grace of a binding.
    app.exec("UPDATE uploads SET expires_at = created_at - INTERVAL '1 minute'")
        .or_else(|_| app.exec("UPDATE uploads SET expires_at = datetime(created_at, '-1 minute')"))
        .unwrap();
    assert_eq!(offset(app, &w.inv.token, &path).await.status, 410);
    patch(app, &w.inv.token, &path, 20_000, b"more", &[])
        .await
        .assert_problem(410, "gone");
    assert_eq!(app.state.uploads.sweep().await.unwrap(), 0);
    // Expired two hours ago: swept, with its bytes.
    app.exec("UPDATE uploads SET expires_at = created_at - INTERVAL '2 hours'")
        .or_else(|_| app.exec("UPDATE uploads SET expires_at = datetime(created_at, '-2 hours')"))
        .unwrap();
    assert_eq!(app.state.uploads.sweep().await.unwrap(), 1);
    assert_eq!(upload_rows(app).await, (0, 0));
    assert!(backend.objects().await.is_empty());
    assert_eq!(offset(app, &w.inv.token, &path).await.status, 404);
}

/// Runs tuspy (the tus project's Python client, which the test command installs)
/// against `base`: `script` with `BASE`, `TOKEN`, `FILE` and `URL` set.
/// It runs on a thread of its own, so that the service in the test's process serves on.
async fn tuspy(base: &str, token: &str, file: &std::path::Path, url: &str, script: &str) -> String {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    let mut command = std::process::Command::new(&python);
    command
        .args(["-c", script])
        .env("BASE", base)
        .env("TOKEN", token)
        .env("FILE", file)
        .env("URL", url);
    let out = actix_web::rt::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{} (.ci/test installs it): {e}", python.display()));
    assert!(
        out.status.success(),
        "tuspy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Uploads the first three chunks of FILE and prints the upload's URL.
const TUS_BEGIN: &str = r#"
import os
from tusclient import client
c = client.TusClient(os.environ["BASE"] + "/api/v1/uploads", headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
u = c.uploader(os.environ["FILE"], chunk_size=1 << 20, upload_checksum=True, metadata={"filename": "mailbox.pst"})
for _ in range(3):
    u.upload_chunk()
print(u.url)
"#;

/// Resumes the upload at URL from where the server says it stands, to the end.
const TUS_RESUME: &str = r#"
import os
from tusclient import client
c = client.TusClient(os.environ["BASE"] + "/api/v1/uploads", headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
u = c.uploader(os.environ["FILE"], url=os.environ["URL"], chunk_size=1 << 20, upload_checksum=True)
start = u.offset
u.upload()
print(start, u.offset)
"#;

#[actix_web::test]
async fn a_real_tus_client_resumes_across_a_kill_9_and_the_upload_binds() {
    let w = world().await;
    let bytes = bytes_of(5 * 1024 * 1024 + 12_345, 21);
    let item = item_holding(&w, &bytes).await;
    let file = w.app.data_dir().join("mailbox.pst");
    std::fs::write(&file, &bytes).unwrap();

    // The processes keep content where the test's service does (a folder, or S3).
    let store = w.app.state.settings.store_spec();
    let mut server: ServerProcess = w.app.process(&[("CASELEDGER_STORE", &store)]).await;
    let base = server.base.clone();
    let url = tuspy(&base, &w.inv.token, &file, "", TUS_BEGIN).await;
    assert!(url.contains("/api/v1/uploads/"), "{url}");
    // The fourth chunk on its way when the process is killed: half of it sent.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<bytes::Bytes>();
    let body = futures_util::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|chunk| chunk.map(Ok::<_, awc::error::PayloadError>))
    });
    sender
        .send(bytes::Bytes::copy_from_slice(
            &bytes[3 << 20..(3 << 20) + 600_000],
        ))
        .unwrap();
    let fourth = awc::Client::new()
        .patch(&url)
        .insert_header(("Authorization", format!("Bearer {}", w.inv.token)))
        .insert_header(TUS)
        .insert_header(("Upload-Offset", (3 << 20).to_string()))
        .insert_header(("Content-Type", "application/offset+octet-stream"))
        .insert_header(("Content-Length", (1 << 20).to_string()))
        .send_stream(body);
    let sending = actix_web::rt::spawn(fourth);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill();
    drop(sender);
    assert!(sending.await.unwrap().is_err(), "cut short");

    // A new process (the same database and store) takes the upload up where the
    // parts recorded leave it.
    let server = w.app.process(&[("CASELEDGER_STORE", &store)]).await;
    let path = url
        .split_once("/api/v1")
        .map(|(_, p)| format!("/api/v1{p}"))
        .unwrap();
    let url = format!("{}{path}", server.base);
    let resumed = tuspy(&server.base, &w.inv.token, &file, &url, TUS_RESUME).await;
    let (start, end) = resumed.split_once(' ').unwrap();
    assert_eq!(
        start,
        (3 << 20).to_string(),
        "resumed after the three chunks"
    );
    assert_eq!(end, bytes.len().to_string());

    let bound = bind(&w.app, &w.inv.token, &item, &path).await;
    assert_eq!(bound.status, 201, "{}", bound.body);
    let got = w
        .app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item}/content"),
            &w.inv.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.raw.len(), bytes.len());
    assert!(got.raw == bytes, "the bytes downloaded are those uploaded");
    // One object in the store, the content's: the parts went when they were joined.
    let objects: Vec<String> = super::content::Backend::of(&w.app)
        .objects()
        .await
        .into_iter()
        .filter(|o| !o.contains('#'))
        .collect();
    assert_eq!(objects.len(), 1, "{objects:?}");
    drop(server);
}

#[actix_web::test]
async fn objects_that_nothing_records_are_swept_and_nothing_recorded_is_touched() {
    let w = world().await;
    let app = &w.app;
    let bytes = bytes_of(150_000, 5);
    let item = item_holding(&w, &bytes).await;
    let stored = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{item}/content"),
            &w.inv.token,
            &[("Content-Type", "application/octet-stream")],
            bytes.clone(),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let path = create(app, &w.inv.token, 90_000).await;
    let done = patch(app, &w.inv.token, &path, 0, &bytes[..40_000], &[]).await;
    assert!(done.status.is_success(), "{}", done.body);
    // An object stored and never recorded: what a crash between the two leaves.
    let mut writer = app.state.store.writer(1 << 20).await.unwrap();
    writer.write(b"written, never recorded").await.unwrap();
    let stray = writer.finish().await.unwrap().object;
    let backend = super::content::Backend::of(app);
    assert_eq!(backend.objects().await.len(), 3);

    // Young, it may still be on its way to being recorded: kept.
    let sweep = caseledger::custody::content::sweep_orphans;
    let age = caseledger::custody::content::ORPHAN_AGE;
    assert_eq!(sweep(&app.state, age).await.unwrap(), 0);
    assert!(backend.objects().await.contains(&stray));
    // Old enough: deleted, and only it.
    assert_eq!(
        sweep(&app.state, std::time::Duration::ZERO).await.unwrap(),
        1
    );
    let left = backend.objects().await;
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(!left.contains(&stray));
    let got = app
        .send_bytes(
            "GET",
            &format!("/api/v1/evidence/{item}/content"),
            &w.inv.token,
            &[],
            Vec::new(),
        )
        .await;
    assert_eq!(got.raw, bytes);
    let rest = patch(
        app,
        &w.inv.token,
        &path,
        40_000,
        &bytes[40_000..90_000],
        &[],
    )
    .await;
    assert_eq!(offset_of(&rest), 90_000);
}
