"""template-spoke.yaml renders (tests/iam/studiogate_iam, parameter set LOCAL_SPOKE) as the local
world deploys it: in the spoke's account, with the hub's outputs. No emulator needed."""

import json

import pytest

from conftest import WORLD
from studiogate_emulator import iam as _emulator_iam  # noqa: F401  (puts tests/iam on the path)
from studiogate_emulator.sagemaker import domain_id_for
from studiogate_iam import RenderError, params

SPOKE = params.SPOKE_ACCOUNT_ID


@pytest.fixture(scope="module")
def spoke():
    return params.rendered("local-spoke")


def statements(document: dict) -> dict:
    return {s.get("Sid"): s for s in document["Statement"]}


def test_the_spoke_parameter_set_is_the_hubs_outputs_and_the_local_worlds_ids():
    hub = params.rendered("local").outputs
    given = params.LOCAL_SPOKE.parameters
    assert (given["HubAcsUrl"], given["HubPresignRoleArn"], given["HubSageMakerApiEndpointId"],
            given["HubSageMakerStudioEndpointId"]) == (hub["AcsUrl"], hub["PresignRoleArn"], hub["SageMakerApiEndpointId"],
                                                        hub["SageMakerStudioEndpointId"])
    with open(WORLD, encoding="utf-8") as handle:
        world = json.load(handle)["spoke"]
    assert world["account"] == SPOKE and world["stack"]["parameter_set"] == params.LOCAL_SPOKE.name
    assert given["SageMakerDomainIds"] == [domain_id_for(d["name"], SPOKE) for d in world["sagemaker_domains"]]
    assert given["ExecutionRoleArns"] == [f"arn:aws:iam::{SPOKE}:role/{r['name']}" for r in world["roles"]]
    # template.yaml's parameter sets stay template.yaml's; the spoke's is found by name only.
    assert params.LOCAL_SPOKE not in params.ALL and params.BY_NAME["local-spoke"] is params.LOCAL_SPOKE


def test_the_spoke_renders_in_its_own_account(spoke):
    assert spoke.place.account_id == SPOKE and spoke.place.stack_name == "studiogate-spoke"
    assert spoke.outputs == {
        "SamlProviderArn": f"arn:aws:iam::{SPOKE}:saml-provider/studiogate-spoke-idp",
        "RoleAttributeValue": f"arn:aws:iam::{SPOKE}:role/SpokeStudioUser,arn:aws:iam::{SPOKE}:saml-provider/studiogate-spoke-idp",
        "ProvisioningRoleArn": params.SPOKE_PROVISIONING_ROLE_ARN}
    assert set(spoke.roles) == {"StudioUserRole", "ProvisioningRole"}
    assert spoke.functions == {} and spoke.endpoints == {} and spoke.key_policies == {}


def test_the_user_role_has_the_hubs_guards(spoke):
    role = spoke.roles["StudioUserRole"]
    given = params.LOCAL_SPOKE.parameters
    trust = statements(role["trust_policy"])["FederatedThroughTheBroker"]
    assert trust["Principal"] == {"Federated": spoke.outputs["SamlProviderArn"]}
    assert trust["Condition"]["StringEquals"]["SAML:aud"] == given["HubAcsUrl"]
    by_name = {p["name"]: p["document"] for p in role["identity_policies"]}
    guard = statements(by_name["studio-network"])["OnlyFromTheAllowedNetworks"]
    assert guard["Condition"]["StringNotEquals"]["aws:SourceVpce"] == [given["HubSageMakerApiEndpointId"],
                                                                       given["HubSageMakerStudioEndpointId"]]
    opens = statements(by_name[f"open-own-profile-{params.SPOKE_DOMAIN_ID}"])["OpenOwnProfile"]
    assert opens["Resource"] == f"arn:aws:sagemaker:us-east-1:{SPOKE}:user-profile/{params.SPOKE_DOMAIN_ID}/*"


def test_only_the_hubs_presign_with_the_external_id_may_assume_the_provisioning_role(spoke):
    role = spoke.roles["ProvisioningRole"]
    assert role["arn"] == params.SPOKE_PROVISIONING_ROLE_ARN
    trust = statements(role["trust_policy"])["OnlyTheHubsPresign"]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{params.ACCOUNT_ID}:root"}
    assert trust["Condition"] == {"StringEquals": {"sts:ExternalId": params.SPOKE_EXTERNAL_ID},
                                  "ArnEquals": {"aws:PrincipalArn": params.LOCAL_SPOKE.parameters["HubPresignRoleArn"]}}
    sids = {s["Sid"] for p in role["identity_policies"] for s in p["document"]["Statement"]}
    assert sids == {"ListUsersApps", "PassMappedExecutionRoles", "UserProfiles", "NeverReownAProfile", "ReadSpaces",
                    "PrivateSpaces", "CreatePrivateSpaces", "TagNewSpaces", "NeverReownASpace"}


def test_the_hubs_presign_may_assume_the_spokes_provisioning_role_only_with_spokes():
    def assumes(name: str) -> list:
        stack = params.rendered(name)
        return [s for p in stack.roles["PresignRole"]["identity_policies"] for s in p["document"]["Statement"]
                if s.get("Sid") == "AssumeSpokeProvisioningRoles"]

    assert assumes("local") == [{"Sid": "AssumeSpokeProvisioningRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
                                 "Resource": [params.SPOKE_PROVISIONING_ROLE_ARN]}]
    assert params.rendered("local").outputs["PresignRoleArn"] == params.LOCAL_SPOKE.parameters["HubPresignRoleArn"]
    assert assumes("no-spokes") == []


def test_the_spoke_template_checks_its_parameters():
    with pytest.raises(RenderError, match="HubAcsUrl"):
        params.LOCAL_SPOKE.with_parameters("x", HubAcsUrl="http://login.example.org/saml/acs").render()
    with pytest.raises(RenderError, match="HubSageMakerStudioEndpointId"):
        params.LOCAL_SPOKE.with_parameters("x", HubSageMakerStudioEndpointId="").render()
    opened = params.LOCAL_SPOKE.with_parameters("x", HubSageMakerStudioEndpointId="", StudioNetworkMode="open").render()
    assert [p["name"] for p in opened.roles["StudioUserRole"]["identity_policies"]] == [
        f"open-own-profile-{params.SPOKE_DOMAIN_ID}"]
