//! The administrator's command: arguments, the plan on stdout as JSON lines, a summary on stderr.

use clap::Parser;
use std::io::Write as _;
use std::path::PathBuf;
use studiogate::config::deployment::{load, Environment, Function, ENV_CONFIG_PARAMETER};
use studiogate::config::ENV_CONFIG_FILE;
use studiogate::offboard::{Criteria, Home, Pace};
use studiogate_aws::ssm::SdkParameterStore;
use studiogate_kernel::clock::SystemClock;

/// Removes what studiogate made for users who are no longer entitled: their apps, then (with
/// `--home remove`) the spaces they own and their profile, and their Identity Center session
/// mappings. Only what carries a target's owner tag (or, for a mapping, a session policy a target
/// configures). A dry run unless `--execute`. Prints one JSON line per step.
/// Exit code: 0 done (or planned), 1 a step failed or timed out (run again), 2 usage or configuration.
#[derive(Parser, Debug)]
#[command(name = "offboard", version)]
struct Args {
    /// The broker's configuration file (its targets are read).
    #[arg(
        long,
        conflicts_with = "config_parameter",
        required_unless_present = "config_parameter"
    )]
    config: Option<PathBuf>,
    /// The stack's configuration parameter in SSM (`/studiogate/STACK/config`).
    #[arg(long)]
    config_parameter: Option<String>,
    /// Profiles whose last login (the `studiogate:last-login` tag) is more than DAYS days old.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    inactive_days: Option<u32>,
    /// A user by name: the owner tag's value (SageMaker) and the Identity Center UserName (EMR).
    #[arg(long = "user", value_name = "NAME")]
    users: Vec<String>,
    /// A file of user names, one per line.
    #[arg(long, value_name = "FILE")]
    users_file: Option<PathBuf>,
    /// keep: delete apps only (spaces and profile stay); remove: apps, spaces, then the profile.
    #[arg(long, default_value = "keep")]
    home: Home,
    /// Carry the plan out. Without it nothing is changed.
    #[arg(long)]
    execute: bool,
    /// Also append every step to FILE (JSON lines).
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// The longest wait for one user's apps, then spaces, to be deleted.
    #[arg(long, default_value_t = 600)]
    wait_seconds: u64,
    /// Between two looks while waiting.
    #[arg(long, default_value_t = 10)]
    poll_seconds: u64,
}

fn criteria(args: &Args) -> Result<Criteria, String> {
    let mut users: std::collections::BTreeSet<String> = args.users.iter().cloned().collect();
    if let Some(path) = &args.users_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        // A byte-order mark (Windows editors write one) is not part of the first name.
        users.extend(
            text.trim_start_matches('\u{feff}')
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    let criteria = Criteria {
        inactive_days: args.inactive_days,
        users,
    };
    if criteria.is_empty() {
        return Err("name who is no longer entitled: --inactive-days DAYS, --user NAME or --users-file FILE".into());
    }
    Ok(criteria)
}

/// The listed users for whom the plan has no profile, mapping or skip.
fn unmatched_users<'a>(
    listed: &'a std::collections::BTreeSet<String>,
    plan: &studiogate::offboard::Plan,
) -> Vec<&'a str> {
    let found: std::collections::BTreeSet<&str> = plan
        .profiles
        .iter()
        .map(|p| p.owner.as_str())
        .chain(plan.mappings.iter().map(|m| m.user.as_str()))
        .chain(plan.skipped.iter().filter_map(|skip| match skip {
            studiogate::offboard::Skip::ForeignMapping { user, .. } => Some(user.as_str()),
            studiogate::offboard::Skip::NoLastLogin { .. } => None,
        }))
        .collect();
    listed
        .iter()
        .map(String::as_str)
        .filter(|user| !found.contains(user))
        .collect()
}

/// Runs the command; the process's exit code.
pub async fn main() -> i32 {
    let args = Args::parse();
    let criteria = match criteria(&args) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("offboard: {message}");
            return 2;
        }
    };
    // clap requires one of the two.
    let env = match (&args.config, &args.config_parameter) {
        (Some(path), _) => Environment::default().with(ENV_CONFIG_FILE, path.display().to_string()),
        (None, name) => {
            Environment::default().with(ENV_CONFIG_PARAMETER, name.clone().unwrap_or_default())
        }
    };
    let aws = studiogate_aws::sdk_config().await;
    let config = match load(Function::Offboard, &env, &SdkParameterStore::new(&aws)).await {
        Ok(config) => config,
        Err(error) => {
            eprintln!("offboard: configuration rejected: {error}");
            return 2;
        }
    };
    let mut record_file = match &args.record {
        Some(path) => match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(file) => Some(file),
            Err(e) => {
                eprintln!("offboard: cannot open {}: {e}", path.display());
                return 2;
            }
        },
        None => None,
    };
    let settings = offboard::RunSettings {
        criteria,
        home: args.home,
        execute: args.execute,
        pace: Pace {
            wait: std::time::Duration::from_secs(args.wait_seconds),
            poll: std::time::Duration::from_secs(args.poll_seconds.max(1)),
        },
    };
    let offboarding = offboard::build(&config, &aws);
    let mut write_failed = false;
    // Standard output may be a pipe the reader closed (`| less`, then q): a step's line is then
    // lost, never the run (println! would panic mid-deletion); the record file is the audit trail.
    let say = |line: &str| {
        let _ = writeln!(std::io::stdout(), "{line}");
    };
    let report = offboarding
        .run(&settings, &SystemClock, |record| {
            let line = serde_json::to_string(record).unwrap_or_default();
            say(&line);
            if let Some(file) = record_file.as_mut() {
                write_failed |= writeln!(file, "{line}").is_err();
            }
        })
        .await;
    let report = match report {
        Ok(report) => report,
        Err(error) => {
            eprintln!("offboard: cannot read what to offboard: {error}");
            return 1;
        }
    };
    // Skips are part of the record too: what was left out, and why, is the audit trail's.
    let mut note = |line: String| {
        say(&line);
        if let Some(file) = record_file.as_mut() {
            write_failed |= writeln!(file, "{line}").is_err();
        }
    };
    for skip in &report.plan.skipped {
        note(serde_json::to_string(skip).unwrap_or_default());
    }
    // A listed name that matched nothing is said, not passed over: a typo, another spelling of the
    // owner tag's value, or a user already offboarded.
    let unmatched = unmatched_users(&settings.criteria.users, &report.plan);
    for user in &unmatched {
        note(serde_json::json!({"skip": "not-found", "user": user}).to_string());
        eprintln!(
            "offboard: {user:?} matched no profile (by its owner tag's exact value) and no session mapping"
        );
    }
    eprintln!(
        "offboard: {} profile(s), {} session mapping(s), {} skipped; {}",
        report.plan.profiles.len(),
        report.plan.mappings.len(),
        report.plan.skipped.len(),
        if !args.execute {
            "dry run: nothing changed (add --execute to carry it out)"
        } else if report.clean {
            "done"
        } else {
            "some steps failed or timed out: run again to finish"
        }
    );
    if write_failed {
        eprintln!("offboard: the record file could not be written to");
        return 1;
    }
    if report.clean {
        0
    } else {
        1
    }
}
