//! offboard: removes what studiogate made for users who are no longer entitled (see
//! `studiogate::offboard`). [`build`] is its composition root (SageMaker and EMR clients once);
//! [`Offboarding::run`] plans and, when asked, carries the plan out. The same binary is the
//! administrator's command (`offboard --help`) and the stack's optional scheduled function.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::time::Duration;
use studiogate::config::deployment::{
    Environment, ENV_OFFBOARD_EXECUTE, ENV_OFFBOARD_HOME, ENV_OFFBOARD_INACTIVE_DAYS,
};
use studiogate::config::{BrokerConfig, ConfigError};
use studiogate::offboard::{self, Criteria, Home, Pace, Plan, Record};
use studiogate::targets::Target;
use studiogate_aws::emr::SdkEmr;
use studiogate_aws::federation::HttpFederation;
use studiogate_aws::sagemaker::SdkSageMaker;
use studiogate_kernel::clock::{Clock, SystemClock};
use studiogate_kernel::AwsError;

/// What one run does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSettings {
    /// Who is no longer entitled.
    pub criteria: Criteria,
    /// What becomes of their home.
    pub home: Home,
    /// Carry the plan out (otherwise: a dry run).
    pub execute: bool,
    /// How long to wait for SageMaker's deletions.
    pub pace: Pace,
}

/// How long a run waits for one user's apps, then spaces, to be deleted (SageMaker takes minutes).
pub const DEFAULT_PACE: Pace = Pace {
    wait: Duration::from_secs(600),
    poll: Duration::from_secs(10),
};

impl RunSettings {
    /// The scheduled function's settings, from the stack's variables: inactivity only (a schedule
    /// has no list), a dry run unless `STUDIOGATE_OFFBOARD_EXECUTE` is `true`.
    pub fn from_environment(env: &Environment) -> Result<Self, ConfigError> {
        let days = env.value(ENV_OFFBOARD_INACTIVE_DAYS).ok_or_else(|| {
            ConfigError::field(
                ENV_OFFBOARD_INACTIVE_DAYS,
                "must be set (days without a login)",
            )
        })?;
        let days: u32 = days.parse().ok().filter(|d| *d > 0).ok_or_else(|| {
            ConfigError::field(
                ENV_OFFBOARD_INACTIVE_DAYS,
                format!("{days:?} is not a number of days above 0"),
            )
        })?;
        let home = env
            .value(ENV_OFFBOARD_HOME)
            .unwrap_or("keep")
            .parse()
            .map_err(|message: String| ConfigError::field(ENV_OFFBOARD_HOME, message))?;
        Ok(RunSettings {
            criteria: Criteria {
                inactive_days: Some(days),
                users: Default::default(),
            },
            home,
            execute: env.value(ENV_OFFBOARD_EXECUTE) == Some("true"),
            pace: DEFAULT_PACE,
        })
    }
}

/// What a run found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The plan.
    pub plan: Plan,
    /// Every step, in order.
    pub records: Vec<Record>,
    /// Whether every step succeeded.
    pub clean: bool,
}

/// Offboarding on the SDK, for the configured targets.
pub struct Offboarding {
    sagemaker: SdkSageMaker,
    emr: SdkEmr,
    targets: BTreeMap<String, Target>,
}

/// Offboarding for `config`'s targets, on clients built from `aws` (whose credentials act).
pub fn build(config: &BrokerConfig, aws: &aws_config::SdkConfig) -> Offboarding {
    Offboarding {
        // Management calls only: the public SageMaker API (no presigning, no VPC endpoint).
        sagemaker: SdkSageMaker::new(aws, None),
        emr: SdkEmr::new(
            aws,
            HttpFederation::new(config.presign.federation_url.clone()),
        ),
        targets: config.targets.clone(),
    }
}

impl Offboarding {
    /// Plans, then carries out (or, dry, records) the plan; each record goes to `sink` as it
    /// happens. Fails only when the plan cannot be read.
    pub async fn run(
        &self,
        settings: &RunSettings,
        clock: &impl Clock,
        mut sink: impl FnMut(&Record),
    ) -> Result<Report, AwsError> {
        let today = clock.now().date();
        let plan = offboard::plan(
            &self.sagemaker,
            &self.emr,
            &self.targets,
            &settings.criteria,
            settings.home,
            today,
        )
        .await?;
        let mut records = Vec::new();
        let clean = offboard::carry_out(
            &self.sagemaker,
            &self.emr,
            &plan,
            settings.execute,
            settings.pace,
            clock,
            |record| {
                sink(&record);
                records.push(record);
            },
        )
        .await;
        Ok(Report {
            plan,
            records,
            clean,
        })
    }

    /// The scheduled run: plan and steps as JSON log lines; an error when a step failed, so that
    /// the function's Errors metric (and its alarm) sees it.
    pub async fn scheduled(&self, settings: &RunSettings) -> Result<serde_json::Value, String> {
        let report = self
            .run(settings, &SystemClock, |record| {
                tracing::info!(record = %serde_json::to_string(record).unwrap_or_default(), "offboarding step");
            })
            .await
            .map_err(|error| format!("offboarding could not read its plan: {error}"))?;
        for skip in &report.plan.skipped {
            tracing::info!(skip = %serde_json::to_string(skip).unwrap_or_default(), "offboarding skipped");
        }
        let summary = serde_json::json!({
            "profiles": report.plan.profiles.len(),
            "mappings": report.plan.mappings.len(),
            "skipped": report.plan.skipped.len(),
            "steps": report.records.len(),
            "executed": settings.execute,
            "clean": report.clean,
        });
        if report.clean {
            Ok(summary)
        } else {
            Err(format!("offboarding steps failed or timed out: {summary}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(days: &str, home: &str, execute: &str) -> Environment {
        Environment::default()
            .with(ENV_OFFBOARD_INACTIVE_DAYS, days)
            .with(ENV_OFFBOARD_HOME, home)
            .with(ENV_OFFBOARD_EXECUTE, execute)
    }

    #[test]
    fn the_schedule_selects_by_inactivity_and_is_a_dry_run_unless_execute_is_true() {
        let settings = RunSettings::from_environment(&env("90", "remove", "")).unwrap();
        assert_eq!(settings.criteria.inactive_days, Some(90));
        assert!(settings.criteria.users.is_empty());
        assert_eq!(settings.home, Home::Remove);
        assert!(!settings.execute);
        assert!(
            RunSettings::from_environment(&env("90", "", "true"))
                .unwrap()
                .execute
        );
        assert!(
            !RunSettings::from_environment(&env("90", "", "TRUE"))
                .unwrap()
                .execute,
            "only the template's exact value turns it on"
        );
        assert_eq!(
            RunSettings::from_environment(&env("90", "", ""))
                .unwrap()
                .home,
            Home::Keep
        );
    }

    #[test]
    fn a_schedule_without_a_positive_number_of_days_or_with_an_unknown_home_is_refused() {
        for (days, home, field) in [
            ("0", "keep", ENV_OFFBOARD_INACTIVE_DAYS),
            ("ninety", "keep", ENV_OFFBOARD_INACTIVE_DAYS),
            ("", "keep", ENV_OFFBOARD_INACTIVE_DAYS),
            ("90", "delete", ENV_OFFBOARD_HOME),
        ] {
            match RunSettings::from_environment(&env(days, home, "")) {
                Err(ConfigError::Field { field: named, .. }) => assert_eq!(named, field),
                other => panic!("{days:?}/{home:?}: {other:?}"),
            }
        }
    }
}
