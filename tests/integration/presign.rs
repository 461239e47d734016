//! The presign handler in-process, on the real SDK clients, against the local AWS emulator.

use presign::SdkPresigner;
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;
use studiogate::config::BrokerConfig;
use studiogate::targets::{emr, sagemaker, TargetKind};
use studiogate_aws::kms::KmsMacKey;
use studiogate_aws::sdk_config;
use studiogate_kernel::seal;
use studiogate_kernel::wire::{
    Change, ErrorCode, FederatedCredentials, Identity, PresignRequest, PresignResponse,
};
use studiogate_saml::testkit;
use studiogate_tests::emulator::{self, Function};
use studiogate_tests::federation::federate;

/// The shared emulator's world, with what these tests need from it.
pub(crate) struct World(emulator::World);

impl std::ops::Deref for World {
    type Target = emulator::World;
    fn deref(&self) -> &emulator::World {
        &self.0
    }
}

impl World {
    pub(crate) fn domain(&self) -> String {
        self.seeded["sagemaker_domains"]["ml"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }
    pub(crate) fn role(&self, name: &str) -> String {
        self.seeded["roles"][name].as_str().unwrap().to_owned()
    }
    fn lcc(&self, name: &str) -> String {
        self.seeded["lifecycle_configs"][name]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The broker configuration for this world; `ml_role` is what the ml-engineers rule maps to.
    fn config(&self, ml_role: &str) -> BrokerConfig {
        self.config_with(ml_role, 90)
    }

    /// The same, with the ml-engineers rule's idle shutdown after `idle_minutes`.
    fn config_with(&self, ml_role: &str, idle_minutes: u32) -> BrokerConfig {
        self.config_with_rule(ml_role, idle_minutes, "")
    }

    /// The same, with `rule_extra` (TOML lines) added to the ml-engineers rule.
    pub(crate) fn config_with_rule(
        &self,
        ml_role: &str,
        idle_minutes: u32,
        rule_extra: &str,
    ) -> BrokerConfig {
        let text = format!(
            r#"
[idp]
entity_id = "{idp}"
certificates = ["""{cert}"""]
[sp]
acs_urls = ["{acs}"]
[presign]
sagemaker_endpoint_url = "{sagemaker_api}"
federation_url = "{endpoint}/federation"
broker_url = "https://sso.example.test"
budget_seconds = 8
profile_ready_seconds = 6
seal_key = "{seal_key}"
seal_ledger_table = "studiogate-replay"

[targets.sagemaker-ml]
kind = "sagemaker"
display_name = "ML platform"
domain_id = "{domain}"
static_tags = {{ cost-centre = "42" }}
tags_from_attributes = {{ team = "https://idp.example.test/claims/team" }}
default = {{ execution_role = "{default_role}" }}
[[targets.sagemaker-ml.rules]]
group = "ml-engineers"
execution_role = "{ml_role}"
lifecycle_configs = {{ JupyterLab = {{ default = "{lab}" }}, CodeEditor = {{ arns = ["{code}"] }} }}
idle_shutdown_minutes = {idle_minutes}
{rule_extra}

[targets.emr-iam]
kind = "emr"
display_name = "EMR (IAM)"
studio_id = "{emr_iam}"
region = "us-east-1"

[targets.emr-idc]
kind = "emr"
display_name = "EMR (Identity Center)"
studio_id = "{emr_idc}"
region = "us-east-1"
session_policy_rules = [{{ group = "ml-engineers", session_policy_arn = "arn:aws:iam::123456789012:policy/EMRStudioAdvanced" }}]
default_session_policy_arn = "arn:aws:iam::123456789012:policy/EMRStudioBasic"
identity_store_id = "d-9067c0ffee"
"#,
            idp = testkit::IDP_ENTITY_ID,
            seal_key = SEAL_KEY,
            cert = testkit::IDP.cert_pem,
            acs = testkit::ACS_URL,
            endpoint = self.aws.endpoint(),
            sagemaker_api = self.endpoint("sagemaker.api"),
            domain = self.domain(),
            default_role = self.role("SageMakerExecutionDefault"),
            ml_role = ml_role,
            lab = self.lcc("auto-shutdown-jupyterlab"),
            code = self.lcc("auto-shutdown-codeeditor"),
            emr_iam = self.seeded["emr_studios"]["iam"]["id"].as_str().unwrap(),
            emr_idc = self.seeded["emr_studios"]["idc"]["id"].as_str().unwrap(),
        );
        BrokerConfig::from_toml(&text, None).expect("test configuration is valid")
    }

    async fn presigner(&self, ml_role: &str) -> SdkPresigner {
        self.presigner_of(&self.config(ml_role)).await
    }

    pub(crate) async fn presigner_of(&self, config: &BrokerConfig) -> SdkPresigner {
        presign::build(config, &sdk_config().await)
            .await
            .expect("a configuration presign can run")
    }

    /// The profile's ARN, as the operator reads it.
    fn describe_arn(&self, name: &str) -> String {
        self.describe(name)["arn"].as_str().unwrap().to_owned()
    }

    fn describe(&self, name: &str) -> Value {
        // Through the emulator's API with boto-free plain HTTP would need signing; use the SDK.
        let domain = self.domain();
        let name = name.to_owned();
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new().unwrap().block_on(async move {
                let client = aws_sdk_sagemaker::Client::new(&sdk_config().await);
                let d = client.describe_user_profile().domain_id(&domain).user_profile_name(&name).send().await.unwrap();
                let tags = client.list_tags().resource_arn(d.user_profile_arn().unwrap()).send().await.unwrap();
                let settings = d.user_settings().unwrap();
                serde_json::json!({
                    "arn": d.user_profile_arn(),
                    "status": d.status().map(|s| s.as_str()),
                    "role": settings.execution_role(),
                    "lab_default": settings.jupyter_lab_app_settings().and_then(|a| a.default_resource_spec()).and_then(|r| r.lifecycle_config_arn()),
                    "code_arns": settings.code_editor_app_settings().map(|a| a.lifecycle_config_arns().to_vec()),
                    "lab_repositories": settings.jupyter_lab_app_settings().map(|a| a.code_repositories().iter().filter_map(|r| r.repository_url()).collect::<Vec<_>>()),
                    "lab_idle": settings.jupyter_lab_app_settings().and_then(|a| a.app_lifecycle_management()).and_then(|m| m.idle_settings()).and_then(|i| i.idle_timeout_in_minutes()),
                    "code_idle": settings.code_editor_app_settings().and_then(|a| a.app_lifecycle_management()).and_then(|m| m.idle_settings()).and_then(|i| i.idle_timeout_in_minutes()),
                    "tags": tags.tags().iter().map(|t| (t.key().unwrap_or_default().to_owned(), t.value().unwrap_or_default().to_owned())).collect::<BTreeMap<_, _>>(),
                })
            })
        })
        .join()
        .unwrap()
    }
}

pub(crate) fn world() -> World {
    World(emulator::exclusive_world())
}

pub(crate) fn identity(session: &str, groups: &[&str]) -> Identity {
    Identity {
        name_id: format!("{session}@example.com"),
        role_session_name: session.to_owned(),
        source_identity: Some(session.to_owned()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
        attributes: [(
            "https://idp.example.test/claims/team".to_string(),
            vec!["forecasting".to_string()],
        )]
        .into(),
        principal_tags: [("studiouserid".to_string(), session.to_owned())].into(),
        session_duration: Some(3600),
    }
}

pub(crate) fn request(
    target: &str,
    identity: Identity,
    credentials: FederatedCredentials,
) -> PresignRequest {
    PresignRequest {
        request_id: "req-1".into(),
        target: target.into(),
        identity,
        credentials,
    }
}

pub(crate) fn redirect(response: PresignResponse) -> (String, studiogate_kernel::wire::Action) {
    match response {
        PresignResponse::Redirect { url, action } => (url, action),
        PresignResponse::Error { error } => panic!("expected a redirect, got {error:?}"),
    }
}

pub(crate) fn error_code(response: PresignResponse) -> ErrorCode {
    match response {
        PresignResponse::Error { error } => error.code,
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_that_cannot_be_named_is_a_fixed_page_and_creates_nothing() {
    let world = world();
    let mut config = world.config_with_rule(&world.role("SageMakerExecutionML"), 60, "");
    let Some(TargetKind::Sagemaker(target)) = config
        .targets
        .get_mut("sagemaker-ml")
        .map(|target| &mut target.kind)
    else {
        panic!("the test world has a SageMaker target");
    };
    target.profile_name = sagemaker::naming::ProfileNameRule::Attribute(
        "https://idp.example.test/claims/team".into(),
    );
    let presigner = world.presigner_of(&config).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let mut alice = identity("alice", &["ml-engineers"]);
    // Only punctuation: nothing to name a profile after. The value is the IdP's: never shown.
    alice.attributes.insert(
        "https://idp.example.test/claims/team".into(),
        vec!["<<<>>>".into()],
    );
    let (response, audit) = presigner
        .handle(&request("sagemaker-ml", alice, creds))
        .await;
    match response {
        PresignResponse::Error { error } => {
            assert_eq!(error.code, ErrorCode::BadRequest);
            assert_eq!(error.message, studiogate::copy::UNNAMEABLE_PROFILE);
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(audit.outcome, "bad-request");
    let profile_calls: Vec<String> = world
        .aws
        .calls()
        .iter()
        .filter_map(|c| c["operation"].as_str().map(str::to_owned))
        .filter(|operation| operation.contains("UserProfile") || operation.contains("Presigned"))
        .collect();
    assert!(
        profile_calls.is_empty(),
        "no profile was looked up or made: {profile_calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn first_login_creates_the_tagged_profile_and_a_url_for_it_then_reuses_it() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let (response, audit) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("alice", &["ml-engineers"]),
            creds.clone(),
        ))
        .await;
    let (url, action) = redirect(response);
    assert_eq!(
        (action.kind, action.name.as_deref(), action.change),
        (sagemaker::PROFILE, Some("alice"), Change::Created)
    );
    assert_eq!(
        (
            audit.outcome.as_str(),
            audit.change.as_deref(),
            audit.target.as_str()
        ),
        ("ok", Some("created"), "sagemaker-ml")
    );
    let resolved = world.aws.resolve_presigned(&url);
    assert_eq!(resolved["domain_id"], world.domain().as_str());
    assert_eq!(resolved["user_profile_name"], "alice");
    // SessionDuration 3600, capped by what is left of the credentials' hour.
    let session = resolved["session_expiration_seconds"].as_u64().unwrap();
    assert!((3590..=3600).contains(&session), "{session}");
    assert_eq!(
        resolved["signer"]["arn"],
        "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    );
    let profile = world.describe("alice");
    assert_eq!(profile["role"], world.role("SageMakerExecutionML").as_str());
    assert_eq!(
        profile["lab_default"],
        world.lcc("auto-shutdown-jupyterlab").as_str()
    );
    assert_eq!(
        profile["code_arns"],
        serde_json::json!([world.lcc("auto-shutdown-codeeditor")])
    );
    let today = time::OffsetDateTime::now_utc().date();
    let today = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    assert_eq!(
        profile["tags"],
        serde_json::json!({"studiouserid": "alice", "cost-centre": "42", "team": "forecasting",
                           "studiogate:last-login": today}),
        "the last-login day is written with the profile, in the same call"
    );

    let (again, _) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("alice", &["ml-engineers"]),
            creds,
        ))
        .await;
    assert_eq!(redirect(again).1.change, Change::Unchanged);
    let calls = world.aws.calls();
    assert!(
        !calls.iter().any(|c| c["operation"] == "AddTags"),
        "a second login on the same day writes no tag"
    );
    let create = calls
        .iter()
        .filter(|c| c["operation"] == "CreateUserProfile")
        .collect::<Vec<_>>();
    assert_eq!(create.len(), 1);
    assert_eq!(
        create[0]["signer"]["arn"], world.seeded["function_credentials"]["presign"]["arn"],
        "provisioned by presign's role"
    );
    assert!(calls
        .iter()
        .filter(|c| c["operation"] == "CreatePresignedDomainUrl")
        .all(|c| c["signer"]["arn"] == "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"));
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_rules_update_the_existing_profile() {
    let world = world();
    let creds = federate(&world, "alice", "alice@example.com").await;
    let first = world.presigner(&world.role("SageMakerExecutionML")).await;
    redirect(
        first
            .handle(&request(
                "sagemaker-ml",
                identity("alice", &["ml-engineers"]),
                creds.clone(),
            ))
            .await
            .0,
    );
    let changed = world
        .presigner(&world.role("SageMakerExecutionDefault"))
        .await;
    let (_, action) = redirect(
        changed
            .handle(&request(
                "sagemaker-ml",
                identity("alice", &["ml-engineers"]),
                creds,
            ))
            .await
            .0,
    );
    assert_eq!(action.change, Change::Updated);
    assert_eq!(
        world.describe("alice")["role"],
        world.role("SageMakerExecutionDefault").as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_keeps_what_administrators_set_and_sets_the_idle_shutdown_of_the_rules() {
    let world = world();
    let creds = federate(&world, "ivan", "ivan@example.com").await;
    let ml = world.role("SageMakerExecutionML");
    let login = |presigner: SdkPresigner, creds: FederatedCredentials| async move {
        let request = request("sagemaker-ml", identity("ivan", &["ml-engineers"]), creds);
        redirect(presigner.handle(&request).await.0).1
    };
    assert_eq!(
        login(world.presigner(&ml).await, creds.clone())
            .await
            .change,
        Change::Created
    );
    assert_eq!(
        (
            world.describe("ivan")["lab_idle"].clone(),
            world.describe("ivan")["code_idle"].clone()
        ),
        (Value::from(90), Value::from(90)),
        "SageMaker's own idle shutdown, from the rule"
    );

    // An administrator adds a code repository to the profile's JupyterLab settings.
    let operator = aws_sdk_sagemaker::Client::new(&world.operator().await);
    let described = operator
        .describe_user_profile()
        .domain_id(world.domain())
        .user_profile_name("ivan")
        .send()
        .await
        .unwrap();
    let mut lab = described
        .user_settings()
        .and_then(|s| s.jupyter_lab_app_settings())
        .cloned()
        .unwrap();
    lab.code_repositories = Some(vec![aws_sdk_sagemaker::types::CodeRepository::builder()
        .repository_url("https://git.example.test/team.git")
        .build()]);
    operator
        .update_user_profile()
        .domain_id(world.domain())
        .user_profile_name("ivan")
        .user_settings(
            aws_sdk_sagemaker::types::UserSettings::builder()
                .jupyter_lab_app_settings(lab)
                .build(),
        )
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await; // the update settles (transition 0.3 s)

    let longer = world.presigner_of(&world.config_with(&ml, 120)).await;
    assert_eq!(login(longer, creds).await.change, Change::Updated);
    let now = world.describe("ivan");
    assert_eq!(
        (now["lab_idle"].clone(), now["code_idle"].clone()),
        (Value::from(120), Value::from(120))
    );
    assert_eq!(
        now["lab_repositories"],
        serde_json::json!(["https://git.example.test/team.git"]),
        "the administrator's repository survives the update"
    );
    assert_eq!(
        now["lab_default"],
        world.lcc("auto-shutdown-jupyterlab").as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_that_sanitises_onto_someone_elses_profile_is_refused() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let first = federate(&world, "a.lice", "a.lice@example.com").await;
    redirect(
        presigner
            .handle(&request("sagemaker-ml", identity("a.lice", &[]), first))
            .await
            .0,
    );
    let second = federate(&world, "a-lice", "a-lice@example.com").await;
    let (response, audit) = presigner
        .handle(&request("sagemaker-ml", identity("a-lice", &[]), second))
        .await;
    assert_eq!(error_code(response), ErrorCode::ProfileOwnedByAnother);
    assert_eq!(audit.outcome, "profile-owned-by-another");
    assert_eq!(world.describe("a-lice")["tags"]["studiouserid"], "a.lice");
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_first_logins_share_one_profile_and_both_succeed() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let (one, two) = (
        federate(&world, "bob", "bob@example.com").await,
        federate(&world, "bob", "bob@example.com").await,
    );
    let (first, second) = (
        request("sagemaker-ml", identity("bob", &[]), one),
        request("sagemaker-ml", identity("bob", &[]), two),
    );
    let (a, b) = tokio::join!(presigner.handle(&first), presigner.handle(&second));
    let mut changes = vec![redirect(a.0).1.change, redirect(b.0).1.change];
    changes.sort_by_key(|c| format!("{c:?}"));
    assert_eq!(changes, vec![Change::Created, Change::Unchanged]);
    let creates = world
        .aws
        .calls()
        .iter()
        .filter(|c| c["operation"] == "CreateUserProfile" && c["outcome"] == "ok")
        .count();
    assert_eq!(creates, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_server_errors_are_ridden_out_and_persistent_ones_say_try_again() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "carol", "carol@example.com").await;
    world
        .aws
        .fault("sagemaker:CreateUserProfile", "throttle", Some(2));
    world
        .aws
        .fault("sagemaker:DescribeUserProfile", "error500", Some(2));
    world
        .aws
        .fault("sts:GetCallerIdentity", "error503", Some(1));
    world
        .aws
        .fault("sagemaker:CreatePresignedDomainUrl", "throttle", Some(1));
    let (response, _) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("carol", &[]),
            creds.clone(),
        ))
        .await;
    assert_eq!(redirect(response).1.change, Change::Created);
    world
        .aws
        .fault("sagemaker:CreatePresignedDomainUrl", "throttle", None);
    let started = std::time::Instant::now();
    let (response, audit) = presigner
        .handle(&request("sagemaker-ml", identity("carol", &[]), creds))
        .await;
    assert_eq!(error_code(response), ErrorCode::TryAgain);
    assert_eq!(audit.outcome, "try-again");
    // Throttled for ever, the retries would never end: any bound proves the 8 s budget stops them.
    // Twice the budget leaves a loaded CI machine room; it is not a timing target.
    assert!(
        started.elapsed() < Duration::from_secs(16),
        "the budget bounds the retries: {:?}",
        started.elapsed()
    );
    world.aws.control("DELETE", "/faults", None).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_of_another_identity_and_unknown_targets_are_refused() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let alice = federate(&world, "alice", "alice@example.com").await;
    let (response, _) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("mallory", &[]),
            alice.clone(),
        ))
        .await;
    assert_eq!(error_code(response), ErrorCode::IdentityMismatch);
    let (response, _) = presigner
        .handle(&request(
            "https://evil.example",
            identity("alice", &[]),
            alice,
        ))
        .await;
    assert_eq!(error_code(response), ErrorCode::UnknownTarget);
    assert!(world
        .aws
        .calls()
        .iter()
        .all(|c| c["operation"] != "CreateUserProfile"));
}

#[tokio::test(flavor = "multi_thread")]
async fn emr_iam_studio_opens_through_a_console_federation_login_the_emulator_accepts() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let (url, action) = redirect(
        presigner
            .handle(&request("emr-iam", identity("alice", &[]), creds))
            .await
            .0,
    );
    assert_eq!(action.kind, emr::FEDERATION);
    assert!(url.starts_with(&format!("{}/federation?Action=login", world.aws.endpoint())));
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let logins = world
        .aws
        .control("GET", "/federation/logins", None)
        .unwrap();
    let studio = world.seeded["emr_studios"]["iam"]["id"].as_str().unwrap();
    assert_eq!(
        logins[0]["arn"],
        "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    );
    assert_eq!(
        logins[0]["destination"],
        format!("https://console.aws.amazon.com/emr/home?region=us-east-1#studio/{studio}/start")
    );
    assert_eq!(logins[0]["issuer"], "https://sso.example.test");
    assert_eq!(logins[0]["session_seconds"], 3600);
}

#[tokio::test(flavor = "multi_thread")]
async fn emr_identity_center_studio_creates_then_reuses_then_updates_the_session_mapping() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let studio_url = world.seeded["emr_studios"]["idc"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let plain = request("emr-idc", identity("alice", &[]), creds.clone());
    let engineer = request("emr-idc", identity("alice", &["ml-engineers"]), creds);
    let (url, action) = redirect(presigner.handle(&plain).await.0);
    assert_eq!(
        (
            url.as_str(),
            action.kind,
            action.name.as_deref(),
            action.change
        ),
        (
            studio_url.as_str(),
            emr::SESSION_MAPPING,
            Some("alice@example.com"),
            Change::Created
        )
    );
    assert_eq!(
        redirect(presigner.handle(&plain).await.0).1.change,
        Change::Unchanged
    );
    assert_eq!(
        redirect(presigner.handle(&engineer).await.0).1.change,
        Change::Updated
    );
    let calls = world.aws.calls();
    let updated = calls
        .iter()
        .find(|c| c["operation"] == "UpdateStudioSessionMapping")
        .unwrap();
    assert_eq!(
        updated["params"]["SessionPolicyArn"],
        "arn:aws:iam::123456789012:policy/EMRStudioAdvanced"
    );
    let alice_id = &world.seeded["identity_store"]["users"]["alice@example.com"];
    assert_eq!(
        updated["params"]["IdentityId"], *alice_id,
        "mapped by Identity Store ID"
    );
    assert!(calls
        .iter()
        .any(|c| c["operation"] == "GetUserId" && c["authorization"]["decision"] == "Allowed"));
}

/// A double click, or two tabs: the same new user's first logins arrive together, each finds no
/// mapping, and EMR refuses every CreateStudioSessionMapping but the first. The others find the
/// mapping made for them and open the Studio too.
#[tokio::test(flavor = "multi_thread")]
async fn emr_identity_center_first_logins_at_once_make_one_mapping_and_all_open_the_studio() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let first = request("emr-idc", identity("alice", &[]), creds.clone());
    let second = request("emr-idc", identity("alice", &[]), creds.clone());
    let third = request("emr-idc", identity("alice", &[]), creds);
    let (a, b, c) = tokio::join!(
        presigner.handle(&first),
        presigner.handle(&second),
        presigner.handle(&third)
    );
    let mut changes: Vec<Change> = [a, b, c]
        .into_iter()
        .map(|(response, _)| redirect(response).1.change)
        .collect();
    changes.sort_by_key(|change| format!("{change:?}"));
    assert_eq!(
        changes,
        [Change::Created, Change::Unchanged, Change::Unchanged]
    );
    let creates: Vec<_> = world
        .aws
        .calls()
        .into_iter()
        .filter(|c| c["operation"] == "CreateStudioSessionMapping")
        .map(|c| c["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        creates.iter().filter(|o| *o == "ok").count(),
        1,
        "{creates:?}"
    );
    // Whether the logins did race (each read before any create) is the scheduler's; the path of a
    // refused create is pinned by the unit test beside the flow (targets/emr/flow_tests.rs).
}

#[tokio::test(flavor = "multi_thread")]
async fn emr_identity_center_refuses_strangers_and_removes_a_mapping_no_rule_grants() {
    let world = world();
    let creds = federate(&world, "alice", "alice@example.com").await;
    let mut config = world.config(&world.role("SageMakerExecutionML"));
    let TargetKind::Emr(idc) = &mut config.targets.get_mut("emr-idc").unwrap().kind else {
        panic!("an EMR target")
    };
    idc.default_session_policy_arn = None; // only ml-engineers are entitled now
    let presigner = world.presigner_of(&config).await;
    let engineer = request(
        "emr-idc",
        identity("alice", &["ml-engineers"]),
        creds.clone(),
    );
    assert_eq!(
        redirect(presigner.handle(&engineer).await.0).1.change,
        Change::Created
    );
    // alice left ml-engineers: her mapping goes, and she is refused.
    let (response, audit) = presigner
        .handle(&request("emr-idc", identity("alice", &[]), creds))
        .await;
    assert_eq!(error_code(response), ErrorCode::Refused);
    assert_eq!(audit.outcome, "refused");
    assert!(world
        .aws
        .calls()
        .iter()
        .any(|c| c["operation"] == "DeleteStudioSessionMapping" && c["outcome"] == "ok"));
    // carol signs in through the IdP but is not in Identity Center: nothing is mapped for her.
    let mappings = |world: &World| {
        world
            .aws
            .calls()
            .iter()
            .filter(|c| c["operation"] == "CreateStudioSessionMapping")
            .count()
    };
    let before = mappings(&world);
    let carol = federate(&world, "carol", "carol@example.com").await;
    let (response, _) = presigner
        .handle(&request(
            "emr-idc",
            identity("carol", &["ml-engineers"]),
            carol,
        ))
        .await;
    assert_eq!(error_code(response), ErrorCode::Refused);
    assert_eq!(mappings(&world), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn emr_group_mode_refuses_a_user_no_group_rule_entitles_without_looking_up_a_group() {
    let world = world();
    let creds = federate(&world, "alice", "alice@example.com").await;
    let mut config = world.config(&world.role("SageMakerExecutionML"));
    let TargetKind::Emr(idc) = &mut config.targets.get_mut("emr-idc").unwrap().kind else {
        panic!("an EMR target")
    };
    idc.mapping = emr::MappingMode::Group;
    let presigner = world.presigner_of(&config).await;
    let (response, audit) = presigner
        .handle(&request("emr-idc", identity("alice", &["finance"]), creds))
        .await;
    match response {
        PresignResponse::Error { error } => {
            assert_eq!(error.code, ErrorCode::Refused);
            assert_eq!(error.message, studiogate::copy::NOT_ENTITLED_TO_EMR_STUDIO);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(audit.outcome, "refused");
    assert!(
        !world
            .aws
            .calls()
            .iter()
            .any(|c| c["operation"] == "GetGroupId"),
        "no group to look up"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_profile_gives_a_clear_error_not_a_retry_loop() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "dave", "dave@example.com").await;
    redirect(
        presigner
            .handle(&request(
                "sagemaker-ml",
                identity("dave", &[]),
                creds.clone(),
            ))
            .await
            .0,
    );
    let status = serde_json::json!({"DomainId": world.domain(), "UserProfileName": "dave", "Status": "Failed"});
    world
        .aws
        .control("POST", "/sagemaker/profile-status", Some(&status))
        .unwrap();
    let started = std::time::Instant::now();
    let (response, _) = presigner
        .handle(&request("sagemaker-ml", identity("dave", &[]), creds))
        .await;
    assert_eq!(error_code(response), ErrorCode::ProfileUnusable);
    // Waiting for a Failed profile to recover would run to profile_ready_seconds (6 s); 4 s leaves a
    // loaded CI machine room and still tells the two apart.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "no waiting on a Failed profile: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_change_blocked_by_running_apps_keeps_the_old_role_and_lets_the_user_in() {
    let world = world();
    let creds = federate(&world, "erin", "erin@example.com").await;
    let first = world.presigner(&world.role("SageMakerExecutionML")).await;
    redirect(
        first
            .handle(&request(
                "sagemaker-ml",
                identity("erin", &["ml-engineers"]),
                creds.clone(),
            ))
            .await
            .0,
    );
    let apps =
        serde_json::json!({"DomainId": world.domain(), "UserProfileName": "erin", "running": true});
    world
        .aws
        .control("POST", "/sagemaker/apps", Some(&apps))
        .unwrap();
    let changed = world
        .presigner(&world.role("SageMakerExecutionDefault"))
        .await;
    let (url, _) = redirect(
        changed
            .handle(&request(
                "sagemaker-ml",
                identity("erin", &["ml-engineers"]),
                creds,
            ))
            .await
            .0,
    );
    assert!(url.contains("token="));
    assert_eq!(
        world.describe("erin")["role"],
        world.role("SageMakerExecutionML").as_str()
    );
    let calls = world.aws.calls();
    assert!(
        calls
            .iter()
            .any(|c| c["operation"] == "ListApps" && c["authorization"]["decision"] == "Allowed"),
        "presign asked whether apps run"
    );
    assert!(
        !calls
            .iter()
            .any(|c| c["operation"] == "UpdateUserProfile" && c["outcome"] != "ok"),
        "no role change was attempted against running apps"
    );
}

/// The emulator's seal key (tests/emulator/worlds/default.json), as both functions reach it.
const SEAL_KEY: &str = "alias/studiogate-presign-seal";

/// `request` sealed as saml-validator seals it: with its role, which alone may make the MAC.
async fn sealed(world: &World, request: &PresignRequest) -> Value {
    let validator = world
        .signing_as(world.credentials_of(Function::SamlValidator))
        .await;
    let sealer = KmsMacKey::new(&validator, SEAL_KEY, Duration::from_secs(5));
    let sealed = seal::seal(&sealer, request, time::OffsetDateTime::now_utc())
        .await
        .expect("the emulator's KMS makes the MAC");
    serde_json::to_value(sealed).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_lambda_event_handler_answers_a_sealed_request_and_refuses_malformed_events() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let bad = presigner
        .handle_event(serde_json::json!({"target": 7}), "lambda-1")
        .await;
    assert_eq!(bad["outcome"], "error");
    assert_eq!(bad["error"]["code"], "bad-request");
    let creds = federate(&world, "frank", "frank@example.com").await;
    let event = sealed(
        &world,
        &request("sagemaker-ml", identity("frank", &[]), creds),
    )
    .await;
    let good = presigner.handle_event(event, "lambda-2").await;
    assert_eq!(good["outcome"], "redirect");
    assert_eq!(
        good["action"],
        serde_json::json!({"kind": "sagemaker-profile", "name": "frank", "change": "created"})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn presign_provisions_nothing_for_a_request_saml_validator_did_not_seal() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "mallory", "mallory@example.com").await;
    let wanted = request(
        "sagemaker-ml",
        identity("mallory", &["ml-engineers"]),
        creds,
    );

    // Someone allowed to invoke presign, holding their own federated credentials, sends a
    // request with the group of their choice: bare, then with a seal lifted from another request.
    let bare = serde_json::to_value(&wanted).unwrap();
    let refused = presigner.handle_event(bare, "lambda-3").await;
    assert_eq!(refused["error"]["code"], "bad-request");
    let mut lifted = sealed(
        &world,
        &request(
            "sagemaker-ml",
            identity("mallory", &[]),
            wanted.credentials.clone(),
        ),
    )
    .await;
    lifted["request"] = Value::from(serde_json::to_string(&wanted).unwrap());
    let refused = presigner.handle_event(lifted, "lambda-4").await;
    assert_eq!(refused["error"]["code"], "bad-request");
    assert!(
        world
            .aws
            .calls()
            .iter()
            .all(|c| c["operation"] != "CreateUserProfile"),
        "nothing was provisioned"
    );
    let verifies = world
        .aws
        .calls()
        .iter()
        .filter(|c| c["operation"] == "VerifyMac")
        .count();
    assert_eq!(
        verifies, 1,
        "the bare request never reached KMS; the lifted seal did, and failed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_that_fails_after_creating_the_profile_is_completed_by_the_next_one() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "gina", "gina@example.com").await;
    world
        .aws
        .fault("sagemaker:CreatePresignedDomainUrl", "error500", None);
    let (response, _) = presigner
        .handle(&request(
            "sagemaker-ml",
            identity("gina", &[]),
            creds.clone(),
        ))
        .await;
    assert_eq!(error_code(response), ErrorCode::TryAgain);
    assert_eq!(
        world.describe("gina")["status"],
        "InService",
        "the profile stays usable"
    );
    world.aws.control("DELETE", "/faults", None).unwrap();
    let (url, action) = redirect(
        presigner
            .handle(&request("sagemaker-ml", identity("gina", &[]), creds))
            .await
            .0,
    );
    assert_eq!(action.change, Change::Unchanged);
    assert!(url.contains("token="));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_returning_users_first_login_of_the_day_records_it_without_changing_anything_else() {
    let world = world();
    let presigner = world.presigner(&world.role("SageMakerExecutionML")).await;
    let creds = federate(&world, "alice", "alice@example.com").await;
    let login = request(
        "sagemaker-ml",
        identity("alice", &["ml-engineers"]),
        creds.clone(),
    );
    redirect(presigner.handle(&login).await.0);
    // Pretend the last login was long ago.
    let arn = world.describe_arn("alice");
    let client = aws_sdk_sagemaker::Client::new(&world.operator().await);
    client
        .add_tags()
        .resource_arn(&arn)
        .tags(
            aws_sdk_sagemaker::types::Tag::builder()
                .key("studiogate:last-login")
                .value("2026-01-01")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let calls_before = world.aws.calls().len();
    let (_, action) = redirect(presigner.handle(&login).await.0);
    assert_eq!(action.change, Change::Unchanged, "bookkeeping is no change");
    let tagged: Vec<_> = world.aws.calls()[calls_before..]
        .iter()
        .filter(|c| c["operation"] == "AddTags")
        .cloned()
        .collect();
    assert_eq!(tagged.len(), 1);
    assert_eq!(
        tagged[0]["signer"]["arn"], world.seeded["function_credentials"]["presign"]["arn"],
        "written by presign's role, which may tag anything but the owner"
    );
    assert_ne!(
        world.describe("alice")["tags"]["studiogate:last-login"],
        "2026-01-01"
    );
}
