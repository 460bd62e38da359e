//! The command line: `serve`, `migrate`, `user create`, `openapi`.

use crate::auth::roles::Role;
use crate::config::Settings;
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
            .map_err(|e| match e {
                crate::error::ApiError::Validation(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("\n")
                ),
                other => anyhow::anyhow!("{other}"),
            })?;
            println!("{}", serde_json::to_string_pretty(&user)?);
            Ok(())
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
