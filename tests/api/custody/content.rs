//! An item's bytes: stored once, by the agency that holds the item, when they are the
//! bytes it was registered with; sealed at rest; downloaded whole or by ranges by
//! those who may see the item; every store and download in its custody; destroyed
//! with the item.

use super::*;
use base64::Engine;
use sha2::{Digest, Sha256};

/// 300 KB that are not all alike (several of the store's segments).
fn extraction() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn registered(bytes: &[u8]) -> Value {
    let mut body = disk();
    body["sha256"] = json!(hex::encode(Sha256::digest(bytes)));
    body["size_bytes"] = json!(bytes.len());
    body
}

async fn store_bytes(app: &TestApp, token: &str, id: &str, bytes: &[u8]) -> Response {
    app.send_bytes(
        "PUT",
        &format!("/api/v1/evidence/{id}/content"),
        token,
        &[("Content-Type", "application/octet-stream")],
        bytes.to_vec(),
    )
    .await
}

async fn download(app: &TestApp, token: &str, id: &str, range: Option<&str>) -> Response {
    let headers: Vec<(&str, &str)> = range.map(|r| ("Range", r)).into_iter().collect();
    app.send_bytes(
        "GET",
        &format!("/api/v1/evidence/{id}/content"),
        token,
        &headers,
        Vec::new(),
    )
    .await
}

pub(super) async fn entry_types(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), token)
        .await;
    custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap().to_owned())
        .collect()
}

/// The test's content store, reached behind the service's back: its folder, or its
/// prefix in a bucket of the S3 server (which, a test server, takes unsigned requests).
pub(super) enum Backend {
    Folder(std::path::PathBuf),
    Bucket { url: String },
}

impl Backend {
    pub(super) fn of(app: &TestApp) -> Backend {
        let spec = app.state.settings.store_spec();
        match spec.split_once("://") {
            Some(("s3", place)) => {
                let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("the S3 server");
                Backend::Bucket {
                    url: format!("{}/{place}", endpoint.trim_end_matches('/')),
                }
            }
            _ => Backend::Folder(spec.trim_start_matches("file://").into()),
        }
    }

    /// The names of the objects it holds (`objects/…`).
    pub(super) async fn objects(&self) -> Vec<String> {
        match self {
            Backend::Folder(dir) => std::fs::read_dir(dir.join("objects"))
                .map(|d| {
                    d.map(|e| format!("objects/{}", e.unwrap().file_name().to_string_lossy()))
                        .collect()
                })
                .unwrap_or_default(),
            Backend::Bucket { url } => {
                let (bucket, prefix) = url.rsplit_once('/').unwrap();
                let listing = awc::Client::new()
                    .get(format!("{bucket}?list-type=2&prefix={prefix}/"))
                    .send()
                    .await
                    .unwrap()
                    .body()
                    .await
                    .unwrap();
                let listing = String::from_utf8_lossy(&listing).into_owned();
                listing
                    .split("<Key>")
                    .skip(1)
                    .map(|k| k.split("</Key>").next().unwrap())
                    .map(|k| k.trim_start_matches(&format!("{prefix}/")).to_owned())
                    .collect()
            }
        }
    }

    pub(super) async fn read(&self, name: &str) -> Vec<u8> {
        match self {
            Backend::Folder(dir) => std::fs::read(dir.join(name)).unwrap(),
            Backend::Bucket { url } => awc::Client::new()
                .get(format!("{url}/{name}"))
                .send()
                .await
                .unwrap()
                .body()
                .limit(64 << 20)
                .await
                .unwrap()
                .to_vec(),
        }
    }

    async fn write(&self, name: &str, bytes: Vec<u8>) {
        match self {
            Backend::Folder(dir) => std::fs::write(dir.join(name), bytes).unwrap(),
            Backend::Bucket { url } => {
                let res = awc::Client::new()
                    .put(format!("{url}/{name}"))
                    .send_body(bytes)
                    .await
                    .unwrap();
                assert!(res.status().is_success());
            }
        }
    }
}

/// The objects in the test's content store.
async fn objects(app: &TestApp) -> Vec<String> {
    Backend::of(app).objects().await
}

#[actix_web::test]
async fn the_holder_stores_an_items_bytes_once_and_they_are_sealed_at_rest() {
    let w = world().await;
    let app = &w.app;
    let bytes = extraction();
    let id = ok(register(app, &w.inv.token, &w.case_id, registered(&bytes)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Only the holder stores; an outsider learns nothing.
    store_bytes(app, &w.bb_inv.token, &id, &bytes)
        .await
        .assert_problem(404, "not-found");
    let reader = app.agency("JM", "JM Office of the DPP", AgencyKind::Prosecution);
    let done = app
        .post(
            &format!("/api/v1/cases/{}/participants", w.case_id),
            &w.sup.token,
            &json!({"agency_id": reader, "access": "read"}),
        )
        .await;
    assert!(done.status.is_success(), "{}", done.body);
    let prosecutor = app
        .user_caller("jm.dpp", &reader, &[Role::Prosecutor])
        .await;
    store_bytes(app, &prosecutor.token, &id, &bytes)
        .await
        .assert_problem(403, "forbidden");
    let json = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{id}/content"),
            &w.inv.token,
            &[("Content-Type", "application/json")],
            b"{}".to_vec(),
        )
        .await;
    // JSON names a resumable upload, and this names none.
    json.assert_problem(422, "validation-failed");
    let text = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{id}/content"),
            &w.inv.token,
            &[("Content-Type", "text/plain")],
            bytes.clone(),
        )
        .await;
    text.assert_problem(415, "unsupported-media-type");
    // Not the registered bytes: refused, nothing kept or recorded.
    let mut other = bytes.clone();
    other[150_000] ^= 1;
    store_bytes(app, &w.inv.token, &id, &other)
        .await
        .assert_problem(422, "content-mismatch");
    store_bytes(app, &w.inv.token, &id, &bytes[..1000])
        .await
        .assert_problem(422, "content-mismatch");
    let wrong_digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"other"))
    );
    app.send_bytes(
        "PUT",
        &format!("/api/v1/evidence/{id}/content"),
        &w.inv.token,
        &[
            ("Content-Type", "application/octet-stream"),
            ("Content-Digest", &wrong_digest),
        ],
        bytes.clone(),
    )
    .await
    .assert_problem(422, "content-mismatch");
    assert!(objects(app).await.is_empty());
    assert_eq!(entry_types(app, &w.inv.token, &id).await, ["collected"]);
    download(app, &w.inv.token, &id, None)
        .await
        .assert_problem(404, "not-found");

    // The bytes themselves, with their digest: stored and recorded in one commit.
    let digest = format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes))
    );
    let stored = app
        .send_bytes(
            "PUT",
            &format!("/api/v1/evidence/{id}/content"),
            &w.inv.token,
            &[
                ("Content-Type", "application/octet-stream"),
                ("Content-Digest", &digest),
            ],
            bytes.clone(),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    assert_eq!(stored.body["sha256"], hex::encode(Sha256::digest(&bytes)));
    assert_eq!(stored.body["size_bytes"], bytes.len());
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    let entry = &custody.body[1]["entry"];
    assert_eq!(entry["type"], "content_stored");
    assert_eq!(
        entry["content"],
        json!({"sha256": hex::encode(Sha256::digest(&bytes)), "size_bytes": bytes.len()})
    );
    // Stored content is never replaced.
    store_bytes(app, &w.inv.token, &id, &bytes)
        .await
        .assert_problem(409, "conflict");
    // At rest: one object, named for nothing it holds, sealed.
    let kept = objects(app).await;
    assert_eq!(kept.len(), 1);
    assert!(!kept[0].contains(&hex::encode(Sha256::digest(&bytes))[..12]));
    let at_rest = Backend::of(app).read(&kept[0]).await;
    assert!(at_rest.len() > bytes.len());
    assert!(!at_rest.windows(32).any(|w| w == &bytes[1000..1032]));
    // A service-recorded event cannot be appended by hand.
    append(app, &w.inv.token, &id, json!({"type": "content_stored"}))
        .await
        .assert_problem(422, "validation-failed");
    // An item registered without a hash holds no content.
    let device = ok(register(
        app,
        &w.inv.token,
        &w.case_id,
        json!({"description": "Seized phone", "kind": "device"}),
    )
    .await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    store_bytes(app, &w.inv.token, &device, &bytes)
        .await
        .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn those_who_see_the_item_download_it_whole_or_by_ranges_and_each_download_is_recorded() {
    let w = world().await;
    let app = &w.app;
    let bytes = extraction();
    let id = ok(register(app, &w.inv.token, &w.case_id, registered(&bytes)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        store_bytes(app, &w.inv.token, &id, &bytes).await.status,
        201
    );

    let whole = download(app, &w.inv.token, &id, None).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.raw, bytes);
    let header = |r: &Response, name: &str| {
        r.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert_eq!(header(&whole, "content-type"), "application/octet-stream");
    assert_eq!(header(&whole, "content-length"), bytes.len().to_string());
    assert_eq!(
        header(&whole, "etag"),
        format!("\"{}\"", hex::encode(Sha256::digest(&bytes)))
    );
    assert_eq!(
        header(&whole, "repr-digest"),
        format!(
            "sha-256=:{}:",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes))
        )
    );
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    for (range, from, to) in [
        ("bytes=100-199", 100, 200),
        ("bytes=65530-65545", 65_530, 65_546),
        ("bytes=299990-", 299_990, 300_000),
        ("bytes=-5", 299_995, 300_000),
    ] {
        let part = download(app, &w.inv.token, &id, Some(range)).await;
        assert_eq!(part.status, 206, "{range}");
        assert_eq!(part.raw, bytes[from..to], "{range}");
        assert_eq!(
            header(&part, "content-range"),
            format!("bytes {from}-{}/{}", to - 1, bytes.len())
        );
    }
    let outside = download(app, &w.inv.token, &id, Some("bytes=300000-")).await;
    outside.assert_problem(416, "range-not-satisfiable");
    assert_eq!(header(&outside, "content-range"), "bytes */300000");

    // Exactly as visible as the item.
    let hidden = download(app, &w.bb_inv.token, &id, None).await;
    let missing = download(
        app,
        &w.bb_inv.token,
        "01990000-0000-7000-8000-00000000cafe",
        None,
    )
    .await;
    hidden.assert_problem(404, "not-found");
    assert_eq!(hidden.raw, missing.raw);
    let sup = download(app, &w.sup.token, &id, Some("bytes=0-9")).await;
    assert_eq!(sup.raw, bytes[..10]);

    // Every download is in the item's custody, with who and which range, and the
    // record still verifies offline.
    let custody = app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    let downloads: Vec<&Value> = custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["entry"])
        .filter(|e| e["type"] == "content_downloaded")
        .collect();
    assert_eq!(downloads.len(), 6, "{}", custody.body);
    assert!(downloads[0].get("range").is_none());
    assert_eq!(downloads[1]["range"], "bytes=100-199");
    assert_eq!(downloads[5]["actor"]["user_id"], w.sup.id.as_str());
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await;
    let key = log_key(app, &w.inv.token).await;
    let (code, out) = verify_offline(app, &bundle.body, &key).await;
    assert_eq!(code, 0, "{out}");
    // A court holding the file checks it is the content the record names.
    let file = app.data_dir().join("downloaded.bin");
    std::fs::write(&file, &whole.raw).unwrap();
    let content = ["--content", file.to_str().unwrap()];
    let (code, out) = verify_offline_with(app, &bundle.body, &key, &content).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("CONTENT MATCHES"), "{out}");
    let mut altered = whole.raw.clone();
    altered[7] ^= 1;
    std::fs::write(&file, &altered).unwrap();
    let (code, out) = verify_offline_with(app, &bundle.body, &key, &content).await;
    assert_eq!(code, 4, "{out}");
    assert!(out.contains("CONTENT DOES NOT MATCH"), "{out}");
    assert!(
        out.starts_with("VERIFIED"),
        "the record itself holds: {out}"
    );
    // The court report lists the stored content and every download.
    let pdf = super::report::report(&w, &id).await;
    let text = super::report::text_of(&pdf, None)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let sha = hex::encode(Sha256::digest(&bytes));
    assert!(text.contains("Content stored"), "{text}");
    assert!(text.contains(&sha[..32]), "{text}");
    assert_eq!(text.matches("Content downloaded").count(), 6, "{text}");
    assert!(text.contains("Range bytes=100-199"), "{text}");
    assert!(text.contains("Range the whole content"), "{text}");
    // Downloads are audited too.
    let audited = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "content.download" && e["outcome"] == "success")
        .count();
    assert_eq!(audited, 6);
}

#[actix_web::test]
async fn destroying_the_item_shreds_its_content() {
    let w = world().await;
    let app = &w.app;
    let bytes = extraction();
    let id = ok(register(app, &w.inv.token, &w.case_id, registered(&bytes)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        store_bytes(app, &w.inv.token, &id, &bytes).await.status,
        201
    );
    let destroyed = ok(append(
        app,
        &w.inv.token,
        &id,
        json!({"type": "destroyed", "reason": "court order 2026/77"}),
    )
    .await);
    assert_eq!(destroyed["entry"]["content_shredded"], true);
    download(app, &w.inv.token, &id, None)
        .await
        .assert_problem(410, "gone");
    // The key is forgotten at once; the object leaves the store with the next sweep.
    assert_eq!(objects(app).await.len(), 1);
    let deleted = caseledger::custody::content::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(objects(app).await.is_empty());
    assert_eq!(
        caseledger::custody::content::sweep(&app.state)
            .await
            .unwrap(),
        0
    );
    // The record stays, and verifies.
    assert_eq!(
        entry_types(app, &w.inv.token, &id).await,
        ["collected", "content_stored", "destroyed"]
    );
    let bundle = app
        .get(
            &format!("/api/v1/evidence/{id}/custody/bundle"),
            &w.inv.token,
        )
        .await;
    let key = log_key(app, &w.inv.token).await;
    assert_eq!(verify_offline(app, &bundle.body, &key).await.0, 0);
}

#[actix_web::test]
async fn an_object_altered_in_the_store_is_never_served() {
    let w = world().await;
    let app = &w.app;
    let bytes = extraction();
    let id = ok(register(app, &w.inv.token, &w.case_id, registered(&bytes)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        store_bytes(app, &w.inv.token, &id, &bytes).await.status,
        201
    );
    let backend = Backend::of(app);
    let object = backend.objects().await.remove(0);
    let mut sealed = backend.read(&object).await;
    sealed[5] ^= 1;
    backend.write(&object, sealed).await;
    let res = download(app, &w.inv.token, &id, None).await;
    res.assert_problem(500, "content-altered");
    assert!(
        res.body["detail"].as_str().unwrap().contains("altered"),
        "{}",
        res.body
    );
    let failed = app
        .audit_entries()
        .into_iter()
        .any(|e| e["action"] == "content.download" && e["outcome"] == "failed");
    assert!(failed, "the failed download is audited");
    // Nothing was served, so no download is recorded.
    assert!(
        !entry_types(app, &w.inv.token, &id)
            .await
            .contains(&"content_downloaded".to_owned())
    );
}

/// A small filesystem for the store, mounted for one test (as root, or through
/// `sudo -n`), and unmounted after.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn of(bytes: usize) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mount = |program: &str, args: &[&str]| {
            std::process::Command::new(program)
                .args(args)
                .status()
                .is_ok_and(|s| s.success())
        };
        let size = format!("size={bytes}");
        let target = dir.path().to_str().unwrap();
        let args = ["-t", "tmpfs", "-o", &size, "tmpfs", target];
        let sudo: Vec<&str> = ["-n", "mount"].into_iter().chain(args).collect();
        assert!(
            mount("mount", &args) || mount("sudo", &sudo),
            "mounting a small filesystem needs root or sudo"
        );
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let target = self.dir.path().to_str().unwrap().to_owned();
        let done = std::process::Command::new("umount")
            .arg(&target)
            .status()
            .is_ok_and(|s| s.success());
        if !done {
            let _ = std::process::Command::new("sudo")
                .args(["-n", "umount", &target])
                .status();
        }
    }
}

/// A store that fills up answers 507 and records nothing; it serves again as soon as
/// there is room, without a restart.
#[actix_web::test]
async fn a_full_store_answers_507_and_records_nothing() {
    let disk = SmallDisk::of(1024 * 1024);
    let store = format!("file://{}", disk.dir.path().display());
    let app = TestApp::spawn_with(|s| s.store = Some(store.clone())).await;
    let jm = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let inv = app.user_caller("jm.inv", &jm, &[Role::Investigator]).await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let case_id = case["id"].as_str().unwrap();
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 241) as u8).collect();
    let big_id = ok(register(&app, &inv.token, case_id, registered(&big)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = store_bytes(&app, &inv.token, &big_id, &big).await;
    res.assert_problem(507, "insufficient-storage");
    assert_eq!(entry_types(&app, &inv.token, &big_id).await, ["collected"]);
    download(&app, &inv.token, &big_id, None)
        .await
        .assert_problem(404, "not-found");
    // The failed upload left nothing behind: there is room again.
    let small = extraction();
    let small_id = ok(register(&app, &inv.token, case_id, registered(&small)).await)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        store_bytes(&app, &inv.token, &small_id, &small)
            .await
            .status,
        201
    );
    assert_eq!(download(&app, &inv.token, &small_id, None).await.raw, small);
    drop(app);
}
