"""A spoke account beside the hub's stack: template-spoke.yaml rendered and created in it.

The world's optional `spoke` section:

    "spoke": {"account": "222222222222",
              "stack": {"template": "template-spoke.yaml", "parameter_set": "local-spoke", "idp": "studiogate-test-idp",
                        "parameters": {...optional changes...}},
              "roles": [{"name": "SpokeSageMakerExecution", "service": "sagemaker.amazonaws.com"}],
              "sagemaker_domains": [{"key": "spoke-ml", "name": "studiogate-spoke-ml", "execution_role": "SpokeSageMakerExecution"}]}

It is deployed as docs/deploying.md says, after the hub and with the hub's outputs: the rendering
gets the hub rendering's AcsUrl (the ACS the world serves), PresignRoleArn, SageMakerApiEndpointId
and SageMakerStudioEndpointId, the hub's StudioNetworkMode and CorporateCidrs (the spoke guards
with the hub's network), the IdP metadata of `idp`, and the IDs of the domains created here;
`parameters` may change any of them. Then, in the spoke's account: the execution roles, the
domains, the IAM SAML provider and every role of the rendering with its trust and identity policies.

All of it is created in-process (moto keeps IAM per account; the emulator's SageMaker state is per
account, accounts.py): the operator is a user of the hub's account and administers only that one.
"""

from __future__ import annotations

import json
import pathlib
import re
from urllib.parse import urlsplit

from .iam import ACCOUNT_ID, REPO, backend

_ACCOUNT = re.compile(r"^\d{12}$")
VPC = {"VpcId": "vpc-0studiogate0spoke", "SubnetIds": ["subnet-0studiogate0spoke"]}


def _template(spec: dict, acs_url: str) -> dict:
    """template-spoke.yaml as data. The local stack serves its ACS over plain HTTP on loopback
    (testidp.ACS_URL), which HubAcsUrl's AllowedPattern (https only) refuses, as CloudFormation
    would: for a loopback http URL only, and only that pattern, the check is lifted."""
    from studiogate_iam.render import load

    path = pathlib.Path(spec.get("template", "template-spoke.yaml"))
    template = load(path if path.is_absolute() else REPO / path)
    declared = template.get("Parameters", {}).get("HubAcsUrl")
    if declared and declared.get("AllowedPattern") and not re.fullmatch(declared["AllowedPattern"], acs_url):
        parts = urlsplit(acs_url)
        if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"):
            del declared["AllowedPattern"]
    return template


def _create_role(iam, role: dict, props: dict, identity: list[dict]) -> None:
    name = role["name"]
    path = role["arn"].split(":role", 1)[1][: -len(name)]
    iam.create_role(role_name=name, assume_role_policy_document=json.dumps(role["trust_policy"]), path=path,
                    permissions_boundary=None, description=props.get("Description", ""), tags=[],
                    max_session_duration=str(props.get("MaxSessionDuration", 3600)))
    for policy in identity:
        iam.put_role_policy(name, policy["name"], json.dumps(policy["policy"]))
    for arn in role["aws_managed_policy_arns"]:
        iam.attach_role_policy(arn, name)


def seed_spoke(app, spec: dict, hub, metadata_of, seed_error) -> dict:
    """Creates the spoke `spec` beside the hub rendering `hub` (studiogate_iam RenderedStack);
    `metadata_of(idp_name)` gives an IdP's metadata. Returns the spoke's part of the seed answer."""
    from studiogate_iam import params

    account = spec.get("account", params.SPOKE_ACCOUNT_ID)
    if not isinstance(account, str) or not _ACCOUNT.match(account) or account == ACCOUNT_ID:
        raise seed_error(f"spoke.account must be a 12-digit account other than the hub's {ACCOUNT_ID}; got {account!r}")
    if hub is None:
        raise seed_error("a spoke is deployed with the hub's outputs: the world needs a `stack`")
    stack_spec = spec.get("stack") or {}
    parameter_set = params.BY_NAME.get(stack_spec.get("parameter_set", "local-spoke"))
    if not isinstance(parameter_set, params.SpokeParameterSet):
        raise seed_error(f"spoke.stack.parameter_set must name one of {[p.name for p in params.SPOKES]}; "
                         f"got {stack_spec.get('parameter_set')!r}")
    if parameter_set.account_id != account:
        raise seed_error(f"spoke.stack.parameter_set {parameter_set.name!r} renders account {parameter_set.account_id}, not {account}")
    iam = backend("iam", account)
    made: dict = {"account": account, "roles": {}, "sagemaker_domains": {}, "saml_providers": {}}

    for role in spec.get("roles", []):
        if "service" not in role:
            raise seed_error(f"spoke role {role.get('name')!r}: only service roles (execution roles) are world fixtures here")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": role["service"]},
                                                        "Action": "sts:AssumeRole"}]}
        made["roles"][role["name"]] = iam.create_role(
            role_name=role["name"], assume_role_policy_document=json.dumps(trust), path="/", permissions_boundary=None,
            description="", tags=[], max_session_duration=str(role.get("max_session_duration", 3600))).arn

    sagemaker = app.sagemakers.of(account)
    for domain in spec.get("sagemaker_domains", []):
        role_arn = made["roles"].get(domain.get("execution_role", ""))
        if role_arn is None:
            raise seed_error(f"spoke domain {domain.get('name')!r}: execution_role must name a spoke role")
        answer = sagemaker.op_CreateDomain({"DomainName": domain["name"], "AuthMode": domain.get("auth_mode", "IAM"),
                                            "DefaultUserSettings": {"ExecutionRole": role_arn}, **VPC})
        made["sagemaker_domains"][domain.get("key", domain["name"])] = {
            "id": answer["DomainId"], "url": answer["Url"], "arn": answer["DomainArn"]}

    outputs = hub.outputs
    changes = {"HubAcsUrl": outputs["AcsUrl"], "HubPresignRoleArn": outputs["PresignRoleArn"],
               "HubSageMakerApiEndpointId": outputs["SageMakerApiEndpointId"],
               "HubSageMakerStudioEndpointId": outputs.get("SageMakerStudioEndpointId", ""),
               "StudioNetworkMode": hub.parameters["StudioNetworkMode"], "CorporateCidrs": hub.parameters["CorporateCidrs"],
               "IdpMetadata": metadata_of(stack_spec.get("idp"))}
    if made["sagemaker_domains"]:
        changes["SageMakerDomainIds"] = [domain["id"] for domain in made["sagemaker_domains"].values()]
    changes.update(stack_spec.get("parameters", {}))
    from studiogate_iam import RenderError

    try:
        stack = parameter_set.with_parameters(parameter_set.name + "+emulator", **changes).render(
            template=_template(stack_spec, changes["HubAcsUrl"]))
    except RenderError as error:
        raise seed_error(f"spoke.stack: {error}") from None

    for logical, provider in stack.saml_providers.items():
        made["saml_providers"][provider["name"]] = iam.create_saml_provider(provider["name"], provider["metadata"]).arn
    for logical, role in stack.roles.items():
        _create_role(iam, role, stack.resources[logical]["Properties"], stack.identity_policies(logical))
        made["roles"][role["name"]] = role["arn"]
    made["stack"] = {
        "template": str(stack_spec.get("template", "template-spoke.yaml")), "parameter_set": parameter_set.name,
        "saml_providers": {logical: p["arn"] for logical, p in stack.saml_providers.items()},
        "roles": {logical: {"name": role["name"], "arn": role["arn"]} for logical, role in stack.roles.items()},
        "outputs": stack.outputs,
        # NoEcho in the template; the hub's configuration names it (targets.X.spoke.external_id).
        "external_id": stack.parameters["ProvisioningExternalId"],
        "parameters": {k: v for k, v in stack.parameters.items() if k not in ("IdpMetadata", "ProvisioningExternalId")},
    }
    return made
