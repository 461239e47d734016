"""SageMaker Studio domains, user profiles, tags, lifecycle configs and presigned domain URLs."""

import time
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

import saml

ROLE_ML = "arn:aws:iam::123456789012:role/SageMakerExecutionML"


def code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def domain_id(world) -> str:
    return world["sagemaker_domains"]["ml"]["id"]


def settings(world, role=ROLE_ML) -> dict:
    lab = world["lifecycle_configs"]["auto-shutdown-jupyterlab"]
    return {
        "ExecutionRole": role,
        "JupyterLabAppSettings": {"DefaultResourceSpec": {"LifecycleConfigArn": lab}, "LifecycleConfigArns": [lab]},
    }


def wait_for(client, domain, name, status="InService", timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        current = client.describe_user_profile(DomainId=domain, UserProfileName=name)["Status"]
        if current == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"profile {name} never reached {status}")


def create(emulator, world, name="alice", tags=None):
    client = emulator.client("sagemaker")
    client.create_user_profile(DomainId=domain_id(world), UserProfileName=name, UserSettings=settings(world),
                               Tags=tags or [{"Key": "studiouserid", "Value": name}])
    wait_for(client, domain_id(world), name)
    return client


def test_domain_reports_auth_mode_url_and_becomes_in_service(emulator, world):
    client = emulator.client("sagemaker")
    described = client.describe_domain(DomainId=domain_id(world))
    assert described["AuthMode"] == "IAM"
    assert described["Url"] == f"https://{domain_id(world)}.studio.us-east-1.sagemaker.aws"
    time.sleep(0.35)
    assert client.describe_domain(DomainId=domain_id(world))["Status"] == "InService"
    with pytest.raises(ClientError) as excinfo:
        client.describe_domain(DomainId="d-000000000000")
    assert code(excinfo) == "ResourceNotFound"


def test_profile_is_created_pending_then_in_service_with_settings_and_tags(emulator, world):
    client = emulator.client("sagemaker")
    arn = client.create_user_profile(DomainId=domain_id(world), UserProfileName="alice", UserSettings=settings(world),
                                     Tags=[{"Key": "studiouserid", "Value": "alice"}, {"Key": "team", "Value": "ml"}])["UserProfileArn"]
    assert client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")["Status"] == "Pending"
    wait_for(client, domain_id(world), "alice")
    described = client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")
    assert described["UserSettings"]["ExecutionRole"] == ROLE_ML
    assert described["UserSettings"]["JupyterLabAppSettings"]["LifecycleConfigArns"] == [world["lifecycle_configs"]["auto-shutdown-jupyterlab"]]
    assert {t["Key"]: t["Value"] for t in client.list_tags(ResourceArn=arn)["Tags"]} == {"studiouserid": "alice", "team": "ml"}
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "costcentre", "Value": "42"}])
    assert len(client.list_tags(ResourceArn=arn)["Tags"]) == 3
    assert [p["UserProfileName"] for p in client.list_user_profiles(DomainIdEquals=domain_id(world))["UserProfiles"]] == ["alice"]


def test_profile_errors_match_aws(emulator, world):
    client = create(emulator, world)
    with pytest.raises(ClientError) as excinfo:
        client.create_user_profile(DomainId=domain_id(world), UserProfileName="alice")
    assert code(excinfo) == "ResourceInUse"
    with pytest.raises(ClientError) as excinfo:
        client.describe_user_profile(DomainId=domain_id(world), UserProfileName="bob")
    assert code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        client.create_user_profile(DomainId=domain_id(world), UserProfileName="bad_name")
    assert code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.create_user_profile(DomainId="d-000000000000", UserProfileName="bob")
    assert code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        client.create_user_profile(DomainId=domain_id(world), UserProfileName="bob", UserSettings={
            "JupyterLabAppSettings": {"LifecycleConfigArns": ["arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/nope"]}})
    assert code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        client.add_tags(ResourceArn="arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-x/nobody", Tags=[{"Key": "a", "Value": "b"}])
    assert code(excinfo) == "ResourceNotFound"


def test_update_goes_through_updating_and_refuses_a_role_change_while_apps_run(emulator, world):
    client = create(emulator, world)
    client.update_user_profile(DomainId=domain_id(world), UserProfileName="alice", UserSettings={"ExecutionRole": world["roles"]["SageMakerExecutionDefault"]})
    assert client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")["Status"] == "Updating"
    with pytest.raises(ClientError) as excinfo:
        client.update_user_profile(DomainId=domain_id(world), UserProfileName="alice", UserSettings={"ExecutionRole": ROLE_ML})
    assert code(excinfo) == "ResourceInUse"
    wait_for(client, domain_id(world), "alice")
    emulator.control("POST", "/sagemaker/apps", {"DomainId": domain_id(world), "UserProfileName": "alice", "running": True})
    with pytest.raises(ClientError) as excinfo:
        client.update_user_profile(DomainId=domain_id(world), UserProfileName="alice", UserSettings={"ExecutionRole": ROLE_ML})
    assert code(excinfo) == "ValidationException"
    described = client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")
    assert described["UserSettings"]["ExecutionRole"] == world["roles"]["SageMakerExecutionDefault"]


def test_delete_goes_through_deleting(emulator, world):
    client = create(emulator, world)
    client.delete_user_profile(DomainId=domain_id(world), UserProfileName="alice")
    assert client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")["Status"] == "Deleting"
    time.sleep(0.4)
    with pytest.raises(ClientError) as excinfo:
        client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")
    assert code(excinfo) == "ResourceNotFound"


def space_settings(instance="ml.t3.medium", gb=10, app_type="JupyterLab", image=None) -> dict:
    spec = {"InstanceType": instance}
    if image:
        spec["SageMakerImageArn"] = image
    return {"AppType": app_type, "JupyterLabAppSettings": {"DefaultResourceSpec": spec},
            "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": gb}}}


def wait_for_space(client, domain, name, status="InService", timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if client.describe_space(DomainId=domain, SpaceName=name)["Status"] == status:
            return
        time.sleep(0.05)
    raise AssertionError(f"space {name} never reached {status}")


def create_space(client, world, name="alice-private", owner="alice", sharing="Private", tags=None, wait=True, **settings_kwargs):
    kwargs = {"DomainId": domain_id(world), "SpaceName": name, "SpaceSettings": space_settings(**settings_kwargs),
              "SpaceSharingSettings": {"SharingType": sharing}}
    if owner:
        kwargs["OwnershipSettings"] = {"OwnerUserProfileName": owner}
    if tags:
        kwargs["Tags"] = tags
    arn = client.create_space(**kwargs)["SpaceArn"]
    if wait:
        wait_for_space(client, domain_id(world), name)
    return arn


def test_space_life_cycle_pending_updating_deleting(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    image = "arn:aws:sagemaker:us-east-1:081325390199:image/sagemaker-distribution-cpu"
    arn = client.create_space(DomainId=domain, SpaceName="alice-private", SpaceDisplayName="Alice's lab",
                              SpaceSettings=space_settings(image=image),
                              OwnershipSettings={"OwnerUserProfileName": "alice"},
                              SpaceSharingSettings={"SharingType": "Private"})["SpaceArn"]
    assert arn == f"arn:aws:sagemaker:us-east-1:123456789012:space/{domain}/alice-private"
    pending = client.describe_space(DomainId=domain, SpaceName="alice-private")
    assert pending["Status"] == "Pending"
    with pytest.raises(ClientError) as excinfo:  # not InService yet
        client.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings=space_settings(gb=20))
    assert code(excinfo) == "ResourceInUse"
    wait_for_space(client, domain, "alice-private")
    described = client.describe_space(DomainId=domain, SpaceName="alice-private")
    assert described["SpaceArn"] == arn and described["DomainId"] == domain and described["SpaceName"] == "alice-private"
    assert described["SpaceDisplayName"] == "Alice's lab"
    assert described["OwnershipSettings"] == {"OwnerUserProfileName": "alice"}
    assert described["SpaceSharingSettings"] == {"SharingType": "Private"}
    assert described["SpaceSettings"]["AppType"] == "JupyterLab"
    assert described["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"] == {"InstanceType": "ml.t3.medium", "SageMakerImageArn": image}
    assert described["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 10
    assert described["Url"].startswith("https://") and described["Url"].endswith(".studio.us-east-1.sagemaker.aws")
    assert described["CreationTime"] == described["LastModifiedTime"]

    # UpdateSpace merges SpaceSettings as UpdateUserProfile merges UserSettings.
    assert client.update_space(DomainId=domain, SpaceName="alice-private", SpaceDisplayName="Alice",
                               SpaceSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.m5.large"}},
                                              "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}}})["SpaceArn"] == arn
    assert client.describe_space(DomainId=domain, SpaceName="alice-private")["Status"] == "Updating"
    with pytest.raises(ClientError) as excinfo:
        client.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings=space_settings(gb=30))
    assert code(excinfo) == "ResourceInUse"
    wait_for_space(client, domain, "alice-private")
    updated = client.describe_space(DomainId=domain, SpaceName="alice-private")
    assert updated["SpaceSettings"]["AppType"] == "JupyterLab"
    assert updated["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"] == {"InstanceType": "ml.m5.large"}
    assert updated["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 20
    assert updated["SpaceDisplayName"] == "Alice" and updated["LastModifiedTime"] > updated["CreationTime"]
    assert updated["OwnershipSettings"] == {"OwnerUserProfileName": "alice"}

    create_space(client, world, "team-shared", owner="alice", sharing="Shared", app_type="CodeEditor", gb=5)
    spaces = client.list_spaces(DomainIdEquals=domain)["Spaces"]
    assert [s["SpaceName"] for s in spaces] == ["alice-private", "team-shared"]
    assert spaces[0]["SpaceSettingsSummary"] == {"AppType": "JupyterLab",
                                                 "SpaceStorageSettings": {"EbsStorageSettings": {"EbsVolumeSizeInGb": 20}}}
    assert spaces[0]["SpaceSharingSettingsSummary"] == {"SharingType": "Private"}
    assert spaces[0]["OwnershipSettingsSummary"] == {"OwnerUserProfileName": "alice"}
    assert spaces[0]["Status"] == "InService" and spaces[0]["DomainId"] == domain and spaces[0]["SpaceDisplayName"] == "Alice"
    assert spaces[1]["SpaceSettingsSummary"]["AppType"] == "CodeEditor" and spaces[1]["SpaceSharingSettingsSummary"] == {"SharingType": "Shared"}
    assert [s["SpaceName"] for s in client.list_spaces(DomainIdEquals=domain, SortOrder="Descending")["Spaces"]] == ["team-shared", "alice-private"]
    assert [s["SpaceName"] for s in client.list_spaces(SpaceNameContains="shared")["Spaces"]] == ["team-shared"]
    assert client.list_spaces(DomainIdEquals="d-000000000000")["Spaces"] == []

    client.delete_space(DomainId=domain, SpaceName="alice-private")
    assert client.describe_space(DomainId=domain, SpaceName="alice-private")["Status"] == "Deleting"
    time.sleep(0.4)
    with pytest.raises(ClientError) as excinfo:
        client.describe_space(DomainId=domain, SpaceName="alice-private")
    assert code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:  # its tags went with it
        client.list_tags(ResourceArn=arn)
    assert code(excinfo) == "ResourceNotFound"
    assert [s["SpaceName"] for s in client.list_spaces(DomainIdEquals=domain)["Spaces"]] == ["team-shared"]


def test_space_errors_match_aws(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world)

    def refused(**overrides):
        kwargs = {"DomainId": domain, "SpaceName": "other", "SpaceSettings": space_settings(),
                  "OwnershipSettings": {"OwnerUserProfileName": "alice"}, "SpaceSharingSettings": {"SharingType": "Private"}}
        kwargs.update(overrides)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        with pytest.raises(ClientError) as excinfo:
            client.create_space(**kwargs)
        return code(excinfo), excinfo.value.response["Error"]["Message"]

    assert refused(SpaceName="alice-private")[0] == "ResourceInUse"
    assert refused(DomainId="d-000000000000")[0] == "ResourceNotFound"
    assert refused(OwnershipSettings={"OwnerUserProfileName": "nobody"}) == (
        "ResourceNotFound", f"User profile nobody does not exist in domain {domain}")
    assert refused(OwnershipSettings=None)[0] == "ValidationException"  # Private needs an owner
    assert refused(SpaceSharingSettings={"SharingType": "Public"})[0] == "ValidationException"
    assert refused(SpaceSettings=space_settings(app_type="RStudioServerPro"))[0] == "ValidationException"
    assert refused(SpaceSettings=space_settings(app_type="JupyterServer"))[0] == "ValidationException"
    for gb in (4, 16385):
        code_, message = refused(SpaceSettings=space_settings(gb=gb))
        assert code_ == "ValidationException" and "between 5 and 16384" in message
    assert refused(SpaceName="bad_name")[0] == "ValidationException"
    assert refused(SpaceSettings={"JupyterLabAppSettings": {"DefaultResourceSpec": {
        "LifecycleConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:studio-lifecycle-config/nope"}}})[0] == "ResourceNotFound"
    # Nothing was created by the refused calls.
    assert [s["SpaceName"] for s in client.list_spaces(DomainIdEquals=domain)["Spaces"]] == ["alice-private"]
    # Both extremes of the range are accepted; a Shared space needs no owner.
    create_space(client, world, "tiny", owner=None, sharing="Shared", gb=5, wait=False)
    create_space(client, world, "huge", owner=None, sharing="Shared", gb=16384, wait=False)
    for operation in (client.describe_space, client.delete_space):
        with pytest.raises(ClientError) as excinfo:
            operation(DomainId=domain, SpaceName="nope")
        assert code(excinfo) == "ResourceNotFound"
    with pytest.raises(ClientError) as excinfo:
        client.update_space(DomainId=domain, SpaceName="nope", SpaceSettings=space_settings())
    assert code(excinfo) == "ResourceNotFound"


def test_space_storage_cannot_shrink_nor_its_app_type_change(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world, gb=50)
    for settings, phrase in ((space_settings(gb=49), "cannot be decreased"), (space_settings(app_type="CodeEditor", gb=50), "AppType"),
                             (space_settings(gb=16385), "between 5 and 16384")):
        with pytest.raises(ClientError) as excinfo:
            client.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings=settings)
        assert code(excinfo) == "ValidationException" and phrase in excinfo.value.response["Error"]["Message"]
    described = client.describe_space(DomainId=domain, SpaceName="alice-private")
    assert described["Status"] == "InService"  # nothing changed
    assert described["SpaceSettings"]["SpaceStorageSettings"]["EbsStorageSettings"]["EbsVolumeSizeInGb"] == 50
    # The same size (and the same AppType) is no change of either: accepted.
    client.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings=space_settings(instance="ml.t3.large", gb=50))
    wait_for_space(client, domain, "alice-private")
    assert client.describe_space(DomainId=domain, SpaceName="alice-private")["SpaceSettings"]["JupyterLabAppSettings"][
        "DefaultResourceSpec"]["InstanceType"] == "ml.t3.large"


def test_a_spaces_image_version_outlives_an_update_that_leaves_it_out_and_none_clears_it(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world)
    team, team_v3 = (f"arn:aws:sagemaker:us-east-1:123456789012:{kind}" for kind in ("image/team", "image-version/team/3"))
    other = "arn:aws:sagemaker:us-east-1:123456789012:image/other"

    def update(spec: dict) -> None:
        client.update_space(DomainId=domain, SpaceName="alice-private", SpaceSettings={
            "JupyterLabAppSettings": {"DefaultResourceSpec": {"InstanceType": "ml.t3.medium", **spec}}})
        wait_for_space(client, domain, "alice-private")

    def spec() -> dict:
        described = client.describe_space(DomainId=domain, SpaceName="alice-private")
        return described["SpaceSettings"]["JupyterLabAppSettings"]["DefaultResourceSpec"]

    update({"SageMakerImageArn": team, "SageMakerImageVersionArn": team_v3})
    update({"SageMakerImageArn": other})
    assert spec()["SageMakerImageVersionArn"] == team_v3, "the version, which takes precedence, stays"
    update({"SageMakerImageArn": other, "SageMakerImageVersionArn": "None"})
    assert "SageMakerImageVersionArn" not in spec() and spec()["SageMakerImageArn"] == other
    with pytest.raises(ClientError) as excinfo:
        update({"SageMakerImageVersionArn": "arn:aws:sagemaker:us-east-1:123456789012:image/team"})
    assert code(excinfo) == "ValidationException" and "regular expression pattern" in excinfo.value.response["Error"]["Message"]


def test_space_tags(emulator, world):
    client = create(emulator, world)
    arn = create_space(client, world, tags=[{"Key": "studiouserid", "Value": "alice"}, {"Key": "team", "Value": "ml"}])
    assert {t["Key"]: t["Value"] for t in client.list_tags(ResourceArn=arn)["Tags"]} == {"studiouserid": "alice", "team": "ml"}
    client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "research"}, {"Key": "costcentre", "Value": "42"}])
    assert {t["Key"]: t["Value"] for t in client.list_tags(ResourceArn=arn)["Tags"]} == {
        "studiouserid": "alice", "team": "research", "costcentre": "42"}
    client.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert {t["Key"] for t in client.list_tags(ResourceArn=arn)["Tags"]} == {"studiouserid", "costcentre"}
    untagged = create_space(client, world, "bare", owner=None, sharing="Shared", wait=False)
    assert client.list_tags(ResourceArn=untagged)["Tags"] == []


def test_list_apps_names_the_private_space_the_profile_owns(emulator, world):
    client = create(emulator, world)
    create(emulator, world, "bob")
    domain = domain_id(world)
    for name in ("alice", "bob"):
        emulator.control("POST", "/sagemaker/apps", {"DomainId": domain, "UserProfileName": name, "running": True})
    # bob owns only a shared space: his app is still in PROFILE-private.
    create_space(client, world, "bob-shared", owner="bob", sharing="Shared", wait=False)
    create_space(client, world, "alice-lab", owner="alice")
    apps = {a["UserProfileName"]: a for a in client.list_apps(DomainIdEquals=domain)["Apps"]}
    assert apps["alice"]["SpaceName"] == "alice-lab" and apps["bob"]["SpaceName"] == "bob-private"
    assert apps["alice"]["AppType"] == "JupyterLab" and apps["alice"]["AppName"] == "default"
    assert [a["UserProfileName"] for a in client.list_apps(SpaceNameEquals="alice-lab")["Apps"]] == ["alice"]
    assert [a["UserProfileName"] for a in client.list_apps(SpaceNameEquals="bob-private")["Apps"]] == ["bob"]
    assert client.list_apps(SpaceNameEquals="bob-shared")["Apps"] == []


def test_presigned_url_to_a_space(emulator, world):
    client = create(emulator, world)
    create(emulator, world, "bob")
    domain = domain_id(world)
    create_space(client, world, "bob-private", owner="bob")
    create_space(client, world, "team", owner="bob", sharing="Shared")
    with pytest.raises(ClientError) as excinfo:
        client.create_presigned_domain_url(DomainId=domain, UserProfileName="alice", SpaceName="bob-private")
    assert code(excinfo) == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == \
        "Space bob-private is private to another user profile; user profile alice cannot open it"
    owner = client.create_presigned_domain_url(DomainId=domain, UserProfileName="bob", SpaceName="bob-private")["AuthorizedUrl"]
    assert emulator.control("GET", "/sagemaker/presigned?url=" + urllib.request.quote(owner, safe=""))["space_name"] == "bob-private"
    shared = client.create_presigned_domain_url(DomainId=domain, UserProfileName="alice", SpaceName="team")["AuthorizedUrl"]
    resolved = emulator.control("GET", "/sagemaker/presigned?url=" + urllib.request.quote(shared, safe=""))
    assert (resolved["user_profile_name"], resolved["space_name"]) == ("alice", "team")
    with pytest.raises(ClientError) as excinfo:
        client.create_presigned_domain_url(DomainId=domain, UserProfileName="alice", SpaceName="nope")
    assert code(excinfo) == "ResourceNotFound"
    create_space(client, world, "alice-private", owner="alice", wait=False)
    with pytest.raises(ClientError) as excinfo:  # still Pending
        client.create_presigned_domain_url(DomainId=domain, UserProfileName="alice", SpaceName="alice-private")
    assert code(excinfo) == "ValidationException" and "Pending" in excinfo.value.response["Error"]["Message"]
    wait_for_space(client, domain, "alice-private")
    emulator.control("POST", "/sagemaker/space-status", {"DomainId": domain, "SpaceName": "alice-private", "Status": "Update_Failed"})
    assert client.describe_space(DomainId=domain, SpaceName="alice-private")["Status"] == "Update_Failed"
    with pytest.raises(ClientError) as excinfo:
        client.create_presigned_domain_url(DomainId=domain, UserProfileName="alice", SpaceName="alice-private")
    assert code(excinfo) == "ValidationException"


def test_lifecycle_configs(emulator, world):
    client = emulator.client("sagemaker")
    described = client.describe_studio_lifecycle_config(StudioLifecycleConfigName="auto-shutdown-jupyterlab")
    assert described["StudioLifecycleConfigAppType"] == "JupyterLab"
    names = [c["StudioLifecycleConfigName"] for c in client.list_studio_lifecycle_configs()["StudioLifecycleConfigs"]]
    assert sorted(names) == ["auto-shutdown-codeeditor", "auto-shutdown-jupyterlab"]
    with pytest.raises(ClientError) as excinfo:
        client.create_studio_lifecycle_config(StudioLifecycleConfigName="auto-shutdown-jupyterlab", StudioLifecycleConfigContent="IyE=", StudioLifecycleConfigAppType="JupyterLab")
    assert code(excinfo) == "ResourceInUse"
    with pytest.raises(ClientError) as excinfo:
        client.describe_studio_lifecycle_config(StudioLifecycleConfigName="nope")
    assert code(excinfo) == "ResourceNotFound"


def test_presigned_url_resolves_to_its_domain_profile_and_options_and_works_once(emulator, world, browser):
    create(emulator, world)
    create_space(emulator.client("sagemaker"), world, "alice-space", owner="alice")
    url = emulator.client("sagemaker").create_presigned_domain_url(
        DomainId=domain_id(world), UserProfileName="alice", SpaceName="alice-space", LandingUri="app:JupyterLab:",
        ExpiresInSeconds=30, SessionExpirationDurationInSeconds=3600)["AuthorizedUrl"]
    assert url.startswith(f"http://{domain_id(world)}.studio.us-east-1.sagemaker.localhost:") and "/auth?token=" in url
    resolved = emulator.control("GET", "/sagemaker/presigned?url=" + urllib.request.quote(url, safe=""))
    assert resolved["domain_id"] == domain_id(world) and resolved["user_profile_name"] == "alice"
    assert resolved["space_name"] == "alice-space" and resolved["landing_uri"] == "app:JupyterLab:"
    assert resolved["session_expiration_seconds"] == 3600 and resolved["used"] is False
    assert 25 < resolved["expires_at"] - time.time() <= 30
    # The operator signed it (AdministratorAccess): its policy lets the browser in from anywhere.
    status, landed, page = browser.open(url)
    assert status == 200 and landed.endswith("/jupyterlab/default/lab")
    assert f'<dd id="profile">alice</dd>' in page and domain_id(world) in page
    assert browser.open(url)[0] == 403
    assert emulator.control("GET", "/sagemaker/presigned?url=" + urllib.request.quote(url, safe=""))["used"] is True


def test_presigned_url_errors(emulator, world):
    client = emulator.client("sagemaker")
    client.create_user_profile(DomainId=domain_id(world), UserProfileName="pending")
    with pytest.raises(ClientError) as excinfo:  # still Pending
        client.create_presigned_domain_url(DomainId=domain_id(world), UserProfileName="pending")
    assert code(excinfo) == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        client.create_presigned_domain_url(DomainId=domain_id(world), UserProfileName="nobody")
    assert code(excinfo) == "ResourceNotFound"
    wait_for(client, domain_id(world), "pending")
    for kwargs in ({"ExpiresInSeconds": 301}, {"SessionExpirationDurationInSeconds": 1799}):
        with pytest.raises(ClientError) as excinfo:
            client.create_presigned_domain_url(DomainId=domain_id(world), UserProfileName="pending", **kwargs)
        assert code(excinfo) == "ValidationException"
    sso = client.create_domain(DomainName="idc", AuthMode="SSO", DefaultUserSettings={"ExecutionRole": ROLE_ML}, SubnetIds=["subnet-1"], VpcId="vpc-1")["DomainId"]
    client.create_user_profile(DomainId=sso, UserProfileName="alice")
    wait_for(client, sso, "alice")
    with pytest.raises(ClientError) as excinfo:
        client.create_presigned_domain_url(DomainId=sso, UserProfileName="alice")
    assert code(excinfo) == "ValidationException"


def test_federated_user_may_only_open_the_profile_tagged_with_its_id(emulator, world):
    create(emulator, world, "alice")
    create(emulator, world, "bob")
    creds = saml.assume(emulator, saml.response(tags={"studiouserid": "alice"}))["Credentials"]
    user = emulator.client("sagemaker", creds, url=world["endpoints"]["sagemaker.api"])
    assert "token=" in user.create_presigned_domain_url(DomainId=domain_id(world), UserProfileName="alice")["AuthorizedUrl"]
    with pytest.raises(ClientError) as excinfo:
        user.create_presigned_domain_url(DomainId=domain_id(world), UserProfileName="bob")
    assert code(excinfo) == "AccessDeniedException"


def test_a_profile_can_be_forced_into_a_failed_state(emulator, world):
    client = create(emulator, world)
    emulator.control("POST", "/sagemaker/profile-status", {"DomainId": domain_id(world), "UserProfileName": "alice", "Status": "Failed"})
    assert client.describe_user_profile(DomainId=domain_id(world), UserProfileName="alice")["Status"] == "Failed"
