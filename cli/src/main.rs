//! `studiogate`: the administrator's tool. `inspect` shows why an IdP's SAML Response passes or
//! fails the broker's validator, offline; `config check` validates a configuration file, and
//! `config put` checks one as a deployment loads it and stores it with the AWS CLI;
//! `contract` prints what each function needs from its deployment; `metrics` the metrics a login
//! emits (the stack's alarms watch them); `presign-request seal-input`
//! gives tools (the emulator's tests) the exact bytes to MAC; `offboard` runs the `offboard` binary.
//! It links no AWS SDK.

mod inspect;
mod put;

use base64::Engine as _;
use clap::{Parser, Subcommand};
use std::io::Read as _;
use std::process::ExitCode;
use studiogate_kernel::seal::SealInput;
use studiogate_kernel::wire::PresignRequest;

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
    /// Print, as JSON, the CloudWatch metrics each login emits (namespace, names, units,
    /// dimension sets, meaning); the template tests check the stack's alarms against it.
    Metrics,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Remove what studiogate made for users no longer entitled (a dry run unless --execute): runs
    /// the `offboard` binary beside this one (it links the AWS SDK, this tool does not) with these
    /// arguments; `studiogate offboard --help` shows them.
    #[command(disable_help_flag = true)]
    Offboard {
        /// Passed to `offboard` as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
    /// The presign function's input.
    PresignRequest {
        #[command(subcommand)]
        command: PresignRequestCommand,
    },
}

#[derive(Subcommand)]
enum PresignRequestCommand {
    /// Read a PresignRequest (JSON) on stdin; print `{"event": {"request", "sealed_at"},
    /// "mac_message": BASE64}`. Set `event.mac` to the base64 KMS HMAC of `mac_message` and `event`
    /// is presign's input, sealed exactly as saml-validator seals it (exit 2 if it is no request).
    SealInput {
        /// Unix seconds to seal at (default: now).
        #[arg(long)]
        sealed_at: Option<i64>,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file (exit 0 if valid, 2 if not).
    Check {
        /// The TOML configuration file.
        file: std::path::PathBuf,
    },
    /// Check a configuration as the stack's functions will load it from their SSM parameter, then
    /// store it there with the AWS CLI (exit 0 stored, 1 the AWS CLI failed, 2 not valid).
    Put(Box<put::PutArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect(args) => inspect::run(*args),
        Command::Contract => {
            let contract = studiogate::contract::all();
            println!(
                "{}",
                serde_json::to_string_pretty(&contract).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Command::Metrics => {
            let metrics = serde_json::json!({
                "namespace": studiogate::login::audit::METRICS_NAMESPACE,
                "metrics": studiogate::login::audit::METRICS,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&metrics).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Command::Config {
            command: ConfigCommand::Put(args),
        } => put::run(*args),
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
                for warning in config.warnings() {
                    println!("warning: {warning}");
                }
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
        Command::PresignRequest {
            command: PresignRequestCommand::SealInput { sealed_at },
        } => seal_input(sealed_at),
        Command::Offboard { args } => offboard(&args),
    }
}

/// Runs `offboard` (beside this binary, else on PATH) with `args`; its exit code.
fn offboard(args: &[std::ffi::OsString]) -> ExitCode {
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("offboard")))
        .filter(|path| path.is_file());
    let program = beside.unwrap_or_else(|| "offboard".into());
    match std::process::Command::new(&program).args(args).status() {
        Ok(status) => ExitCode::from(
            status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1),
        ),
        Err(e) => {
            eprintln!(
                "studiogate offboard: cannot run {}: {e} (build it: cargo build -p offboard)",
                program.display()
            );
            ExitCode::from(2)
        }
    }
}

fn seal_input(sealed_at: Option<i64>) -> ExitCode {
    let mut text = String::new();
    let request = std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())
        .and_then(|_| serde_json::from_str::<PresignRequest>(&text).map_err(|e| e.to_string()));
    let request = match request {
        Ok(request) => request,
        Err(e) => {
            eprintln!("stdin is not a presign request: {e}");
            return ExitCode::from(2);
        }
    };
    let at = match sealed_at.map(time::OffsetDateTime::from_unix_timestamp) {
        None => time::OffsetDateTime::now_utc(),
        Some(Ok(at)) => at,
        Some(Err(e)) => {
            eprintln!("--sealed-at: {e}");
            return ExitCode::from(2);
        }
    };
    let input = SealInput::new(&request, at);
    let answer = serde_json::json!({
        "event": {"request": input.request, "sealed_at": input.sealed_at},
        "mac_message": base64::engine::general_purpose::STANDARD.encode(&input.mac_message),
    });
    println!("{answer}");
    ExitCode::SUCCESS
}
