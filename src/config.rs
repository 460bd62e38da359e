//! Settings: defaults, then an optional TOML file (`CASELEDGER_CONFIG`), then the
//! environment. Secrets are wrapped so that they never reach a log line.

use anyhow::{Context, bail};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Who must hold a second factor (`CASELEDGER_MFA`). Whoever holds one gives it at
/// every sign-in, whatever the policy; a person who must hold one and holds none gets
/// a session that can only enrol one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaPolicy {
    /// Every person (not service accounts, whose client credentials are their factor).
    Required,
    /// Administrators, regional administrators, prosecutors, central authorities,
    /// contact points and auditors.
    Privileged,
    /// Nobody: for evaluation only.
    Off,
}

impl MfaPolicy {
    /// As `CASELEDGER_MFA` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::Required => "required",
            MfaPolicy::Privileged => "privileged",
            MfaPolicy::Off => "off",
        }
    }
}

/// argon2id cost. The defaults are OWASP's (19 MiB, 2 passes, 1 lane); only tests
/// configure cheaper values.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Argon2Settings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Settings {
    fn default() -> Self {
        Argon2Settings {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub database_url: Option<String>,
    pub bind: String,
    pub data_dir: PathBuf,
    pub log_format: LogFormat,
    /// Who must hold a second factor.
    pub mfa: MfaPolicy,
    /// How recently a second factor must have been given for the actions that ask
    /// for one again (removing a factor, new recovery codes, …).
    pub step_up_secs: i64,
    pub pool_size: u32,
    /// PKCS#8 PEM file of the Ed25519 key that signs access tokens; generated into the
    /// data dir when not set. Instances sharing one database must share this key.
    pub jwt_key_file: Option<PathBuf>,
    /// PKCS#8 PEM file of the Ed25519 key that signs custody log checkpoints; generated
    /// into the data dir when not set. Instances sharing one database must share it.
    pub log_key_file: Option<PathBuf>,
    /// The custody log's origin: the key name in checkpoints and verifier keys.
    pub log_origin: String,
    /// Where content is kept: `file://PATH`; `<data dir>/content` when not set.
    pub store: Option<String>,
    /// The content store's key-encryption key (32 bytes in hex); generated into the
    /// data dir when not set. Instances sharing one store must share it.
    pub store_key_file: Option<PathBuf>,
    /// The largest content one upload may carry.
    pub max_upload_bytes: u64,
    /// How long a resumable upload left untouched lives before it expires.
    pub upload_expiry_secs: u64,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    /// Absolute lifetime of a login session, however often its token is refreshed.
    pub session_max_secs: i64,
    pub max_failed_logins: i32,
    pub lockout_secs: i64,
    pub max_json_body_bytes: usize,
    pub argon2: Argon2Settings,
    /// Password hashes computed at once (each argon2id takes 19 MiB and a core's
    /// time); a login or password change waits for a turn.
    pub password_hashes_at_once: usize,
    /// How long a request waits for its turn before it is answered 503.
    pub password_hash_wait_ms: u64,
    /// How often each instance looks for preservations that have run out and records
    /// their expiry.
    pub expiry_sweep_ms: u64,
    /// The service's public base URL, as national systems reach it: client
    /// assertions must name `<public_url>/api/v1/oauth/token` as their audience.
    pub public_url: String,
    /// Hosts and networks exempt from the webhook address guard (comma-separated),
    /// where plain http is allowed too.
    pub webhook_allow_hosts: String,
    /// How often each instance looks for webhook deliveries to make.
    pub webhook_poll_ms: u64,
    /// Multiplies the retry schedule's delays (1 in production; tests shorten it).
    pub webhook_retry_scale: f64,
    /// The least time between two reads of a service account's published keys
    /// (`jwks_uri`) prompted by an assertion naming a key not in the cache.
    pub jwks_reread_secs: u64,
    /// How long a review-page sign-in lasts without use.
    pub web_idle_secs: i64,
    /// A witness policy file (C2SP tlog-policy, each `witness` line ending with the
    /// witness's URL): checkpoints go to every witness, and bundles carry the newest
    /// checkpoint its quorum cosigned.
    pub witness_policy: Option<PathBuf>,
    /// The least time between two submissions of checkpoints to the witnesses.
    pub witness_interval_ms: u64,
    /// The least time between two audit-head entries (spec §6): the audit chain's head
    /// is anchored in the log at most this often, and only when it moved.
    pub audit_anchor_ms: u64,
    pub bootstrap_password: Option<SecretString>,
    /// Country of the regional administration agency created with the first user.
    pub bootstrap_country: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            log_format: LogFormat::Text,
            mfa: MfaPolicy::Required,
            step_up_secs: 300,
            pool_size: 16,
            jwt_key_file: None,
            log_key_file: None,
            log_origin: "caseledger/custody".into(),
            store: None,
            store_key_file: None,
            max_upload_bytes: 64 * 1024 * 1024 * 1024,
            upload_expiry_secs: 24 * 3600,
            jwt_issuer: "caseledger".into(),
            jwt_audience: "caseledger-api".into(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 12 * 3600,
            session_max_secs: 7 * 24 * 3600,
            max_failed_logins: 5,
            lockout_secs: 10 * 60,
            max_json_body_bytes: 256 * 1024,
            argon2: Argon2Settings::default(),
            password_hashes_at_once: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            password_hash_wait_ms: 2000,
            expiry_sweep_ms: 60_000,
            public_url: "http://localhost:8080".into(),
            webhook_allow_hosts: String::new(),
            webhook_poll_ms: 250,
            webhook_retry_scale: 1.0,
            jwks_reread_secs: 30,
            web_idle_secs: 30 * 60,
            witness_policy: None,
            witness_interval_ms: 1000,
            audit_anchor_ms: 60_000,
            bootstrap_password: None,
            bootstrap_country: "TT".into(),
        }
    }
}

impl Settings {
    /// Reads the optional file named by `CASELEDGER_CONFIG`, then the environment.
    pub fn load() -> anyhow::Result<Settings> {
        let mut settings = match std::env::var_os("CASELEDGER_CONFIG") {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", PathBuf::from(&path).display()))?;
                toml::from_str(&text).context("parsing the configuration file")?
            }
            None => Settings::default(),
        };
        settings.apply_env(|name| std::env::var(name).ok())?;
        Ok(settings)
    }

    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn parse<T: std::str::FromStr>(name: &str, value: String) -> anyhow::Result<T> {
            value
                .parse()
                .map_err(|_| anyhow::anyhow!("{name} has an invalid value"))
        }
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = var("CASELEDGER_BIND") {
            self.bind = v;
        }
        if let Some(v) = var("CASELEDGER_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("CASELEDGER_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                _ => bail!("CASELEDGER_LOG_FORMAT must be text or json"),
            };
        }
        if let Some(v) = var("CASELEDGER_MFA") {
            self.mfa = match v.as_str() {
                "required" => MfaPolicy::Required,
                "privileged" => MfaPolicy::Privileged,
                "off" => MfaPolicy::Off,
                _ => bail!("CASELEDGER_MFA must be required, privileged or off"),
            };
        }
        if let Some(v) = var("CASELEDGER_STEP_UP_SECS") {
            self.step_up_secs = parse("CASELEDGER_STEP_UP_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_POOL_SIZE") {
            self.pool_size = parse("CASELEDGER_POOL_SIZE", v)?;
        }
        if let Some(v) = var("CASELEDGER_JWT_KEY_FILE") {
            self.jwt_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("CASELEDGER_LOG_KEY_FILE") {
            self.log_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("CASELEDGER_LOG_ORIGIN") {
            if v.is_empty() || v.contains(['+', '\n', ' ']) {
                bail!("CASELEDGER_LOG_ORIGIN must be a non-empty name without spaces or '+'");
            }
            self.log_origin = v;
        }
        if let Some(v) = var("CASELEDGER_STORE") {
            self.store = Some(v);
        }
        if let Some(v) = var("CASELEDGER_STORE_KEY_FILE") {
            self.store_key_file = Some(PathBuf::from(v));
        }
        if let Some(v) = var("CASELEDGER_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parse("CASELEDGER_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = var("CASELEDGER_UPLOAD_EXPIRY_SECS") {
            self.upload_expiry_secs = parse("CASELEDGER_UPLOAD_EXPIRY_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_JWT_ISSUER") {
            self.jwt_issuer = v;
        }
        if let Some(v) = var("CASELEDGER_JWT_AUDIENCE") {
            self.jwt_audience = v;
        }
        if let Some(v) = var("CASELEDGER_ACCESS_TOKEN_TTL_SECS") {
            self.access_token_ttl_secs = parse("CASELEDGER_ACCESS_TOKEN_TTL_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_REFRESH_TOKEN_TTL_SECS") {
            self.refresh_token_ttl_secs = parse("CASELEDGER_REFRESH_TOKEN_TTL_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_MAX_JSON_BODY_BYTES") {
            self.max_json_body_bytes = parse("CASELEDGER_MAX_JSON_BODY_BYTES", v)?;
        }
        if let Some(v) = var("CASELEDGER_ARGON2_MEMORY_KIB") {
            self.argon2.memory_kib = parse("CASELEDGER_ARGON2_MEMORY_KIB", v)?;
        }
        if let Some(v) = var("CASELEDGER_ARGON2_ITERATIONS") {
            self.argon2.iterations = parse("CASELEDGER_ARGON2_ITERATIONS", v)?;
        }
        if let Some(v) = var("CASELEDGER_PASSWORD_HASHES_AT_ONCE") {
            self.password_hashes_at_once = parse("CASELEDGER_PASSWORD_HASHES_AT_ONCE", v)?;
            if self.password_hashes_at_once == 0 {
                bail!("CASELEDGER_PASSWORD_HASHES_AT_ONCE must be at least 1");
            }
        }
        if let Some(v) = var("CASELEDGER_PASSWORD_HASH_WAIT_MS") {
            self.password_hash_wait_ms = parse("CASELEDGER_PASSWORD_HASH_WAIT_MS", v)?;
        }
        if let Some(v) = var("CASELEDGER_WEBHOOK_ALLOW_HOSTS") {
            self.webhook_allow_hosts = v;
        }
        if let Some(v) = var("CASELEDGER_WEBHOOK_POLL_MS") {
            self.webhook_poll_ms = parse("CASELEDGER_WEBHOOK_POLL_MS", v)?;
        }
        if let Some(v) = var("CASELEDGER_WEB_IDLE_SECS") {
            self.web_idle_secs = parse("CASELEDGER_WEB_IDLE_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_JWKS_REREAD_SECS") {
            self.jwks_reread_secs = parse("CASELEDGER_JWKS_REREAD_SECS", v)?;
        }
        if let Some(v) = var("CASELEDGER_WITNESS_POLICY").filter(|v| !v.is_empty()) {
            self.witness_policy = Some(PathBuf::from(v));
        }
        if let Some(v) = var("CASELEDGER_WITNESS_INTERVAL_MS") {
            self.witness_interval_ms = parse("CASELEDGER_WITNESS_INTERVAL_MS", v)?;
        }
        if let Some(v) = var("CASELEDGER_AUDIT_ANCHOR_MS") {
            self.audit_anchor_ms = parse("CASELEDGER_AUDIT_ANCHOR_MS", v)?;
        }
        if let Some(v) = var("CASELEDGER_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = var("CASELEDGER_EXPIRY_SWEEP_MS") {
            self.expiry_sweep_ms = parse("CASELEDGER_EXPIRY_SWEEP_MS", v)?;
        }
        if let Some(v) = var("CASELEDGER_BOOTSTRAP_PASSWORD") {
            self.bootstrap_password = Some(SecretString::from(v));
        }
        if let Some(v) = var("CASELEDGER_BOOTSTRAP_COUNTRY") {
            self.bootstrap_country = v;
        }
        Ok(())
    }

    /// The content store's place, as `CASELEDGER_STORE` names it.
    pub fn store_spec(&self) -> String {
        self.store
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.data_dir.join("content").display()))
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("caseledger.db").display())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn environment_overrides_defaults() {
        let env: HashMap<&str, &str> = HashMap::from([
            ("DATABASE_URL", "postgres://db/caseledger"),
            ("CASELEDGER_BIND", "0.0.0.0:9000"),
            ("CASELEDGER_LOG_FORMAT", "json"),
            ("CASELEDGER_ARGON2_MEMORY_KIB", "8192"),
        ]);
        let mut s = Settings::default();
        s.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(s.database_url(), "postgres://db/caseledger");
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.log_format, LogFormat::Json);
        assert_eq!(s.argon2.memory_kib, 8192);
        assert_eq!(s.argon2.iterations, 2);

        let mut s = Settings::default();
        assert_eq!(s.database_url(), "sqlite://./data/caseledger.db");
        assert!(
            s.apply_env(|k| (k == "CASELEDGER_POOL_SIZE").then(|| "many".into()))
                .is_err()
        );
        assert!(
            s.apply_env(|k| (k == "CASELEDGER_LOG_FORMAT").then(|| "xml".into()))
                .is_err()
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug_output() {
        let mut s = Settings::default();
        s.apply_env(|k| (k == "CASELEDGER_BOOTSTRAP_PASSWORD").then(|| "hunter2-hunter2".into()))
            .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn configuration_file_is_toml() {
        let s: Settings = toml::from_str(
            "bind = \"0.0.0.0:1\"\n[argon2]\nmemory_kib = 1024\niterations = 3\nparallelism = 1\n",
        )
        .unwrap();
        assert_eq!(s.bind, "0.0.0.0:1");
        assert_eq!(s.argon2.iterations, 3);
        assert!(toml::from_str::<Settings>("bnd = 1").is_err());
    }
}
