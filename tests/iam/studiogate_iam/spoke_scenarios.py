"""Hub and spoke: template-spoke.yaml's policies (rendered with LOCAL_SPOKE, account 222222222222)
evaluated with the hub's (LOCAL, 123456789012) where a request crosses: who may assume the spoke's
provisioning role, what a spoke user may open, and that no account reaches another's domain.

Each scenario takes (hub, spoke, simulator), so tests/test_spoke_scenarios.py can break a copy of
either rendering and see it fail (the mutation check)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .context import RoleSession, SamlAssertion
from .params import SPOKE_EXTERNAL_ID
from .render import RenderedStack
from .scenarios import ISSUER, OTHER_ACCOUNT, expect, expect_condition_fails
from .simulator import Decision, Simulator

BROWSER_IP = "203.0.113.10"
VPC_CLIENT_IP = "10.0.1.25"
ALLOW_ALL_STS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}


@dataclass(frozen=True)
class SpokeScenario:
    name: str
    check: Callable[[RenderedStack, RenderedStack, Simulator], None]


def _presign(hub: RenderedStack) -> RoleSession:
    return RoleSession(hub.functions["PresignFunction"]["role_arn"], hub.functions["PresignFunction"]["name"])


def _assume_provisioning(hub: RenderedStack, spoke: RenderedStack, sim: Simulator, caller: RoleSession,
                         identity: list, external_id: str | None, role_arn: str | None = None,
                         trust: dict | None = None) -> Decision:
    role = spoke.roles["ProvisioningRole"]
    context = caller.context(region=hub.place.region)
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    return sim.evaluate(caller.arn, "sts:AssumeRole", role_arn or role["arn"], context, identity,
                        trust or {"name": "ProvisioningRole trust policy", "policy": role["trust_policy"]},
                        resource_account=(role_arn or role["arn"]).split(":")[4])


def only_the_hubs_presign_assumes_the_provisioning_role_with_the_external_id(hub, spoke, sim) -> None:
    presign = _presign(hub)
    identity = hub.identity_policies("PresignRole")
    expect(_assume_provisioning(hub, spoke, sim, presign, identity, SPOKE_EXTERNAL_ID), "Allowed",
           "the hub's presign with the external ID", sid="OnlyTheHubsPresign", kind="resource")
    for wrong in ("another-external-id-0000", None):
        expect_condition_fails(_assume_provisioning(hub, spoke, sim, presign, identity, wrong),
                               f"the hub's presign with external ID {wrong!r}", sid="OnlyTheHubsPresign",
                               key="sts:ExternalId")
    validator = RoleSession(hub.functions["SamlValidatorFunction"]["role_arn"], "saml-validator")
    expect_condition_fails(_assume_provisioning(hub, spoke, sim, validator, [ALLOW_ALL_STS], SPOKE_EXTERNAL_ID),
                           "another hub role, even with sts:* and the external ID", sid="OnlyTheHubsPresign",
                           key="aws:PrincipalArn")
    stranger = RoleSession(f"arn:aws:iam::{OTHER_ACCOUNT}:role/Admin", "admin")
    expect(_assume_provisioning(hub, spoke, sim, stranger, [ALLOW_ALL_STS], SPOKE_EXTERNAL_ID), "ImplicitlyDenied",
           "a role of a third account")


def the_hubs_presign_assumes_only_the_listed_spokes(hub, spoke, sim) -> None:
    """Another account's role that trusts presign (as the spoke's does) is still out of reach: presign's
    own policy names only SpokeProvisioningRoleArns, and across accounts both sides must allow."""
    presign = _presign(hub)
    unlisted = f"arn:aws:iam::{OTHER_ACCOUNT}:role/studiogate-other-provisioning"
    trusting = {"name": "a trust policy naming presign", "policy": {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": hub.roles["PresignRole"]["arn"]}, "Action": "sts:AssumeRole"}]}}
    decision = _assume_provisioning(hub, spoke, sim, presign, hub.identity_policies("PresignRole"),
                                    SPOKE_EXTERNAL_ID, role_arn=unlisted, trust=trusting)
    expect(decision, "ImplicitlyDenied", "an unlisted spoke's role")


def _user(stack: RenderedStack, name: str) -> RoleSession:
    return RoleSession(stack.roles["StudioUserRole"]["arn"], name, session_tags={"studiouserid": name})


def _profile(stack: RenderedStack, owner: str, account: str | None = None) -> str:
    account = account or stack.place.account_id
    domain = stack.parameters["SageMakerDomainIds"][0]
    return f"arn:aws:sagemaker:{stack.place.region}:{account}:user-profile/{domain}/{owner}"


def _presign_url(user_stack: RenderedStack, user: str, profile_arn: str, owner: str, sim: Simulator,
                 **network: str) -> Decision:
    session = _user(user_stack, user)
    context = {**session.context(region=user_stack.place.region, **network), "sagemaker:ResourceTag/studiouserid": owner}
    return sim.evaluate(session.arn, "sagemaker:CreatePresignedDomainUrl", profile_arn, context,
                        user_stack.identity_policies("StudioUserRole"), resource_account=profile_arn.split(":")[4])


def _through_the_hubs_endpoint(hub: RenderedStack) -> dict:
    return {"source_vpce": hub.outputs["SageMakerApiEndpointId"], "source_vpc": hub.parameters["VpcId"],
            "vpc_source_ip": VPC_CLIENT_IP}


def a_spoke_user_opens_their_spoke_profile_through_the_hubs_endpoint_only(hub, spoke, sim) -> None:
    mine = _profile(spoke, "alice")
    expect(_presign_url(spoke, "alice", mine, "alice", sim, **_through_the_hubs_endpoint(hub)), "Allowed",
           "alice, her spoke profile, through the hub's SageMaker API endpoint", sid="OpenOwnProfile", kind="identity")
    expect(_presign_url(spoke, "alice", mine, "alice", sim, source_ip=BROWSER_IP), "ExplicitlyDenied",
           "alice, from the internet", sid="OnlyFromTheAllowedNetworks")
    expect_condition_fails(_presign_url(spoke, "alice", _profile(spoke, "bob"), "bob", sim,
                                        **_through_the_hubs_endpoint(hub)),
                           "alice, bob's spoke profile", sid="OpenOwnProfile", key="sagemaker:ResourceTag/studiouserid")


def no_account_opens_another_accounts_profiles(hub, spoke, sim) -> None:
    """A spoke user cannot reach the hub's domain, a hub user the spoke's, and neither a third
    account's (AWS's rule across accounts: profiles have no resource policy), nor a domain of its own
    account the spoke does not list (the spoke's grant names its domains)."""
    net = _through_the_hubs_endpoint(hub)
    unlisted = _profile(spoke, "alice").replace(spoke.parameters["SageMakerDomainIds"][0], "d-unlisted0001")
    cases = [("a spoke user, an unlisted domain of the spoke account", spoke, unlisted),
             ("a spoke user, the hub's domain", spoke, _profile(hub, "alice")),
             ("a hub user, the spoke's domain", hub, _profile(spoke, "alice")),
             ("a spoke user, another spoke's domain", spoke, _profile(spoke, "alice", OTHER_ACCOUNT))]
    for what, user_stack, arn in cases:
        expect(_presign_url(user_stack, "alice", arn, "alice", sim, **net), "ImplicitlyDenied", what)


def the_provisioning_role_provisions_its_own_domains_only(hub, spoke, sim) -> None:
    session = RoleSession(spoke.roles["ProvisioningRole"]["arn"], "studiogate-presign")
    identity = spoke.identity_policies("ProvisioningRole")
    context = {**session.context(region=spoke.place.region), "aws:RequestTag/studiouserid": "alice",
               "aws:TagKeys": ["studiouserid"]}
    expect(sim.evaluate(session.arn, "sagemaker:CreateUserProfile", _profile(spoke, "alice"), context, identity),
           "Allowed", "a profile in the spoke's domain", sid="UserProfiles", kind="identity")
    other = _profile(spoke, "alice").replace(spoke.parameters["SageMakerDomainIds"][0], "d-otherdomain1")
    expect(sim.evaluate(session.arn, "sagemaker:CreateUserProfile", other, context, identity), "ImplicitlyDenied",
           "a profile in another domain")
    expect(sim.evaluate(session.arn, "sagemaker:CreatePresignedDomainUrl", _profile(spoke, "alice"),
                        {**session.context(region=spoke.place.region), "sagemaker:ResourceTag/studiouserid": "alice"},
                        identity), "ImplicitlyDenied", "presigning is the user's, not the provisioning role's")


def the_spoke_user_role_trusts_the_hubs_acs_only(hub, spoke, sim) -> None:
    provider = spoke.saml_providers["SamlProvider"]["arn"]
    role = spoke.roles["StudioUserRole"]
    policy = {"name": "spoke StudioUserRole trust policy", "policy": role["trust_policy"]}

    def assume(audience: str) -> Decision:
        assertion = SamlAssertion(provider, ISSUER, "alice", audience=audience, session_tags={"studiouserid": "alice"})
        context = assertion.context("sts:AssumeRoleWithSAML", region=spoke.place.region, source_ip=BROWSER_IP)
        return sim.evaluate(provider, "sts:AssumeRoleWithSAML", role["arn"], context, [], policy)

    expect(assume(hub.outputs["AcsUrl"]), "Allowed", "an assertion for the hub's ACS", sid="FederatedThroughTheBroker",
           kind="resource")
    expect_condition_fails(assume("https://signin.aws.amazon.com/saml"), "an assertion for the AWS sign-in",
                           sid="FederatedThroughTheBroker", key="SAML:aud")


SPOKE_SCENARIOS = [SpokeScenario(f.__name__.replace("_", " "), f) for f in (
    only_the_hubs_presign_assumes_the_provisioning_role_with_the_external_id,
    the_hubs_presign_assumes_only_the_listed_spokes,
    a_spoke_user_opens_their_spoke_profile_through_the_hubs_endpoint_only,
    no_account_opens_another_accounts_profiles,
    the_provisioning_role_provisions_its_own_domains_only,
    the_spoke_user_role_trusts_the_hubs_acs_only,
)]
BY_NAME = {s.name: s for s in SPOKE_SCENARIOS}
