//! The content store failing under a running service, with the service as a process
//! of its own: killed in the middle of an upload, and its S3 server stopped and
//! started again. Nothing half-done is ever visible or recorded, and the service
//! recovers without a restart of its own.

use super::*;
use crate::common::ServerProcess;
use sha2::{Digest, Sha256};
use std::process::{Child, Command, Stdio};

fn bytes_of(n: u32, seed: u32) -> Vec<u8> {
    (0..n)
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

/// A request to another instance, with the app's token.
async fn to(
    server: &ServerProcess,
    method: &str,
    path: &str,
    token: &str,
    body: Vec<u8>,
) -> Response {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
    let res = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish()
        .request(method, format!("{}{path}", server.base))
        .insert_header(("Authorization", format!("Bearer {token}")))
        .insert_header(("Content-Type", "application/octet-stream"))
        .send_body(body)
        .await
        .unwrap();
    Response::read(res).await
}

async fn custody_types(w: &World, id: &str) -> Vec<String> {
    let custody = w
        .app
        .get(&format!("/api/v1/evidence/{id}/custody"), &w.inv.token)
        .await;
    custody
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entry"]["type"].as_str().unwrap().to_owned())
        .collect()
}

/// A real S3 server (moto, which the test command installs) on a port of its own.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    async fn start(port: u16) -> S3Server {
        let moto =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/moto_server");
        let child = Command::new(&moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{} (.ci/test installs it): {e}", moto.display()));
        let server = S3Server { child, port };
        let client = awc::Client::new();
        for _ in 0..200 {
            let up = client.get(server.url("/moto-api/")).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                let bucket = client
                    .put(server.url("/caseledger-test"))
                    .send()
                    .await
                    .unwrap();
                assert!(bucket.status().is_success());
                return server;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the S3 server did not start");
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[actix_web::test]
async fn a_store_that_cannot_be_reached_answers_503_records_nothing_and_comes_back() {
    let port = free_port();
    let s3 = S3Server::start(port).await;
    let w = world().await;
    let (first, second) = (bytes_of(400_000, 1), bytes_of(300_000, 2));
    let (a, b) = (
        item_holding(&w, &first).await,
        item_holding(&w, &second).await,
    );
    let endpoint = s3.url("");
    let server = w
        .app
        .process(&[
            ("CASELEDGER_STORE", "s3://caseledger-test/outage"),
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ])
        .await;
    let content = |id: &str| format!("/api/v1/evidence/{id}/content");
    let stored = to(&server, "PUT", &content(&a), &w.inv.token, first.clone()).await;
    assert_eq!(stored.status, 201, "{}", stored.body);

    drop(s3);
    let down = to(&server, "GET", &content(&a), &w.inv.token, Vec::new()).await;
    down.assert_problem(503, "store-unavailable");
    assert_eq!(down.headers.get("retry-after").unwrap(), "30");
    let refused = to(&server, "PUT", &content(&b), &w.inv.token, second.clone()).await;
    refused.assert_problem(503, "store-unavailable");
    assert_eq!(custody_types(&w, &b).await, ["collected"]);
    let downloads = custody_types(&w, &a).await;
    assert_eq!(
        downloads,
        ["collected", "content_stored"],
        "no download recorded"
    );

    // The S3 server back (empty: moto keeps nothing): the service serves again.
    let _s3 = S3Server::start(port).await;
    let stored = to(&server, "PUT", &content(&b), &w.inv.token, second.clone()).await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    let back = to(&server, "GET", &content(&b), &w.inv.token, Vec::new()).await;
    assert_eq!(back.status, 200);
    assert_eq!(back.raw, second);
}

#[actix_web::test]
async fn an_upload_cut_by_kill_9_leaves_no_object_and_no_entry() {
    let w = world().await;
    let bytes = bytes_of(3_000_000, 3);
    let id = item_holding(&w, &bytes).await;
    let mut server = w.app.process(&[]).await;
    // Half the bytes, then the process dies.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<bytes::Bytes>();
    let body = futures_util::stream::poll_fn(move |cx| {
        receiver
            .poll_recv(cx)
            .map(|chunk| chunk.map(Ok::<_, awc::error::PayloadError>))
    });
    sender
        .send(bytes::Bytes::copy_from_slice(&bytes[..1_500_000]))
        .unwrap();
    let upload = awc::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .finish()
        .put(format!("{}/api/v1/evidence/{id}/content", server.base))
        .insert_header(("Authorization", format!("Bearer {}", w.inv.token)))
        .insert_header(("Content-Type", "application/octet-stream"))
        .insert_header(("Content-Length", bytes.len().to_string()))
        .send_stream(body);
    let uploading = actix_web::rt::spawn(upload);
    let store = w.app.data_dir().join("content").join("objects");
    for _ in 0..100 {
        if std::fs::read_dir(&store).is_ok_and(|mut d| d.next().is_some()) {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.kill();
    drop(sender);
    assert!(
        uploading.await.unwrap().is_err(),
        "the upload was cut short"
    );

    // Nothing recorded, nothing to download, no object: only the staging file of the
    // upload cut short, which a restart clears once it is stale.
    assert_eq!(custody_types(&w, &id).await, ["collected"]);
    w.app
        .get(&format!("/api/v1/evidence/{id}/content"), &w.inv.token)
        .await
        .assert_problem(404, "not-found");
    let left: Vec<std::path::PathBuf> = std::fs::read_dir(&store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!left.is_empty());
    for file in &left {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.contains('#'), "a staging file, not an object: {name}");
        let aged = Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(file)
            .status()
            .unwrap();
        assert!(aged.success());
    }
    let server = w.app.process(&[]).await;
    assert_eq!(std::fs::read_dir(&store).unwrap().count(), 0);
    // The item still takes its content.
    let stored = to(
        &server,
        "PUT",
        &format!("/api/v1/evidence/{id}/content"),
        &w.inv.token,
        bytes.clone(),
    )
    .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    assert_eq!(
        custody_types(&w, &id).await,
        ["collected", "content_stored"]
    );
}
