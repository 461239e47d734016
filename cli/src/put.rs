//! `studiogate config put`: checks a configuration as the stack's functions will load it, then
//! stores it in their SSM parameter with the AWS CLI (`aws ssm put-parameter`), so this tool links
//! no SDK. The AWS CLI's own settings apply (profile, region, `AWS_ENDPOINT_URL`, credentials).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use studiogate::config::stored::check_stored;

/// An SSM parameter's largest value (the advanced tier; Intelligent-Tiering picks it above 4 KB).
const MAX_PARAMETER_BYTES: usize = 8192;

#[derive(clap::Args)]
pub struct PutArgs {
    /// The TOML configuration: no [idp], no files, no SP key (the stack supplies them).
    file: PathBuf,
    /// The IdP metadata the stack was given (its IdpMetadata): the configuration is checked with it.
    #[arg(long, value_name = "FILE")]
    idp_metadata: PathBuf,
    /// The SP key the stack was given (SpDecryptionKeySecret), PEM: an sp.certificate is checked
    /// against it. Read here, never stored.
    #[arg(long, value_name = "FILE")]
    sp_key: Option<PathBuf>,
    /// The stack's name: the parameter is /studiogate/STACK_NAME/config.
    #[arg(
        long,
        required_unless_present = "parameter",
        conflicts_with = "parameter"
    )]
    stack_name: Option<String>,
    /// The parameter instead, when the stack was given ConfigParameterName.
    #[arg(long, value_name = "NAME")]
    parameter: Option<String>,
    /// Check only; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// The AWS CLI to run.
    #[arg(long, default_value = "aws", value_name = "PROGRAM")]
    aws_cli: PathBuf,
    /// Passed to the AWS CLI.
    #[arg(long)]
    region: Option<String>,
    /// Passed to the AWS CLI.
    #[arg(long)]
    profile: Option<String>,
}

impl PutArgs {
    fn parameter_name(&self) -> String {
        match (&self.parameter, &self.stack_name) {
            (Some(name), _) => name.clone(),
            (None, Some(stack)) => format!("/studiogate/{stack}/config"),
            (None, None) => unreachable!("clap requires one of them"),
        }
    }
}

pub fn run(args: PutArgs) -> ExitCode {
    let file = args.file.display().to_string();
    let (text, metadata) = match (read(&args.file), read(&args.idp_metadata)) {
        (Ok(text), Ok(metadata)) => (text, metadata),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let sp_key = match args.sp_key.as_deref().map(read).transpose() {
        Ok(key) => key,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let config = match check_stored(&text, &metadata, sp_key.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{file}: {error}");
            return ExitCode::from(2);
        }
    };
    if text.len() > MAX_PARAMETER_BYTES {
        eprintln!(
            "{file}: {} bytes; an SSM parameter holds at most {MAX_PARAMETER_BYTES}",
            text.len()
        );
        return ExitCode::from(2);
    }
    let name = args.parameter_name();
    if !name.starts_with('/') {
        eprintln!("--parameter {name:?}: a full parameter name starts with /");
        return ExitCode::from(2);
    }
    println!(
        "{file}: valid as the stack's functions will load it ({} target(s))",
        config.targets.len()
    );
    for warning in config.warnings() {
        println!("warning: {warning}");
    }
    if args.dry_run {
        println!("not stored (--dry-run); it would go to {name}");
        return ExitCode::SUCCESS;
    }
    store(&args, &name, &args.file)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// `aws ssm put-parameter`, the value read by the AWS CLI from the file itself (`file://`).
fn store(args: &PutArgs, name: &str, file: &Path) -> ExitCode {
    let file = match std::fs::canonicalize(file) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let mut command = Command::new(&args.aws_cli);
    command.args(["ssm", "put-parameter", "--name", name, "--type", "String"]);
    command.args(["--tier", "Intelligent-Tiering", "--overwrite"]);
    command.args(["--query", "Version", "--output", "text"]);
    command
        .arg("--value")
        .arg(format!("file://{}", file.display()));
    for (flag, value) in [("--region", &args.region), ("--profile", &args.profile)] {
        if let Some(value) = value {
            command.args([flag, value]);
        }
    }
    match command.output() {
        Ok(output) if output.status.success() => {
            let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
            println!(
                "stored in {name} (version {version}). The functions read it when they start: redeploy \
                 with a new DeploymentRevision to have the running ones read it now."
            );
            ExitCode::SUCCESS
        }
        Ok(output) => {
            eprint!("{}", String::from_utf8_lossy(&output.stderr));
            eprintln!(
                "aws ssm put-parameter failed ({}): nothing was stored. It needs credentials, the \
                 stack's region and ssm:PutParameter on {name}.",
                output.status
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!(
                "cannot run the AWS CLI ({}): {e}. Install it, or name it with --aws-cli.",
                args.aws_cli.display()
            );
            ExitCode::from(1)
        }
    }
}
