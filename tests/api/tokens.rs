//! Forged and altered access tokens are refused, each with the same 401.

use crate::common::TestApp;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn sign_ed25519(key: &SigningKey, kid: Option<&str>, typ: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = kid.map(str::to_owned);
    header.typ = Some(typ.to_owned());
    let der = caseledger::keys::pkcs8_der(key).unwrap();
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&der)).unwrap()
}

#[actix_web::test]
async fn forged_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let other = app
        .user_caller("jm.other", &agency, &[Role::Investigator])
        .await;
    let kid = app.state.tokens.kid().to_owned();
    let pem =
        std::fs::read_to_string(app.state.settings.data_dir.join("jwt-signing-key.pem")).unwrap();
    let real_key = SigningKey::from_pkcs8_pem(&pem).unwrap();
    let other_key = SigningKey::from_bytes(&[7u8; 32]);
    let claims = claims_of(&caller.token);
    let now = chrono::Utc::now().timestamp();
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        c
    };

    // The harness signs correctly: a token it makes from the real key is accepted.
    let genuine = sign_ed25519(&real_key, Some(&kid), "at+jwt", &claims);
    assert_eq!(app.get("/api/v1/me", &genuine).await.status, 200);

    let public_x = URL_SAFE_NO_PAD.encode(real_key.verifying_key().to_bytes());
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(kid.clone());
        header.typ = Some("at+jwt".into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(public_x.as_bytes()),
        )
        .unwrap()
    };
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt", "kid": kid})),
        b64(&claims)
    );
    let tampered = {
        let parts: Vec<&str> = caller.token.split('.').collect();
        format!(
            "{}.{}.{}",
            parts[0],
            b64(&with("sub", json!(other.id))),
            parts[2]
        )
    };
    let forged = [
        ("alg none", none),
        ("HS256 with the public key as secret", hs256),
        (
            "another key under our kid",
            sign_ed25519(&other_key, Some(&kid), "at+jwt", &claims),
        ),
        (
            "unknown kid",
            sign_ed25519(&real_key, Some("some-other-key"), "at+jwt", &claims),
        ),
        ("no kid", sign_ed25519(&real_key, None, "at+jwt", &claims)),
        (
            "wrong typ",
            sign_ed25519(&real_key, Some(&kid), "JWT", &claims),
        ),
        (
            "expired",
            sign_ed25519(
                &real_key,
                Some(&kid),
                "at+jwt",
                &with("exp", json!(now - 120)),
            ),
        ),
        (
            "not yet valid",
            sign_ed25519(
                &real_key,
                Some(&kid),
                "at+jwt",
                &with("nbf", json!(now + 600)),
            ),
        ),
        (
            "wrong audience",
            sign_ed25519(
                &real_key,
                Some(&kid),
                "at+jwt",
                &with("aud", json!("other-api")),
            ),
        ),
        (
            "wrong issuer",
            sign_ed25519(
                &real_key,
                Some(&kid),
                "at+jwt",
                &with("iss", json!("someone-else")),
            ),
        ),
        ("payload altered after signing", tampered),
        (
            "unknown session",
            sign_ed25519(
                &real_key,
                Some(&kid),
                "at+jwt",
                &with("sid", json!("01990000-0000-7000-8000-000000000000")),
            ),
        ),
        ("not a JWT", "garbage".to_owned()),
    ];
    for (what, token) in forged {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status, 401, "{what} was accepted: {}", res.body);
        res.assert_problem(401, "unauthenticated");
        assert_eq!(res.headers.get("www-authenticate").unwrap(), "Bearer");
    }

    // No token, or another scheme.
    let res = app.request("GET", "/api/v1/me", None, None, None).await;
    res.assert_problem(401, "unauthenticated");
    let res = app
        .client_request_with_header(
            "/api/v1/me",
            ("Authorization", format!("Basic {}", caller.token)),
        )
        .await;
    res.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn token_times_are_held_to_a_few_seconds() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let kid = app.state.tokens.kid().to_owned();
    let pem =
        std::fs::read_to_string(app.state.settings.data_dir.join("jwt-signing-key.pem")).unwrap();
    let key = SigningKey::from_pkcs8_pem(&pem).unwrap();
    let claims = claims_of(&caller.token);
    let now = chrono::Utc::now().timestamp();
    let ttl = app.state.tokens.ttl_secs();
    let token = |iat: i64, nbf: i64, exp: i64| {
        let mut c = claims.clone();
        c["iat"] = json!(iat);
        c["nbf"] = json!(nbf);
        c["exp"] = json!(exp);
        c["jti"] = json!(uuid::Uuid::new_v4().to_string());
        sign_ed25519(&key, Some(&kid), "at+jwt", &c)
    };
    let leeway = caseledger::auth::tokens::LEEWAY_SECS;
    let cases = [
        ("issued now", token(now, now, now + ttl), 200),
        (
            "expired within the leeway",
            token(now - ttl, now - ttl, now - 1),
            200,
        ),
        (
            "expired 15 s ago",
            token(now - ttl, now - ttl, now - 15),
            401,
        ),
        ("valid from 15 s on", token(now, now + 15, now + ttl), 401),
        (
            "issued 15 s in the future",
            token(now + 15, now + 15, now + 15 + ttl),
            401,
        ),
        (
            "a ten-year lifetime",
            token(now, now, now + 10 * 365 * 86_400),
            401,
        ),
        (
            "one second longer than issued",
            token(now, now, now + ttl + 1),
            401,
        ),
        (
            "valid before it was issued",
            token(now, now - 60, now + ttl),
            401,
        ),
    ];
    assert!(leeway < 15);
    for (what, token, status) in cases {
        let res = app.get("/api/v1/me", &token).await;
        assert_eq!(res.status, status, "{what}: {}", res.body);
        // A second use takes the verified-token cache: the same answer.
        assert_eq!(app.get("/api/v1/me", &token).await.status, status, "{what}");
    }
}

#[actix_web::test]
async fn access_tokens_carry_the_checked_claims() {
    let app = TestApp::spawn().await;
    let agency = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let caller = app
        .user_caller("jm.inv", &agency, &[Role::Investigator])
        .await;
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(caller.token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    assert_eq!(header["kid"], app.state.tokens.kid());
    let claims = claims_of(&caller.token);
    assert_eq!(claims["iss"], "caseledger");
    assert_eq!(claims["aud"], "caseledger-api");
    assert_eq!(claims["sub"], caller.id);
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 15 * 60);
}
