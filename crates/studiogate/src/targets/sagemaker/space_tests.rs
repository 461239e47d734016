//! The private space's tests (beside `space.rs`).

use super::*;

const TEAM: &str = "arn:aws:sagemaker:us-east-1:123456789012:image/team";
const TEAM_V3: &str = "arn:aws:sagemaker:us-east-1:123456789012:image-version/team/3";
const OTHER: &str = "arn:aws:sagemaker:us-east-1:123456789012:image/other";

fn rule() -> PrivateSpaceRule {
    PrivateSpaceRule {
        instance_type: "ml.t3.medium".into(),
        storage_gb: 20,
        image_arn: None,
    }
}

fn observed(instance: &str, storage: u32, image: Option<&str>) -> SpaceState {
    SpaceState {
        status: "InService".into(),
        owner: Some("alice".into()),
        sharing: Some("Private".into()),
        instance_type: Some(instance.into()),
        image_arn: image.map(str::to_owned),
        lifecycle_config_arn: Some("arn:lcc".into()),
        storage_gb: Some(storage),
        jupyter_lab_others: JupyterLabOthers {
            code_repositories: vec!["https://git.example.com/alice/notebooks.git".into()],
            idle_timeout_minutes: Some(90),
            image_version_arn: image
                .map(|arn| format!("{}/3", arn.replace(":image/", ":image-version/"))),
            image_version_alias: None,
            training_plan_arn: Some(
                "arn:aws:sagemaker:us-east-1:123456789012:training-plan/gpu".into(),
            ),
        },
    }
}

#[test]
fn an_image_version_belongs_to_the_image_of_its_name() {
    assert_eq!(image_of_version(TEAM_V3).as_deref(), Some(TEAM));
    assert_eq!(image_of_version(TEAM), None);
    assert_eq!(
        image_of_version("arn:aws:sagemaker:r:a:image-version/team"),
        None
    );
}

#[test]
fn the_space_is_named_after_its_profile_within_63_characters() {
    assert_eq!(space_name("alice"), "alice-private");
    let long = "a".repeat(63);
    let name = space_name(&long);
    assert_eq!(name.len(), 63);
    assert!(name.ends_with("-private"));
}

#[test]
fn drift_changes_the_spec_and_only_grows_the_volume() {
    let desired = DesiredSpace {
        owner_profile: "alice".into(),
        rule: rule(),
        tags: BTreeMap::new(),
    };
    assert!(space_drift(&desired, &observed("ml.t3.medium", 20, None)).is_empty());
    assert!(
        space_drift(&desired, &observed("ml.t3.medium", 20, Some(TEAM))).is_empty(),
        "no image in the rule: the space keeps the one it has"
    );
    assert_eq!(
        space_drift(&desired, &observed("ml.m5.large", 50, None)),
        SpaceDrift {
            resource_spec: Some(ResourceSpecUpdate {
                instance_type: "ml.t3.medium".into(),
                image_arn: None,
                lifecycle_config_arn: Some("arn:lcc".into()),
                clear_image_version: false,
                clear_training_plan: true,
                others: JupyterLabOthers {
                    code_repositories: vec!["https://git.example.com/alice/notebooks.git".into()],
                    idle_timeout_minutes: Some(90),
                    image_version_arn: None,
                    image_version_alias: None,
                    training_plan_arn: None,
                },
            }),
            storage_gb: None
        },
        "a larger volume stays: SageMaker cannot shrink it; a training plan is of the old type"
    );
    assert_eq!(
        space_drift(&desired, &observed("ml.t3.medium", 5, None)).storage_gb,
        Some(20)
    );
    assert_eq!(
        space_drift(&desired, &observed("ml.m5.large", 20, Some(TEAM)))
            .resource_spec
            .and_then(|spec| spec.image_arn),
        Some(TEAM.into()),
        "a new instance type keeps the space's image"
    );
    let new_type_same_image = space_drift(&desired, &observed("ml.m5.large", 20, Some(TEAM)))
        .resource_spec
        .expect("the instance type drifted");
    assert_eq!(
        (
            new_type_same_image.others.image_version_arn.as_deref(),
            new_type_same_image.clear_image_version
        ),
        (Some(TEAM_V3), false),
        "the space's image keeps its version"
    );
    let imaged = DesiredSpace {
        rule: PrivateSpaceRule {
            image_arn: Some(OTHER.into()),
            ..rule()
        },
        ..desired.clone()
    };
    let new_image = space_drift(&imaged, &observed("ml.t3.medium", 20, Some(TEAM)))
        .resource_spec
        .expect("the image drifted");
    assert_eq!(
        (
            new_image.image_arn.as_deref(),
            new_image.others.image_version_arn,
            new_image.clear_image_version
        ),
        (Some(OTHER), None, true),
        "a version of the old image would win over the rule's image: it is cleared"
    );
    assert_eq!(new_image.others.idle_timeout_minutes, Some(90));
    assert_eq!(
        (
            new_image.others.training_plan_arn.as_deref(),
            new_image.clear_training_plan
        ),
        (
            Some("arn:aws:sagemaker:us-east-1:123456789012:training-plan/gpu"),
            false
        ),
        "the same instance type keeps its training plan"
    );
    let pinned_elsewhere = SpaceState {
        image_arn: Some(OTHER.into()),
        ..observed("ml.t3.medium", 20, Some(TEAM))
    };
    let corrected = space_drift(&imaged, &pinned_elsewhere)
        .resource_spec
        .expect("the space runs a version of team, not the rule's image");
    assert_eq!(
        (
            corrected.image_arn.as_deref(),
            corrected.others.image_version_arn,
            corrected.clear_image_version
        ),
        (Some(OTHER), None, true)
    );
    let capitalised = DesiredSpace {
        rule: PrivateSpaceRule {
            image_arn: Some(TEAM.replace("image/team", "image/Team")),
            ..rule()
        },
        ..desired.clone()
    };
    assert!(
        space_drift(&capitalised, &observed("ml.t3.medium", 20, Some(TEAM))).is_empty(),
        "an image named with capitals is the same image as its lower-case version's"
    );
    let unreported = SpaceState {
        storage_gb: None,
        ..observed("ml.t3.medium", 0, None)
    };
    assert!(space_drift(&desired, &unreported).is_empty());
}

#[test]
fn a_rule_is_checked_against_sagemakers_ranges() {
    assert!(rule().check("r").is_ok());
    let field = |rule: PrivateSpaceRule| rule.check("r").unwrap_err().0;
    assert_eq!(
        field(PrivateSpaceRule {
            instance_type: "t3.medium".into(),
            ..rule()
        }),
        "r.instance_type"
    );
    assert_eq!(
        field(PrivateSpaceRule {
            storage_gb: 4,
            ..rule()
        }),
        "r.storage_gb"
    );
    assert_eq!(
        field(PrivateSpaceRule {
            image_arn: Some("my-image".into()),
            ..rule()
        }),
        "r.image_arn"
    );
}
