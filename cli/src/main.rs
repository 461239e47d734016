//! `studiogate`: the administrator's tool. `inspect` shows why an IdP's SAML Response passes or
//! fails the broker's validator, offline; `config check` validates a configuration file.

mod inspect;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "studiogate", version, about = "studiogate administrator tool")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a SAML Response offline and print every check as JSON.
    /// Exit code: 0 accept, 1 reject, 2 usage or configuration error.
    Inspect(Box<inspect::InspectArgs>),
    /// Print, as JSON, what each function needs from its deployment: the environment variables
    /// it reads and the AWS operations it calls (the template tests check template.yaml against it).
    Contract,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file (exit 0 if valid, 2 if not).
    Check {
        /// The TOML configuration file.
        file: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(*args),
        Command::Contract => {
            let contract = studiogate::aws::contract::all();
            println!(
                "{}",
                serde_json::to_string_pretty(&contract).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Command::Config {
            command: ConfigCommand::Check { file },
        } => match studiogate::config::BrokerConfig::from_file(&file) {
            Ok(config) => {
                let validator = config.saml_validator().expect("validated by from_file");
                let settings = validator.settings();
                println!(
                    "{}: valid. IdP {:?}; audiences {:?}; ACS URLs {:?}; {} target(s)",
                    file.display(),
                    settings.idp_entity_id,
                    settings.audiences,
                    settings.acs_urls,
                    config.targets.len()
                );
                match &config.login {
                    Some(login) => println!(
                        "login: presign function {:?}; replay {}; {} allowed role(s)",
                        login.presign_function,
                        login
                            .replay_table
                            .as_deref()
                            .map_or("in memory (local runs only)".to_owned(), |t| format!("table {t:?}")),
                        login.allowed_roles.len()
                    ),
                    None => println!(
                        "login: no [login] section: presign can run, saml-validator will refuse to start"
                    ),
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                ExitCode::from(2)
            }
        },
    }
}
