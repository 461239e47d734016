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
