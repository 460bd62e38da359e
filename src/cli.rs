//! The command line: `serve`, `migrate`, `user create`, `openapi`, `verify-bundle`,
//! `rebuild-figures`, and a witness's `witness key` and `witness serve`.

use crate::auth::roles::Role;
use crate::config::Settings;
use crate::custody::verify::{NamedContent, Verdict};
use crate::users::CreateUser;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::BufRead;

#[derive(Parser)]
#[command(
    name = "caseledger",
    version,
    about = "Cross-border cybercrime case coordination"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service (migrates the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Rebuild the region's figures from the case, request, preservation and custody
    /// histories (after upgrading from a version that did not keep them, or to check
    /// them). Safe while the service runs: events wait for it to finish.
    RebuildFigures,
    /// Verify an exported custody bundle offline (no database, no network). Exits 0
    /// when the record is intact and every hash check matched, 3 when the record is
    /// intact but the item failed an integrity check, 1 when the record does not
    /// verify (or the bundle cannot be read), 2 on a command-line error.
    /// A witness any state can run: it cosigns the log's checkpoints when each
    /// consistently extends the last it saw (custody-log.md §7).
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
    VerifyBundle {
        /// The bundle (JSON) from GET /api/v1/evidence/{id}/custody/bundle.
        bundle: std::path::PathBuf,
        /// The log's verifier key, obtained out of band: the key string itself, or a
        /// file that holds it.
        #[arg(long)]
        key: String,
        /// A file that must be the content the record names (the SHA-256 of its
        /// `content_stored` entry, else the hash taken at acquisition): exit 4 if not.
        #[arg(long)]
        content: Option<std::path::PathBuf>,
        /// A witness policy (C2SP tlog-policy, custody-log.md §7): the checkpoint's
        /// cosignatures must meet its quorum, and its log line must be `--key`.
        #[arg(long)]
        policy: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Create the witness's key if missing and print its verifier key, the line a
    /// policy names it by.
    Key {
        /// The name it cosigns as (`witness.jm.example/w1`).
        #[arg(long)]
        name: String,
        #[arg(long)]
        key_file: std::path::PathBuf,
    },
    /// Serve `POST /add-checkpoint` for the logs named in `--logs`.
    Serve {
        #[arg(long)]
        name: String,
        /// The witness's Ed25519 key (created if missing).
        #[arg(long)]
        key_file: std::path::PathBuf,
        /// Its SQLite state: the last checkpoint cosigned per log (created if missing).
        #[arg(long)]
        state: std::path::PathBuf,
        /// The logs it witnesses: one log verifier key per line.
        #[arg(long)]
        logs: std::path::PathBuf,
        #[arg(long, default_value = "127.0.0.1:8090")]
        bind: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user. The password is read from the first line of standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        #[arg(long)]
        agency_id: String,
        /// A role; repeat for several (investigator, supervisor, prosecutor,
        /// central_authority, auditor, admin, regional_admin).
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// Make the user change the password at first login.
        #[arg(long)]
        must_change_password: bool,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse().map_err(|_| format!("unknown role `{s}`"))
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Openapi => {
            println!("{}", crate::startup::openapi().to_pretty_json()?);
            Ok(())
        }
        Command::VerifyBundle {
            bundle,
            key,
            content,
            policy,
        } => {
            let Verified {
                verdict,
                content: named,
            } = match verify_bundle(&bundle, &key, policy.as_deref()) {
                Ok(verified) => verified,
                Err(e) => {
                    println!("NOT VERIFIED: the bundle cannot be checked: {e:#}");
                    Verified {
                        verdict: Verdict::NotVerified,
                        content: None,
                    }
                }
            };
            let content_holds = match &content {
                Some(file) => check_content(file, named)?,
                None => true,
            };
            let code = if verdict == Verdict::NotVerified || content_holds {
                verdict.exit_code()
            } else {
                CONTENT_MISMATCH
            };
            std::process::exit(code);
        }
        Command::Witness { command } => witness(command),
        Command::Serve => {
            let settings = Settings::load()?;
            crate::observability::init_logging(settings.log_format);
            serve(settings)
        }
        Command::Migrate => {
            let settings = Settings::load()?;
            crate::observability::init_logging(settings.log_format);
            let pool = crate::db::build_pool(&settings.database_url(), 1)?;
            crate::db::run_migrations(&mut *pool.get()?)?;
            println!("migrations applied");
            Ok(())
        }
        Command::RebuildFigures => {
            let settings = Settings::load()?;
            crate::observability::init_logging(settings.log_format);
            let state = crate::startup::prepare(settings)?;
            let mut conn = state.pool.get()?;
            let replaced = crate::monitoring::rebuild::rebuild(&mut conn)
                .map_err(crate::startup::api_to_anyhow)?;
            println!(
                "figures rebuilt from the histories: {} counters, {} changed",
                replaced.counters, replaced.changed
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    display_name,
                    agency_id,
                    roles,
                    must_change_password,
                },
        } => {
            let settings = Settings::load()?;
            crate::observability::init_logging(settings.log_format);
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            let state = crate::startup::prepare(settings)?;
            let mut conn = state.pool.get()?;
            let user = crate::users::create(
                &mut conn,
                &state.hasher,
                CreateUser {
                    username,
                    display_name,
                    agency_id,
                    roles,
                    password,
                    must_change_password,
                },
            )
            .map_err(crate::startup::api_to_anyhow)?;
            println!("{}", serde_json::to_string_pretty(&user)?);
            Ok(())
        }
    }
}

fn witness_identity(
    name: String,
    key_file: &std::path::Path,
) -> anyhow::Result<crate::witness::Identity> {
    crate::witness::check_name(&name).map_err(|e| anyhow::anyhow!(e))?;
    let key = crate::keys::load_or_generate(key_file)
        .with_context(|| format!("the witness key {}", key_file.display()))?;
    Ok(crate::witness::Identity { name, key })
}

fn witness(command: WitnessCommand) -> anyhow::Result<()> {
    match command {
        WitnessCommand::Key { name, key_file } => {
            println!("{}", witness_identity(name, &key_file)?.verifier_key());
            Ok(())
        }
        WitnessCommand::Serve {
            name,
            key_file,
            state,
            logs,
            bind,
        } => {
            crate::observability::init_logging(crate::config::LogFormat::Text);
            let identity = witness_identity(name, &key_file)?;
            let text = std::fs::read_to_string(&logs)
                .with_context(|| format!("reading {}", logs.display()))?;
            let logs = crate::witness::check::Logs::parse(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", logs.display()))?;
            let state = crate::witness::state::State::open(&state)?;
            tracing::info!(verifier_key = %identity.verifier_key(), %bind, "witnessing");
            let witness = crate::witness::server::Witness {
                identity,
                logs,
                state,
            };
            actix_web::rt::System::new().block_on(crate::witness::server::serve(witness, &bind))
        }
    }
}

fn serve(settings: Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let state = actix_web::web::block(move || crate::startup::prepare(settings))
            .await
            .context("starting")??;
        let app = crate::startup::Application::build(state)?;
        tracing::info!(port = app.port(), "listening");
        app.run().await?;
        Ok(())
    })
}

/// The exit status of `verify-bundle --content` when the file is not the content the
/// record names (and the record itself verifies).
const CONTENT_MISMATCH: i32 = 4;

/// Whether `file` is the content a record names (`named`: its SHA-256 and size),
/// said in a line; read in blocks, never whole.
fn check_content(file: &std::path::Path, named: Option<NamedContent>) -> anyhow::Result<bool> {
    use sha2::Digest;
    use std::io::Read;
    let Some(NamedContent { sha256, size }) = named else {
        println!(
            "CONTENT NOT NAMED: the record names no content hash to check {} against",
            file.display()
        );
        return Ok(false);
    };
    let mut reader =
        std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        read += n as u64;
    }
    let found = hex::encode(hasher.finalize());
    if found == sha256 && size.is_none_or(|size| size == read) {
        println!(
            "CONTENT MATCHES: {} is the content the record names (SHA-256 {sha256}, {read} bytes)",
            file.display()
        );
        Ok(true)
    } else {
        println!(
            "CONTENT DOES NOT MATCH: {} has SHA-256 {found} and {read} bytes; the record names SHA-256 {sha256}{}",
            file.display(),
            size.map(|s| format!(" and {s} bytes")).unwrap_or_default()
        );
        Ok(false)
    }
}

/// Prints the verdict in plain words first, then what was checked, entry by entry;
/// returns it with the content the record names.
/// What verifying a bundle found: the verdict, and the content its record names.
struct Verified {
    verdict: Verdict,
    content: Option<NamedContent>,
}

fn verify_bundle(
    path: &std::path::Path,
    key: &str,
    policy: Option<&std::path::Path>,
) -> anyhow::Result<Verified> {
    let key = match std::fs::read_to_string(key) {
        Ok(text) => text.trim().to_owned(),
        Err(_) => key.trim().to_owned(),
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bundle: serde_json::Value =
        serde_json::from_str(&text).context("the bundle is not JSON")?;
    let (report, witnessed) = match policy {
        None => (
            crate::custody::verify::verify_bundle(&bundle, &key).map_err(|e| anyhow::anyhow!(e))?,
            None,
        ),
        Some(file) => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let policy = crate::ledger::policy::Policy::parse(&text)
                .map_err(|e| anyhow::anyhow!("the policy: {e}"))?;
            let named =
                crate::ledger::note::verifier_key(&policy.log.name, &policy.log.key.to_bytes());
            if named != key {
                anyhow::bail!("the policy's log line names another key than --key");
            }
            crate::custody::verify::verify_bundle_under(&bundle, &policy)
                .map_err(|e| anyhow::anyhow!(e))?
        }
    };
    let headline = match report.verdict {
        Verdict::Verified => "VERIFIED",
        Verdict::IntegrityAlert => "INTEGRITY ALERT",
        Verdict::NotVerified => "NOT VERIFIED",
    };
    println!("{headline}: {}", report.summary);
    if let Some(witnessed) = &witnessed {
        println!("Witnesses: {}", witnessed.words());
    }
    println!();
    if let Some(id) = &report.evidence_id {
        println!("Evidence {id}");
    }
    if let Some(id) = &report.request_id {
        println!("Request {id}");
    }
    for (member, label) in [("case_reference", "Case"), ("reference", "Reference")] {
        if let Some(reference) = bundle[member].as_str() {
            println!("{label} {reference}");
        }
    }
    match report.checkpoint_size {
        Some(size) => println!("Checkpoint: signature verified with {key}; tree size {size}"),
        None => println!("Checkpoint: not trusted, so no entry's inclusion could be checked"),
    }
    for problem in &report.checkpoint_problems {
        println!("  FAIL checkpoint: {problem}");
    }
    for finding in &report.entries {
        let kind = finding.event_type.as_deref().unwrap_or("?");
        let at = format!(
            "entry {:>4}  log index {:>8}  {kind}",
            finding.position, finding.log_index
        );
        if finding.problems.is_empty() {
            let inclusion = if finding.inclusion_checked {
                "hash, chain link and inclusion in the checkpoint hold"
            } else {
                "hash and chain link hold; inclusion not checked"
            };
            println!("  ok   {at}: {inclusion}");
        } else {
            for problem in &finding.problems {
                println!("  FAIL {at}: {problem}");
            }
        }
    }
    for alert in &report.integrity_alerts {
        println!(
            "  ALERT entry {:>3}  {} by {}: observed {} {}, acquisition hash {}",
            alert.position,
            alert.at.as_deref().unwrap_or("(no time)"),
            alert.actor,
            alert.algorithm,
            alert.observed,
            alert.expected.as_deref().unwrap_or("not recorded")
        );
    }
    let entries: Vec<serde_json::Value> = bundle["entries"]
        .as_array()
        .map(|all| all.iter().map(|e| e["entry"].clone()).collect())
        .unwrap_or_default();
    Ok(Verified {
        verdict: report.verdict,
        content: crate::custody::verify::content_named(&entries),
    })
}
