//! The plan: read-only. Every profile of every configured domain is read once; what carries no
//! owner tag of a target on that domain is not studiogate's and is never listed.

use super::port::{AppSummary, SpaceSummary, StudioInventory};
use super::{Criteria, Home};
use crate::targets::emr::{EmrStudioAccess, IdentityType, MappingMode, StudioMode};
use crate::targets::sagemaker::flow::LAST_LOGIN_TAG;
use crate::targets::{Target, TargetKind};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use studiogate_kernel::retry::{with_retry, Budget};
use studiogate_kernel::AwsError;
use time::Date;

/// Each read's retry budget (throttling is likely when a whole domain is read).
const READ_BUDGET: Duration = Duration::from_secs(30);

/// Why a user is offboarded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "kebab-case")]
pub enum Why {
    /// Their last login (the profile's tag) is older than the limit.
    Inactive {
        /// `YYYY-MM-DD`.
        last_login: String,
    },
    /// Named by the operator.
    Listed,
}

/// Why a selected profile is left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "held", rename_all = "kebab-case")]
pub enum Held {
    /// It owns spaces studiogate did not create (no owner tag of this user): AWS would refuse to
    /// delete the profile, and those spaces are not ours to delete.
    ForeignSpaces {
        /// Their names.
        spaces: Vec<String>,
    },
    /// It owns spaces shared with others (not `Private`), even if tagged as this user's: their
    /// work is in them, and AWS would refuse to delete the profile while it owns them.
    SharedSpaces {
        /// Their names.
        spaces: Vec<String>,
    },
    /// It is already being deleted.
    Deleting,
    /// Selected as inactive, but its owner signed in between the plan and its turn to be carried
    /// out (the last-login tag moved): they are active again.
    SignedInSincePlan {
        /// The last-login tag's value when it was looked at again (`YYYY-MM-DD`); not named
        /// `last_login`, which the plan's `why` carries beside it.
        signed_in: String,
    },
}

impl Held {
    /// The reason code, as the record's `held` field spells it.
    pub fn reason(&self) -> &'static str {
        match self {
            Held::ForeignSpaces { .. } => "foreign-spaces",
            Held::SharedSpaces { .. } => "shared-spaces",
            Held::Deleting => "deleting",
            Held::SignedInSincePlan { .. } => "signed-in-since-plan",
        }
    }
}

/// One profile to offboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfilePlan {
    /// The domain.
    pub domain_id: String,
    /// The profile.
    pub profile: String,
    /// The owner tag's value.
    pub owner: String,
    /// Why.
    #[serde(flatten)]
    pub why: Why,
    /// Its live apps, in its spaces or its own (Classic).
    #[serde(skip)]
    pub apps: Vec<AppSummary>,
    /// The spaces it owns (all carry its owner tag).
    pub spaces: Vec<String>,
    /// Whether the spaces and the profile go (home = remove) or stay (home = keep).
    pub home: Home,
    /// Why nothing is done, if so.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub held: Option<Held>,
    /// The user's directory on the domain's EFS volume, which outlives the profile.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home_efs_uid: Option<String>,
}

/// One Identity Center session mapping to delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingPlan {
    /// The Studio.
    pub studio_id: String,
    /// The Identity Center `UserName`.
    pub user: String,
    /// Their Identity Store ID.
    pub identity_id: String,
    /// The mapping's session policy (one the target configures).
    pub session_policy_arn: String,
}

/// A selected user or resource left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "skip", rename_all = "kebab-case")]
pub enum Skip {
    /// Owner-tagged, but without a last-login tag (made before it existed, or never signed in
    /// since): inactivity cannot be told, so it is not selected by it.
    NoLastLogin {
        /// The domain.
        domain_id: String,
        /// The profile.
        profile: String,
    },
    /// A session mapping whose session policy no target configures: not studiogate's.
    ForeignMapping {
        /// The Studio.
        studio_id: String,
        /// The user.
        user: String,
    },
}

/// What offboarding would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// Profiles, in domain and name order.
    pub profiles: Vec<ProfilePlan>,
    /// Session mappings.
    pub mappings: Vec<MappingPlan>,
    /// What was left out.
    pub skipped: Vec<Skip>,
}

/// The owner tags the targets on each SageMaker domain of this account use. A spoke's domains are
/// not offboarded from the hub: its provisioning role deletes nothing.
fn owner_tags_by_domain(targets: &BTreeMap<String, Target>) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut domains: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for target in targets.values() {
        if let TargetKind::Sagemaker(t) = &target.kind {
            if t.spoke.is_some() {
                continue;
            }
            domains
                .entry(t.domain_id.as_str())
                .or_default()
                .insert(t.owner_tag.as_str());
        }
    }
    domains
}

/// Whether `last_login` (`YYYY-MM-DD`) is more than `days` before `today`. An unreadable value
/// counts as not inactive: it is never a reason to delete.
fn inactive(last_login: &str, days: u32, today: Date) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(last_login, &format).is_ok_and(|seen| (today - seen).whole_days() > i64::from(days))
}

async fn read<T, F, Fut>(op: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsError>>,
{
    with_retry(&Budget::new(READ_BUDGET), op).await.0
}

/// Plans offboarding for `criteria` across `targets`, as of `today`. Reads only.
pub async fn plan<S: StudioInventory, E: EmrStudioAccess>(
    sagemaker: &S,
    emr: &E,
    targets: &BTreeMap<String, Target>,
    criteria: &Criteria,
    home: Home,
    today: Date,
) -> Result<Plan, AwsError> {
    let mut plan = Plan::default();
    for (domain, owner_tags) in owner_tags_by_domain(targets) {
        plan_domain(
            sagemaker,
            domain,
            &owner_tags,
            criteria,
            home,
            today,
            &mut plan,
        )
        .await?;
    }
    for target in targets.values() {
        if let TargetKind::Emr(t) = &target.kind {
            plan_mappings(emr, t, criteria, &mut plan).await?;
        }
    }
    Ok(plan)
}

async fn plan_domain<S: StudioInventory>(
    api: &S,
    domain: &str,
    owner_tags: &BTreeSet<&str>,
    criteria: &Criteria,
    home: Home,
    today: Date,
    plan: &mut Plan,
) -> Result<(), AwsError> {
    let mut selected = Vec::new();
    for name in read(|| api.profile_names(domain)).await? {
        let Some(profile) = read(|| api.profile(domain, &name)).await? else {
            continue;
        };
        let Some(owner) = owner_tags
            .iter()
            .find_map(|tag| profile.tags.get(*tag))
            .cloned()
        else {
            continue; // not studiogate's
        };
        let why = if criteria.users.contains(&owner) {
            Why::Listed
        } else if let Some(days) = criteria.inactive_days {
            match profile.tags.get(LAST_LOGIN_TAG) {
                Some(seen) if inactive(seen, days, today) => Why::Inactive {
                    last_login: seen.clone(),
                },
                Some(_) => continue,
                None => {
                    plan.skipped.push(Skip::NoLastLogin {
                        domain_id: domain.to_owned(),
                        profile: name,
                    });
                    continue;
                }
            }
        } else {
            continue;
        };
        selected.push((profile, owner, why));
    }
    if selected.is_empty() {
        return Ok(());
    }
    // One listing of spaces and apps per domain, not one per user.
    let spaces: Vec<SpaceSummary> = read(|| api.spaces(domain)).await?;
    let apps: Vec<AppSummary> = read(|| api.apps(domain)).await?;
    for (profile, owner, why) in selected {
        let owned: Vec<&SpaceSummary> = spaces
            .iter()
            .filter(|s| s.owner.as_deref() == Some(profile.name.as_str()))
            .collect();
        let (mut ours, mut foreign, mut shared) = (Vec::new(), Vec::new(), Vec::new());
        for space in &owned {
            let tags = read(|| api.space_tags(domain, &space.name)).await?;
            let tagged =
                tags.is_some_and(|tags| owner_tags.iter().any(|t| tags.get(*t) == Some(&owner)));
            // Only a private space is one user's alone (presign makes them so); anything else,
            // tagged or not, may hold others' work.
            let private = space.sharing.as_deref() == Some("Private");
            match (tagged, private) {
                (true, true) => &mut ours,
                (true, false) => &mut shared,
                (false, _) => &mut foreign,
            }
            .push(space.name.clone());
        }
        let held = if profile.status == "Deleting" {
            Some(Held::Deleting)
        } else if !foreign.is_empty() {
            Some(Held::ForeignSpaces { spaces: foreign })
        } else if !shared.is_empty() {
            Some(Held::SharedSpaces { spaces: shared })
        } else {
            None
        };
        // An app in a space belongs to the space, whoever started it: only apps in this user's own
        // spaces, and Classic apps (no space) of this profile, are theirs.
        let live_apps = apps
            .iter()
            .filter(|a| a.is_live())
            .filter(|a| match &a.space {
                Some(space) => ours.contains(space),
                None => a.profile.as_deref() == Some(profile.name.as_str()),
            })
            .cloned()
            .collect();
        ours.sort();
        plan.profiles.push(ProfilePlan {
            domain_id: domain.to_owned(),
            profile: profile.name,
            owner,
            why,
            apps: if held.is_some() {
                Vec::new()
            } else {
                live_apps
            },
            spaces: ours,
            home,
            held,
            home_efs_uid: profile.home_efs_uid,
        });
    }
    Ok(())
}

/// A listed user's session mapping on an Identity Center Studio in user mode, if its policy is one
/// the target configures. A Studio in IAM mode has no mappings; group mappings are not a user's.
async fn plan_mappings<E: EmrStudioAccess>(
    emr: &E,
    target: &crate::targets::emr::EmrTarget,
    criteria: &Criteria,
    plan: &mut Plan,
) -> Result<(), AwsError> {
    let Some(store) = target.identity_store_id.as_deref() else {
        return Ok(());
    };
    if criteria.users.is_empty() || target.mapping != MappingMode::User {
        return Ok(());
    }
    let studio = read(|| emr.describe_studio(&target.studio_id)).await?;
    if studio.mode != StudioMode::IdentityCenter {
        return Ok(());
    }
    let ours: BTreeSet<&str> = target
        .session_policy_rules
        .iter()
        .map(|rule| rule.session_policy_arn.as_str())
        .chain(target.default_session_policy_arn.as_deref())
        .collect();
    for user in &criteria.users {
        // Two targets on one Studio: its mappings are planned once (a second delete would fail).
        let planned = |m: &MappingPlan| m.studio_id == target.studio_id && &m.user == user;
        if plan.mappings.iter().any(planned) {
            continue;
        }
        let Some(id) = read(|| emr.identity_id(store, IdentityType::User, user)).await? else {
            continue;
        };
        let policy =
            read(|| emr.session_policy(&target.studio_id, IdentityType::User, &id)).await?;
        match policy {
            None => {}
            Some(policy) if ours.contains(policy.as_str()) => plan.mappings.push(MappingPlan {
                studio_id: target.studio_id.clone(),
                user: user.clone(),
                identity_id: id,
                session_policy_arn: policy,
            }),
            Some(_) => plan.skipped.push(Skip::ForeignMapping {
                studio_id: target.studio_id.clone(),
                user: user.clone(),
            }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod unit {
    use super::{inactive, Held};

    #[test]
    fn a_holds_reason_is_the_code_its_record_serializes() {
        for held in [
            Held::Deleting,
            Held::ForeignSpaces {
                spaces: vec!["x".into()],
            },
            Held::SharedSpaces {
                spaces: vec!["x".into()],
            },
            Held::SignedInSincePlan {
                signed_in: "2026-12-03".into(),
            },
        ] {
            assert_eq!(serde_json::to_value(&held).unwrap()["held"], held.reason());
        }
    }
    use time::macros::date;

    #[test]
    fn a_last_login_counts_as_inactive_only_strictly_past_the_limit() {
        let today = date!(2026 - 12 - 03);
        assert!(!inactive("2026-11-03", 30, today), "exactly 30 days");
        assert!(inactive("2026-11-02", 30, today));
        assert!(!inactive("2026-12-03", 0, today));
        assert!(
            !inactive("not a date", 0, today),
            "unreadable is never a reason"
        );
    }
}
