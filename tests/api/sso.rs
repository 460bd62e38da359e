//! Sign-in with national identity providers (OpenID Connect), against a real OpenID
//! provider (panva's `oidc-provider`, from npm: `tests/oidc/provider.mjs`) that each
//! test starts: registration of providers by regional administrators, and the
//! sign-in itself in Chromium (`tests/browser/sso.mjs`): an account made from the
//! provider's claims, its second factor counted when the ID token says one was
//! given, the service's own asked otherwise, and refusals.

use crate::browser::{Run, free_port};
use crate::common::TestApp;
use caseledger::agencies::AgencyKind;
use caseledger::auth::roles::Role;
use caseledger::config::MfaPolicy;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const CLIENT_ID: &str = "caseledger-jm";
const CLIENT_SECRET: &str = "a client secret the provider issued";

fn oidc_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// The provider, as a process of its own; stopped when dropped.
struct Idp {
    child: std::process::Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider for a service whose pages are at `service_base`, with
/// `accounts` (login → claims); ready when this returns.
async fn idp(dir: &Path, service_base: &str, accounts: Value) -> Idp {
    assert!(
        oidc_dir().join("node_modules/oidc-provider").exists(),
        "the SSO tests need tests/oidc's npm package oidc-provider: the README's test \
         command (.ci/test) installs it"
    );
    let port = free_port();
    let config = json!({
        "port": port,
        "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                   "redirect_uri": format!("{service_base}/app/sso/callback")},
        "accounts": accounts,
    });
    let file = dir.join(format!("idp-{port}.json"));
    std::fs::write(&file, serde_json::to_vec(&config).unwrap()).unwrap();
    let child = std::process::Command::new("node")
        .arg(oidc_dir().join("provider.mjs"))
        .arg(&file)
        .current_dir(oidc_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("node runs");
    // Stopped when dropped, even if it never answers.
    let started = Idp {
        child,
        issuer: format!("http://localhost:{port}"),
    };
    let client = awc::Client::default();
    for _ in 0..100 {
        let url = format!("{}/.well-known/openid-configuration", started.issuer);
        if let Ok(res) = client.get(&url).send().await
            && res.status() == 200
        {
            return started;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the OpenID provider did not start");
}

/// A service reached at `http://localhost:PORT` (its public URL is the redirect
/// URIs' base) that may call the provider on this machine.
async fn service(mfa: MfaPolicy) -> (TestApp, String) {
    let port = free_port();
    let base = format!("http://localhost:{port}");
    let public = base.clone();
    let app = TestApp::spawn_with(move |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.public_url = public;
        s.webhook_allow_hosts = "localhost".into();
        s.mfa = mfa;
    })
    .await;
    (app, base)
}

/// A regional administrator who gave a second factor just now.
async fn regional_admin(app: &TestApp) -> String {
    let regional = app.agency("TT", "CARICOM IMPACS", AgencyKind::Regional);
    crate::step_up::person(app, "impacs", &regional, &[Role::RegionalAdmin])
        .await
        .token
}

fn registration(issuer: &str, ccu: &str, fiu: &str) -> Value {
    json!({
        "name": "Jamaica Constabulary ID",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "agencies": [ccu, fiu],
        "scopes": "openid profile caseledger",
        "mapping": {
            "agency": {"claim": "agency", "values": {"CCU": ccu, "FIU": fiu}},
            "roles": {"claim": "groups", "values": {
                "cyber-investigators": ["investigator"],
                "cyber-leads": ["supervisor", "investigator"]}},
        },
    })
}

#[actix_web::test]
async fn regional_administrators_register_providers_that_the_service_can_read_and_no_one_else() {
    let (app, base) = service(MfaPolicy::Required).await;
    let provider = idp(app.data_dir(), &base, json!({})).await;
    let admin = regional_admin(&app).await;
    let ccu = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let fiu = app.agency("JM", "Financial Investigations", AgencyKind::Police);
    let tt = app.agency("TT", "TTPS Cyber", AgencyKind::Police);
    let body = registration(&provider.issuer, &ccu, &fiu);

    // Every field's problem at once; an issuer that is not one is refused after them.
    let mut bad = body.clone();
    bad["name"] = json!("   ");
    bad["agencies"] = json!([ccu, "no-such-agency"]);
    bad["mapping"]["roles"]["values"]["it"] = json!(["regional_admin"]);
    bad["scopes"] = json!("profile");
    let res = app.post("/api/v1/identity-providers", &admin, &bad).await;
    res.assert_problem(422, "validation-failed");
    let fields: Vec<&str> = res.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "agencies[1]",
            "mapping.agency.values",
            "mapping.roles.values",
            "scopes"
        ],
        "{}",
        res.body
    );
    let mut elsewhere = body.clone();
    elsewhere["issuer"] = json!(format!("{}/realms/other", provider.issuer));
    let res = app
        .post("/api/v1/identity-providers", &admin, &elsewhere)
        .await;
    res.assert_problem(422, "validation-failed");
    assert_eq!(res.body["errors"][0]["field"], "issuer", "{}", res.body);
    let mut private = body.clone();
    private["issuer"] = json!("http://10.0.0.7/realms/police");
    let res = app
        .post("/api/v1/identity-providers", &admin, &private)
        .await;
    assert_eq!(res.body["errors"][0]["field"], "issuer", "{}", res.body);

    let res = app.post("/api/v1/identity-providers", &admin, &body).await;
    assert_eq!(res.status, 201, "{}", res.body);
    let id = res.body["id"].as_str().unwrap().to_owned();
    assert_eq!(res.body["redirect_uri"], format!("{base}/app/sso/callback"));
    assert!(res.body.get("client_secret").is_none());
    assert!(
        !res.raw
            .windows(CLIENT_SECRET.len())
            .any(|w| w == CLIENT_SECRET.as_bytes())
    );
    app.post("/api/v1/identity-providers", &admin, &body)
        .await
        .assert_problem(409, "conflict");

    // Jamaica's administrators read it; Trinidad and Tobago's do not learn it exists;
    // neither may register or change one; an investigator may not even list.
    let person = |name: &'static str, agency: String, role: Role| {
        let app = &app;
        async move {
            crate::step_up::person(app, name, &agency, &[role])
                .await
                .token
        }
    };
    let jm_admin = person("jmadmin", ccu.clone(), Role::Admin).await;
    let tt_admin = person("ttadmin", tt.clone(), Role::Admin).await;
    let path = format!("/api/v1/identity-providers/{id}");
    assert_eq!(app.get(&path, &jm_admin).await.status, 200);
    app.get(&path, &tt_admin)
        .await
        .assert_problem(404, "not-found");
    let listed = app.get("/api/v1/identity-providers", &tt_admin).await;
    assert_eq!(listed.body, json!([]));
    app.post("/api/v1/identity-providers", &jm_admin, &body)
        .await
        .assert_problem(403, "forbidden");
    app.send_json("PATCH", &path, Some(&jm_admin), &json!({"enabled": false}))
        .await
        .assert_problem(403, "forbidden");
    app.send_json("PATCH", &path, Some(&tt_admin), &json!({"enabled": false}))
        .await
        .assert_problem(404, "not-found");
    let investigator = person("det", ccu.clone(), Role::Investigator).await;
    app.get("/api/v1/identity-providers", &investigator)
        .await
        .assert_problem(403, "forbidden");

    // Disabled by the regional administrator: the sign-in page no longer offers it.
    let login = app.request("GET", "/app/login", None, None, None).await;
    let page = String::from_utf8_lossy(&login.raw).into_owned();
    assert!(page.contains(&format!("/app/sso/{id}")), "{page}");
    let res = app
        .send_json("PATCH", &path, Some(&admin), &json!({"enabled": false}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["enabled"], false);
    let login = app.request("GET", "/app/login", None, None, None).await;
    assert!(!String::from_utf8_lossy(&login.raw).contains("/app/sso/"));
    let gone = app
        .request("GET", &format!("/app/sso/{id}"), None, None, None)
        .await;
    assert_eq!(gone.status, 404);

    // Six minutes after the factor, the regional administrator must give it again.
    let me = app.get("/api/v1/me", &admin).await;
    crate::step_up::age_factor(&app, me.body["id"].as_str().unwrap());
    app.send_json("PATCH", &path, Some(&admin), &json!({"enabled": true}))
        .await
        .assert_problem(401, "step-up-required");

    let trail = app.audit_entries();
    let of = |action: &str, outcome: &str| {
        trail
            .iter()
            .filter(|e| e["action"] == action && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(of("identity_provider.create", "success"), 1);
    assert_eq!(
        of("identity_provider.create", "denied"),
        1,
        "the national administrator's"
    );
    assert_eq!(of("identity_provider.update", "success"), 1);
    assert_eq!(
        of("identity_provider.update", "denied"),
        2,
        "403 and step-up"
    );
    assert!(
        !serde_json::to_string(&trail)
            .unwrap()
            .contains(CLIENT_SECRET)
    );
}

#[actix_web::test]
async fn a_callback_without_this_browsers_state_signs_no_one_in() {
    let (app, _) = service(MfaPolicy::Required).await;
    let res = app
        .request(
            "GET",
            "/app/sso/callback?state=abc&code=def",
            None,
            None,
            None,
        )
        .await;
    assert_eq!(res.status, 401);
    assert!(String::from_utf8_lossy(&res.raw).contains("did not succeed"));
    let failed = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.sso_login" && e["outcome"] == "failed")
        .count();
    assert_eq!(failed, 1);
}

#[actix_web::test]
async fn people_sign_in_through_their_agencys_provider_in_chromium() {
    crate::browser::needs_the_browser();
    let (app, base) = service(MfaPolicy::Required).await;
    let accounts = json!({
        "ana": {"name": "Ana Brown", "preferred_username": "ana",
                "groups": ["cyber-leads", "canteen"], "agency": "CCU"},
        "ben": {"name": "Ben Lee", "preferred_username": "ben",
                "groups": ["canteen"], "agency": "CCU"},
    });
    let provider = idp(app.data_dir(), &base, accounts).await;
    let admin = regional_admin(&app).await;
    let ccu = app.agency("JM", "JCF Cybercrime Unit", AgencyKind::Police);
    let fiu = app.agency("JM", "Financial Investigations", AgencyKind::Police);
    let res = app
        .post(
            "/api/v1/identity-providers",
            &admin,
            &registration(&provider.issuer, &ccu, &fiu),
        )
        .await;
    assert_eq!(res.status, 201, "{}", res.body);

    let fixture = json!({
        "base": base,
        "screenshots": crate::browser::screenshots(&app),
        "provider": "Jamaica Constabulary ID",
    });
    let Run { passed, log } = crate::browser::run(&app, "sso.mjs", fixture).await;
    let sso_trail: Vec<Value> = app
        .audit_entries()
        .into_iter()
        .filter(|e| e["action"] == "auth.sso_login")
        .collect();
    assert!(passed, "the browser run failed:\n{log}\n{sso_trail:#?}");

    // Ana's account was made from the claims, in the agency they name, with the roles
    // her groups map to; Ben's groups give no role, and nothing was made for him.
    let trail = app.audit_entries();
    let made: Vec<&Value> = trail
        .iter()
        .filter(|e| e["action"] == "user.provisioned")
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0]["details"]["username"], "jm.ana");
    assert_eq!(
        made[0]["details"]["roles"],
        json!(["investigator", "supervisor"])
    );
    let logins: Vec<(Value, Value)> = trail
        .iter()
        .filter(|e| e["action"] == "auth.sso_login")
        .map(|e| {
            (
                e["outcome"].clone(),
                e["details"]["second_factor"]
                    .clone()
                    .as_str()
                    .map(Value::from)
                    .unwrap_or_else(|| e["details"]["reason"].clone()),
            )
        })
        .collect();
    assert_eq!(
        logins,
        [
            (json!("success"), json!("given at the provider")),
            (json!("success"), json!("none")),
            (json!("failed"), json!("its claims give no role here")),
        ],
        "{log}"
    );
    let accounts = app.get("/api/v1/users?limit=100", &admin).await;
    let ana = accounts.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "jm.ana")
        .cloned()
        .unwrap_or_else(|| panic!("{}", accounts.body));
    assert_eq!(ana["display_name"], "Ana Brown");
    assert_eq!(ana["agency_id"], ccu.as_str());
}
