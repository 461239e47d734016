//! Offboarding's plan and steps, on an in-memory SageMaker that enforces AWS's order (a profile
//! with apps or owned spaces, or a space with apps, cannot be deleted).

use super::*;
use crate::targets::emr::{EmrTarget, MappingMode, SessionPolicyRule};
use crate::targets::sagemaker::SagemakerTarget;
use crate::targets::{Target, TargetKind};
use crate::testkit::emr::ScriptedEmr;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;
use studiogate_kernel::clock::FixedClock;
use studiogate_kernel::{AwsError, ErrorKind};
use time::macros::{date, datetime};

const DOMAIN: &str = "d-abc";
const TODAY: time::Date = date!(2026 - 12 - 03);

#[derive(Default)]
struct World {
    profiles: BTreeMap<String, TaggedProfile>,
    spaces: BTreeMap<String, (SpaceSummary, BTreeMap<String, String>)>,
    apps: Vec<AppSummary>,
    deletes: Vec<String>,
    refuse: BTreeSet<String>,
    unreadable: BTreeSet<String>,
}

#[derive(Default)]
struct FakeStudio(Mutex<World>);

fn in_use(operation: &'static str, what: &str) -> AwsError {
    AwsError::new(
        operation,
        ErrorKind::InUse,
        "ResourceInUse",
        format!("{what} is in use"),
    )
}

fn denied(operation: &'static str) -> AwsError {
    AwsError::new(
        operation,
        ErrorKind::AccessDenied,
        "AccessDeniedException",
        "no",
    )
}

impl FakeStudio {
    fn profile(&self, name: &str, tags: &[(&str, &str)]) -> &Self {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let profile = TaggedProfile {
            name: name.into(),
            status: "InService".into(),
            tags,
            home_efs_uid: Some("200001".into()),
        };
        self.0.lock().unwrap().profiles.insert(name.into(), profile);
        self
    }
    fn space(&self, name: &str, owner: &str, tags: &[(&str, &str)]) -> &Self {
        let tags = tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let summary = SpaceSummary {
            name: name.into(),
            status: "InService".into(),
            owner: Some(owner.into()),
            sharing: Some("Private".into()),
        };
        self.0
            .lock()
            .unwrap()
            .spaces
            .insert(name.into(), (summary, tags));
        self
    }
    fn app(&self, space: &str, status: &str) -> &Self {
        let app = AppSummary {
            app_type: "JupyterLab".into(),
            name: "default".into(),
            space: Some(space.into()),
            profile: None,
            status: status.into(),
        };
        self.0.lock().unwrap().apps.push(app);
        self
    }
    fn shared(&self, space: &str) -> &Self {
        if let Some((summary, _)) = self.0.lock().unwrap().spaces.get_mut(space) {
            summary.sharing = Some("Shared".into());
        }
        self
    }
    /// An app `profile` started in `space` (ListApps names both).
    fn app_of(&self, profile: &str, space: &str) -> &Self {
        self.app(space, "InService");
        if let Some(app) = self.0.lock().unwrap().apps.last_mut() {
            app.profile = Some(profile.into());
        }
        self
    }
    fn deletes(&self) -> Vec<String> {
        self.0.lock().unwrap().deletes.clone()
    }
}

impl StudioInventory for FakeStudio {
    async fn profile_names(&self, _: &str) -> Result<Vec<String>, AwsError> {
        Ok(self.0.lock().unwrap().profiles.keys().cloned().collect())
    }
    async fn profile(&self, _: &str, name: &str) -> Result<Option<TaggedProfile>, AwsError> {
        let world = self.0.lock().unwrap();
        if world.unreadable.contains(name) {
            return Err(denied("sagemaker:DescribeUserProfile"));
        }
        Ok(world.profiles.get(name).cloned())
    }
    async fn spaces(&self, _: &str) -> Result<Vec<SpaceSummary>, AwsError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .spaces
            .values()
            .map(|(s, _)| s.clone())
            .collect())
    }
    async fn space_tags(
        &self,
        _: &str,
        name: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .spaces
            .get(name)
            .map(|(_, t)| t.clone()))
    }
    async fn apps(&self, _: &str) -> Result<Vec<AppSummary>, AwsError> {
        Ok(self.0.lock().unwrap().apps.clone())
    }
    async fn delete_app(&self, _: &str, app: &AppSummary) -> Result<(), AwsError> {
        let mut world = self.0.lock().unwrap();
        world
            .deletes
            .push(format!("app {}", app.space.as_deref().unwrap_or_default()));
        for live in world
            .apps
            .iter_mut()
            .filter(|a| a.space == app.space && a.name == app.name)
        {
            live.status = "Deleted".into();
        }
        Ok(())
    }
    async fn delete_space(&self, _: &str, name: &str) -> Result<(), AwsError> {
        let mut world = self.0.lock().unwrap();
        if world
            .apps
            .iter()
            .any(|a| a.is_live() && a.space.as_deref() == Some(name))
        {
            return Err(in_use("sagemaker:DeleteSpace", name));
        }
        world.deletes.push(format!("space {name}"));
        world.spaces.remove(name);
        Ok(())
    }
    async fn delete_profile(&self, _: &str, name: &str) -> Result<(), AwsError> {
        let mut world = self.0.lock().unwrap();
        if world.refuse.contains(name) {
            return Err(denied("sagemaker:DeleteUserProfile"));
        }
        if world
            .spaces
            .values()
            .any(|(s, _)| s.owner.as_deref() == Some(name))
        {
            return Err(in_use("sagemaker:DeleteUserProfile", name));
        }
        world.deletes.push(format!("profile {name}"));
        world.profiles.remove(name);
        Ok(())
    }
}

fn emr(policy: &str) -> ScriptedEmr {
    ScriptedEmr::mapped(policy)
}

fn targets() -> BTreeMap<String, Target> {
    let sagemaker: SagemakerTarget = toml::from_str(&format!(
        "domain_id = \"{DOMAIN}\"\ndefault = {{ execution_role = \"arn:aws:iam::1:role/x\" }}"
    ))
    .unwrap();
    let emr = EmrTarget {
        studio_id: "es-1".into(),
        region: "us-east-1".into(),
        mapping: MappingMode::User,
        session_policy_rules: vec![SessionPolicyRule {
            group: Some("ml".into()),
            session_policy_arn: "arn:ml".into(),
        }],
        default_session_policy_arn: None,
        identity_store_id: Some("d-1234567890".into()),
        user_name_attribute: None,
    };
    let target = |kind| Target {
        display_name: "t".into(),
        allowed_roles: Vec::new(),
        kind,
    };
    BTreeMap::from([
        (
            "studio".to_string(),
            target(TargetKind::Sagemaker(sagemaker)),
        ),
        ("emr".to_string(), target(TargetKind::Emr(emr))),
    ])
}

fn inactive_for(days: u32) -> Criteria {
    Criteria {
        inactive_days: Some(days),
        users: BTreeSet::new(),
    }
}

fn listed(user: &str) -> Criteria {
    Criteria {
        inactive_days: None,
        users: BTreeSet::from([user.to_string()]),
    }
}

const PACE: Pace = Pace {
    wait: Duration::from_secs(1),
    poll: Duration::from_millis(10),
};

async fn run(
    studio: &FakeStudio,
    emr: &ScriptedEmr,
    criteria: &Criteria,
    home: Home,
    execute: bool,
) -> (Plan, Vec<Record>, bool) {
    let plan = plan(studio, emr, &targets(), criteria, home, TODAY)
        .await
        .unwrap();
    let (records, clean) = carry(studio, emr, &plan, execute).await;
    (plan, records, clean)
}

/// Carries out `plan` at 06:00 on TODAY: the records and whether all went well.
async fn carry(
    studio: &FakeStudio,
    emr: &ScriptedEmr,
    plan: &Plan,
    execute: bool,
) -> (Vec<Record>, bool) {
    let mut records = Vec::new();
    let clean = carry_out(
        studio,
        emr,
        plan,
        execute,
        PACE,
        &FixedClock(datetime!(2026-12-03 06:00 UTC)),
        |r| records.push(r),
    )
    .await;
    (records, clean)
}

fn steps(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{} {} {:?}", r.action, r.resource, r.outcome))
        .collect()
}

#[tokio::test]
async fn inactive_users_lose_apps_then_spaces_then_profile_and_nothing_else_is_touched() {
    let studio = FakeStudio::default();
    studio
        .profile(
            "old",
            &[
                ("studiouserid", "old@x"),
                ("studiogate:last-login", "2026-09-01"),
            ],
        )
        .profile(
            "recent",
            &[
                ("studiouserid", "recent@x"),
                ("studiogate:last-login", "2026-11-30"),
            ],
        )
        .profile("legacy", &[("studiouserid", "legacy@x")])
        .profile("hand-made", &[("studiogate:last-login", "2020-01-01")])
        .space("old-private", "old", &[("studiouserid", "old@x")])
        .app("old-private", "InService")
        .app("recent-private", "InService");
    let (plan, records, clean) = run(
        &studio,
        &emr("arn:ml"),
        &inactive_for(30),
        Home::Remove,
        true,
    )
    .await;
    assert!(clean);
    assert_eq!(plan.profiles.len(), 1, "{plan:?}");
    assert_eq!(
        plan.profiles[0].why,
        Why::Inactive {
            last_login: "2026-09-01".into()
        }
    );
    assert_eq!(
        plan.skipped,
        vec![Skip::NoLastLogin {
            domain_id: DOMAIN.into(),
            profile: "legacy".into()
        }]
    );
    assert_eq!(
        studio.deletes(),
        ["app old-private", "space old-private", "profile old"]
    );
    assert_eq!(
        steps(&records),
        [
            "delete-app JupyterLab/default in old-private Done",
            "delete-space old-private Done",
            "delete-profile old Done",
            "keep EFS home of old Kept",
        ]
    );
    assert_eq!(
        records[3].detail.as_deref(),
        Some("HomeEfsFileSystemUid 200001")
    );
    assert_eq!(records[0].at, "2026-12-03T06:00:00Z");
}

#[tokio::test]
async fn a_dry_run_plans_the_same_steps_and_deletes_nothing() {
    let studio = FakeStudio::default();
    studio
        .profile(
            "old",
            &[
                ("studiouserid", "old@x"),
                ("studiogate:last-login", "2026-09-01"),
            ],
        )
        .space("old-private", "old", &[("studiouserid", "old@x")])
        .app("old-private", "InService");
    let (_, records, clean) = run(
        &studio,
        &emr("arn:ml"),
        &inactive_for(30),
        Home::Remove,
        false,
    )
    .await;
    assert!(clean);
    assert!(studio.deletes().is_empty());
    assert_eq!(
        steps(&records),
        [
            "delete-app JupyterLab/default in old-private Planned",
            "delete-space old-private Planned",
            "delete-profile old Planned",
            "keep EFS home of old Kept",
        ]
    );
}

#[tokio::test]
async fn keeping_the_home_stops_the_apps_and_keeps_spaces_and_profile() {
    let studio = FakeStudio::default();
    studio
        .profile("bob", &[("studiouserid", "bob@x")])
        .space("bob-private", "bob", &[("studiouserid", "bob@x")])
        .app("bob-private", "InService")
        .app("bob-private", "Deleted");
    let (_, records, _) = run(&studio, &emr("arn:ml"), &listed("bob@x"), Home::Keep, true).await;
    assert_eq!(
        studio.deletes(),
        ["app bob-private"],
        "a Deleted app is not deleted again"
    );
    assert_eq!(
        steps(&records)[1..],
        ["keep bob-private Kept", "keep bob Kept"]
    );
}

#[tokio::test]
async fn a_profile_owning_a_space_studiogate_did_not_create_is_held_whole() {
    let studio = FakeStudio::default();
    studio
        .profile("carol", &[("studiouserid", "carol@x")])
        .space("carol-private", "carol", &[("studiouserid", "carol@x")])
        .space("carol-scratch", "carol", &[])
        .app("carol-private", "InService");
    let (plan, records, _) = run(
        &studio,
        &emr("arn:ml"),
        &listed("carol@x"),
        Home::Remove,
        true,
    )
    .await;
    assert_eq!(
        plan.profiles[0].held,
        Some(Held::ForeignSpaces {
            spaces: vec!["carol-scratch".into()]
        })
    );
    assert!(studio.deletes().is_empty());
    assert_eq!(steps(&records), ["hold carol Held"]);
    assert_eq!(records[0].detail.as_deref(), Some("foreign-spaces"));
}

#[tokio::test]
async fn a_shared_space_the_user_owns_holds_the_profile_even_when_tagged_as_theirs() {
    let studio = FakeStudio::default();
    studio
        .profile("fay", &[("studiouserid", "fay@x")])
        .space("fay-private", "fay", &[("studiouserid", "fay@x")])
        .space("team-notebooks", "fay", &[("studiouserid", "fay@x")])
        .shared("team-notebooks")
        .app("team-notebooks", "InService");
    let (plan, records, _) = run(
        &studio,
        &emr("arn:ml"),
        &listed("fay@x"),
        Home::Remove,
        true,
    )
    .await;
    assert_eq!(
        plan.profiles[0].held,
        Some(Held::SharedSpaces {
            spaces: vec!["team-notebooks".into()]
        })
    );
    assert!(studio.deletes().is_empty(), "{:?}", studio.deletes());
    assert_eq!(records[0].detail.as_deref(), Some("shared-spaces"));
}

#[tokio::test]
async fn apps_the_user_started_in_spaces_not_theirs_are_left_running() {
    for home in [Home::Keep, Home::Remove] {
        let studio = FakeStudio::default();
        studio
            .profile("gus", &[("studiouserid", "gus@x")])
            .profile("hana", &[("studiouserid", "hana@x")])
            .space("gus-private", "gus", &[("studiouserid", "gus@x")])
            .space("hana-private", "hana", &[("studiouserid", "hana@x")])
            .space("team", "hana", &[("studiouserid", "hana@x")])
            .shared("team")
            .app_of("gus", "gus-private")
            .app_of("gus", "team")
            .app_of("gus", "hana-private");
        let (plan, _, clean) = run(&studio, &emr("arn:ml"), &listed("gus@x"), home, true).await;
        assert!(clean);
        let apps: Vec<_> = plan.profiles[0]
            .apps
            .iter()
            .filter_map(|a| a.space.clone())
            .collect();
        assert_eq!(apps, ["gus-private"], "{home:?}");
        assert!(
            studio
                .deletes()
                .iter()
                .all(|d| !d.contains("team") && !d.contains("hana")),
            "{:?}",
            studio.deletes()
        );
    }
}

#[tokio::test]
async fn a_failed_step_stops_that_user_only_and_the_run_reports_it() {
    let studio = FakeStudio::default();
    studio
        .profile("dave", &[("studiouserid", "dave@x")])
        .profile("erin", &[("studiouserid", "erin@x")]);
    studio.0.lock().unwrap().refuse.insert("dave".into());
    let criteria = Criteria {
        inactive_days: None,
        users: BTreeSet::from(["dave@x".to_string(), "erin@x".to_string()]),
    };
    let (_, records, clean) = run(&studio, &emr("arn:ml"), &criteria, Home::Remove, true).await;
    assert!(!clean);
    assert_eq!(records[0].outcome, Outcome::Failed);
    assert_eq!(records[0].detail.as_deref(), Some("AccessDeniedException"));
    assert_eq!(studio.deletes(), ["profile erin"]);
}

#[tokio::test]
async fn a_user_who_signs_in_after_the_plan_is_held_and_the_others_go_on() {
    let studio = FakeStudio::default();
    for user in ["fay", "gus", "hal"] {
        let owner = format!("{user}@x");
        let space = format!("{user}-private");
        studio
            .profile(
                user,
                &[
                    ("studiouserid", owner.as_str()),
                    ("studiogate:last-login", "2026-09-01"),
                ],
            )
            .space(&space, user, &[("studiouserid", owner.as_str())])
            .app(&space, "InService");
    }
    let plan = plan(
        &studio,
        &emr("arn:ml"),
        &targets(),
        &inactive_for(30),
        Home::Remove,
        TODAY,
    )
    .await
    .unwrap();
    assert_eq!(plan.profiles.len(), 3);
    // While the operator reads the plan, Fay signs in: presign moves her last-login tag; and Hal's
    // profile can no longer be read.
    studio.profile(
        "fay",
        &[
            ("studiouserid", "fay@x"),
            ("studiogate:last-login", "2026-12-03"),
        ],
    );
    studio.0.lock().unwrap().unreadable.insert("hal".into());

    let (records, clean) = carry(&studio, &emr("arn:ml"), &plan, true).await;
    assert!(!clean, "Hal's failed look is reported");
    assert_eq!(
        steps(&records),
        [
            "hold fay Held",
            "delete-app JupyterLab/default in gus-private Done",
            "delete-space gus-private Done",
            "delete-profile gus Done",
            "keep EFS home of gus Kept",
            "recheck hal Failed",
        ],
        "nothing of Fay's or Hal's is touched"
    );
    assert_eq!(records[0].detail.as_deref(), Some("signed-in-since-plan"));
    assert_eq!(records[5].detail.as_deref(), Some("AccessDeniedException"));
    assert_eq!(
        studio.deletes(),
        ["app gus-private", "space gus-private", "profile gus"]
    );

    // A dry run reads nothing again: it says what the plan, as read, would do.
    let (records, _) = carry(&studio, &emr("arn:ml"), &plan, false).await;
    assert_eq!(
        steps(&records)[0],
        "delete-app JupyterLab/default in fay-private Planned"
    );
}

#[tokio::test]
async fn only_mappings_whose_policy_a_target_configures_are_deleted() {
    let studio = FakeStudio::default();
    let ours = emr("arn:ml");
    let (plan, records, _) = run(&studio, &ours, &listed("alice"), Home::Remove, true).await;
    assert_eq!(plan.mappings.len(), 1);
    assert_eq!(steps(&records), ["delete-session-mapping alice Done"]);
    assert_eq!(ours.deleted(), ["es-1 id-alice"]);
    assert!(
        ours.written().is_empty(),
        "offboarding never creates or updates"
    );

    let theirs = emr("arn:someone-elses");
    let (plan, _, _) = run(&studio, &theirs, &listed("alice"), Home::Remove, true).await;
    assert!(plan.mappings.is_empty());
    assert_eq!(
        plan.skipped,
        vec![Skip::ForeignMapping {
            studio_id: "es-1".into(),
            user: "alice".into()
        }]
    );
    assert!(theirs.deleted().is_empty());
}

#[tokio::test]
async fn two_targets_on_one_studio_plan_its_mapping_once() {
    let studio = FakeStudio::default();
    let ours = emr("arn:ml");
    let mut both = targets();
    let second = both["emr"].clone();
    both.insert("emr-again".into(), second);
    let plan = plan(&studio, &ours, &both, &listed("alice"), Home::Remove, TODAY)
        .await
        .unwrap();
    assert_eq!(plan.mappings.len(), 1, "{:?}", plan.mappings);
}

#[test]
fn home_is_keep_unless_remove_is_asked_for() {
    assert_eq!(Home::default(), Home::Keep);
    assert_eq!("remove".parse::<Home>(), Ok(Home::Remove));
    assert!("delete".parse::<Home>().is_err());
}
