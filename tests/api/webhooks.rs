//! Webhooks against a receiver on loopback (the only address these tests send to):
//! signed deliveries checked by a second implementation of Standard Webhooks, what an
//! agency may hear, retries, 410 and 429/503, disabling, replay, rotation, and two
//! instances that never send one delivery twice.

use crate::common::{Response, TestApp};
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    at: std::time::Instant,
}

/// An answer the receiver gives: a status, and a `Retry-After` when it has one.
type Answer = (u16, Option<&'static str>);

/// A webhook receiver on 127.0.0.1: records what it gets, and answers with the
/// statuses queued (200 when none is).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<Answer>>>,
    in_flight: Arc<Mutex<Vec<String>>>,
    overlapped: Arc<Mutex<bool>>,
}

async fn receive(req: HttpRequest, body: String, r: web::Data<Receiver>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    {
        let mut flying = r.in_flight.lock().unwrap();
        if flying.contains(&id) {
            *r.overlapped.lock().unwrap() = true;
        }
        flying.push(id.clone());
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    r.got.lock().unwrap().push(Received {
        id: id.clone(),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        at: std::time::Instant::now(),
    });
    r.in_flight.lock().unwrap().retain(|f| *f != id);
    let (status, retry_after) = r.answers.lock().unwrap().pop_front().unwrap_or((200, None));
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if let Some(secs) = retry_after {
        res.insert_header(("Retry-After", secs));
    }
    res.finish()
}

impl Receiver {
    /// Starts it; its URL.
    fn start(&self) -> String {
        let data = web::Data::new(self.clone());
        let server = actix_web::HttpServer::new(move || {
            actix_web::App::new()
                .app_data(data.clone())
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        format!("http://127.0.0.1:{port}/hook")
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `done` holds of what it got (at most 20 s).
    async fn until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.got();
            if done(&got) {
                return got;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the receiver never got {what}: {:?}", self.got());
    }
}

/// A second implementation of Standard Webhooks verification, from the
/// specification: the secret is the base64 after `whsec_`; a `v1` signature is the
/// base64 HMAC-SHA256 of `id.timestamp.body`; the header holds one or more,
/// space-separated.
fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    r.signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}

fn body(r: &Received) -> Value {
    serde_json::from_str(&r.body).unwrap()
}

/// An agency with a service account; its token.
struct System {
    token: String,
    account: String,
}

async fn system(app: &TestApp, admin: &str, agency: &str) -> System {
    system_with(app, admin, agency, &["investigator", "supervisor"]).await
}

async fn system_with(app: &TestApp, admin: &str, agency: &str, roles: &[&str]) -> System {
    let created = app
        .post(
            "/api/v1/service-accounts",
            admin,
            &json!({"agency_id": agency, "name": format!("system {roles:?}"), "roles": roles,
                    "auth_method": "client_secret"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let form = serde_urlencoded::to_string([
        ("grant_type", "client_credentials"),
        ("client_id", created.body["client_id"].as_str().unwrap()),
        (
            "client_secret",
            created.body["client_secret"].as_str().unwrap(),
        ),
    ])
    .unwrap();
    let res = app.post_form("/api/v1/oauth/token", &[], &form).await;
    assert_eq!(res.status, 200, "{}", res.body);
    System {
        token: res.body["access_token"].as_str().unwrap().to_owned(),
        account: created.body["id"].as_str().unwrap().to_owned(),
    }
}

/// An endpoint's delivery log once the worker has written down every attempt: a
/// receiver has a delivery a moment before the worker records how it went.
async fn settled_log(app: &TestApp, path: &str, token: &str) -> Value {
    for _ in 0..100 {
        let log = app.get(&format!("{path}/deliveries"), token).await;
        assert_eq!(log.status, 200, "{}", log.body);
        let pending = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["status"] == "pending");
        if !pending {
            return log.body;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("deliveries of {path} still pending after 5 s");
}

fn fast(s: &mut caseledger::config::Settings) {
    s.webhook_allow_hosts = "127.0.0.1".into();
    s.webhook_poll_ms = 50;
    s.webhook_retry_scale = 0.001;
}

fn register(hook: &Response) -> (String, String) {
    assert_eq!(hook.status, 201, "{}", hook.body);
    (
        hook.body["id"].as_str().unwrap().to_owned(),
        hook.body["secret"].as_str().unwrap().to_owned(),
    )
}

#[actix_web::test]
async fn deliveries_are_signed_carry_only_what_the_agency_sees_and_can_be_replayed() {
    let app = TestApp::spawn_with(fast).await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let fraud = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let roles = [Role::Investigator, Role::Supervisor];
    let jm = app.user_caller("jm.inv", &jcf, &roles).await;
    let other = app.user_caller("jm.fraud", &fraud, &roles).await;
    let mirror = system(&app, &admin.token, &jcf).await;
    let fraud_system = system(&app, &admin.token, &fraud).await;
    let receiver = Receiver::default();
    let url = receiver.start();

    // The address guard refuses, at registration, what is not https to a public
    // address (only the loopback receiver is exempt here). No connection is opened.
    for refused in [
        "http://10.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::127.0.0.1]/hook",
        "https://[::ffff:0:7f00:1]/hook",
        "https://[64:ff9b:1::a9fe:a9fe]/hook",
        "https://[2002:7f00:1::1]/hook",
        "https://192.168.1.10/hook",
        "ftp://127.0.0.1/hook",
        "https://user:pw@127.0.0.1/hook",
        "not a url",
    ] {
        let res = app
            .post("/api/v1/webhooks", &mirror.token, &json!({"url": refused}))
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(res.body["errors"][0]["field"], "url", "{refused}");
        let message = res.body["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.contains("10.0.0.1") && !message.contains("169.254"),
            "the address is not told back: {message}"
        );
    }
    // Only the agency's systems and its country's administrators register its hooks.
    app.post(
        "/api/v1/webhooks",
        &jm.token,
        &json!({"url": url, "agency_id": jcf, "service_account_id": mirror.account}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/webhooks",
        &fraud_system.token,
        &json!({"url": url, "agency_id": jcf}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/webhooks",
        &admin.token,
        &json!({"url": url, "agency_id": jcf, "service_account_id": fraud_system.account}),
    )
    .await
    .assert_problem(422, "validation-failed");

    let (hook, secret) = register(
        &app.post("/api/v1/webhooks", &mirror.token, &json!({"url": url}))
            .await,
    );
    assert!(secret.starts_with("whsec_"));
    let path = format!("/api/v1/webhooks/{hook}");
    assert!(
        app.get(&path, &mirror.token)
            .await
            .body
            .get("secret")
            .is_none()
    );
    assert_eq!(app.get(&path, &admin.token).await.status, 200);
    app.get(&path, &fraud_system.token)
        .await
        .assert_problem(404, "not-found");
    app.get(&path, &jm.token)
        .await
        .assert_problem(404, "not-found");

    // Another agency's case, then the JCF's: only the JCF's arrives.
    let hidden = app.create_case(&other.token, "Fraud squad case").await;
    let case = app.create_case(&jm.token, "Mirrored case").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let got = receiver.until("case.created", |g| !g.is_empty()).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let first = &got[0];
    assert!(verifies(&secret, first), "{first:?}");
    let event = body(first);
    assert_eq!(event["type"], "case.created");
    assert_eq!(event["id"], first.id.as_str(), "webhook-id is the event id");
    assert_eq!(event["agency_id"], jcf.as_str());
    assert_eq!(event["subject"]["id"], case_id.as_str());
    assert_eq!(event["subject"]["href"], format!("/api/v1/cases/{case_id}"));
    assert!(event.get("title").is_none() && !first.body.contains("Mirrored case"));
    assert!(!first.body.contains(hidden["id"].as_str().unwrap()));
    let ts: i64 = first.timestamp.parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
    // A tampered body does not verify.
    let mut forged = first.clone();
    forged.body = forged.body.replace("case.created", "case.updated");
    assert!(!verifies(&secret, &forged));

    // The delivery log says what happened.
    let log = settled_log(&app, &path, &mirror.token).await;
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status"], 200);
    assert!(log["items"][0]["last_latency_ms"].is_i64());

    // Rotation: both signatures during the overlap.
    let rotated = app
        .post(
            &format!("{path}/secret"),
            &mirror.token,
            &json!({"overlap_secs": 3600}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(second, secret);
    let patched = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            &jm.token,
            &json!({"description": "Phone", "kind": "device",
                    "collected": {"location": "Kingston", "reason": "seized", "authority": "Warrant 7"}}),
        )
        .await;
    assert_eq!(patched.status, 201, "{}", patched.body);
    let got = receiver
        .until("evidence.registered", |g| g.len() >= 2)
        .await;
    let registered = &got[1];
    assert_eq!(body(registered)["type"], "evidence.registered");
    assert!(verifies(&second, registered) && verifies(&secret, registered));
    assert_eq!(registered.signature.split(' ').count(), 2);

    // Replay: the same event again, with the same webhook-id.
    let res = app
        .post(
            &format!("{path}/replay"),
            &mirror.token,
            &json!({"event_id": first.id}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["queued"], 1);
    let got = receiver.until("the replay", |g| g.len() >= 3).await;
    assert_eq!(got[2].id, first.id);
    app.post(&format!("{path}/replay"), &mirror.token, &json!({}))
        .await
        .assert_problem(422, "validation-failed");
    let since = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let res = app
        .post(
            &format!("{path}/replay"),
            &admin.token,
            &json!({"since": since}),
        )
        .await;
    assert_eq!(res.body["queued"], 2, "{}", res.body);
    receiver.until("both again", |g| g.len() >= 5).await;
}

#[actix_web::test]
async fn failures_are_retried_on_schedule_and_an_endpoint_that_refuses_is_disabled() {
    let app = TestApp::spawn_with(fast).await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let jm = app
        .user_caller("jm.inv", &jcf, &[Role::Investigator, Role::Supervisor])
        .await;
    let mirror = system(&app, &admin.token, &jcf).await;
    let receiver = Receiver::default();
    let url = receiver.start();
    let (hook, _) = register(
        &app.post(
            "/api/v1/webhooks",
            &mirror.token,
            &json!({"url": url, "event_types": ["case.*"]}),
        )
        .await,
    );
    let path = format!("/api/v1/webhooks/{hook}");

    // A 500, then a 503 asking for a second: tried again after the schedule's first
    // delay, then after the Retry-After, then delivered.
    receiver
        .answers
        .lock()
        .unwrap()
        .extend([(500, None), (503, Some("1"))]);
    app.create_case(&jm.token, "Retried").await;
    let got = receiver.until("three attempts", |g| g.len() >= 3).await;
    assert!(
        got.iter().all(|r| r.id == got[0].id),
        "one event, three attempts"
    );
    let waited = got[2].at - got[1].at;
    assert!(
        waited >= std::time::Duration::from_millis(950),
        "{waited:?}"
    );
    let log = settled_log(&app, &path, &mirror.token).await;
    let delivery = &log["items"][0];
    assert_eq!(delivery["status"], "delivered", "{log}");
    assert_eq!(delivery["attempts"], 3);

    // Types not subscribed to are not sent.
    let item = app
        .post(
            &format!(
                "/api/v1/cases/{}/evidence",
                body(&got[0])["subject"]["id"].as_str().unwrap()
            ),
            &jm.token,
            &json!({"description": "Phone", "kind": "device",
                    "collected": {"location": "Kingston", "reason": "seized", "authority": "W"}}),
        )
        .await;
    assert_eq!(item.status, 201);

    // 410 Gone: disabled at once, with the reason; nothing more is sent.
    receiver.answers.lock().unwrap().push_back((410, None));
    app.create_case(&jm.token, "Gone").await;
    receiver.until("the 410 attempt", |g| g.len() >= 4).await;
    let mut disabled = Value::Null;
    for _ in 0..100 {
        disabled = app.get(&path, &mirror.token).await.body;
        if disabled["status"] == "disabled" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(disabled["status"], "disabled");
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410")
    );
    app.create_case(&jm.token, "After").await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        receiver.got().len(),
        4,
        "nothing after the endpoint is disabled"
    );
    assert!(
        receiver
            .got()
            .iter()
            .all(|r| body(r)["type"].as_str().unwrap().starts_with("case.")),
        "only the types asked for"
    );
    // Enabled again by its manager: what was committed meanwhile follows.
    let enabled = app
        .post(&format!("{path}/enable"), &admin.token, &json!({}))
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.body);
    assert_eq!(enabled.body["status"], "active");
    assert!(enabled.body["disabled_reason"].is_null());
    let got = receiver
        .until("the case made while disabled", |g| g.len() >= 5)
        .await;
    assert_eq!(body(&got[4])["type"], "case.created");
}

#[actix_web::test]
async fn an_endpoint_that_keeps_failing_is_disabled_after_the_last_retry() {
    let app = TestApp::spawn_with(|s| {
        fast(s);
        s.webhook_retry_scale = 0.00001;
    })
    .await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let jm = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let mirror = system(&app, &admin.token, &jcf).await;
    let receiver = Receiver::default();
    let url = receiver.start();
    receiver
        .answers
        .lock()
        .unwrap()
        .extend(std::iter::repeat_n((500, None), 20));
    let (hook, _) = register(
        &app.post("/api/v1/webhooks", &mirror.token, &json!({"url": url}))
            .await,
    );
    app.create_case(&jm.token, "Never delivered").await;
    // Ten attempts: immediately, then the nine delays of the schedule.
    receiver.until("ten attempts", |g| g.len() >= 10).await;
    let path = format!("/api/v1/webhooks/{hook}");
    let mut view = Value::Null;
    for _ in 0..100 {
        view = app.get(&path, &admin.token).await.body;
        if view["status"] == "disabled" {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(view["status"], "disabled", "{view}");
    assert!(
        view["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("keep failing"),
        "{view}"
    );
    let log = app.get(&format!("{path}/deliveries"), &admin.token).await;
    assert_eq!(log.body["items"][0]["status"], "failed");
    assert_eq!(log.body["items"][0]["attempts"], 10);
    assert_eq!(log.body["items"][0]["last_status"], 500);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(receiver.got().len(), 10, "no eleventh attempt");
}

#[actix_web::test]
async fn deliveries_survive_a_stopped_instance_and_two_instances_never_send_one_twice() {
    // The first instance's worker sleeps after its first pass: it will not deliver.
    let app = TestApp::spawn_with(|s| {
        fast(s);
        s.webhook_poll_ms = 3_600_000;
    })
    .await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let jm = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let mirror = system(&app, &admin.token, &jcf).await;
    let receiver = Receiver::default();
    let url = receiver.start();
    register(
        &app.post("/api/v1/webhooks", &mirror.token, &json!({"url": url}))
            .await,
    );
    for i in 0..12 {
        app.create_case(&jm.token, &format!("Case {i}")).await;
    }
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.got().is_empty(), "nobody delivers yet");
    // Two fresh instances on the same database (sharing the key secrets derive from)
    // deliver what was committed, each event once.
    let key = app.data_dir().join("jwt-signing-key.pem");
    let log_key = app.data_dir().join("log-signing-key.pem");
    let share = |s: &mut caseledger::config::Settings| {
        fast(s);
        s.jwt_key_file = Some(key.clone());
        s.log_key_file = Some(log_key.clone());
    };
    let _b = app.sibling(share).await;
    let _c = app.sibling(share).await;
    let got = receiver.until("every case", |g| g.len() >= 12).await;
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let got_now = receiver.got();
    assert_eq!(got_now.len(), 12, "each event once: {got:?}");
    let mut ids: Vec<&str> = got_now.iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    assert!(!*receiver.overlapped.lock().unwrap());
}

#[actix_web::test]
async fn an_agency_removed_from_a_case_hears_no_more_of_it_even_on_a_retry() {
    let app = TestApp::spawn_with(fast).await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let rbpf = app.agency("BB", "RBPF Cyber Unit", AgencyKind::Police);
    let bb_ministry = app.agency("BB", "BB Home Affairs", AgencyKind::Other);
    let bb_admin = app
        .user_caller("bb.admin", &bb_ministry, &[Role::Admin])
        .await;
    let jm = app
        .user_caller("jm.inv", &jcf, &[Role::Investigator, Role::Supervisor])
        .await;
    let barbados = system(&app, &bb_admin.token, &rbpf).await;
    let receiver = Receiver::default();
    let url = receiver.start();
    let (hook, _) = register(
        &app.post("/api/v1/webhooks", &barbados.token, &json!({"url": url}))
            .await,
    );
    let case = app.create_case(&jm.token, "Shared for a while").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    // Barbados hears nothing of a case it may not see.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(receiver.got().is_empty());
    // Shared: it hears of that. Its receiver asks for the next event a second later.
    receiver
        .answers
        .lock()
        .unwrap()
        .extend([(200, None), (503, Some("1"))]);
    let share = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            &jm.token,
            &json!({"agency_id": rbpf, "access": "contribute"}),
        )
        .await;
    assert!(share.status.is_success(), "{}", share.body);
    receiver.until("case.shared", |g| !g.is_empty()).await;
    let registered = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            &jm.token,
            &json!({"description": "Laptop", "kind": "device",
                    "collected": {"location": "Kingston", "reason": "seized", "authority": "W"}}),
        )
        .await;
    assert_eq!(registered.status, 201);
    receiver.until("the first attempt", |g| g.len() >= 2).await;
    // Removed from the case before the retry: the retry is withheld.
    let removed = app
        .request(
            "DELETE",
            &format!("/api/v1/cases/{case_id}/participants/{rbpf}"),
            Some(&jm.token),
            None,
            None,
        )
        .await;
    assert_eq!(removed.status, 204);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1800)).await;
    assert_eq!(receiver.got().len(), 2, "nothing after the removal");
    let log = app
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            &barbados.token,
        )
        .await;
    let statuses: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["withheld", "delivered"], "{}", log.body);
}

/// `v1a` verification, from the specification: the key is the base64 after
/// `whpk_`; a signature is the base64 Ed25519 signature of `id.timestamp.body`.
fn verifies_v1a(public_key: &str, r: &Received) -> bool {
    use ed25519_dalek::{Signature, Verifier, VerifyingKey};
    let raw: [u8; 32] = STANDARD
        .decode(public_key.strip_prefix("whpk_").unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let key = VerifyingKey::from_bytes(&raw).unwrap();
    let signed = format!("{}.{}.{}", r.id, r.timestamp, r.body);
    r.signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1a,"))
        .filter_map(|s| STANDARD.decode(s).ok())
        .filter_map(|s| Signature::from_slice(&s).ok())
        .any(|s| key.verify(signed.as_bytes(), &s).is_ok())
}

#[actix_web::test]
async fn an_endpoint_that_asks_for_v1a_gets_ed25519_signatures_it_verifies_with_its_public_key() {
    let app = TestApp::spawn_with(fast).await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let jm = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let mirror = system(&app, &admin.token, &jcf).await;
    let receiver = Receiver::default();
    let url = receiver.start();

    // Neither scheme, or three of them, is refused; v1 alone is the default.
    for bad in [json!([]), json!(["v1", "v1a", "v1"]), json!(["v2"])] {
        let res = app
            .post(
                "/api/v1/webhooks",
                &mirror.token,
                &json!({"url": url, "event_types": ["case.*"], "signature_schemes": bad}),
            )
            .await;
        assert!(
            res.status == 422 || res.status == 400,
            "{bad}: {}",
            res.body
        );
    }
    let plain = app
        .post(
            "/api/v1/webhooks",
            &mirror.token,
            &json!({"url": url, "event_types": ["mla.*"]}),
        )
        .await;
    assert_eq!(plain.status, 201, "{}", plain.body);
    assert_eq!(plain.body["signature_schemes"], json!(["v1"]));
    assert!(plain.body.get("public_key").is_none());

    let hook = app
        .post(
            "/api/v1/webhooks",
            &mirror.token,
            &json!({"url": url, "event_types": ["case.*"], "signature_schemes": ["v1a"]}),
        )
        .await;
    let (id, _secret) = register(&hook);
    let public = hook.body["public_key"].as_str().unwrap().to_owned();
    assert!(public.starts_with("whpk_"));
    // The public key is shown at every read; the secret only once.
    let read = app
        .get(&format!("/api/v1/webhooks/{id}"), &mirror.token)
        .await;
    assert_eq!(read.body["public_key"], public.as_str());
    assert!(read.body.get("secret").is_none());

    app.create_case(&jm.token, "Signed case").await;
    let got = receiver.until("a case event", |g| !g.is_empty()).await;
    assert!(verifies_v1a(&public, &got[0]), "{:?}", got[0]);
    assert!(
        !got[0].signature.contains("v1,"),
        "v1a only: {}",
        got[0].signature
    );
    let mut forged = got[0].clone();
    forged.body = forged.body.replace("case.created", "case.updated");
    assert!(!verifies_v1a(&public, &forged));

    // Rotation: a new key, and both generations sign during the overlap.
    let rotated = app
        .post(
            &format!("/api/v1/webhooks/{id}/secret"),
            &mirror.token,
            &json!({"overlap_secs": 3600}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let next = rotated.body["public_key"].as_str().unwrap().to_owned();
    assert_ne!(next, public);
    app.create_case(&jm.token, "Second signed case").await;
    let got = receiver
        .until("a second case event", |g| g.len() >= 2)
        .await;
    assert!(verifies_v1a(&next, &got[1]) && verifies_v1a(&public, &got[1]));
    assert!(
        !verifies_v1a(&next, &got[0]),
        "the old delivery is not the new key's"
    );
}

/// A service account manages the endpoints that hear its own view, and no sibling's;
/// the administrators of its agency's country manage them all.
#[actix_web::test]
async fn a_service_account_manages_only_the_endpoints_that_hear_its_own_view() {
    let app = TestApp::spawn_with(fast).await;
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let moj = app.agency("JM", "Ministry of Justice", AgencyKind::CentralAuthority);
    let authority = system_with(&app, &admin.token, &moj, &["central_authority"]).await;
    let auditor = system_with(&app, &admin.token, &moj, &["auditor"]).await;
    let url = "http://127.0.0.1:9/hook";

    // The auditor's account may not hear the central authority's view.
    app.post(
        "/api/v1/webhooks",
        &auditor.token,
        &json!({"url": url, "service_account_id": authority.account}),
    )
    .await
    .assert_problem(403, "forbidden");
    let (theirs, _) = register(
        &app.post("/api/v1/webhooks", &authority.token, &json!({"url": url}))
            .await,
    );
    let (mine, _) = register(
        &app.post(
            "/api/v1/webhooks",
            &auditor.token,
            &json!({"url": url, "service_account_id": auditor.account}),
        )
        .await,
    );
    let listed = |token: String| {
        let app = &app;
        async move {
            let res = app.get("/api/v1/webhooks", &token).await;
            assert_eq!(res.status, 200, "{}", res.body);
            let mut ids: Vec<String> = res.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_str().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(
        listed(auditor.token.clone()).await,
        std::slice::from_ref(&mine)
    );
    assert_eq!(
        listed(authority.token.clone()).await,
        std::slice::from_ref(&theirs)
    );
    let mut both = vec![mine.clone(), theirs.clone()];
    both.sort();
    assert_eq!(listed(admin.token.clone()).await, both);

    // The sibling's endpoint does not exist for the auditor's account.
    let path = format!("/api/v1/webhooks/{theirs}");
    app.get(&path, &auditor.token)
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("{path}/deliveries"), &auditor.token)
        .await
        .assert_problem(404, "not-found");
    for (action, body) in [
        ("secret", json!({})),
        ("enable", json!({})),
        ("replay", json!({"since": "2026-01-01T00:00:00Z"})),
    ] {
        app.post(&format!("{path}/{action}"), &auditor.token, &body)
            .await
            .assert_problem(404, "not-found");
    }
    // Its own account and the administrator manage it.
    for token in [&authority.token, &admin.token] {
        let res = app.get(&path, token).await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let rotated = app
        .post(&format!("{path}/secret"), &admin.token, &json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
}

/// Two providers' systems each hear the orders sent to their provider, from the
/// moment they are sent (never of an approval before it), and nothing of another
/// provider's; a provider's system answers an order as its liaisons do.
#[actix_web::test]
async fn a_providers_system_hears_only_the_orders_sent_to_its_provider() {
    let app = TestApp::spawn_with(fast).await;
    let regional = app.regional_admin().await;
    let mut providers = Vec::new();
    for name in ["TT Mobile Ltd", "TSTT Broadband"] {
        let res = app
            .post(
                "/api/v1/providers",
                &regional.token,
                &json!({"name": name, "provider_kind": "telecom", "country": "TT",
                        "legal_contact": {"name": "Law Enforcement Liaison", "email": "lea@example.tt"},
                        "emergency_contact": {"name": "Network Operations Centre", "phone": "+1 868 555 0100",
                                              "time_zone": "America/Port_of_Spain"},
                        "accepts": ["subscriber_information"]}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.body);
        providers.push(res.body["id"].as_str().unwrap().to_owned());
    }
    // A provider's system acts as its liaisons do, and nobody else's does.
    for (agency, roles) in [
        (providers[0].clone(), json!(["investigator"])),
        (
            app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police),
            json!(["provider_liaison"]),
        ),
    ] {
        app.post(
            "/api/v1/service-accounts",
            &regional.token,
            &json!({"agency_id": agency, "name": "a system", "roles": roles,
                    "auth_method": "client_secret"}),
        )
        .await
        .assert_problem(422, "validation-failed");
    }
    let mut receivers = Vec::new();
    let mut systems = Vec::new();
    for provider in &providers {
        let system = system_with(&app, &regional.token, provider, &["provider_liaison"]).await;
        let receiver = Receiver::default();
        let url = receiver.start();
        register(
            &app.post("/api/v1/webhooks", &system.token, &json!({"url": url}))
                .await,
        );
        receivers.push(receiver);
        systems.push(system);
    }
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let jm = app
        .user_caller("jm.inv", &jcf, &[Role::Investigator, Role::Prosecutor])
        .await;
    let case = app.create_case(&jm.token, "SIM-swap fraud").await;
    let mut orders = Vec::new();
    for provider in &providers {
        let created = app
            .post(
                "/api/v1/orders",
                &jm.token,
                &json!({"case_id": case["id"], "provider_id": provider,
                        "type": "subscriber_information", "legal_basis": "budapest-2p-7",
                        "data_sought": [{"kind": "account", "identifier": "+1 868 555 0101"}],
                        "summary_of_facts": "SIM swap on this number before the fraud."}),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["id"].as_str().unwrap().to_owned();
        for kind in ["approved", "sent"] {
            let res = app
                .post(
                    &format!("/api/v1/orders/{id}/events"),
                    &jm.token,
                    &json!({"type": kind}),
                )
                .await;
            assert_eq!(res.status, 201, "{kind}: {}", res.body);
        }
        orders.push(id);
    }
    // The operator's system acknowledges its order through the API.
    let res = app
        .post(
            &format!("/api/v1/orders/{}/events", orders[0]),
            &systems[0].token,
            &json!({"type": "acknowledged"}),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);
    app.post(
        &format!("/api/v1/orders/{}/events", orders[1]),
        &systems[0].token,
        &json!({"type": "acknowledged"}),
    )
    .await
    .assert_problem(404, "not-found");
    let heard = |got: &[Received]| -> Vec<(String, String)> {
        got.iter()
            .map(|r| {
                let b = body(r);
                (
                    b["type"].as_str().unwrap().to_owned(),
                    b["subject"]["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let got = receivers[0]
        .until("order.acknowledged", |g| {
            g.iter().any(|r| body(r)["type"] == "order.acknowledged")
        })
        .await;
    let mut types = heard(&got);
    types.sort();
    assert_eq!(
        types,
        [
            ("order.acknowledged".to_owned(), orders[0].clone()),
            ("order.sent".to_owned(), orders[0].clone())
        ]
    );
    let got = receivers[1]
        .until("order.sent", |g| {
            g.iter().any(|r| body(r)["type"] == "order.sent")
        })
        .await;
    assert_eq!(heard(&got), [("order.sent".to_owned(), orders[1].clone())]);
}
