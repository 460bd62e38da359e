//! National systems connect as service accounts: client credentials with a secret
//! or a signed assertion, lockout and audit like logins, and the same need-to-know
//! as the agency's people.

use crate::common::{Caller, Response, TestApp};
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// Test keys (generated for these tests only).
const EC_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxyvybvxDBetYB0v6\n+OkkDIvRhq7NGkdFfRHERsLq3lOhRANCAASlSM/7KqycJntBOmtkLlIFXqaOZ4Fw\nEVmDF3jkwntk/Xdf68OWLdKjPLEhIkX7bm0dZfmTATO1kZDZWkLeHVTZ\n-----END PRIVATE KEY-----\n";
const EC_JWK: &str = r#"{"kty": "EC", "crv": "P-256", "kid": "ec-1", "x": "pUjP-yqsnCZ7QTprZC5SBV6mjmeBcBFZgxd45MJ7ZP0", "y": "d1_rw5Yt0qM8sSEiRftubR1l-ZMBM7WRkNlaQt4dVNk"}"#;
/// A P-256 key that is not registered.
const OTHER_EC_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLxddRTWI6iTpOIkQ\n9bDKXhydUTBtS+NNW/jV7jsOlJuhRANCAAQQoujq6lM7yI2TKobjqrVI8iFSnpRX\nu90CpNSjlY9dqzQjqt/HAbahykt2CqiHT2Lh108EP7r55n8J3Wc2c1IS\n-----END PRIVATE KEY-----\n";
const ED_KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIF5aah0rHt/8P6L9TZAMUUwP0XshRc1/eQ5MwAC0Ql2l\n-----END PRIVATE KEY-----\n";
const ED_JWK: &str = r#"{"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "x": "2J49SdzXm7bK1kKdPin-D1IkFAIFTI0oakqrU8wSqZU"}"#;

const TOKEN: &str = "/api/v1/oauth/token";

fn token_endpoint(app: &TestApp) -> String {
    format!("{}{TOKEN}", app.state.settings.public_url)
}

fn encode(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

async fn with_secret(app: &TestApp, client_id: &str, secret: &str) -> Response {
    let form = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
        ("client_secret", secret),
    ]);
    app.post_form(TOKEN, &[], &form).await
}

/// A client assertion as RFC 7523 has it, with `claims` changed as given.
fn assertion(app: &TestApp, client_id: &str, alg: Algorithm, key: &str, change: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": token_endpoint(app),
        "exp": now + 120,
        "iat": now,
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    for (k, v) in change.as_object().unwrap() {
        claims[k] = v.clone();
    }
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(key.as_bytes()).unwrap(),
        _ => EncodingKey::from_ed_pem(key.as_bytes()).unwrap(),
    };
    jsonwebtoken::encode(&Header::new(alg), &claims, &key).unwrap()
}

async fn with_assertion(app: &TestApp, jwt: &str) -> Response {
    let form = encode(&[
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", jwt),
    ]);
    app.post_form(TOKEN, &[], &form).await
}

fn granted(res: &Response) -> String {
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["token_type"], "Bearer");
    assert!(res.body["expires_in"].as_i64().unwrap() > 0);
    assert!(res.body.get("refresh_token").is_none());
    assert_eq!(res.headers.get("cache-control").unwrap(), "no-store");
    res.body["access_token"].as_str().unwrap().to_owned()
}

fn refused(res: &Response) {
    res.assert_problem(401, "invalid-client");
    assert_eq!(res.body["error"], "invalid_client");
}

/// The people around a JCF case system's service account: the regional
/// administrator, the JCF, a JM administrator (of another JM agency), a BB one, and a
/// JCF detective; and the account's registration body.
struct People {
    app: TestApp,
    regional: crate::common::Caller,
    jcf: String,
    jm_admin: crate::common::Caller,
    bb_admin: crate::common::Caller,
    detective: crate::common::Caller,
    body: Value,
}

async fn people() -> People {
    let app = TestApp::spawn().await;
    let regional = app.regional_admin().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let jm_admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let bb_ministry = app.agency("BB", "BB Home Affairs", AgencyKind::Other);
    let bb_admin = app
        .user_caller("bb.admin", &bb_ministry, &[Role::Admin])
        .await;
    let detective = app
        .user_caller(
            "jm.detective",
            &jcf,
            &[Role::Investigator, Role::Supervisor],
        )
        .await;
    let body = json!({"agency_id": jcf, "name": "JCF case management mirror",
                      "roles": ["investigator"], "auth_method": "client_secret"});
    People {
        app,
        regional,
        jcf,
        jm_admin,
        bb_admin,
        detective,
        body,
    }
}

/// A registered account: its id, client id and secret.
struct Account {
    account: String,
    client_id: String,
    secret: String,
}

async fn register(p: &People) -> Account {
    let created = p
        .app
        .post("/api/v1/service-accounts", &p.jm_admin.token, &p.body)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    Account {
        account: created.body["id"].as_str().unwrap().to_owned(),
        client_id: created.body["client_id"].as_str().unwrap().to_owned(),
        secret: created.body["client_secret"].as_str().unwrap().to_owned(),
    }
}

#[actix_web::test]
async fn only_administrators_of_its_country_register_a_service_account_whose_secret_is_shown_once()
{
    let p = people().await;
    let People {
        app,
        regional,
        jm_admin,
        bb_admin,
        detective,
        body,
        ..
    } = &p;
    // Only administrators of the agency's country; never with administrative roles.
    for token in [&detective.token, &bb_admin.token] {
        app.post("/api/v1/service-accounts", token, body)
            .await
            .assert_problem(403, "forbidden");
    }
    let mut admin_roles = body.clone();
    admin_roles["roles"] = json!(["investigator", "admin"]);
    app.post("/api/v1/service-accounts", &jm_admin.token, &admin_roles)
        .await
        .assert_problem(422, "validation-failed");
    let mut with_keys = body.clone();
    with_keys["jwks"] = json!({"keys": []});
    app.post("/api/v1/service-accounts", &jm_admin.token, &with_keys)
        .await
        .assert_problem(422, "validation-failed");

    let created = app
        .post("/api/v1/service-accounts", &jm_admin.token, body)
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let account = created.body["id"].as_str().unwrap().to_owned();
    let client_id = created.body["client_id"].as_str().unwrap().to_owned();
    let secret = created.body["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 40, "{secret}");
    assert_eq!(created.body["country"], "JM");
    // The secret is shown once and stored only as an argon2id hash.
    let shown = app
        .get(
            &format!("/api/v1/service-accounts/{account}"),
            &jm_admin.token,
        )
        .await;
    assert_eq!(shown.status, 200);
    assert!(shown.body.get("client_secret").is_none());
    let stored: String = {
        use caseledger::db::schema::service_credentials::dsl;
        use diesel::prelude::*;
        let mut conn = app.state.pool.get().unwrap();
        dsl::service_credentials
            .find(&account)
            .select(dsl::secret_hash)
            .get_result::<Option<String>>(&mut conn)
            .unwrap()
            .unwrap()
    };
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(&secret));
    app.get(
        &format!("/api/v1/service-accounts/{account}"),
        &bb_admin.token,
    )
    .await
    .assert_problem(404, "not-found");
    let listed = app.get("/api/v1/service-accounts", &regional.token).await;
    assert_eq!(listed.body["items"][0]["client_id"], client_id.as_str());
    assert!(
        app.get("/api/v1/service-accounts", &bb_admin.token)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[actix_web::test]
async fn a_service_account_gets_tokens_with_its_secret_and_acts_as_its_agencys_investigator() {
    let p = people().await;
    let Account {
        account,
        client_id,
        secret,
    } = register(&p).await;
    let People {
        app,
        jcf,
        detective,
        ..
    } = &p;
    // The token: with the form's client_secret, or with HTTP Basic.
    let token = granted(&with_secret(app, &client_id, &secret).await);
    let basic = base64_basic(&client_id, &secret);
    let form = encode(&[("grant_type", "client_credentials")]);
    granted(
        &app.post_form(TOKEN, &[("Authorization", basic.as_str())], &form)
            .await,
    );
    // A bearer token alongside authenticates no client: it is ignored.
    let form = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        ("client_secret", &secret),
    ]);
    granted(
        &app.post_form(TOKEN, &[("Authorization", "Bearer whatever")], &form)
            .await,
    );
    // It acts as the agency's investigator would: it sees what the agency's people
    // see, and is marked a machine in the audit trail.
    let me = app.get("/api/v1/me", &token).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["agency_id"], jcf.as_str());
    let case = app.create_case(&detective.token, "Mirrored case").await;
    let case_id = case["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/cases/{case_id}"), &token)
            .await
            .status,
        200
    );
    let other = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let fraud = app
        .user_caller("jm.fraud", &other, &[Role::Investigator])
        .await;
    let hidden = app.create_case(&fraud.token, "Another agency's case").await;
    app.get(
        &format!("/api/v1/cases/{}", hidden["id"].as_str().unwrap()),
        &token,
    )
    .await
    .assert_problem(404, "not-found");
    let entries = app.audit_entries();
    let read = entries
        .iter()
        .rev()
        .find(|e| e["action"] == "case.read" && e["actor"]["user_id"] == account.as_str())
        .expect("the machine's read is audited");
    assert_eq!(read["actor"]["machine"], true);
    assert!(
        entries
            .iter()
            .filter(|e| e["actor"]["user_id"] == detective.id.as_str())
            .all(|e| e["actor"].get("machine").is_none()),
        "people are not marked"
    );
    let grant = entries
        .iter()
        .find(|e| e["action"] == "auth.client_token")
        .unwrap();
    assert_eq!(grant["details"]["auth_method"], "client_secret");

    // A service account never signs in with a password, nor refreshes.
    let login = app.login(&client_id, "!service-account").await;
    login.assert_problem(401, "invalid-credentials");
}

#[actix_web::test]
async fn its_secret_rotates_bad_requests_are_told_apart_and_wrong_secrets_lock_it_out() {
    let p = people().await;
    let Account {
        account,
        client_id,
        secret,
    } = register(&p).await;
    let People { app, jm_admin, .. } = &p;
    // Rotation: the new secret works at once, the old one during the overlap only.
    let rotated = app
        .post(
            &format!("/api/v1/service-accounts/{account}/secret"),
            &jm_admin.token,
            &json!({"overlap_secs": 3600}),
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = rotated.body["client_secret"].as_str().unwrap().to_owned();
    assert!(rotated.body["previous_secret_valid_until"].is_string());
    granted(&with_secret(app, &client_id, &second).await);
    granted(&with_secret(app, &client_id, &secret).await);
    let again = app
        .post(
            &format!("/api/v1/service-accounts/{account}/secret"),
            &jm_admin.token,
            &json!({"overlap_secs": 0}),
        )
        .await;
    let third = again.body["client_secret"].as_str().unwrap().to_owned();
    refused(&with_secret(app, &client_id, &secret).await);
    refused(&with_secret(app, &client_id, &second).await);
    granted(&with_secret(app, &client_id, &third).await);

    // Bad requests are told apart from bad credentials.
    let res = app
        .post_form(TOKEN, &[], &encode(&[("grant_type", "password")]))
        .await;
    res.assert_problem(400, "unsupported-grant-type");
    assert_eq!(res.body["error"], "unsupported_grant_type");
    let res = app.post_form(TOKEN, &[], "client_id=a").await;
    res.assert_problem(400, "invalid-token-request");
    assert_eq!(res.body["error"], "invalid_request");
    // Unknown parameters are ignored, even repeated; a known one twice is refused.
    refused(
        &app.post_form(TOKEN, &[], "grant_type=client_credentials&x=1&x=2")
            .await,
    );
    let twice = "grant_type=client_credentials&grant_type=client_credentials";
    app.post_form(TOKEN, &[], twice)
        .await
        .assert_problem(400, "invalid-token-request");
    refused(
        &app.post_form(TOKEN, &[], &encode(&[("grant_type", "client_credentials")]))
            .await,
    );
    let json_body = app
        .request(
            "POST",
            TOKEN,
            None,
            Some(br#"{"grant_type":"client_credentials"}"#.to_vec()),
            Some("application/json"),
        )
        .await;
    json_body.assert_problem(415, "unsupported-media-type");
    refused(&with_secret(app, "svc-unknown", &third).await);

    // Lockout: five wrong secrets lock the client, even the right one is refused,
    // and an administrator's unlock lets it in again.
    for _ in 0..5 {
        refused(&with_secret(app, &client_id, "cls_wrong").await);
    }
    refused(&with_secret(app, &client_id, &third).await);
    let entries = app.audit_entries();
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "auth.account_locked"
                && e["actor"]["user_id"] == account.as_str())
    );
    let reasons: Vec<&str> = entries
        .iter()
        .filter(|e| e["action"] == "auth.client_failed")
        .map(|e| e["details"]["reason"].as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"wrong secret"), "{reasons:?}");
    assert!(reasons.contains(&"locked"), "{reasons:?}");
    assert!(reasons.contains(&"unknown client"), "{reasons:?}");
    // No secret is ever written to the trail.
    let trail = serde_json::to_string(&entries).unwrap();
    for s in [&secret, &second, &third] {
        assert!(!trail.contains(s.as_str()));
    }
    let unlocked = app
        .post(
            &format!("/api/v1/users/{account}/unlock"),
            &jm_admin.token,
            &json!({}),
        )
        .await;
    assert!(unlocked.status.is_success(), "{}", unlocked.body);
    granted(&with_secret(app, &client_id, &third).await);
}

#[actix_web::test]
async fn a_service_account_never_gets_administrative_roles_and_once_disabled_no_tokens() {
    let p = people().await;
    let Account {
        account,
        client_id,
        secret,
    } = register(&p).await;
    let People { app, jm_admin, .. } = &p;
    let third = secret;
    let token = granted(&with_secret(app, &client_id, &third).await);
    // Never given administrative roles afterwards either.
    app.patch(
        &format!("/api/v1/users/{account}"),
        &jm_admin.token,
        &json!({"roles": ["investigator", "admin"]}),
    )
    .await
    .assert_problem(422, "validation-failed");

    // Disabled through the users API like a person: no more tokens.
    let disabled = app
        .patch(
            &format!("/api/v1/users/{account}"),
            &jm_admin.token,
            &json!({"status": "disabled"}),
        )
        .await;
    assert!(disabled.status.is_success(), "{}", disabled.body);
    refused(&with_secret(app, &client_id, &third).await);
    app.get("/api/v1/me", &token)
        .await
        .assert_problem(401, "unauthenticated");
}

fn base64_basic(id: &str, secret: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
    )
}

/// A service account of `agency` that signs client assertions with `keys`.
async fn key_client(app: &TestApp, admin: &Caller, agency: &str, keys: &Value) -> Response {
    let created = app
        .post(
            "/api/v1/service-accounts",
            &admin.token,
            &json!({"agency_id": agency, "name": "TTPS RMS", "roles": ["investigator", "supervisor"],
                    "auth_method": "private_key_jwt", "jwks": keys}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created
}

/// An assertion is accepted until its `exp` plus the clock leeway: its `jti` is
/// remembered that long, so it works once in all that time; and not before its `nbf`.
#[actix_web::test]
async fn an_assertion_works_once_for_as_long_as_it_is_accepted_and_not_before_its_nbf() {
    let app = TestApp::spawn().await;
    let ministry = app.agency("TT", "Ministry of National Security", AgencyKind::Other);
    let admin = app
        .user_caller("tt.sec.admin", &ministry, &[Role::Admin])
        .await;
    let ttps = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let keys: Value = serde_json::from_str(&format!("{{\"keys\": [{EC_JWK}]}}")).unwrap();
    let created = key_client(&app, &admin, &ttps, &keys).await;
    let client_id = created.body["client_id"].as_str().unwrap();
    let now = chrono::Utc::now().timestamp();
    // Past its exp, within the leeway for clocks that disagree: accepted once.
    let late = assertion(
        &app,
        client_id,
        Algorithm::ES256,
        EC_KEY,
        json!({"exp": now - 10}),
    );
    granted(&with_assertion(&app, &late).await);
    for _ in 0..2 {
        refused(&with_assertion(&app, &late).await);
    }
    // Another assertion's use forgets what has run out, not this one.
    let other = assertion(&app, client_id, Algorithm::ES256, EC_KEY, json!({}));
    granted(&with_assertion(&app, &other).await);
    refused(&with_assertion(&app, &late).await);
    // Not before its nbf (beyond the leeway); from then on, as any other.
    let early = assertion(
        &app,
        client_id,
        Algorithm::ES256,
        EC_KEY,
        json!({"nbf": now + 120}),
    );
    refused(&with_assertion(&app, &early).await);
    let recorded = app
        .audit_entries()
        .into_iter()
        .any(|e| e["action"] == "auth.client_failed" && e["details"]["reason"] == "not yet valid");
    assert!(recorded, "the early assertion is audited as such");
    let ready = assertion(
        &app,
        client_id,
        Algorithm::ES256,
        EC_KEY,
        json!({"nbf": now - 5}),
    );
    granted(&with_assertion(&app, &ready).await);
}

#[actix_web::test]
async fn client_assertions_signed_with_registered_keys_are_single_use_and_checked() {
    let app = TestApp::spawn().await;
    let ministry = app.agency("TT", "Ministry of National Security", AgencyKind::Other);
    let admin = app
        .user_caller("tt.sec.admin", &ministry, &[Role::Admin])
        .await;
    let ttps = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let keys: Value = serde_json::from_str(&format!("{{\"keys\": [{EC_JWK}, {ED_JWK}]}}")).unwrap();

    let mut private = keys.clone();
    private["keys"][0]["d"] = json!("xyvybvxDBetYB0v6-OkkDIvRhq7NGkdFfRHERsLq3lM");
    for jwks in [
        None,
        Some(json!({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]})),
        Some(private),
        Some(json!([EC_JWK])),
    ] {
        let mut body = json!({"agency_id": ttps, "name": "TTPS RMS", "roles": ["investigator"],
                              "auth_method": "private_key_jwt"});
        if let Some(jwks) = jwks {
            body["jwks"] = jwks;
        }
        app.post("/api/v1/service-accounts", &admin.token, &body)
            .await
            .assert_problem(422, "validation-failed");
    }
    let created = key_client(&app, &admin, &ttps, &keys).await;
    assert!(created.body.get("client_secret").is_none());
    let client_id = created.body["client_id"].as_str().unwrap().to_owned();
    let account = created.body["id"].as_str().unwrap().to_owned();

    // ES256 and EdDSA assertions both work; the token is the caller's.
    for (alg, key) in [(Algorithm::ES256, EC_KEY), (Algorithm::EdDSA, ED_KEY)] {
        let jwt = assertion(&app, &client_id, alg, key, json!({}));
        let token = granted(&with_assertion(&app, &jwt).await);
        let me = app.get("/api/v1/me", &token).await;
        assert_eq!(me.body["id"], account.as_str());
        // Each assertion works once.
        refused(&with_assertion(&app, &jwt).await);
    }
    // With the client id in the form too.
    let jwt = assertion(&app, &client_id, Algorithm::ES256, EC_KEY, json!({}));
    let form = encode(&[
        ("grant_type", "client_credentials"),
        ("client_id", &client_id),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", &jwt),
    ]);
    granted(&app.post_form(TOKEN, &[], &form).await);

    let now = chrono::Utc::now().timestamp();
    let cases = [
        ("expired", json!({"exp": now - 120})),
        (
            "wrong audience",
            json!({"aud": "https://elsewhere.example/token"}),
        ),
        ("wrong issuer", json!({"iss": "svc-someone-else"})),
        (
            "expires more than an hour ahead",
            json!({"exp": now + 7200}),
        ),
        ("no jti", json!({"jti": ""})),
    ];
    for (reason, change) in cases {
        let jwt = assertion(&app, &client_id, Algorithm::ES256, EC_KEY, change);
        refused(&with_assertion(&app, &jwt).await);
        let recorded = app
            .audit_entries()
            .into_iter()
            .any(|e| e["action"] == "auth.client_failed" && e["details"]["reason"] == reason);
        assert!(recorded, "{reason} is audited");
    }
    // Signed with a key that is not registered, or naming another client.
    let jwt = assertion(&app, &client_id, Algorithm::ES256, OTHER_EC_KEY, json!({}));
    refused(&with_assertion(&app, &jwt).await);
    let jwt = assertion(&app, "svc-nobody", Algorithm::ES256, EC_KEY, json!({}));
    refused(&with_assertion(&app, &jwt).await);
    // The wrong assertion type, and a secret for a key-based client.
    let jwt = assertion(&app, &client_id, Algorithm::ES256, EC_KEY, json!({}));
    let form = encode(&[
        ("grant_type", "client_credentials"),
        ("client_assertion_type", "urn:example:saml"),
        ("client_assertion", &jwt),
    ]);
    refused(&app.post_form(TOKEN, &[], &form).await);
    refused(&with_secret(&app, &client_id, "cls_anything").await);
    // A key-based client has no secret to rotate.
    app.post(
        &format!("/api/v1/service-accounts/{account}/secret"),
        &admin.token,
        &json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    let grants = app
        .audit_entries()
        .into_iter()
        .filter(|e| {
            e["action"] == "auth.client_token" && e["details"]["auth_method"] == "private_key_jwt"
        })
        .count();
    assert_eq!(grants, 3);
}

/// The feed as `token` reads it from `after`: its events' types and subjects, and the
/// cursor.
async fn feed(app: &TestApp, token: &str, query: &str) -> (Vec<(String, String)>, String) {
    let res = app.get(&format!("/api/v1/events?{query}"), token).await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    let items = res.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["subject"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (items, res.body["next_cursor"].as_str().unwrap().to_owned())
}

fn outbox_size(app: &TestApp) -> i64 {
    use caseledger::db::schema::events::dsl;
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    dsl::events.count().get_result(&mut conn).unwrap()
}

/// A JCF case system's mirror (a service account) and the people around it: the JCF's
/// case, its item with one custody entry, and another JM agency's case.
struct FeedWorld {
    app: TestApp,
    jm: crate::common::Caller,
    other: crate::common::Caller,
    bb: crate::common::Caller,
    rbpf: String,
    mirror: String,
    case_id: String,
    item_id: String,
    hidden: Value,
    /// The item's custody path.
    custody: String,
}

async fn feed_world() -> FeedWorld {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let fraud = app.agency("JM", "JCF Fraud Squad", AgencyKind::Police);
    let rbpf = app.agency("BB", "RBPF Cyber Unit", AgencyKind::Police);
    let ministry = app.agency("JM", "Ministry of National Security", AgencyKind::Other);
    let admin = app.user_caller("jm.admin", &ministry, &[Role::Admin]).await;
    let roles = [Role::Investigator, Role::Supervisor];
    let jm = app.user_caller("jm.inv", &jcf, &roles).await;
    let other = app.user_caller("jm.fraud", &fraud, &roles).await;
    let bb = app.user_caller("bb.inv", &rbpf, &roles).await;
    let created = app
        .post(
            "/api/v1/service-accounts",
            &admin.token,
            &json!({"agency_id": jcf, "name": "JCF mirror", "roles": ["investigator"],
                    "auth_method": "client_secret"}),
        )
        .await;
    let mirror = granted(
        &with_secret(
            &app,
            created.body["client_id"].as_str().unwrap(),
            created.body["client_secret"].as_str().unwrap(),
        )
        .await,
    );

    let (items, _) = feed(&app, &mirror, "").await;
    assert!(items.is_empty());

    // The JCF's case, its item and a custody entry; and another agency's case.
    let case = app.create_case(&jm.token, "Mirrored case").await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let hidden = app.create_case(&other.token, "Fraud squad case").await;
    let item = app
        .post(
            &format!("/api/v1/cases/{case_id}/evidence"),
            &jm.token,
            &json!({"description": "Phone", "kind": "device",
                    "collected": {"location": "Kingston", "reason": "seized", "authority": "Warrant 7"}}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let item_id = item.body["id"].as_str().unwrap().to_owned();
    let custody = format!("/api/v1/evidence/{item_id}/custody");
    let noted = app
        .post(&custody, &jm.token, &json!({"type": "note"}))
        .await;
    assert_eq!(noted.status, 201, "{}", noted.body);

    FeedWorld {
        app,
        jm,
        other,
        bb,
        rbpf,
        mirror,
        case_id,
        item_id,
        hidden,
        custody,
    }
}

/// Where the mirror's feed ends now.
async fn feed_end(w: &FeedWorld) -> String {
    feed(&w.app, &w.mirror, "").await.1
}

/// In commit order, paged, filtered, and never another agency's.
#[actix_web::test]
async fn the_feed_lists_what_the_agency_may_see_in_commit_order_paged_and_filtered() {
    let w = feed_world().await;
    let FeedWorld {
        app,
        jm,
        other,
        mirror,
        case_id,
        item_id,
        hidden,
        ..
    } = &w;
    // In commit order, the other agency's case left out, for the mirror as for the
    // agency's people.
    let expected = vec![
        ("case.created".to_owned(), case_id.clone()),
        ("evidence.registered".to_owned(), item_id.clone()),
        ("custody.appended".to_owned(), item_id.clone()),
    ];
    let (items, cursor) = feed(app, mirror, "").await;
    assert_eq!(items, expected);
    assert_eq!(feed(app, &jm.token, "").await.0, expected);
    assert_eq!(
        feed(app, &other.token, "").await.0,
        [(
            "case.created".to_owned(),
            hidden["id"].as_str().unwrap().to_owned()
        )]
    );
    // Paged one at a time: the same events, none skipped or repeated.
    let mut paged = Vec::new();
    let (first, mut after) = feed(app, mirror, "limit=1").await;
    paged.extend(first);
    loop {
        let (items, next) = feed(app, mirror, &format!("after={after}&limit=1")).await;
        after = next;
        if items.is_empty() {
            break;
        }
        paged.extend(items);
    }
    assert_eq!(paged, expected);
    // An empty page's cursor stays where it was: it still reads nothing new.
    assert!(
        feed(app, mirror, &format!("after={after}"))
            .await
            .0
            .is_empty()
    );
    assert!(
        feed(app, mirror, &format!("after={cursor}"))
            .await
            .0
            .is_empty()
    );
    // Filtered by type, exactly or by prefix.
    assert_eq!(
        feed(app, mirror, "types=case.*").await.0,
        expected[..1].to_vec()
    );
    assert_eq!(
        feed(app, mirror, "types=custody.appended,evidence.registered")
            .await
            .0,
        expected[1..].to_vec()
    );
    for bad in [
        "types=Case",
        "after=-1",
        "after=abc",
        "after=3",
        "after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "wait=31",
        "limit=0",
        "since=1",
    ] {
        app.get(&format!("/api/v1/events?{bad}"), mirror)
            .await
            .assert_problem(422, "validation-failed");
    }
}

/// Sharing opens the feed to another state, and unsharing closes it.
#[actix_web::test]
async fn another_state_hears_of_a_case_only_while_it_is_shared_with_it() {
    let w = feed_world().await;
    let cursor = feed_end(&w).await;
    let FeedWorld {
        app,
        jm,
        bb,
        rbpf,
        mirror,
        case_id,
        item_id,
        ..
    } = &w;
    // Barbados hears of the case only while it is shared with it.
    assert!(feed(app, &bb.token, "").await.0.is_empty());
    let share = app
        .post(
            &format!("/api/v1/cases/{case_id}/participants"),
            &jm.token,
            &json!({"agency_id": rbpf, "access": "contribute"}),
        )
        .await;
    assert!(share.status.is_success(), "{}", share.body);
    let (bb_items, _) = feed(app, &bb.token, "").await;
    assert!(bb_items.contains(&("case.shared".to_owned(), case_id.clone())));
    assert!(bb_items.contains(&("custody.appended".to_owned(), item_id.clone())));
    let unshared = app
        .request(
            "DELETE",
            &format!("/api/v1/cases/{case_id}/participants/{rbpf}"),
            Some(&jm.token),
            None,
            None,
        )
        .await;
    assert_eq!(unshared.status, 204, "{}", unshared.body);
    assert!(
        feed(app, &bb.token, "").await.0.is_empty(),
        "nothing after removal"
    );
    let (mine, _) = feed(app, mirror, &format!("after={cursor}")).await;
    assert_eq!(
        mine,
        [
            ("case.shared".to_owned(), case_id.clone()),
            ("case.unshared".to_owned(), case_id.clone())
        ]
    );
}

/// One event per committed change, through the ledger or a single audited transaction.
#[actix_web::test]
async fn a_refused_change_writes_no_event_and_a_committed_one_exactly_one() {
    let w = feed_world().await;
    let cursor = feed_end(&w).await;
    let FeedWorld {
        app,
        jm,
        bb,
        mirror,
        case_id,
        item_id,
        custody,
        ..
    } = &w;
    // A refused change writes no event; a committed one exactly one.
    let before = outbox_size(app);
    app.post(custody, &bb.token, &json!({"type": "note"}))
        .await
        .assert_problem(404, "not-found");
    app.post(custody, &jm.token, &json!({"type": "received"}))
        .await
        .assert_problem(409, "custody-rule-violated");
    app.patch(
        &format!("/api/v1/cases/{case_id}"),
        &jm.token,
        &json!({"title": "no If-Match"}),
    )
    .await
    .assert_problem(428, "precondition-required");
    assert_eq!(outbox_size(app), before);
    assert_eq!(
        app.post(custody, &jm.token, &json!({"type": "note"}))
            .await
            .status,
        201
    );
    assert_eq!(outbox_size(app), before + 1);
    let (latest, cursor) = feed(app, mirror, &format!("after={cursor}")).await;
    assert_eq!(latest, [("custody.appended".to_owned(), item_id.clone())]);
    // A change through a single audited transaction announces itself the same way.
    let current = app
        .get(&format!("/api/v1/cases/{case_id}"), &jm.token)
        .await;
    let etag = current
        .headers
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let renamed = app
        .request_with_headers(
            "PATCH",
            &format!("/api/v1/cases/{case_id}"),
            &jm.token,
            &[("If-Match", etag.as_str())],
            Some(&json!({"title": "Mirrored case, renamed"})),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let (latest, _) = feed(app, mirror, &format!("after={cursor}")).await;
    assert_eq!(latest, [("case.updated".to_owned(), case_id.clone())]);
}

/// Long-polling, the audit of each read, and the outbox append-only.
#[actix_web::test]
async fn the_feed_waits_for_more_and_every_read_of_it_is_audited() {
    let w = feed_world().await;
    let cursor = feed_end(&w).await;
    let FeedWorld {
        app,
        jm,
        mirror,
        item_id,
        custody,
        ..
    } = &w;
    // Long-polling: an empty wait ends after it, and a commit during a wait answers
    // it within a second.
    let started = std::time::Instant::now();
    let (items, same) = feed(app, mirror, &format!("after={cursor}&wait=1")).await;
    assert!(items.is_empty());
    assert_ne!(same, cursor, "sealed anew each time");
    assert!(
        feed(app, mirror, &format!("after={same}"))
            .await
            .0
            .is_empty()
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    let long_poll = format!("after={cursor}&wait=20");
    let waiting = feed(app, mirror, &long_poll);
    let commit = async {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
        let at = std::time::Instant::now();
        assert_eq!(
            app.post(custody, &jm.token, &json!({"type": "note"}))
                .await
                .status,
            201
        );
        at
    };
    let started = std::time::Instant::now();
    let ((items, _), committed_at) = futures_util::future::join(waiting, commit).await;
    assert_eq!(items, [("custody.appended".to_owned(), item_id.clone())]);
    let heard = started.elapsed();
    assert!(heard < std::time::Duration::from_secs(5), "{heard:?}");
    assert!(
        committed_at.elapsed() < std::time::Duration::from_secs(1),
        "heard {:?} after the commit",
        committed_at.elapsed()
    );

    // Every read of the feed is audited, with the events it answered.
    let reads = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "event.feed" && e["actor"]["machine"] == true)
        .count();
    // The mirror read it five times here: empty before anything was committed, its
    // end, the empty wait, the read after it and the long poll.
    assert_eq!(reads, 5, "one audit entry per read of the feed");
    // The outbox is append-only in the database.
    app.assert_append_only("events", "UPDATE events SET event_type = 'x'");
    app.assert_append_only("events", "DELETE FROM events");
}

#[actix_web::test]
async fn deadlines_reached_and_expiries_near_are_announced_once_to_those_who_see_them() {
    use crate::mla::preservations::{desks, preservation, submitted_request};
    let app = TestApp::spawn_with(|s| s.expiry_sweep_ms = 100).await;
    let d = desks(&app).await;
    let request = submitted_request(&app, &d).await;
    let sent = app
        .post(
            "/api/v1/preservations",
            &d.jm_point.token,
            &preservation(&d.jm_police),
        )
        .await;
    let kept = sent.body["id"].as_str().unwrap().to_owned();
    let preserved = app
        .post(
            &format!("/api/v1/preservations/{kept}/events"),
            &d.tt_point.token,
            &json!({"type": "preserved"}),
        )
        .await;
    assert_eq!(preserved.status, 201, "{}", preserved.body);
    // Time passes: the acknowledgement falls due, and the preservation comes within
    // a week of its end (set in the database, as the clock would).
    app.exec(&format!(
        "UPDATE mla_requests SET acknowledge_by = created_at WHERE id = '{request}'"
    ))
    .unwrap();
    let soon = if app.is_postgres() {
        "now() + interval '2 days'"
    } else {
        "datetime('now', '+2 days')"
    };
    app.exec(&format!(
        "UPDATE preservations SET expires_at = {soon} WHERE id = '{kept}'"
    ))
    .unwrap();
    let due = ("deadline.due".to_owned(), request.clone());
    let expiring = ("preservation.expiring".to_owned(), kept.clone());
    let mut waited = 0;
    let heard = loop {
        let (items, _) = feed(
            &app,
            &d.jm_authority.token,
            "types=deadline.due,preservation.expiring",
        )
        .await;
        if items.len() >= 2 {
            break items;
        }
        waited += 1;
        assert!(waited < 100, "nothing was announced: {items:?}");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        heard.contains(&due) && heard.contains(&expiring),
        "{heard:?}"
    );
    // Announced once, however many sweeps pass.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(500)).await;
    let (again, _) = feed(
        &app,
        &d.jm_authority.token,
        "types=deadline.due,preservation.expiring",
    )
    .await;
    assert_eq!(again.len(), 2, "{again:?}");
    // Only those who see the request and the preservation hear of them.
    let (tt, _) = feed(
        &app,
        &d.tt_point.token,
        "types=deadline.due,preservation.expiring",
    )
    .await;
    assert_eq!(tt, std::slice::from_ref(&expiring));
    let (tt_ca, _) = feed(
        &app,
        &d.tt_authority.token,
        "types=deadline.due,preservation.expiring",
    )
    .await;
    assert!(tt_ca.contains(&due) && tt_ca.contains(&expiring));
    assert!(
        feed(&app, &d.bb_point.token, "").await.0.is_empty(),
        "a third state hears nothing"
    );
    assert!(feed(&app, &d.jm_other_police.token, "").await.0.is_empty());
}

/// A system's key server on 127.0.0.1: serves whatever JWK Set (or body) it holds,
/// and counts its reads.
#[derive(Clone, Default)]
struct KeyServer {
    body: std::sync::Arc<std::sync::Mutex<(u16, String)>>,
    reads: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl KeyServer {
    fn start(&self) -> String {
        use actix_web::{HttpResponse, web};
        let me = self.clone();
        let server = actix_web::HttpServer::new(move || {
            let me = me.clone();
            actix_web::App::new().route(
                "/jwks.json",
                web::get().to(move || {
                    let me = me.clone();
                    async move {
                        me.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let (status, body) = me.body.lock().unwrap().clone();
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .content_type("application/json")
                            .body(body)
                    }
                }),
            )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        format!("http://127.0.0.1:{port}/jwks.json")
    }

    fn serve(&self, status: u16, body: &str) {
        *self.body.lock().unwrap() = (status, body.to_owned());
    }

    fn reads(&self) -> usize {
        self.reads.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// An assertion with a `kid` in its header.
fn assertion_with_kid(
    app: &TestApp,
    client_id: &str,
    alg: Algorithm,
    key: &str,
    kid: &str,
) -> String {
    let now = chrono::Utc::now().timestamp();
    let claims = json!({"iss": client_id, "sub": client_id, "aud": token_endpoint(app),
                        "exp": now + 120, "jti": uuid::Uuid::new_v4().to_string()});
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(key.as_bytes()).unwrap(),
        _ => EncodingKey::from_ed_pem(key.as_bytes()).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

#[actix_web::test]
async fn keys_published_at_a_jwks_url_are_read_through_the_guard_cached_and_reread_on_rotation() {
    let app = TestApp::spawn_with(|s| {
        s.webhook_allow_hosts = "127.0.0.1".into();
        s.jwks_reread_secs = 0;
    })
    .await;
    let ministry = app.agency("TT", "Ministry of National Security", AgencyKind::Other);
    let admin = app
        .user_caller("tt.sec.admin", &ministry, &[Role::Admin])
        .await;
    let ttps = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let server = KeyServer::default();
    let url = server.start();
    let register = |jwks_uri: Value, extra: Value| {
        let mut body = json!({"agency_id": ttps, "name": "TTPS RMS", "roles": ["investigator"],
                              "auth_method": "private_key_jwt", "jwks_uri": jwks_uri});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };

    // Refused at registration: a URL the guard refuses (decided before any
    // connection), one that answers 404, one that holds no usable key, and keys
    // given twice.
    let refusals = [
        (json!("http://10.1.2.3/jwks.json"), "must use https", None),
        (json!("https://10.1.2.3/jwks.json"), "not public", None),
        (json!(url), "answered 404", Some((404, "{}"))),
        (json!(url), "JSON JWK Set", Some((200, "<html>"))),
        (
            json!(url),
            "JWK Set that",
            Some((
                200,
                r#"{"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}"#,
            )),
        ),
    ];
    for (uri, says, serving) in refusals {
        if let Some((status, body)) = serving {
            server.serve(status, body);
        }
        let res = app
            .post(
                "/api/v1/service-accounts",
                &admin.token,
                &register(uri.clone(), json!({})),
            )
            .await;
        res.assert_problem(422, "validation-failed");
        assert!(res.body.to_string().contains(says), "{uri}: {}", res.body);
    }
    let guarded_reads = server.reads();
    assert_eq!(guarded_reads, 3, "only the loopback URL was ever read");
    let both = register(
        json!(url),
        json!({"jwks": {"keys": [serde_json::from_str::<Value>(EC_JWK).unwrap()]}}),
    );
    app.post("/api/v1/service-accounts", &admin.token, &both)
        .await
        .assert_problem(422, "validation-failed");

    // Published: one P-256 key.
    server.serve(200, &format!("{{\"keys\": [{EC_JWK}]}}"));
    let created = app
        .post(
            "/api/v1/service-accounts",
            &admin.token,
            &register(json!(url), json!({})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["jwks_uri"], url.as_str());
    let client_id = created.body["client_id"].as_str().unwrap().to_owned();
    let read_at_registration = server.reads();

    // Assertions with the published key work, from the cache.
    for _ in 0..2 {
        let jwt = assertion_with_kid(&app, &client_id, Algorithm::ES256, EC_KEY, "ec-1");
        granted(&with_assertion(&app, &jwt).await);
    }
    assert_eq!(
        server.reads(),
        read_at_registration,
        "cached, not read per token"
    );

    // The system rotates to an Ed25519 key: an assertion naming it makes the
    // service read the URL again; the retired key no longer works.
    server.serve(200, &format!("{{\"keys\": [{ED_JWK}]}}"));
    let jwt = assertion_with_kid(&app, &client_id, Algorithm::EdDSA, ED_KEY, "ed-1");
    granted(&with_assertion(&app, &jwt).await);
    assert_eq!(server.reads(), read_at_registration + 1);
    let jwt = assertion_with_kid(&app, &client_id, Algorithm::ES256, EC_KEY, "ec-1");
    refused(&with_assertion(&app, &jwt).await);

    // The URL goes down: keys still fresh in the cache keep working.
    server.serve(500, "");
    let jwt = assertion_with_kid(&app, &client_id, Algorithm::EdDSA, ED_KEY, "ed-1");
    granted(&with_assertion(&app, &jwt).await);
}

#[actix_web::test]
async fn a_referral_is_announced_to_the_prosecution_service_it_reaches_and_to_no_one_else() {
    let app = TestApp::spawn().await;
    let police = app.agency("TT", "TTPS Cyber Crime Unit", AgencyKind::Police);
    let dpp = app.agency("TT", "Office of the DPP", AgencyKind::Prosecution);
    let fraud = app.agency("TT", "TTPS Fraud Squad", AgencyKind::Police);
    let inv = app
        .user_caller("tt.inv", &police, &[Role::Investigator])
        .await;
    let sup = app
        .user_caller("tt.sup", &police, &[Role::Supervisor])
        .await;
    let pros = app.user_caller("tt.pros", &dpp, &[Role::Prosecutor]).await;
    let other = app
        .user_caller("tt.fraud", &fraud, &[Role::Investigator])
        .await;
    let case = app.create_case(&inv.token, "Ransomware at the port").await;
    let id = case["id"].as_str().unwrap().to_owned();
    let patch = |token: String, body: Value| {
        let (app, id) = (&app, id.clone());
        async move {
            let read = app.get(&format!("/api/v1/cases/{id}"), &token).await;
            let etag = read
                .headers
                .get("etag")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let res = app
                .request_with_headers(
                    "PATCH",
                    &format!("/api/v1/cases/{id}"),
                    &token,
                    &[("If-Match", &etag)],
                    Some(&body),
                )
                .await;
            assert_eq!(res.status, 200, "{}", res.body);
        }
    };
    patch(inv.token.clone(), json!({"status": "under_investigation"})).await;
    let (before, _) = feed(&app, &pros.token, "").await;
    assert!(
        before.is_empty(),
        "the DPP hears nothing before the referral: {before:?}"
    );

    patch(
        sup.token.clone(),
        json!({"status": "referred_to_prosecution", "prosecution_agency_id": dpp}),
    )
    .await;
    let (heard, _) = feed(&app, &pros.token, "types=case.referred").await;
    assert_eq!(heard, [("case.referred".to_owned(), id.clone())]);
    let (police_heard, _) = feed(&app, &inv.token, "types=case.*").await;
    let types: Vec<&str> = police_heard.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "case.created",
            "case.updated",
            "case.updated",
            "case.referred"
        ]
    );
    let (elsewhere, _) = feed(&app, &other.token, "").await;
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

/// A feed cursor is opaque: one who may see nothing learns nothing from it of what
/// the region does (the review's monitor saw "0", then "3" after three cases).
#[actix_web::test]
async fn the_feed_cursor_tells_nothing_of_what_the_caller_may_not_see() {
    let app = TestApp::spawn().await;
    let jcf = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let impacs = app.agency("BB", "CARICOM IMPACS", AgencyKind::Other);
    let jm = app.user_caller("jm.inv", &jcf, &[Role::Investigator]).await;
    let monitor = app
        .user_caller("bb.monitor", &impacs, &[Role::Monitor])
        .await;
    let (items, quiet) = feed(&app, &monitor.token, "").await;
    assert!(items.is_empty());
    let (_, quiet_again) = feed(&app, &monitor.token, "").await;
    for n in 0..3 {
        app.create_case(&jm.token, &format!("Case {n}")).await;
    }
    let (items, busy) = feed(&app, &monitor.token, &format!("after={quiet}")).await;
    assert!(items.is_empty());
    for cursor in [&quiet, &quiet_again, &busy] {
        assert_eq!(cursor.len(), 64, "{cursor}");
        assert!(cursor.parse::<i64>().is_err(), "{cursor}");
    }
    // Whether the region moved or not, a cursor differs from the last one.
    assert_ne!(quiet, quiet_again);
    assert_ne!(quiet_again, busy);
    // It still resumes where it was: the JM team hears its cases once.
    let (first, next) = feed(&app, &jm.token, "").await;
    assert_eq!(first.len(), 3);
    assert!(
        feed(&app, &jm.token, &format!("after={next}"))
            .await
            .0
            .is_empty()
    );
}
