"""Policy-level scenarios over a rendered template, each a function of (RenderedStack, Simulator).

A scenario raises AssertionError when the property it states does not hold, with the simulator's
explanation. It asserts the decision AND what decided it (the Sid, or for an implicit denial the
statement that nearly applied and the condition that failed), so a decision IAM did not make, such
as an invalid request or an unrelated statement, cannot pass it. Because scenarios take the stack as
an argument, the mutation check (tests/test_mutations.py) runs them on broken copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .context import SIGNIN_AUDIENCE, RoleSession, SamlAssertion, anonymous_context, for_action, service_context
from .render import RenderedStack
from .simulator import ANONYMOUS, Decision, Simulator

BROWSER_IP = "203.0.113.10"  # the internet (the emulator's public address); 198.51.100.0/24 is "corporate"
VPC_CLIENT_IP = "10.0.1.25"
OTHER_ACCOUNT = "999999999999"
ISSUER = "https://idp.example.test/saml"
ALLOW_ALL_LAMBDA = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]}
ALLOW_ALL_KMS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}


@dataclass(frozen=True)
class Scenario:
    name: str
    check: Callable[[RenderedStack, Simulator], None]
    applies: Callable[[RenderedStack], bool] = lambda stack: True


def expect(decision: Decision, outcome: str, what: str, *, sid: str | None = None, kind: str | None = None,
           index: int | None = None) -> None:
    """The decision is `outcome` and a statement with that Sid (or index) of that kind decided it."""
    if decision.errors:
        raise AssertionError(f"{what}: the simulator refused the request: {decision.explain()}")
    if decision.decision != outcome:
        raise AssertionError(f"{what}: expected {outcome}; simulator: {decision.explain()}")
    if sid is not None or index is not None:
        if not any((sid is None or s.sid == sid) and (index is None or s.index == index)
                   and (kind is None or s.kind == kind) for s in decision.deciding):
            raise AssertionError(f"{what}: {outcome}, but not by {kind or ''} {sid or index}; simulator: {decision.explain()}")


def expect_condition_fails(decision: Decision, what: str, *, sid: str | None, key: str, index: int | None = None) -> None:
    """An implicit denial because statement `sid` (or `index`) applied in all but the condition on `key`."""
    expect(decision, "ImplicitlyDenied", what)
    for miss in decision.near_misses:
        if (miss["sid"] == sid if index is None else miss["sid"] in (sid, str(index))) and miss["resourceMatch"] \
                and any(c["key"].lower() == key.lower() for c in miss["failedConditions"]):
            return
    raise AssertionError(f"{what}: denied, but not by {sid or index}'s condition on {key}; simulator: {decision.explain()}")


def _ids(stack: RenderedStack) -> tuple[str, str, str]:
    return stack.place.partition, stack.place.region, stack.place.account_id


def _function_session(stack: RenderedStack, function: str) -> RoleSession:
    """Lambda runs the function as a session of its role named after the function."""
    return RoleSession(stack.functions[function]["role_arn"], stack.functions[function]["name"])


def _profile(stack: RenderedStack, owner: str) -> str:
    partition, region, account = _ids(stack)
    return f"arn:{partition}:sagemaker:{region}:{account}:user-profile/{stack.parameters['SageMakerDomainIds'][0]}/{owner}"


def _user(stack: RenderedStack, name: str) -> RoleSession:
    return RoleSession(stack.roles["StudioUserRole"]["arn"], name, session_tags={"studiouserid": name})


def _presign_url(stack: RenderedStack, sim: Simulator, user: str, owner: str, **net: str) -> Decision:
    """`user`'s session asks CreatePresignedDomainUrl for `owner`'s profile (tagged studiouserid=owner)."""
    session = _user(stack, user)
    context = {**session.context(region=stack.place.region, **net), "sagemaker:ResourceTag/studiouserid": owner}
    return sim.evaluate(session.arn, "sagemaker:CreatePresignedDomainUrl", _profile(stack, owner), context,
                        stack.identity_policies("StudioUserRole"))


def _through_endpoint(stack: RenderedStack) -> dict:
    return {"source_vpce": stack.outputs["SageMakerApiEndpointId"], "source_vpc": stack.parameters["VpcId"],
            "vpc_source_ip": VPC_CLIENT_IP}


# ------------------------------------------------------------------ presign in the VPC
# A shared VPC and its subnets belong to the owner's account (their ARNs carry it); the stack's
# security group and presign's interfaces belong to the stack's account (Amazon VPC User Guide,
# "Share your VPC subnets with other accounts").
SHARED_VPC_OWNER = "444455556666"


def _vpc_owner(stack: RenderedStack) -> str:
    return SHARED_VPC_OWNER if stack.parameters.get("SharedVpc") == "true" else stack.place.account_id


def _network_interface_request(stack: RenderedStack, sim: Simulator, resource_type: str, arn: str, vpc: str) -> Decision:
    partition, region, account = _ids(stack)
    owner = _vpc_owner(stack)
    subnet = stack.parameters["SubnetIds"][0]
    group = stack.resources["PresignSecurityGroup"]["Physical"]["GroupId"]
    known = {"ec2:Region": region, "ec2:Vpc": f"arn:{partition}:ec2:{region}:{owner}:vpc/{vpc}",
             "ec2:Subnet": f"arn:{partition}:ec2:{region}:{owner}:subnet/{subnet}", "ec2:SubnetID": subnet,
             "ec2:SecurityGroupID": group, "ec2:AvailabilityZone": f"{region}a"}
    session = _function_session(stack, "PresignFunction")
    context = {**session.context(region=region), **for_action(sim, "ec2:CreateNetworkInterface", resource_type, known)}
    if resource_type == "subnet" and owner != account:
        # The owner's subnet, shared with this account through AWS RAM: the share stands for a
        # resource policy that lets the participant account create interfaces in it, so the
        # decision turns on presign's own policy, as across accounts it does.
        share = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "ec2:CreateNetworkInterface", "Resource": arn}]}
        return sim.evaluate(session.arn, "ec2:CreateNetworkInterface", arn, context, stack.identity_policies("PresignRole"),
                            share, resource_account=owner)
    return sim.evaluate(session.arn, "ec2:CreateNetworkInterface", arn, context, stack.identity_policies("PresignRole"))


def _vpc_attachment_resources(stack: RenderedStack) -> list[tuple[str, str]]:
    partition, region, account = _ids(stack)
    base = f"arn:{partition}:ec2:{region}:{account}"
    group = stack.resources["PresignSecurityGroup"]["Physical"]["GroupId"]
    subnet = f"arn:{partition}:ec2:{region}:{_vpc_owner(stack)}:subnet/{stack.parameters['SubnetIds'][0]}"
    return [("subnet", subnet),
            ("security-group", f"{base}:security-group/{group}"),
            ("network-interface", f"{base}:network-interface/*")]


def presign_attaches_to_its_vpc(stack: RenderedStack, sim: Simulator) -> None:
    """Lambda creates presign's network interface with presign's role: CreateNetworkInterface is
    authorized on the subnet, the security group and the new interface (network-interface/*), each
    with the keys the Service Authorization Reference lists for it (for_action): the new interface
    carries no ec2:Vpc, so its statement has no condition; the subnet and group hold the VPC."""
    expected = {"subnet": "VpcAttachmentInOwnVpc", "security-group": "VpcAttachmentInOwnVpc",
                "network-interface": "VpcAttachmentNewInterfaces"}
    for resource_type, arn in _vpc_attachment_resources(stack):
        decision = _network_interface_request(stack, sim, resource_type, arn, stack.parameters["VpcId"])
        expect(decision, "Allowed", f"ec2:CreateNetworkInterface on {resource_type}", sid=expected[resource_type],
               kind="identity")


def presign_attachment_stays_in_its_vpc(stack: RenderedStack, sim: Simulator) -> None:
    partition, region, _ = _ids(stack)
    subnet = f"arn:{partition}:ec2:{region}:{_vpc_owner(stack)}:subnet/subnet-0other0vpc0000000"
    decision = _network_interface_request(stack, sim, "subnet", subnet, "vpc-0other0vpc0000000")
    expect_condition_fails(decision, "a subnet of another VPC", sid="VpcAttachmentInOwnVpc", key="ec2:Vpc")


def _existing_interface(stack: RenderedStack, sim: Simulator, action: str, vpc: str) -> Decision:
    partition, region, account = _ids(stack)
    eni = "eni-0123456789abcdef0"
    owner = _vpc_owner(stack)
    known = {"ec2:Region": region, "ec2:Vpc": f"arn:{partition}:ec2:{region}:{owner}:vpc/{vpc}",
             "ec2:NetworkInterfaceID": eni, "ec2:AvailabilityZone": f"{region}a",
             "ec2:Subnet": f"arn:{partition}:ec2:{region}:{owner}:subnet/{stack.parameters['SubnetIds'][0]}"}
    session = _function_session(stack, "PresignFunction")
    context = {**session.context(region=region), **for_action(sim, action, "network-interface", known)}
    return sim.evaluate(session.arn, action, f"arn:{partition}:ec2:{region}:{account}:network-interface/{eni}",
                        context, stack.identity_policies("PresignRole"))


def presign_manages_only_its_vpcs_interfaces(stack: RenderedStack, sim: Simulator) -> None:
    """Deleting and re-addressing an existing interface: ec2:Vpc applies there, and holds it to the VPC."""
    for action in ("ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"):
        expect(_existing_interface(stack, sim, action, stack.parameters["VpcId"]), "Allowed",
               f"{action} in its VPC", sid="VpcAttachmentExistingInterfaces", kind="identity")
        expect_condition_fails(_existing_interface(stack, sim, action, "vpc-0other0vpc0000000"),
                               f"{action} in another VPC", sid="VpcAttachmentExistingInterfaces", key="ec2:Vpc")


def _tagging(stack: RenderedStack, sim: Simulator, owner: str | None, keys: list[str], resource_type: str = "user-profile",
             name: str = "alice", extra: dict | None = None) -> Decision:
    """presign's AddTags of `keys` on alice's profile (or another resource of the first domain),
    whose owner tag is `owner` (None: untagged)."""
    partition, region, account = _ids(stack)
    domain = stack.parameters["SageMakerDomainIds"][0]
    resource = f"arn:{partition}:sagemaker:{region}:{account}:{resource_type}/{domain}/{name}"
    known = {"aws:TagKeys": keys, **{f"aws:RequestTag/{k}": "alice" for k in keys}, **(extra or {})}
    if owner is not None:
        known.update({"sagemaker:ResourceTag/studiouserid": owner, "aws:ResourceTag/studiouserid": owner})
    session = _function_session(stack, "PresignFunction")
    context = {**session.context(region=region), **for_action(sim, "sagemaker:AddTags", resource_type, known)}
    return sim.evaluate(session.arn, "sagemaker:AddTags", resource, context, stack.identity_policies("PresignRole"))


def presign_never_reowns_a_profile(stack: RenderedStack, sim: Simulator) -> None:
    """presign tags a profile's other tags freely, but its owner tag only while it has none."""
    expect(_tagging(stack, sim, "bob", ["team"]), "Allowed", "another tag on bob's profile", sid="UserProfiles",
           kind="identity")
    expect(_tagging(stack, sim, None, ["studiouserid"]), "Allowed", "the owner tag on an unowned profile",
           sid="UserProfiles", kind="identity")
    expect(_tagging(stack, sim, "bob", ["studiouserid", "team"]), "ExplicitlyDenied", "re-owning bob's profile",
           sid="NeverReownAProfile", kind="identity")


def _directory_lookup(stack: RenderedStack, sim: Simulator, store: str, resource: str,
                      function: str = "PresignFunction", role: str = "PresignRole") -> Decision:
    partition, region, account = _ids(stack)
    session = _function_session(stack, function)
    arn = (f"arn:{partition}:identitystore::{account}:identitystore/{store}" if resource == "Identitystore"
           else f"arn:{partition}:identitystore:::user/*")
    return sim.evaluate(session.arn, "identitystore:GetUserId", arn, session.context(region=region),
                        stack.identity_policies(role), resource_account=account)


def _looks_users_up_only_in_its_identity_store(stack: RenderedStack, sim: Simulator, function: str, role: str) -> None:
    store = stack.parameters["IdentityStoreId"]
    for resource in ("Identitystore", "User"):
        expect(_directory_lookup(stack, sim, store, resource, function, role), "Allowed", f"GetUserId, {resource}",
               sid="IdentityStoreLookups", kind="identity")
    expect(_directory_lookup(stack, sim, "d-0000000000", "Identitystore", function, role), "ImplicitlyDenied",
           "GetUserId in another Identity Store")


def presign_looks_users_up_only_in_its_identity_store(stack: RenderedStack, sim: Simulator) -> None:
    _looks_users_up_only_in_its_identity_store(stack, sim, "PresignFunction", "PresignRole")


def _creates_space(stack: RenderedStack, sim: Simulator, *, sharing: str = "Private", owner_domain: str | None = None,
                   tags: dict | None = None) -> Decision:
    """presign's CreateSpace of alice's private space in the first domain."""
    partition, region, account = _ids(stack)
    domain = stack.parameters["SageMakerDomainIds"][0]
    space = f"arn:{partition}:sagemaker:{region}:{account}:space/{domain}/alice-private"
    tags = {"studiouserid": "alice"} if tags is None else tags
    known = {"aws:TagKeys": list(tags), **{f"aws:RequestTag/{k}": v for k, v in tags.items()},
             "sagemaker:SpaceSharingType": sharing, "sagemaker:InstanceTypes": ["ml.t3.medium"],
             "sagemaker:OwnerUserProfileArn":
                 f"arn:{partition}:sagemaker:{region}:{account}:user-profile/{owner_domain or domain}/alice"}
    session = _function_session(stack, "PresignFunction")
    context = {**session.context(region=region), **for_action(sim, "sagemaker:CreateSpace", "space", known)}
    return sim.evaluate(session.arn, "sagemaker:CreateSpace", space, context, stack.identity_policies("PresignRole"))


def _tags_space(stack: RenderedStack, sim: Simulator, owner: str | None, keys: list[str],
                tagging_action: str | None = "CreateSpace") -> Decision:
    extra = {"sagemaker:TaggingAction": tagging_action} if tagging_action else {}
    return _tagging(stack, sim, owner, keys, "space", "alice-private", extra)


def _reads_space(stack: RenderedStack, sim: Simulator, domain: str | None = None) -> Decision:
    """presign's DescribeSpace of alice-private in the first domain (or `domain`)."""
    partition, region, account = _ids(stack)
    domain = domain or stack.parameters["SageMakerDomainIds"][0]
    space = f"arn:{partition}:sagemaker:{region}:{account}:space/{domain}/alice-private"
    session = _function_session(stack, "PresignFunction")
    context = session.context(region=region)
    return sim.evaluate(session.arn, "sagemaker:DescribeSpace", space, context, stack.identity_policies("PresignRole"))


def _updates_space(stack: RenderedStack, sim: Simulator, owner: str | None) -> Decision:
    """presign's UpdateSpace of alice-private, whose owner tag is `owner` (None: untagged)."""
    partition, region, account = _ids(stack)
    domain = stack.parameters["SageMakerDomainIds"][0]
    space = f"arn:{partition}:sagemaker:{region}:{account}:space/{domain}/alice-private"
    known = {"sagemaker:InstanceTypes": ["ml.m5.large"]}
    if owner is not None:
        known.update({"sagemaker:ResourceTag/studiouserid": owner, "aws:ResourceTag/studiouserid": owner})
    session = _function_session(stack, "PresignFunction")
    context = {**session.context(region=region), **for_action(sim, "sagemaker:UpdateSpace", "space", known)}
    return sim.evaluate(session.arn, "sagemaker:UpdateSpace", space, context, stack.identity_policies("PresignRole"))


def presign_creates_only_private_owned_spaces(stack: RenderedStack, sim: Simulator) -> None:
    """presign creates a user's space private, owned by a profile of the same domain, with its owner
    tag; tags it on creation; and never changes a space's owner tag."""
    expect(_creates_space(stack, sim), "Allowed", "alice's private space", sid="CreatePrivateSpaces", kind="identity")
    expect_condition_fails(_creates_space(stack, sim, sharing="Shared"), "a shared space",
                           sid="CreatePrivateSpaces", key="sagemaker:SpaceSharingType")
    expect_condition_fails(_creates_space(stack, sim, owner_domain="d-0another0domain"), "owned by another domain's profile",
                           sid="CreatePrivateSpaces", key="sagemaker:OwnerUserProfileArn")
    expect_condition_fails(_creates_space(stack, sim, tags={"team": "ml"}), "without an owner tag",
                           sid="CreatePrivateSpaces", key="aws:RequestTag/studiouserid")
    expect(_tags_space(stack, sim, None, ["studiouserid"]), "Allowed", "the new space's owner tag",
           sid="TagNewSpaces", kind="identity")
    expect_condition_fails(_tags_space(stack, sim, None, ["team"], tagging_action=None), "tagging a space later",
                           sid="TagNewSpaces", key="sagemaker:TaggingAction")
    expect(_tags_space(stack, sim, "bob", ["studiouserid"], tagging_action=None), "ExplicitlyDenied",
           "re-owning bob's space", sid="NeverReownASpace", kind="identity")
    expect(_reads_space(stack, sim), "Allowed", "reading a space (none yet on a first login)", sid="ReadSpaces",
           kind="identity")
    expect(_reads_space(stack, sim, "d-0another0domain"), "ImplicitlyDenied", "a space of another domain")
    expect(_updates_space(stack, sim, "alice"), "Allowed", "keeping alice's space in line", sid="PrivateSpaces",
           kind="identity")
    expect_condition_fails(_updates_space(stack, sim, None), "updating a space presign did not create",
                           sid="PrivateSpaces", key="sagemaker:ResourceTag/studiouserid")


def presign_lists_apps(stack: RenderedStack, sim: Simulator) -> None:
    session = _function_session(stack, "PresignFunction")
    context = session.context(region=stack.place.region)
    expect(sim.evaluate(session.arn, "sagemaker:ListApps", "*", context, stack.identity_policies("PresignRole")),
           "Allowed", "presign lists apps before a role change", sid="ListUsersApps", kind="identity")


def _spends_seal(stack: RenderedStack, sim: Simulator, key: str, source_vpce: str | None) -> Decision:
    """presign's conditional PutItem of `key` in the replay table, from its VPC through `source_vpce`
    (None: from outside any endpoint)."""
    session = _function_session(stack, "PresignFunction")
    network = {"source_vpce": source_vpce, "source_vpc": stack.parameters["VpcId"], "vpc_source_ip": VPC_CLIENT_IP} \
        if source_vpce else {"source_ip": "203.0.113.7"}
    context = session.context(region=stack.place.region, **network)
    context["dynamodb:LeadingKeys"] = [key]
    table = stack.resources["ReplayTable"]["Physical"]["Arn"]
    return sim.evaluate(session.arn, "dynamodb:PutItem", table, context, stack.identity_policies("PresignRole"))


def presign_spends_seals_only_through_its_gateway_endpoint(stack: RenderedStack, sim: Simulator) -> None:
    """presign spends each sealed request once (a `seal#` key in the replay table), only through the
    DynamoDB gateway endpoint in its VPC, and may write no other key (an assertion's replay entry)."""
    endpoint = stack.outputs["DynamoDbEndpointId"]
    seal = "seal#" + "ab" * 32
    expect(_spends_seal(stack, sim, seal, endpoint), "Allowed", "a seal, through the gateway endpoint",
           sid="SpendEachSealOnce", kind="identity")
    expect_condition_fails(_spends_seal(stack, sim, seal, None), "a seal, from outside the VPC",
                           sid="SpendEachSealOnce", key="aws:SourceVpce")
    expect_condition_fails(_spends_seal(stack, sim, seal, "vpce-0another0endpoint0"), "a seal, through another endpoint",
                           sid="SpendEachSealOnce", key="aws:SourceVpce")
    expect_condition_fails(_spends_seal(stack, sim, "cd" * 32, endpoint), "an assertion's replay key",
                           sid="SpendEachSealOnce", key="dynamodb:LeadingKeys")


def _validator_table_call(stack: RenderedStack, sim: Simulator, action: str, key: str,
                          return_values: str | None = None) -> Decision:
    """saml-validator's call `action` on item `key` of the replay table, from the internet."""
    session = _function_session(stack, "SamlValidatorFunction")
    context = session.context(region=stack.place.region, source_ip="203.0.113.7")
    context["dynamodb:LeadingKeys"] = [key]
    if return_values:
        context["dynamodb:ReturnValues"] = return_values
    table = stack.resources["ReplayTable"]["Physical"]["Arn"]
    return sim.evaluate(session.arn, action, table, context, stack.identity_policies("SamlValidatorRole"))


def saml_validator_keeps_assertions_and_requests_with_put_item_alone(stack: RenderedStack, sim: Simulator) -> None:
    """saml-validator consumes assertions, remembers AuthnRequests and answers each once (a
    conditional PutItem returning the old item) with dynamodb:PutItem; it may not read or delete."""
    request = "authn#" + "ef" * 32
    expect(_validator_table_call(stack, sim, "dynamodb:PutItem", "cd" * 32), "Allowed", "an assertion consumed",
           sid="ReplayCache", kind="identity")
    expect(_validator_table_call(stack, sim, "dynamodb:PutItem", request), "Allowed", "an AuthnRequest remembered",
           sid="ReplayCache", kind="identity")
    expect(_validator_table_call(stack, sim, "dynamodb:PutItem", request, "ALL_OLD"), "Allowed",
           "an AuthnRequest answered (ReturnValues ALL_OLD)", sid="ReplayCache", kind="identity")
    for action in ("dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"):
        expect(_validator_table_call(stack, sim, action, request), "ImplicitlyDenied", f"{action} on the table")


def _reads_secret(stack: RenderedStack, sim: Simulator, action: str, resource: str) -> Decision:
    session = _function_session(stack, "SamlValidatorFunction")
    context = session.context(region=stack.place.region)
    return sim.evaluate(session.arn, action, resource, context, stack.identity_policies("SamlValidatorRole"))


def saml_validator_reads_only_its_sp_key_secret(stack: RenderedStack, sim: Simulator) -> None:
    """saml-validator reads the SP key through Parameter Store's reference to the stack's secret:
    ssm:GetParameter on the reference and secretsmanager:GetSecretValue on the secret (its ARN ends
    in six random characters), and no other secret."""
    partition, region, account = _ids(stack)
    name = stack.parameters["SpDecryptionKeySecret"]
    expect(_reads_secret(stack, sim, "ssm:GetParameter",
                         f"arn:{partition}:ssm:{region}:{account}:parameter/aws/reference/secretsmanager/{name}"),
           "Allowed", "the reference to the SP key", sid="Configuration", kind="identity")
    expect(_reads_secret(stack, sim, "secretsmanager:GetSecretValue",
                         f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-a1B2c3"),
           "Allowed", "the SP key's secret", sid="ReadTheSpKey", kind="identity")
    for other in (f"{name}-other-a1B2c3", "database-password-a1B2c3"):
        expect(_reads_secret(stack, sim, "secretsmanager:GetSecretValue",
                             f"arn:{partition}:secretsmanager:{region}:{account}:secret:{other}"),
               "ImplicitlyDenied", f"another secret ({other})")


# ------------------------------------------------------------------ the Studio user role
def user_opens_own_profile(stack: RenderedStack, sim: Simulator) -> None:
    expect(_presign_url(stack, sim, "alice", "alice", **_through_endpoint(stack)), "Allowed",
           "alice, her profile, through the endpoint", sid="OpenOwnProfile", kind="identity")


def user_cannot_open_another_profile(stack: RenderedStack, sim: Simulator) -> None:
    expect_condition_fails(_presign_url(stack, sim, "alice", "bob", **_through_endpoint(stack)),
                           "alice, bob's profile", sid="OpenOwnProfile", key="sagemaker:ResourceTag/studiouserid")


def _through_studio_endpoint(stack: RenderedStack) -> dict:
    """A browser inside the VPC (or routed into it, with DNS forwarded): the Studio endpoint."""
    return {"source_vpce": stack.outputs["SageMakerStudioEndpointId"], "source_vpc": stack.parameters["VpcId"],
            "vpc_source_ip": VPC_CLIENT_IP}


def _mode(stack: RenderedStack) -> str:
    return stack.parameters["StudioNetworkMode"]


def _guarded(stack: RenderedStack) -> bool:
    return _mode(stack) != "open"


def user_presigns_only_from_the_allowed_networks(stack: RenderedStack, sim: Simulator) -> None:
    """The network guard denies CreatePresignedDomainUrl from anywhere but presign's path and the
    mode's browsers: never the internet, never another endpoint."""
    for what, net in (("from the internet", {"source_ip": BROWSER_IP}),
                      ("through another endpoint", {"source_vpce": "vpce-0123456789abcdef0",
                                                    "source_vpc": stack.parameters["VpcId"]})):
        expect(_presign_url(stack, sim, "alice", "alice", **net), "ExplicitlyDenied", f"alice, her profile, {what}",
               sid="OnlyFromTheAllowedNetworks", kind="identity")


def users_browser_opens_studio_from_the_modes_networks(stack: RenderedStack, sim: Simulator) -> None:
    """SageMaker enforces the CreatePresignedDomainUrl policy again on every HTTP request and
    WebSocket frame to the app (https://docs.aws.amazon.com/sagemaker/latest/APIReference/
    API_CreatePresignedDomainUrl.html), with the browser's network: allowed where the mode says."""
    mode = _mode(stack)
    if mode == "open":
        allowed = [("on the internet", {"source_ip": BROWSER_IP})]
    else:
        allowed = [("inside the VPC", _through_studio_endpoint(stack))]
    if mode == "corporate-ip":
        allowed.append(("on the corporate network", {"source_ip": _corporate_ip(stack)}))
    for what, net in allowed:
        expect(_presign_url(stack, sim, "alice", "alice", **net), "Allowed",
               f"alice's browser opening her Studio {what}", sid="OpenOwnProfile", kind="identity")


def users_browser_is_refused_elsewhere(stack: RenderedStack, sim: Simulator) -> None:
    refused = [("on the internet", {"source_ip": BROWSER_IP})]
    if _mode(stack) == "vpc":
        refused.append(("on the corporate network", {"source_ip": "198.51.100.10"}))
    for what, net in refused:
        expect(_presign_url(stack, sim, "alice", "alice", **net), "ExplicitlyDenied",
               f"alice's browser {what}", sid="OnlyFromTheAllowedNetworks", kind="identity")


def _corporate_ip(stack: RenderedStack) -> str:
    import ipaddress
    return str(ipaddress.ip_network(stack.parameters["CorporateCidrs"][0], strict=False).network_address + 10)


# ------------------------------------------------------------------ the seal key
def _mac(stack: RenderedStack, sim: Simulator, session: RoleSession, action: str, identity: list[dict],
         algorithm: str | None = "HMAC_SHA_256") -> Decision:
    key = stack.key_policies["PresignSealKey"]
    context = session.context(region=stack.place.region)
    if algorithm is not None:
        context["kms:MacAlgorithm"] = algorithm
    return sim.evaluate(session.arn, action, key["arn"], context, identity,
                        {"name": "PresignSealKey key policy", "policy": key["policy"]})


def only_saml_validator_seals(stack: RenderedStack, sim: Simulator) -> None:
    session, identity = _function_session(stack, "SamlValidatorFunction"), stack.identity_policies("SamlValidatorRole")
    expect(_mac(stack, sim, session, "kms:GenerateMac", identity), "Allowed", "saml-validator GenerateMac",
           sid="OnlySamlValidatorSeals", kind="resource")
    expect(_mac(stack, sim, session, "kms:VerifyMac", identity), "ImplicitlyDenied", "saml-validator VerifyMac")
    expect(_mac(stack, sim, session, "kms:GenerateMac", identity, "HMAC_SHA_512"), "ImplicitlyDenied",
           "saml-validator GenerateMac with HMAC_SHA_512")


def only_presign_checks_seals(stack: RenderedStack, sim: Simulator) -> None:
    session, identity = _function_session(stack, "PresignFunction"), stack.identity_policies("PresignRole")
    expect(_mac(stack, sim, session, "kms:VerifyMac", identity), "Allowed", "presign VerifyMac",
           sid="OnlyPresignChecks", kind="resource")
    expect(_mac(stack, sim, session, "kms:GenerateMac", identity), "ImplicitlyDenied", "presign GenerateMac")


def the_seal_takes_the_key_policy_and_the_roles_own(stack: RenderedStack, sim: Simulator) -> None:
    """The key policy allows the account, narrowed to saml-validator's role by aws:PrincipalArn (so
    it does not depend on the role being visible to KMS at CreateKey); for a key policy that names
    the account, KMS also needs the caller's IAM policy: neither grant works alone."""
    session = _function_session(stack, "SamlValidatorFunction")
    expect(_mac(stack, sim, session, "kms:GenerateMac", []), "ImplicitlyDenied",
           "saml-validator without its identity policy")
    expect(_mac(stack, sim, session, "kms:GenerateMac", stack.identity_policies("SamlValidatorRole")), "Allowed",
           "saml-validator with its identity policy", sid="OnlySamlValidatorSeals", kind="resource")


def kms_star_in_iam_does_not_reach_the_key(stack: RenderedStack, sim: Simulator) -> None:
    """KMS counts identity policies only when the key policy allows the account for that action
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html): this key's policy allows
    the account only administration, so another role's kms:* makes neither a MAC nor a check."""
    partition, _, account = _ids(stack)
    operator = RoleSession(f"arn:{partition}:iam::{account}:role/Operator", "operator")
    for action in ("kms:GenerateMac", "kms:VerifyMac"):
        expect(_mac(stack, sim, operator, action, [ALLOW_ALL_KMS]), "ImplicitlyDenied", f"a kms:* role, {action}")
    expect(_mac(stack, sim, operator, "kms:DescribeKey", [ALLOW_ALL_KMS], None), "Allowed", "a kms:* role administers",
           sid="AccountAdministersButCannotUse", kind="resource")


# ------------------------------------------------------------------ the SAML trust
def _assume(stack: RenderedStack, sim: Simulator, audience: str, action: str = "sts:AssumeRoleWithSAML",
            provider: str | None = None) -> Decision:
    provider = provider or stack.saml_providers["SamlProvider"]["arn"]
    assertion = SamlAssertion(provider, ISSUER, "alice", audience=audience, session_tags={"studiouserid": "alice"},
                              source_identity="alice@example.com")
    role = stack.roles["StudioUserRole"]
    return sim.evaluate(provider, action, role["arn"], assertion.context(action, region=stack.place.region, source_ip=BROWSER_IP),
                        [], {"name": "StudioUserRole trust policy", "policy": role["trust_policy"]})


def acs_url(stack: RenderedStack) -> str:
    """The broker's ACS URL (the AcsUrl output): the Recipient of the assertions it accepts."""
    return stack.outputs["AcsUrl"]


def user_role_accepts_the_brokers_acs_url(stack: RenderedStack, sim: Simulator) -> None:
    """An assertion the IdP made for the broker (Recipient = its ACS URL) assumes the role and tags
    the session. (SetSourceIdentity under SAML:aud is AWS's own pattern, which the simulator does not
    evaluate: test_simulator.py, the known divergence; a real-account check in docs/deploying.md.)"""
    for action in ("sts:AssumeRoleWithSAML", "sts:TagSession"):
        expect(_assume(stack, sim, acs_url(stack), action), "Allowed", f"{action} for the ACS URL",
               sid="FederatedThroughTheBroker", kind="resource")


def user_role_refuses_the_signin_audience(stack: RenderedStack, sim: Simulator) -> None:
    """An assertion made for the AWS console sign-in (Recipient https://signin.aws.amazon.com/saml,
    or the region's) must not assume the role the broker hands out, unless the deployment opted in."""
    for audience in (SIGNIN_AUDIENCE, f"https://{stack.place.region}.signin.aws.amazon.com/saml"):
        for action in ("sts:AssumeRoleWithSAML", "sts:TagSession"):
            expect_condition_fails(_assume(stack, sim, audience, action), f"{action}, SAML:aud = {audience}",
                                   sid="FederatedThroughTheBroker", key="SAML:aud")


def user_role_accepts_the_signin_audience_when_opted_in(stack: RenderedStack, sim: Simulator) -> None:
    for audience in (SIGNIN_AUDIENCE, f"https://{stack.place.region}.signin.aws.amazon.com/saml"):
        expect(_assume(stack, sim, audience), "Allowed", f"SAML:aud = {audience}, opted in",
               sid="FederatedThroughTheBroker", kind="resource")


def user_role_refuses_a_foreign_audience(stack: RenderedStack, sim: Simulator) -> None:
    for action in ("sts:AssumeRoleWithSAML", "sts:TagSession"):
        expect_condition_fails(_assume(stack, sim, "https://other-sp.example/acs", action),
                               f"{action}, SAML:aud of another SP", sid="FederatedThroughTheBroker", key="SAML:aud")


def user_role_requires_the_owner_tag(stack: RenderedStack, sim: Simulator) -> None:
    """An assertion without PrincipalTag:studiouserid (or with an empty one) cannot assume the role:
    every session carries the owner tag the ABAC condition compares."""
    audience = acs_url(stack)
    provider = stack.saml_providers["SamlProvider"]["arn"]
    role = stack.roles["StudioUserRole"]
    policy = {"name": "StudioUserRole trust policy", "policy": role["trust_policy"]}
    for tags in ({}, {"studiouserid": ""}, {"team": "ml"}):
        assertion = SamlAssertion(provider, ISSUER, "alice", audience=audience, session_tags=tags)
        context = assertion.context("sts:AssumeRoleWithSAML", region=stack.place.region, source_ip=BROWSER_IP)
        expect_condition_fails(sim.evaluate(provider, "sts:AssumeRoleWithSAML", role["arn"], context, [], policy),
                               f"an assertion with tags {tags}", sid="FederatedThroughTheBroker",
                               key="aws:RequestTag/studiouserid")
    tagged = SamlAssertion(provider, ISSUER, "alice", audience=audience, session_tags={"studiouserid": "alice"})
    context = tagged.context("sts:AssumeRoleWithSAML", region=stack.place.region, source_ip=BROWSER_IP)
    expect(sim.evaluate(provider, "sts:AssumeRoleWithSAML", role["arn"], context, [], policy), "Allowed",
           "alice's assertion with her owner tag", sid="FederatedThroughTheBroker", kind="resource")


def user_role_trusts_only_its_provider(stack: RenderedStack, sim: Simulator) -> None:
    partition, _, account = _ids(stack)
    other = f"arn:{partition}:iam::{account}:saml-provider/another-idp"
    decision = _assume(stack, sim, acs_url(stack), provider=other)
    expect(decision, "ImplicitlyDenied", "another SAML provider of the account")
    if not any(m["principalMatch"] == "NoMatch" for m in decision.near_misses):
        raise AssertionError(f"another provider: denied, but not for its principal; simulator: {decision.explain()}")


def user_role_accepts_the_additional_audience(stack: RenderedStack, sim: Simulator) -> None:
    audience = stack.parameters["AdditionalSamlAudiences"][0]
    for action in ("sts:AssumeRoleWithSAML", "sts:TagSession"):
        expect(_assume(stack, sim, audience, action), "Allowed", f"{action} for {audience}",
               sid="FederatedThroughTheBroker", kind="resource")


# ------------------------------------------------------------------ invoking the functions
def only_saml_validator_invokes_presign(stack: RenderedStack, sim: Simulator) -> None:
    presign = stack.functions["PresignFunction"]["arn"]
    policy = stack.lambda_permissions.get("PresignFunction")
    policy = {"name": "presign function policy", "policy": policy} if policy else None
    region = stack.place.region
    validator = _function_session(stack, "SamlValidatorFunction")
    expect(sim.evaluate(validator.arn, "lambda:InvokeFunction", presign, validator.context(region=region),
                        stack.identity_policies("SamlValidatorRole"), policy),
           "Allowed", "saml-validator invokes presign", sid="InvokePresign", kind="identity")
    presign_session = _function_session(stack, "PresignFunction")
    expect(sim.evaluate(presign_session.arn, "lambda:InvokeFunction", presign, presign_session.context(region=region),
                        stack.identity_policies("PresignRole"), policy), "ImplicitlyDenied", "presign's own role")
    outsider = RoleSession(f"arn:{stack.place.partition}:iam::{OTHER_ACCOUNT}:role/Outsider", "outsider")
    expect(sim.evaluate(outsider.arn, "lambda:InvokeFunction", presign, outsider.context(region=region),
                        [ALLOW_ALL_LAMBDA], policy), "ImplicitlyDenied", "a lambda:* role of another account")


def function_url_admits_only_url_invocations(stack: RenderedStack, sim: Simulator) -> None:
    """With AuthType NONE the browser's POST is anonymous; Lambda authorizes InvokeFunctionUrl and then
    InvokeFunction with lambda:InvokedViaFunctionUrl (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html)."""
    function = stack.functions["SamlValidatorFunction"]["arn"]
    policy = {"name": "saml-validator function policy", "policy": stack.lambda_permissions["SamlValidatorFunction"]}
    url_sid = stack.resources["SamlValidatorUrlPermission"]["Physical"]["Ref"]
    invoke_sid = stack.resources["SamlValidatorUrlInvokePermission"]["Physical"]["Ref"]
    browser = anonymous_context(region=stack.place.region, source_ip=BROWSER_IP)
    expect(sim.evaluate(ANONYMOUS, "lambda:InvokeFunctionUrl", function, {**browser, "lambda:FunctionUrlAuthType": "NONE"},
                        [], policy), "Allowed", "the browser calls the function URL", sid=url_sid, kind="resource")
    expect(sim.evaluate(ANONYMOUS, "lambda:InvokeFunction", function, {**browser, "lambda:InvokedViaFunctionUrl": "true"},
                        [], policy), "Allowed", "Lambda invokes for the URL", sid=invoke_sid, kind="resource")
    outsider = RoleSession(f"arn:{stack.place.partition}:iam::{OTHER_ACCOUNT}:role/Outsider", "outsider")
    expect_condition_fails(sim.evaluate(outsider.arn, "lambda:InvokeFunction", function,
                                        outsider.context(region=stack.place.region), [ALLOW_ALL_LAMBDA], policy),
                           "another account invokes directly", sid=invoke_sid, key="lambda:InvokedViaFunctionUrl")


def http_api_invokes_only_from_its_api(stack: RenderedStack, sim: Simulator) -> None:
    partition, region, account = _ids(stack)
    function = stack.functions["SamlValidatorFunction"]["arn"]
    policy = {"name": "saml-validator function policy", "policy": stack.lambda_permissions["SamlValidatorFunction"]}
    sid = stack.resources["HttpApiPermission"]["Physical"]["Ref"]
    for api, outcome in ((stack.resources["HttpApi"]["Physical"]["ApiId"], "Allowed"), ("0therap1id", "ImplicitlyDenied")):
        source = f"arn:{partition}:execute-api:{region}:{account}:{api}/$default/POST/saml/acs"
        context = service_context("apigateway.amazonaws.com", region=region, source_arn=source, source_account=account)
        decision = sim.evaluate("apigateway.amazonaws.com", "lambda:InvokeFunction", function, context, [], policy,
                                resource_account=account)
        if outcome == "Allowed":
            expect(decision, outcome, "API Gateway for the stack's API", sid=sid, kind="resource")
        else:
            expect_condition_fails(decision, "API Gateway for another API", sid=sid, key="AWS:SourceArn")


# ------------------------------------------------------------------ offboard (scheduled, optional)
OTHER_DOMAIN = "d-0another0domain"
OTHER_STUDIO = "es-0ANOTHER0STUDIO0000000000"
ALLOW_ALL_STS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}


def _offboards(stack: RenderedStack) -> bool:
    return stack.conditions["Offboards"]


def _sagemaker(stack: RenderedStack, kind: str, name: str, domain: str | None = None) -> str:
    """The ARN of a SageMaker `kind` (user-profile, space, app) of the first domain (or `domain`)."""
    partition, region, account = _ids(stack)
    return f"arn:{partition}:sagemaker:{region}:{account}:{kind}/{domain or stack.parameters['SageMakerDomainIds'][0]}/{name}"


def _owner_tag(owner: str | None) -> dict:
    """The resource keys of an existing resource tagged studiouserid=`owner` (None: untagged)."""
    return {} if owner is None else {"sagemaker:ResourceTag/studiouserid": owner, "aws:ResourceTag/studiouserid": owner}


def _as_offboard(stack: RenderedStack, sim: Simulator, action: str, resource: str, resource_type: str | None = None,
                 known: dict | None = None) -> Decision:
    """The offboard function's `action` on `resource` as Lambda runs it (a session of OffboardRole),
    with the keys of `known` that the reference lists for the action on `resource_type`."""
    session = _function_session(stack, "OffboardFunction")
    context = session.context(region=stack.place.region)
    if resource_type is not None:
        context.update(for_action(sim, action, resource_type, known or {}))
    return sim.evaluate(session.arn, action, resource, context, stack.identity_policies("OffboardRole"))


def _offboard_deletes_profile(stack: RenderedStack, sim: Simulator, owner: str | None,
                              domain: str | None = None) -> Decision:
    return _as_offboard(stack, sim, "sagemaker:DeleteUserProfile", _sagemaker(stack, "user-profile", "alice", domain),
                        "user-profile", _owner_tag(owner))


def _offboard_deletes_space(stack: RenderedStack, sim: Simulator, owner: str | None, sharing: str = "Private",
                            domain: str | None = None) -> Decision:
    """DeleteSpace of alice-private, owned by alice's profile, tagged `owner`, of `sharing` type."""
    known = {**_owner_tag(owner), "sagemaker:SpaceSharingType": sharing,
             "sagemaker:OwnerUserProfileArn": _sagemaker(stack, "user-profile", "alice", domain)}
    return _as_offboard(stack, sim, "sagemaker:DeleteSpace", _sagemaker(stack, "space", "alice-private", domain),
                        "space", known)


def _offboard_deletes_app(stack: RenderedStack, sim: Simulator, app: str, domain: str | None = None,
                          sharing: str | None = "Private") -> Decision:
    """DeleteApp of app/DOMAIN/`app` (SPACE-OR-PROFILE/TYPE/NAME); Studio's apps carry no owner tag.
    An app in a space carries the space's sharing type and owner; a Classic app (sharing None) neither."""
    known = {} if sharing is None else {
        "sagemaker:SpaceSharingType": sharing,
        "sagemaker:OwnerUserProfileArn": _sagemaker(stack, "user-profile", "alice", domain)}
    return _as_offboard(stack, sim, "sagemaker:DeleteApp", _sagemaker(stack, "app", app, domain), "app", known)


def offboard_deletes_only_owner_tagged_profiles(stack: RenderedStack, sim: Simulator) -> None:
    """offboard deletes a profile of the stack's domains only when it carries the owner tag presign
    sets (the Null condition on sagemaker:ResourceTag/studiouserid), and none of another domain."""
    for domain in stack.parameters["SageMakerDomainIds"]:
        expect(_offboard_deletes_profile(stack, sim, "alice", domain), "Allowed",
               f"alice's owner-tagged profile in {domain}", sid="DeleteOwnerTaggedProfiles", kind="identity")
        expect_condition_fails(_offboard_deletes_profile(stack, sim, None, domain),
                               f"a profile without the owner tag in {domain}", sid="DeleteOwnerTaggedProfiles",
                               key="sagemaker:ResourceTag/studiouserid")
    expect(_offboard_deletes_profile(stack, sim, "alice", OTHER_DOMAIN), "ImplicitlyDenied",
           "an owner-tagged profile of another domain")


def offboard_deletes_only_owner_tagged_private_spaces(stack: RenderedStack, sim: Simulator) -> None:
    """offboard deletes only what presign creates: private spaces with the owner tag; never a shared
    space (even with an owner tag), an untagged one, or one of another domain."""
    for domain in stack.parameters["SageMakerDomainIds"]:
        expect(_offboard_deletes_space(stack, sim, "alice", domain=domain), "Allowed",
               f"alice's owner-tagged private space in {domain}", sid="DeleteOwnerTaggedPrivateSpaces", kind="identity")
    expect_condition_fails(_offboard_deletes_space(stack, sim, "alice", sharing="Shared"), "an owner-tagged shared space",
                           sid="DeleteOwnerTaggedPrivateSpaces", key="sagemaker:SpaceSharingType")
    expect_condition_fails(_offboard_deletes_space(stack, sim, None), "an untagged private space",
                           sid="DeleteOwnerTaggedPrivateSpaces", key="sagemaker:ResourceTag/studiouserid")
    expect(_offboard_deletes_space(stack, sim, "alice", domain=OTHER_DOMAIN), "ImplicitlyDenied",
           "an owner-tagged private space of another domain")


def offboard_deletes_apps_only_in_its_domains(stack: RenderedStack, sim: Simulator) -> None:
    """Apps carry no owner tag (Studio starts them): offboard may delete the apps of its domains (in a
    private space, or a Classic app of a profile), never one in a shared space, none of another domain."""
    for domain in stack.parameters["SageMakerDomainIds"]:
        for app, sharing in (("alice-private/jupyterlab/default", "Private"), ("alice/jupyterserver/default", None)):
            expect(_offboard_deletes_app(stack, sim, app, domain, sharing), "Allowed", f"app {app} in {domain}",
                   sid="DeleteAppsOfTheDomain", kind="identity")
    expect_condition_fails(_offboard_deletes_app(stack, sim, "team/jupyterlab/default", sharing="Shared"),
                           "an app in a shared space", sid="DeleteAppsOfTheDomain", key="sagemaker:SpaceSharingType")
    expect(_offboard_deletes_app(stack, sim, "alice-private/jupyterlab/default", OTHER_DOMAIN), "ImplicitlyDenied",
           "an app of another domain")


def offboard_reads_what_it_offboards(stack: RenderedStack, sim: Simulator) -> None:
    """offboard lists profiles, spaces and apps (no resource-level permission), and reads the
    profiles and spaces of its domains with their tags (tagged or not: it finds the owner tag so)."""
    for action in ("sagemaker:ListUserProfiles", "sagemaker:ListSpaces", "sagemaker:ListApps"):
        expect(_as_offboard(stack, sim, action, "*"), "Allowed", action, sid="ListStudioResources", kind="identity")
    for domain in stack.parameters["SageMakerDomainIds"]:
        for kind, name, actions in (("user-profile", "alice", ("sagemaker:DescribeUserProfile", "sagemaker:ListTags")),
                                    ("space", "alice-private", ("sagemaker:DescribeSpace", "sagemaker:ListTags"))):
            for owner in ("alice", None):
                for action in actions:
                    expect(_as_offboard(stack, sim, action, _sagemaker(stack, kind, name, domain), kind, _owner_tag(owner)),
                           "Allowed", f"{action} on a{'n owner-tagged' if owner else 'n untagged'} {kind} in {domain}",
                           sid="ReadProfilesAndSpaces", kind="identity")
    for action in ("sagemaker:DescribeUserProfile", "sagemaker:ListTags"):
        expect(_as_offboard(stack, sim, action, _sagemaker(stack, "user-profile", "alice", OTHER_DOMAIN), "user-profile",
                            _owner_tag("alice")), "ImplicitlyDenied", f"{action} on a profile of another domain")


def offboard_only_reads_and_deletes(stack: RenderedStack, sim: Simulator) -> None:
    """offboard creates, changes, tags, opens, passes and assigns nothing: on alice's owner-tagged
    profile and space of the stack's domain, every such call is refused."""
    profile, space = _sagemaker(stack, "user-profile", "alice"), _sagemaker(stack, "space", "alice-private")
    partition, region, account = _ids(stack)
    domain = stack.parameters["SageMakerDomainIds"][0]
    tagging = {"aws:TagKeys": ["studiouserid"], "aws:RequestTag/studiouserid": "alice"}
    space_keys = {"sagemaker:SpaceSharingType": "Private", "sagemaker:OwnerUserProfileArn": profile}
    refused = [
        ("sagemaker:CreateUserProfile", "user-profile", profile, tagging),
        ("sagemaker:UpdateUserProfile", "user-profile", profile, _owner_tag("alice")),
        ("sagemaker:CreatePresignedDomainUrl", "user-profile", profile, _owner_tag("alice")),
        ("sagemaker:AddTags", "user-profile", profile, {**_owner_tag("alice"), **tagging}),
        ("sagemaker:DeleteTags", "user-profile", profile, {**_owner_tag("alice"), "aws:TagKeys": ["studiouserid"]}),
        ("sagemaker:CreateSpace", "space", space, {**tagging, **space_keys}),
        ("sagemaker:UpdateSpace", "space", space, {**_owner_tag("alice"), **space_keys}),
        ("sagemaker:CreateApp", "app", _sagemaker(stack, "app", "alice-private/jupyterlab/default"), space_keys),
        ("sagemaker:DeleteDomain", "domain", f"arn:{partition}:sagemaker:{region}:{account}:domain/{domain}", {}),
        ("iam:PassRole", "role", stack.parameters["ExecutionRoleArns"][0],
         {"iam:PassedToService": "sagemaker.amazonaws.com"}),
    ]
    for action, resource_type, arn, known in refused:
        expect(_as_offboard(stack, sim, action, arn, resource_type, known), "ImplicitlyDenied", f"{action} on {arn}")
    # Assigning in Identity Center (CreateStudioSessionMapping's caller permission): offboard only removes.
    expect(_as_offboard(stack, sim, "sso:AssociateProfile", "*"), "ImplicitlyDenied", "sso:AssociateProfile")


def _studio(stack: RenderedStack, studio_id: str) -> str:
    partition, region, account = _ids(stack)
    return f"arn:{partition}:elasticmapreduce:{region}:{account}:studio/{studio_id}"


def offboard_unmaps_only_the_stacks_emr_studios(stack: RenderedStack, sim: Simulator) -> None:
    """offboard reads and deletes the session mappings of the stack's Studios; it maps no one
    (Create/UpdateStudioSessionMapping) and touches no other Studio."""
    for studio_id in [s for s in stack.parameters["EmrStudioIds"] if s]:
        studio = _studio(stack, studio_id)
        for action in ("elasticmapreduce:DescribeStudio", "elasticmapreduce:GetStudioSessionMapping",
                       "elasticmapreduce:DeleteStudioSessionMapping"):
            expect(_as_offboard(stack, sim, action, studio), "Allowed", f"{action} on {studio_id}", sid="EmrStudio",
                   kind="identity")
        for action in ("elasticmapreduce:CreateStudioSessionMapping", "elasticmapreduce:UpdateStudioSessionMapping"):
            expect(_as_offboard(stack, sim, action, studio), "ImplicitlyDenied", f"{action} on {studio_id}")
    for action in ("elasticmapreduce:DeleteStudioSessionMapping", "elasticmapreduce:GetStudioSessionMapping"):
        expect(_as_offboard(stack, sim, action, _studio(stack, OTHER_STUDIO)), "ImplicitlyDenied",
               f"{action} on another Studio")


def offboard_looks_users_up_only_in_its_identity_store(stack: RenderedStack, sim: Simulator) -> None:
    _looks_users_up_only_in_its_identity_store(stack, sim, "OffboardFunction", "OffboardRole")


def _assumes(stack: RenderedStack, sim: Simulator, role: str, principal: str, context: dict,
             identity: list | None = None) -> Decision:
    """`principal` asks sts:AssumeRole for the stack's `role` (its trust policy is the resource policy)."""
    trust = {"name": f"{role} trust policy", "policy": stack.roles[role]["trust_policy"]}
    return sim.evaluate(principal, "sts:AssumeRole", stack.roles[role]["arn"], context, identity or [], trust,
                        resource_account=stack.place.account_id)


def _expect_principal_refused(decision: Decision, what: str) -> None:
    expect(decision, "ImplicitlyDenied", what)
    if not any(m["principalMatch"] == "NoMatch" for m in decision.near_misses):
        raise AssertionError(f"{what}: denied, but not for its principal; simulator: {decision.explain()}")


def _refuses_other_principals(stack: RenderedStack, sim: Simulator, role: str, services: tuple[str, ...],
                              context_of) -> None:
    """Other services, a role of the account and one of another account (each with sts:* of its own)
    cannot assume `role`."""
    for service in services:
        _expect_principal_refused(_assumes(stack, sim, role, service, context_of(service)),
                                  f"{service} assumes {role}")
    partition, region, account = _ids(stack)
    for arn in (f"arn:{partition}:iam::{account}:role/Operator", f"arn:{partition}:iam::{OTHER_ACCOUNT}:role/Outsider"):
        session = RoleSession(arn, "operator")
        _expect_principal_refused(_assumes(stack, sim, role, session.arn, session.context(region=region), [ALLOW_ALL_STS]),
                                  f"{arn} (sts:*) assumes {role}")


def function_roles_are_assumed_only_by_lambda(stack: RenderedStack, sim: Simulator) -> None:
    """Each function's role (saml-validator, presign, and offboard when the stack has it) trusts
    lambda.amazonaws.com alone: not EventBridge Scheduler (which invokes offboard with a role of
    its own), no other service, no role of this account or another."""
    by_arn = {role["arn"]: logical for logical, role in stack.roles.items()}
    region = stack.place.region
    for function in stack.functions.values():
        role = by_arn[function["role_arn"]]
        expect(_assumes(stack, sim, role, "lambda.amazonaws.com", service_context("lambda.amazonaws.com", region=region)),
               "Allowed", f"Lambda assumes {role}", index=1, kind="resource")
        _refuses_other_principals(stack, sim, role, ("scheduler.amazonaws.com", "events.amazonaws.com",
                                                     "sagemaker.amazonaws.com"),
                                  lambda service: service_context(service, region=region))


def _schedule_group(stack: RenderedStack, account: str | None = None) -> str:
    partition, region, own = _ids(stack)
    return f"arn:{partition}:scheduler:{region}:{account or own}:schedule-group/default"


def offboard_schedule_role_is_assumed_only_by_scheduler_for_the_account(stack: RenderedStack, sim: Simulator) -> None:
    """EventBridge Scheduler assumes the schedule's role on behalf of a schedule of the stack's
    account (aws:SourceAccount, the confused-deputy guard of the Scheduler User Guide); for another
    account's schedule, or with no source account, it cannot; nor can Lambda or a role."""
    region, account = stack.place.region, stack.place.account_id
    role = "OffboardSchedulerRole"

    def scheduler(source_account: str | None) -> dict:
        return service_context("scheduler.amazonaws.com", region=region, source_account=source_account,
                               source_arn=_schedule_group(stack, source_account) if source_account else None)

    expect(_assumes(stack, sim, role, "scheduler.amazonaws.com", scheduler(account)), "Allowed",
           "Scheduler, for a schedule of the stack's account", index=1, kind="resource")
    expect_condition_fails(_assumes(stack, sim, role, "scheduler.amazonaws.com", scheduler(OTHER_ACCOUNT)),
                           "Scheduler, for another account's schedule", sid=None, index=1, key="aws:SourceAccount")
    expect_condition_fails(_assumes(stack, sim, role, "scheduler.amazonaws.com", scheduler(None)),
                           "Scheduler, without a source account", sid=None, index=1, key="aws:SourceAccount")
    _refuses_other_principals(stack, sim, role, ("lambda.amazonaws.com", "events.amazonaws.com"),
                              lambda service: service_context(service, region=region, source_account=account,
                                                              source_arn=_schedule_group(stack)))


def only_the_offboard_schedule_invokes_offboard(stack: RenderedStack, sim: Simulator) -> None:
    """The schedule invokes the offboard function with its role; that role invokes nothing else and
    does nothing else to it, and no other role of the stack (nor another account) invokes offboard."""
    region = stack.place.region
    offboard = stack.functions["OffboardFunction"]["arn"]
    schedule = stack.resources["OffboardSchedule"]["Properties"]["Target"]
    if (schedule["Arn"], schedule["RoleArn"]) != (offboard, stack.roles["OffboardSchedulerRole"]["arn"]):
        raise AssertionError(f"the schedule targets {schedule['Arn']} with {schedule['RoleArn']}")
    policy = stack.lambda_permissions.get("OffboardFunction")
    policy = {"name": "offboard function policy", "policy": policy} if policy else None
    scheduler = RoleSession(stack.roles["OffboardSchedulerRole"]["arn"], "scheduler")
    identity = stack.identity_policies("OffboardSchedulerRole")
    expect(sim.evaluate(scheduler.arn, "lambda:InvokeFunction", offboard, scheduler.context(region=region), identity, policy),
           "Allowed", "the schedule's role invokes offboard", sid="InvokeOffboard", kind="identity")
    for other in ("PresignFunction", "SamlValidatorFunction"):
        expect(sim.evaluate(scheduler.arn, "lambda:InvokeFunction", stack.functions[other]["arn"],
                            scheduler.context(region=region), identity), "ImplicitlyDenied", f"the schedule's role invokes {other}")
    for action in ("lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:AddPermission"):
        expect(sim.evaluate(scheduler.arn, action, offboard, scheduler.context(region=region), identity, policy),
               "ImplicitlyDenied", f"the schedule's role, {action} on offboard")
    for function, role in (("PresignFunction", "PresignRole"), ("SamlValidatorFunction", "SamlValidatorRole")):
        session = _function_session(stack, function)
        expect(sim.evaluate(session.arn, "lambda:InvokeFunction", offboard, session.context(region=region),
                            stack.identity_policies(role), policy), "ImplicitlyDenied", f"{role} invokes offboard")
    outsider = RoleSession(f"arn:{stack.place.partition}:iam::{OTHER_ACCOUNT}:role/Outsider", "outsider")
    expect(sim.evaluate(outsider.arn, "lambda:InvokeFunction", offboard, outsider.context(region=region),
                        [ALLOW_ALL_LAMBDA], policy), "ImplicitlyDenied", "a lambda:* role of another account")


def without_offboard_inactive_days_nothing_offboards(stack: RenderedStack, sim: Simulator) -> None:
    """OffboardInactiveDays 0: no offboard resource (role, policies, function, schedule and its role),
    and no role of the stack may delete a profile, a space or an app."""
    present = sorted(logical for logical in stack.resources if logical.startswith("Offboard"))
    if present:
        raise AssertionError(f"OffboardInactiveDays is 0, but the stack has {present}")
    offboarding = [name for name, function in stack.functions.items()
                   if any(v.startswith("STUDIOGATE_OFFBOARD_") for v in function["environment"])]
    if offboarding:
        raise AssertionError(f"OffboardInactiveDays is 0, but {offboarding} offboard")
    profile = _sagemaker(stack, "user-profile", "alice")
    space_keys = {**_owner_tag("alice"), "sagemaker:SpaceSharingType": "Private", "sagemaker:OwnerUserProfileArn": profile}
    deletes = [("sagemaker:DeleteUserProfile", "user-profile", profile, _owner_tag("alice")),
               ("sagemaker:DeleteSpace", "space", _sagemaker(stack, "space", "alice-private"), space_keys),
               ("sagemaker:DeleteApp", "app", _sagemaker(stack, "app", "alice-private/jupyterlab/default"), space_keys)]
    for logical, role in stack.roles.items():
        session = RoleSession(role["arn"], logical)
        for action, resource_type, arn, known in deletes:
            context = {**session.context(region=stack.place.region), **for_action(sim, action, resource_type, known)}
            expect(sim.evaluate(session.arn, action, arn, context, stack.identity_policies(logical)), "ImplicitlyDenied",
                   f"{logical}, {action}")


def _has_additional_audience(stack: RenderedStack) -> bool:
    return any(stack.parameters["AdditionalSamlAudiences"])



SCENARIOS = [
    Scenario("presign attaches to its VPC", presign_attaches_to_its_vpc),
    Scenario("presign's VPC attachment stays in its VPC", presign_attachment_stays_in_its_vpc),
    Scenario("presign manages only its VPC's interfaces", presign_manages_only_its_vpcs_interfaces),
    Scenario("presign never re-owns a profile", presign_never_reowns_a_profile),
    Scenario("presign lists apps", presign_lists_apps),
    Scenario("presign creates only private, owned spaces", presign_creates_only_private_owned_spaces),
    Scenario("presign spends seals only through its gateway endpoint", presign_spends_seals_only_through_its_gateway_endpoint),
    Scenario("saml-validator keeps assertions and AuthnRequests with PutItem alone",
             saml_validator_keeps_assertions_and_requests_with_put_item_alone),
    Scenario("saml-validator reads only its SP key's secret", saml_validator_reads_only_its_sp_key_secret,
             applies=lambda s: s.conditions["HasSpDecryptionKey"]),
    Scenario("presign looks users up only in its Identity Store", presign_looks_users_up_only_in_its_identity_store,
             applies=lambda s: s.conditions["HasIdentityStore"]),
    Scenario("alice opens her own profile through the endpoint", user_opens_own_profile),
    Scenario("alice cannot open bob's profile", user_cannot_open_another_profile),
    Scenario("presigning only from the allowed networks", user_presigns_only_from_the_allowed_networks,
             applies=_guarded),
    Scenario("alice's browser opens her Studio from the mode's networks",
             users_browser_opens_studio_from_the_modes_networks),
    Scenario("alice's browser is refused elsewhere", users_browser_is_refused_elsewhere, applies=_guarded),
    Scenario("only saml-validator seals", only_saml_validator_seals),
    Scenario("only presign checks seals", only_presign_checks_seals),
    Scenario("the seal takes the key policy and the role's own", the_seal_takes_the_key_policy_and_the_roles_own),
    Scenario("kms:* in IAM does not reach the seal key", kms_star_in_iam_does_not_reach_the_key),
    Scenario("the user role accepts the broker's ACS URL", user_role_accepts_the_brokers_acs_url),
    Scenario("the user role refuses the sign-in audience", user_role_refuses_the_signin_audience,
             applies=lambda s: not s.conditions["AcceptAwsSignIn"]),
    Scenario("the user role accepts the sign-in audience when opted in", user_role_accepts_the_signin_audience_when_opted_in,
             applies=lambda s: s.conditions["AcceptAwsSignIn"]),
    Scenario("the user role refuses a foreign audience", user_role_refuses_a_foreign_audience),
    Scenario("the user role requires the owner tag", user_role_requires_the_owner_tag),
    Scenario("the user role trusts only its SAML provider", user_role_trusts_only_its_provider),
    Scenario("the user role accepts the additional audience", user_role_accepts_the_additional_audience,
             applies=_has_additional_audience),
    Scenario("only saml-validator invokes presign", only_saml_validator_invokes_presign),
    Scenario("the function URL admits only URL invocations", function_url_admits_only_url_invocations,
             applies=lambda s: s.conditions["UseFunctionUrl"]),
    Scenario("the HTTP API invokes only from its API", http_api_invokes_only_from_its_api,
             applies=lambda s: s.conditions["UseHttpApi"]),
    Scenario("each function's role is assumed only by Lambda", function_roles_are_assumed_only_by_lambda),
    Scenario("offboard deletes only owner-tagged profiles", offboard_deletes_only_owner_tagged_profiles,
             applies=_offboards),
    Scenario("offboard deletes only owner-tagged private spaces", offboard_deletes_only_owner_tagged_private_spaces,
             applies=_offboards),
    Scenario("offboard deletes apps only in its domains", offboard_deletes_apps_only_in_its_domains, applies=_offboards),
    Scenario("offboard reads what it offboards", offboard_reads_what_it_offboards, applies=_offboards),
    Scenario("offboard only reads and deletes", offboard_only_reads_and_deletes, applies=_offboards),
    Scenario("offboard unmaps only the stack's EMR Studios", offboard_unmaps_only_the_stacks_emr_studios,
             applies=lambda s: s.conditions["OffboardsEmrStudios"]),
    Scenario("offboard looks users up only in its Identity Store", offboard_looks_users_up_only_in_its_identity_store,
             applies=lambda s: s.conditions["OffboardsIdentityStore"]),
    Scenario("the offboard schedule's role is assumed only by Scheduler for the account",
             offboard_schedule_role_is_assumed_only_by_scheduler_for_the_account, applies=_offboards),
    Scenario("only the offboard schedule invokes offboard", only_the_offboard_schedule_invokes_offboard,
             applies=_offboards),
    Scenario("without OffboardInactiveDays nothing offboards", without_offboard_inactive_days_nothing_offboards,
             applies=lambda s: not _offboards(s)),
]
BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
