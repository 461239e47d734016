"""What offboarding meets on AWS: apps go InService -> Deleting -> Deleted (and stay listed as
Deleted), a space cannot be deleted while an app in it lives, a profile not while an app it launched
lives or a space it owns exists; each call is the IAM request the reference lists."""

import json
import time

import pytest
from botocore.exceptions import ClientError

from test_sagemaker import create, create_space, domain_id, wait_for

ACCOUNT = "123456789012"


def launch(emulator, world, profile="alice", **extra):
    emulator.control("POST", "/sagemaker/apps", {"DomainId": domain_id(world), "UserProfileName": profile, "running": True, **extra})


def apps(client, world, **filters):
    return [(a.get("SpaceName"), a.get("UserProfileName"), a["AppType"], a["AppName"], a["Status"])
            for a in client.list_apps(DomainIdEquals=domain_id(world), **filters)["Apps"]]


def wait_for_app(client, world, space, status, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if [a for a in apps(client, world, SpaceNameEquals=space) if a[4] == status]:
            return
        time.sleep(0.05)
    raise AssertionError(f"no app of space {space} reached {status}")


def refused(call, **kwargs) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    response = excinfo.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def wait_gone(describe, **kwargs) -> None:
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            describe(**kwargs)
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ResourceNotFound"
            return
        time.sleep(0.05)
    raise AssertionError(f"{kwargs} never went")


def test_delete_app_goes_deleting_then_deleted_and_stays_listed(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world)  # alice-private
    launch(emulator, world)
    assert apps(client, world) == [("alice-private", "alice", "JupyterLab", "default", "InService")]
    app = {"DomainId": domain, "SpaceName": "alice-private", "AppType": "JupyterLab", "AppName": "default"}
    described = client.describe_app(**app)
    assert described["AppArn"] == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:app/{domain}/alice-private/jupyterlab/default"
    assert described["Status"] == "InService"

    client.delete_app(**app)
    assert apps(client, world) == [("alice-private", "alice", "JupyterLab", "default", "Deleting")]
    client.delete_app(**app)  # already being deleted: accepted, nothing changes
    assert client.describe_app(**app)["Status"] == "Deleting"
    wait_for_app(client, world, "alice-private", "Deleted")
    # Still listed, as AWS lists deleted apps for a while: clients skip Deleted and Failed apps.
    assert apps(client, world) == [("alice-private", "alice", "JupyterLab", "default", "Deleted")]
    assert client.describe_app(**app)["Status"] == "Deleted"
    assert refused(client.delete_app, **app)[0] == "ResourceNotFound"

    # Launched again: the new app and the deleted one, both listed.
    launch(emulator, world)
    assert sorted(a[4] for a in apps(client, world)) == ["Deleted", "InService"]
    assert apps(client, world, SortOrder="Descending")[0][4] == "InService"


def test_delete_app_validation_and_addressing(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    launch(emulator, world)  # JupyterLab "default" in alice-private, which she does not own yet
    launch(emulator, world, AppType="KernelGateway", AppName="datascience-ml-t3-medium")  # a Classic app: no space
    assert apps(client, world) == [("alice-private", "alice", "JupyterLab", "default", "InService"),
                                   (None, "alice", "KernelGateway", "datascience-ml-t3-medium", "InService")]
    base = {"DomainId": domain, "AppType": "JupyterLab", "AppName": "default"}

    code_, message, status = refused(client.delete_app, **base)  # neither SpaceName nor UserProfileName
    assert (code_, status) == ("ValidationException", 400) and "SpaceName or UserProfileName" in message
    assert last_call(emulator, "DeleteApp")["authorization"]["decision"] == "NotEvaluated"
    assert refused(client.delete_app, **{**base, "AppType": "Notebook", "SpaceName": "alice-private"})[0] == "ValidationException"
    assert refused(client.delete_app, **{**base, "SpaceName": "alice-private", "AppName": "other"})[0] == "ResourceNotFound"
    assert refused(client.delete_app, **{**base, "SpaceName": "bob-private"})[0] == "ResourceNotFound"
    assert refused(client.delete_app, **{**base, "DomainId": "d-000000000000", "SpaceName": "alice-private"})[0] == "ResourceNotFound"
    # An app in a space is addressed by its space, not by its profile (that names Classic apps).
    assert refused(client.delete_app, **{**base, "UserProfileName": "alice"})[0] == "ResourceNotFound"
    # Both given: the space's app, if that profile launched it.
    assert refused(client.delete_app, **{**base, "SpaceName": "alice-private", "UserProfileName": "bob"})[0] == "ResourceNotFound"
    assert apps(client, world)[0][4] == "InService"  # nothing refused changed anything

    client.delete_app(DomainId=domain, UserProfileName="alice", AppType="KernelGateway", AppName="datascience-ml-t3-medium")
    client.delete_app(**base, SpaceName="alice-private", UserProfileName="alice")
    assert [a[4] for a in apps(client, world)] == ["Deleting", "Deleting"]
    # The app's profile filter and space filter, as ListApps filters.
    assert [a[2] for a in apps(client, world, UserProfileNameEquals="alice")] == ["JupyterLab", "KernelGateway"]
    assert apps(client, world, UserProfileNameEquals="bob") == []


def test_offboarding_order_apps_then_spaces_then_the_profile(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world, "alice-lab")  # her private space: her app runs there
    launch(emulator, world)
    profile_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain}/alice"
    space_arn = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:space/{domain}/alice-lab"

    code_, message, status = refused(client.delete_user_profile, DomainId=domain, UserProfileName="alice")
    assert (code_, status) == ("ResourceInUse", 400) and message == f"Unable to delete UserProfile [{profile_arn}] because App(s) are associated with it"
    code_, message, _ = refused(client.delete_space, DomainId=domain, SpaceName="alice-lab")
    assert code_ == "ResourceInUse" and space_arn in message

    client.delete_app(DomainId=domain, SpaceName="alice-lab", AppType="JupyterLab", AppName="default")
    # A Deleting app still runs: the role stays locked and the space and profile stay held.
    assert refused(client.update_user_profile, DomainId=domain, UserProfileName="alice",
                   UserSettings={"ExecutionRole": world["roles"]["SageMakerExecutionDefault"]})[0] == "ValidationException"
    assert refused(client.delete_space, DomainId=domain, SpaceName="alice-lab")[0] == "ResourceInUse"
    wait_for_app(client, world, "alice-lab", "Deleted")
    # Deleted: no longer running.
    default_role = world["roles"]["SageMakerExecutionDefault"]
    client.update_user_profile(DomainId=domain, UserProfileName="alice", UserSettings={"ExecutionRole": default_role})
    wait_for(client, domain, "alice")
    assert client.describe_user_profile(DomainId=domain, UserProfileName="alice")["UserSettings"]["ExecutionRole"] == default_role

    code_, message, _ = refused(client.delete_user_profile, DomainId=domain, UserProfileName="alice")
    assert code_ == "ResourceInUse" and message.endswith("because Space(s) are associated with it")
    client.delete_space(DomainId=domain, SpaceName="alice-lab")
    assert client.describe_space(DomainId=domain, SpaceName="alice-lab")["Status"] == "Deleting"
    assert refused(client.delete_user_profile, DomainId=domain, UserProfileName="alice")[0] == "ResourceInUse"
    wait_gone(client.describe_space, DomainId=domain, SpaceName="alice-lab")

    client.delete_user_profile(DomainId=domain, UserProfileName="alice")
    assert client.describe_user_profile(DomainId=domain, UserProfileName="alice")["Status"] == "Deleting"
    wait_gone(client.describe_user_profile, DomainId=domain, UserProfileName="alice")
    # The deleted app is still listed, with the profile and the space it ran in (now gone).
    assert apps(client, world) == [("alice-lab", "alice", "JupyterLab", "default", "Deleted")]


def test_failed_apps_hold_nothing_and_any_owned_space_holds_the_profile(emulator, world):
    client = create(emulator, world, "bob")
    domain = domain_id(world)
    create_space(client, world, "team", owner="bob", sharing="Shared", app_type="CodeEditor")
    launch(emulator, world, "bob", SpaceName="team", AppType="CodeEditor", Status="Failed")
    assert apps(client, world) == [("team", "bob", "CodeEditor", "default", "Failed")]
    # A Failed app holds neither its space nor its profile; the space bob owns (shared or not) does.
    assert refused(client.delete_user_profile, DomainId=domain, UserProfileName="bob")[1].endswith("Space(s) are associated with it")
    client.delete_space(DomainId=domain, SpaceName="team")
    wait_gone(client.describe_space, DomainId=domain, SpaceName="team")
    client.delete_user_profile(DomainId=domain, UserProfileName="bob")
    wait_gone(client.describe_user_profile, DomainId=domain, UserProfileName="bob")
    # A shared space without an owner holds no profile.
    create(emulator, world, "carol")
    create_space(client, world, "common", owner=None, sharing="Shared")
    client.delete_user_profile(DomainId=domain, UserProfileName="carol")


def test_the_control_api_refuses_what_aws_could_not_hold(emulator, world):
    create(emulator, world)
    for extra in ({"AppType": "Notebook"}, {"Status": "Deleted"}, {"AppType": "KernelGateway", "SpaceName": "alice-private"}):
        with pytest.raises(Exception) as excinfo:
            launch(emulator, world, **extra)
        assert getattr(excinfo.value, "code", None) == 400
    with pytest.raises(Exception) as excinfo:  # no such space
        launch(emulator, world, SpaceName="nope")
    assert getattr(excinfo.value, "code", None) == 404
    # running false forgets the profile's apps outright (no Deleted trace).
    client = emulator.client("sagemaker")
    launch(emulator, world)
    emulator.control("POST", "/sagemaker/apps", {"DomainId": domain_id(world), "UserProfileName": "alice", "running": False})
    assert apps(client, world) == []


# ------------------------------------------------------------------ IAM
def last_call(emulator, operation: str) -> dict:
    calls = [c for c in emulator.control("GET", "/calls") if c["operation"] == operation]
    assert calls, f"no {operation} in the call log"
    return calls[-1]


def test_offboarding_calls_are_the_iam_requests_the_reference_lists(emulator, world):
    client = create(emulator, world)
    domain = domain_id(world)
    space_arn = create_space(client, world, tags=[{"Key": "studiouserid", "Value": "alice"}])
    launch(emulator, world)
    for operation, call in (("ListUserProfiles", lambda: client.list_user_profiles(DomainIdEquals=domain)),
                            ("ListSpaces", lambda: client.list_spaces(DomainIdEquals=domain)),
                            ("ListApps", lambda: client.list_apps(DomainIdEquals=domain))):
        call()
        authorization = last_call(emulator, operation)["authorization"]
        assert (authorization["action"], authorization["resource"], authorization["decision"]) == (
            f"sagemaker:{operation}", "*", "Allowed")
    client.list_tags(ResourceArn=space_arn)
    listed = last_call(emulator, "ListTags")["authorization"]
    assert (listed["action"], listed["resource"]) == ("sagemaker:ListTags", space_arn)
    assert listed["context_keys"]["sagemaker:ResourceTag/studiouserid"] == "alice"

    client.delete_app(DomainId=domain, SpaceName="alice-private", AppType="JupyterLab", AppName="default")
    deleted = last_call(emulator, "DeleteApp")["authorization"]
    assert (deleted["action"], deleted["resource"], deleted["decision"]) == (
        "sagemaker:DeleteApp", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:app/{domain}/alice-private/jupyterlab/default", "Allowed")
    # The keys the reference lists for DeleteApp: the owner and sharing type of the app's space.
    assert deleted["context_keys"]["sagemaker:OwnerUserProfileArn"] == f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain}/alice"
    assert deleted["context_keys"]["sagemaker:SpaceSharingType"] == "Private"
    wait_for_app(client, world, "alice-private", "Deleted")

    client.delete_space(DomainId=domain, SpaceName="alice-private")
    assert last_call(emulator, "DeleteSpace")["authorization"]["context_keys"]["aws:ResourceTag/studiouserid"] == "alice"
    wait_gone(client.describe_space, DomainId=domain, SpaceName="alice-private")
    client.delete_user_profile(DomainId=domain, UserProfileName="alice")
    removed = last_call(emulator, "DeleteUserProfile")["authorization"]
    assert (removed["action"], removed["resource"]) == (
        "sagemaker:DeleteUserProfile", f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:user-profile/{domain}/alice")
    assert removed["context_keys"]["sagemaker:ResourceTag/studiouserid"] == "alice"


def test_a_tag_condition_on_delete_space_is_evaluated_with_the_spaces_tags(emulator, world):
    """A principal allowed sagemaker:DeleteSpace only on spaces that carry an owner tag (Null
    false): the untagged space is refused by IAM, the tagged one deleted."""
    client = create(emulator, world)
    domain = domain_id(world)
    create_space(client, world, "alice-private", tags=[{"Key": "studiouserid", "Value": "alice"}])
    create_space(client, world, "team", owner=None, sharing="Shared")  # no tags
    emulator.client("iam").put_role_policy(
        RoleName=world["stack"]["roles"]["PresignRole"]["name"], PolicyName="offboard-tagged-spaces",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "DeleteTaggedSpaces", "Effect": "Allow", "Action": "sagemaker:DeleteSpace",
            "Resource": f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:space/{domain}/*",
            "Condition": {"Null": {"sagemaker:ResourceTag/studiouserid": "false"}}}]}))
    principal = emulator.client("sagemaker", world["function_credentials"]["presign"], url=world["endpoints"]["sagemaker.api"])

    code_, message, _ = refused(principal.delete_space, DomainId=domain, SpaceName="team")
    assert code_ == "AccessDeniedException" and "sagemaker:DeleteSpace on resource: " in message
    denied = last_call(emulator, "DeleteSpace")["authorization"]
    assert denied["decision"] == "ImplicitlyDenied" and "sagemaker:ResourceTag/studiouserid" not in denied["context_keys"]
    assert client.describe_space(DomainId=domain, SpaceName="team")["Status"] == "InService"

    principal.delete_space(DomainId=domain, SpaceName="alice-private")
    allowed = last_call(emulator, "DeleteSpace")["authorization"]
    assert allowed["decision"] == "Allowed" and {d["sid"] for d in allowed["deciding"]} == {"DeleteTaggedSpaces"}
    assert allowed["context_keys"]["sagemaker:ResourceTag/studiouserid"] == "alice"
    assert client.describe_space(DomainId=domain, SpaceName="alice-private")["Status"] == "Deleting"
