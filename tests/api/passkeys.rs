//! Passkeys and security keys (WebAuthn): registration, the sign-in's second step and
//! step-up, against an authenticator of the tests' own that does what a platform
//! authenticator does (a P-256 key, "none" attestation, a signature counter) and can
//! be told to misbehave: another origin, no user verification, a cloned key's
//! counter, a replayed answer. Chromium's virtual authenticator drives the pages in
//! `browser.rs`.

use crate::common::{PASSWORD, Response, TestApp};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use caseledger::config::MfaPolicy;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The service's public URL in these tests: a domain name, as passkeys need.
const ORIGIN: &str = "http://localhost:8080";

/// A few CBOR items (RFC 8949), enough for an attestation object and a COSE key.
enum Cbor {
    Int(i64),
    Bytes(Vec<u8>),
    Text(&'static str),
    Map(Vec<(Cbor, Cbor)>),
}

impl Cbor {
    fn head(out: &mut Vec<u8>, major: u8, n: u64) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            _ => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Cbor::Int(n) if *n >= 0 => Self::head(out, 0, *n as u64),
            Cbor::Int(n) => Self::head(out, 1, (-1 - *n) as u64),
            Cbor::Bytes(b) => {
                Self::head(out, 2, b.len() as u64);
                out.extend(b);
            }
            Cbor::Text(t) => {
                Self::head(out, 3, t.len() as u64);
                out.extend(t.as_bytes());
            }
            Cbor::Map(entries) => {
                Self::head(out, 5, entries.len() as u64);
                for (k, v) in entries {
                    k.encode(out);
                    v.encode(out);
                }
            }
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// Flags of authenticator data: user present, user verified, attested credential data.
const UP: u8 = 0x01;
const UV: u8 = 0x04;
const AT: u8 = 0x40;

/// An authenticator holding one credential.
#[derive(Clone)]
struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    counter: u32,
    /// The origin the browser would put in the client data.
    origin: String,
    /// Whether it verifies its user (a PIN, a fingerprint).
    verifies: bool,
}

impl Authenticator {
    fn new() -> Authenticator {
        let mut secret = [0u8; 32];
        let key = loop {
            rand::fill(&mut secret);
            if let Ok(key) = SigningKey::from_slice(&secret) {
                break key;
            }
        };
        let mut credential_id = vec![0u8; 32];
        rand::fill(credential_id.as_mut_slice());
        Authenticator {
            key,
            credential_id,
            counter: 0,
            origin: ORIGIN.to_owned(),
            verifies: true,
        }
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "type": kind,
            "challenge": options["publicKey"]["challenge"],
            "origin": self.origin,
            "crossOrigin": false,
        }))
        .unwrap()
    }

    fn auth_data(&mut self, options: &Value, attested: bool) -> Vec<u8> {
        let rp_id = options["publicKey"]["rpId"]
            .as_str()
            .or(options["publicKey"]["rp"]["id"].as_str())
            .unwrap();
        self.counter += 1;
        let mut flags = UP;
        if self.verifies {
            flags |= UV;
        }
        if attested {
            flags |= AT;
        }
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        if attested {
            data.extend([0u8; 16]); // AAGUID: none said
            data.extend((self.credential_id.len() as u16).to_be_bytes());
            data.extend(&self.credential_id);
            let point = self.key.verifying_key().to_encoded_point(false);
            let cose = Cbor::Map(vec![
                (Cbor::Int(1), Cbor::Int(2)),  // kty: EC2
                (Cbor::Int(3), Cbor::Int(-7)), // alg: ES256
                (Cbor::Int(-1), Cbor::Int(1)), // crv: P-256
                (Cbor::Int(-2), Cbor::Bytes(point.x().unwrap().to_vec())),
                (Cbor::Int(-3), Cbor::Bytes(point.y().unwrap().to_vec())),
            ]);
            data.extend(cose.bytes());
        }
        data
    }

    fn id(&self) -> String {
        B64.encode(&self.credential_id)
    }

    /// The answer to `navigator.credentials.create(options)`, as `toJSON()` writes it.
    fn register(&mut self, options: &Value) -> Value {
        let client_data = self.client_data("webauthn.create", options);
        let attestation = Cbor::Map(vec![
            (Cbor::Text("fmt"), Cbor::Text("none")),
            (Cbor::Text("attStmt"), Cbor::Map(vec![])),
            (
                Cbor::Text("authData"),
                Cbor::Bytes(self.auth_data(options, true)),
            ),
        ]);
        json!({
            "id": self.id(), "rawId": self.id(), "type": "public-key",
            "response": {
                "attestationObject": B64.encode(attestation.bytes()),
                "clientDataJSON": B64.encode(&client_data),
                "transports": ["internal"],
            },
            "extensions": {},
        })
    }

    /// The answer to `navigator.credentials.get(options)`.
    fn assert(&mut self, options: &Value) -> Value {
        let client_data = self.client_data("webauthn.get", options);
        let auth_data = self.auth_data(options, false);
        let signed = [auth_data.clone(), Sha256::digest(&client_data).to_vec()].concat();
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": self.id(), "rawId": self.id(), "type": "public-key",
            "response": {
                "authenticatorData": B64.encode(&auth_data),
                "clientDataJSON": B64.encode(&client_data),
                "signature": B64.encode(signature.to_der().as_bytes()),
                "userHandle": null,
            },
            "extensions": {},
        })
    }
}

async fn passkey_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.public_url = ORIGIN.into();
        s.mfa = MfaPolicy::Required;
    })
    .await
}

/// A person with a passkey registered: their username, their authenticator and the
/// session that registered it.
struct Holder {
    username: String,
    authenticator: Authenticator,
    token: String,
    factor_id: String,
}

async fn begin(app: &TestApp, token: &str) -> Response {
    app.post(
        "/api/v1/me/factors",
        token,
        &json!({"kind": "webauthn", "label": "Laptop"}),
    )
    .await
}

async fn holder(app: &TestApp, name: &str) -> Holder {
    let agency = app.agency("JM", &format!("JCF {name}"), AgencyKind::Police);
    let username = app.username_in(&agency, name);
    let caller = app
        .user_caller(&username, &agency, &[Role::Investigator])
        .await;
    let begun = begin(app, &caller.token).await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    let factor_id = begun.body["id"].as_str().unwrap().to_owned();
    let mut authenticator = Authenticator::new();
    let credential = authenticator.register(&begun.body["creation_options"]);
    let confirmed = app
        .post(
            &format!("/api/v1/me/factors/{factor_id}/confirm"),
            &caller.token,
            &json!({ "credential": credential }),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    Holder {
        username,
        authenticator,
        token: caller.token,
        factor_id,
    }
}

async fn mfa_token(app: &TestApp, username: &str) -> String {
    let res = app.login(username, PASSWORD).await;
    res.assert_problem(401, "mfa-required");
    res.body["mfa_token"].as_str().unwrap().to_owned()
}

async fn challenge(app: &TestApp, mfa_token: &str) -> Response {
    app.send_json(
        "POST",
        "/api/v1/auth/login/mfa/challenge",
        None,
        &json!({ "mfa_token": mfa_token }),
    )
    .await
}

async fn second_step(app: &TestApp, mfa_token: &str, answer: &Value) -> Response {
    app.send_json(
        "POST",
        "/api/v1/auth/login/mfa",
        None,
        &json!({ "mfa_token": mfa_token, "webauthn": answer }),
    )
    .await
}

fn amr(access_token: &str) -> Value {
    let payload = access_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap();
    claims["amr"].clone()
}

#[actix_web::test]
async fn a_passkey_is_registered_with_user_verification_required_and_signs_a_person_in() {
    let app = passkey_app().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let username = app.username_in(&agency, "ebanks");
    let caller = app
        .user_caller(&username, &agency, &[Role::Investigator])
        .await;
    let other_session = app.caller(&username, PASSWORD).await;

    let begun = begin(&app, &caller.token).await;
    assert_eq!(begun.status, 201, "{}", begun.body);
    assert_eq!(begun.body["kind"], "webauthn");
    assert!(begun.body.get("otpauth_uri").is_none() && begun.body.get("secret").is_none());
    let options = &begun.body["creation_options"]["publicKey"];
    assert_eq!(options["rp"]["id"], "localhost", "{options}");
    assert_eq!(options["user"]["name"], username.as_str());
    assert_eq!(
        options["authenticatorSelection"]["userVerification"], "required",
        "{options}"
    );
    assert!(
        options["challenge"].as_str().unwrap().len() >= 43,
        "{options}"
    );
    let factor_id = begun.body["id"].as_str().unwrap();
    let confirm = format!("/api/v1/me/factors/{factor_id}/confirm");

    // Answers that are not to these options are refused, and nothing is registered.
    let mut authenticator = Authenticator::new();
    let mut elsewhere = authenticator.clone();
    elsewhere.origin = "http://localhost.evil.example:8080".into();
    let mut unverified = authenticator.clone();
    unverified.verifies = false;
    let other_challenge =
        json!({"publicKey": {"challenge": B64.encode([9u8; 32]), "rp": {"id": "localhost"}}});
    for (why, answer) in [
        (
            "another origin",
            elsewhere.register(&begun.body["creation_options"]),
        ),
        (
            "no user verification",
            unverified.register(&begun.body["creation_options"]),
        ),
        (
            "another challenge",
            authenticator.clone().register(&other_challenge),
        ),
    ] {
        let res = app
            .post(&confirm, &caller.token, &json!({ "credential": answer }))
            .await;
        res.assert_problem(422, "validation-failed");
        assert_eq!(
            res.body["errors"][0]["field"], "credential",
            "{why}: {}",
            res.body
        );
    }
    // A code is not a passkey's confirmation, nor is something that is not a credential.
    app.post(&confirm, &caller.token, &json!({"code": "123456"}))
        .await
        .assert_problem(422, "validation-failed");
    let garbage = app
        .post(&confirm, &caller.token, &json!({"credential": {"id": 7}}))
        .await;
    garbage.assert_problem(422, "validation-failed");
    assert!(
        !garbage.raw.windows(5).any(|w| w == b"serde"),
        "{}",
        garbage.body
    );
    assert_eq!(
        app.login(&username, PASSWORD).await.status,
        200,
        "no factor yet"
    );

    let credential = authenticator.register(&begun.body["creation_options"]);
    let res = app
        .post(
            &confirm,
            &caller.token,
            &json!({ "credential": credential }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["factor"]["kind"], "webauthn");
    assert_eq!(res.body["factor"]["label"], "Laptop");
    assert_eq!(res.body["recovery_codes"].as_array().unwrap().len(), 10);
    app.get("/api/v1/me", &other_session.token)
        .await
        .assert_problem(401, "unauthenticated");

    // Sign-in: the password, then the passkey's answer to a challenge.
    let token = mfa_token(&app, &username).await;
    let login = app.login(&username, PASSWORD).await;
    assert_eq!(login.body["factors"], json!(["webauthn"]));
    let asked = challenge(&app, &token).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let allowed = &asked.body["publicKey"]["allowCredentials"];
    assert_eq!(allowed.as_array().unwrap().len(), 1, "{allowed}");
    assert_eq!(allowed[0]["id"], authenticator.id().as_str());
    assert_eq!(asked.body["publicKey"]["userVerification"], "required");
    let answer = authenticator.assert(&asked.body);
    let signed = second_step(&app, &token, &answer).await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(
        amr(signed.body["access_token"].as_str().unwrap()),
        json!(["pwd", "hwk", "mfa"])
    );

    // The same answer again, even to a new sign-in, signs no one in.
    let again = mfa_token(&app, &username).await;
    second_step(&app, &token, &answer)
        .await
        .assert_problem(401, "invalid-second-factor");
    challenge(&app, &again).await;
    second_step(&app, &again, &answer)
        .await
        .assert_problem(401, "invalid-second-factor");

    // Audited with the kind, never the key.
    let entries = app.audit_entries();
    let confirmed: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "auth.factor_confirm")
        .collect();
    assert_eq!(
        confirmed.len(),
        4,
        "three answers refused, one confirmed (bodies of the wrong shape never reach it)"
    );
    assert_eq!(
        confirmed
            .iter()
            .filter(|e| e["outcome"] == "failed")
            .count(),
        3
    );
    assert!(
        confirmed
            .iter()
            .any(|e| e["outcome"] == "success" && e["details"]["kind"] == "webauthn")
    );
    assert!(entries.iter().any(|e| e["action"] == "auth.login"
        && e["details"]["factor"] == "webauthn"
        && e["outcome"] == "success"));
    let trail = serde_json::to_string(&entries).unwrap();
    let point = authenticator.key.verifying_key().to_encoded_point(false);
    assert!(!trail.contains(&B64.encode(point.x().unwrap())));
}

#[actix_web::test]
async fn a_passkey_answer_is_refused_when_it_is_replayed_unverified_cloned_or_from_elsewhere() {
    let app = passkey_app().await;
    let mut h = holder(&app, "clarke").await;

    // No challenge asked: nothing to answer.
    let token = mfa_token(&app, &h.username).await;
    let unasked = h.authenticator.assert(&json!({"publicKey": {
        "challenge": B64.encode([1u8; 32]), "rpId": "localhost"}}));
    second_step(&app, &token, &unasked)
        .await
        .assert_problem(401, "invalid-second-factor");

    let asked = challenge(&app, &token).await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let mut elsewhere = h.authenticator.clone();
    elsewhere.origin = "https://phish.example".into();
    let mut unverified = h.authenticator.clone();
    unverified.verifies = false;
    let mut stranger = Authenticator::new();
    for answer in [
        elsewhere.assert(&asked.body),
        unverified.assert(&asked.body),
        stranger.assert(&asked.body),
    ] {
        second_step(&app, &token, &answer)
            .await
            .assert_problem(401, "invalid-second-factor");
    }
    // A cloned key: its counter behind the one the service saw last. (The right
    // answer clears the four failures so far.)
    let mut clone = h.authenticator.clone();
    let good = h.authenticator.assert(&asked.body);
    assert_eq!(second_step(&app, &token, &good).await.status, 200);
    let token = mfa_token(&app, &h.username).await;
    let asked = challenge(&app, &token).await;
    clone.counter = 0;
    second_step(&app, &token, &clone.assert(&asked.body))
        .await
        .assert_problem(401, "invalid-second-factor");
    challenge(&app, "no-such-token")
        .await
        .assert_problem(401, "invalid-second-factor");

    // Wrong answers count toward the lockout that wrong passwords count toward: with
    // two wrong passwords and three wrong answers under way at once, the account
    // locks, and the right password and the right answer no longer help.
    app.login(&h.username, "not-the-password")
        .await
        .assert_problem(401, "invalid-credentials");
    let asked = challenge(&app, &token).await;
    let wrong: Vec<Value> = (0..3).map(|_| stranger.assert(&asked.body)).collect();
    let attempts = wrong.iter().map(|a| second_step(&app, &token, a));
    for res in futures_util::future::join_all(attempts).await {
        res.assert_problem(401, "invalid-second-factor");
    }
    second_step(&app, &token, &h.authenticator.assert(&asked.body))
        .await
        .assert_problem(401, "invalid-second-factor");
    app.login(&h.username, PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    let locks = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.account_locked")
        .count();
    assert_eq!(locks, 1, "one lockout, recorded once");
    let refused = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.factor_remove")
        .count();
    assert_eq!(refused, 0, "{}", h.factor_id);
}

#[actix_web::test]
async fn a_passkey_gives_the_factor_again_for_a_step_up() {
    let app = passkey_app().await;
    let mut h = holder(&app, "grant").await;
    // Signed in six minutes ago: the recovery codes need a recent factor.
    let me = app.get("/api/v1/me", &h.token).await;
    crate::step_up::age_factor(&app, me.body["id"].as_str().unwrap());
    app.post("/api/v1/me/recovery-codes", &h.token, &json!({}))
        .await
        .assert_problem(401, "step-up-required");

    let asked = app
        .post("/api/v1/auth/step-up/challenge", &h.token, &json!({}))
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let mut stranger = Authenticator::new();
    let refused = app
        .post(
            "/api/v1/auth/step-up",
            &h.token,
            &json!({"webauthn": stranger.assert(&asked.body)}),
        )
        .await;
    refused.assert_problem(422, "validation-failed");
    let answer = h.authenticator.assert(&asked.body);
    let res = app
        .post(
            "/api/v1/auth/step-up",
            &h.token,
            &json!({ "webauthn": answer }),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    let renewed = app
        .post("/api/v1/me/recovery-codes", &h.token, &json!({}))
        .await;
    assert_eq!(renewed.status, 201, "{}", renewed.body);
    // The answer was spent with its challenge.
    app.post(
        "/api/v1/auth/step-up",
        &h.token,
        &json!({ "webauthn": answer }),
    )
    .await
    .assert_problem(422, "validation-failed");
    let steps: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.step_up")
        .collect();
    assert_eq!(steps.len(), 3, "{steps:?}");
    assert!(
        steps
            .iter()
            .any(|e| e["outcome"] == "success" && e["details"]["factor"] == "webauthn")
    );
}

#[actix_web::test]
async fn one_authenticator_credential_is_one_persons_and_a_person_without_a_passkey_gets_no_challenge()
 {
    let app = passkey_app().await;
    let h = holder(&app, "thomas").await;
    // Another person presents the same credential (the same authenticator's id).
    let agency = app.agency("TT", "TTPS Cyber", AgencyKind::Police);
    let other = app.username_in(&agency, "singh");
    let caller = app
        .user_caller(&other, &agency, &[Role::Investigator])
        .await;
    let begun = begin(&app, &caller.token).await;
    let mut same = h.authenticator.clone();
    let res = app
        .post(
            &format!(
                "/api/v1/me/factors/{}/confirm",
                begun.body["id"].as_str().unwrap()
            ),
            &caller.token,
            &json!({"credential": same.register(&begun.body["creation_options"])}),
        )
        .await;
    res.assert_problem(422, "validation-failed");
    assert!(
        res.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("registered already")
    );

    // The holder's own next registration excludes the credential they hold.
    let again = begin(&app, &h.token).await;
    assert_eq!(
        again.body["creation_options"]["publicKey"]["excludeCredentials"][0]["id"],
        h.authenticator.id().as_str()
    );

    // A person whose factor is an app only is offered no passkey challenge.
    let app_user = app.username_in(&agency, "mohammed");
    let app_caller = app
        .user_caller(&app_user, &agency, &[Role::Investigator])
        .await;
    let totp = app
        .post(
            "/api/v1/me/factors",
            &app_caller.token,
            &json!({"kind": "totp"}),
        )
        .await;
    let secret = crate::factors::base32_decode(totp.body["secret"].as_str().unwrap());
    let code = caseledger::auth::factors::code_at(&secret, crate::factors::unix_now());
    let confirmed = app
        .post(
            &format!(
                "/api/v1/me/factors/{}/confirm",
                totp.body["id"].as_str().unwrap()
            ),
            &app_caller.token,
            &json!({"code": code}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.body);
    let token = mfa_token(&app, &app_user).await;
    challenge(&app, &token)
        .await
        .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn a_service_reached_by_an_ip_address_offers_no_passkeys() {
    let app = TestApp::spawn_with(|s| s.public_url = "http://127.0.0.1:8080".into()).await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let username = app.username_in(&agency, "ebanks");
    let caller = app
        .user_caller(&username, &agency, &[Role::Investigator])
        .await;
    let res = begin(&app, &caller.token).await;
    res.assert_problem(409, "conflict");
    assert!(
        res.body["detail"]
            .as_str()
            .unwrap()
            .contains("CASELEDGER_PUBLIC_URL")
    );
    assert_eq!(
        app.get("/api/v1/me/factors", &caller.token).await.body["items"],
        json!([])
    );
}
