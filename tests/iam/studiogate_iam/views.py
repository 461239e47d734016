"""The IAM-relevant views of a rendered stack: which policies apply to which principal or resource.

Each view is built from the resolved resources (render.py) the way AWS would assemble it once the
stack is deployed: a role's identity policies are its inline `Policies`, every AWS::IAM::RolePolicy,
AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to it and its ManagedPolicyArns; a function's
resource-based policy is one statement per AWS::Lambda::Permission. A policy attached to something
this stack does not define, or a customer managed policy from outside the stack, raises RenderError:
leaving it out would evaluate a different set of policies than AWS does.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .intrinsics import RenderError, child
from .physical import Place

AWS_MANAGED_POLICY = re.compile(r"^arn:[^:]+:iam::aws:policy/")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")


def _document(value: Any, path: str) -> dict:
    """A policy document; CloudFormation also takes one as a JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise RenderError(path, f"policy document is not JSON: {error}") from None
    if not isinstance(value, dict) or "Statement" not in value:
        raise RenderError(path, "not a policy document (no Statement)")
    return value


def _of_type(resources: dict, *types: str) -> dict:
    return {logical: r for logical, r in resources.items() if r["Type"] in types}


def _managed_policies(resources: dict) -> dict[str, tuple[str, dict]]:
    """Policy ARN -> (logical ID, resource) of the stack's customer managed policies."""
    return {r["Physical"]["Ref"]: (logical, r) for logical, r in _of_type(resources, "AWS::IAM::ManagedPolicy").items()}


def roles(resources: dict) -> dict:
    found: dict[str, dict] = {}
    by_name: dict[str, str] = {}
    managed = _managed_policies(resources)
    for logical, resource in _of_type(resources, "AWS::IAM::Role").items():
        props, path = resource["Properties"], f"Resources.{logical}.Properties"
        role = {"arn": resource["Physical"]["Arn"], "name": resource["Physical"]["Ref"],
                "trust_policy": _document(props.get("AssumeRolePolicyDocument"), child(path, "AssumeRolePolicyDocument")),
                "identity_policies": [], "aws_managed_policy_arns": [], "permissions_boundary": None}
        for i, inline in enumerate(props.get("Policies", [])):
            where = child(child(path, "Policies"), i)
            role["identity_policies"].append({"name": inline["PolicyName"], "source": logical,
                                              "document": _document(inline.get("PolicyDocument"), child(where, "PolicyDocument"))})
        for i, arn in enumerate(props.get("ManagedPolicyArns", [])):
            _attach_managed(role, arn, managed, child(child(path, "ManagedPolicyArns"), i))
        boundary = props.get("PermissionsBoundary")
        if boundary is not None:
            role["permissions_boundary"] = _boundary(boundary, managed, child(path, "PermissionsBoundary"))
        found[logical] = role
        by_name[role["name"]] = logical

    def attach(role_name: Any, name: str, source: str, document: dict, where: str) -> None:
        if role_name not in by_name:
            raise RenderError(where, f"attached to role {role_name!r}, which this stack does not define")
        policies = found[by_name[role_name]]["identity_policies"]
        if not any(p["source"] == source for p in policies):  # a managed policy named both ways counts once
            policies.append({"name": name, "source": source, "document": document})

    for logical, resource in _of_type(resources, "AWS::IAM::RolePolicy", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy").items():
        props, path = resource["Properties"], f"Resources.{logical}.Properties"
        for principal_kind in ("Users", "Groups"):
            if props.get(principal_kind):
                raise RenderError(child(path, principal_kind), "policies on IAM users or groups are not modelled")
        document = _document(props.get("PolicyDocument"), child(path, "PolicyDocument"))
        name = props.get("PolicyName") or props.get("ManagedPolicyName") or resource["Physical"].get("Ref", logical)
        if resource["Type"] == "AWS::IAM::RolePolicy":
            attach(props.get("RoleName"), name, logical, document, child(path, "RoleName"))
        for i, role_name in enumerate(props.get("Roles", [])):
            attach(role_name, name, logical, document, child(child(path, "Roles"), i))
    return found


def _attach_managed(role: dict, arn: Any, managed: dict, path: str) -> None:
    if arn in managed:
        logical, resource = managed[arn]
        role["identity_policies"].append({"name": resource["Properties"].get("ManagedPolicyName", logical),
                                          "source": logical, "document": resource["Properties"]["PolicyDocument"]})
    elif isinstance(arn, str) and AWS_MANAGED_POLICY.match(arn):
        role["aws_managed_policy_arns"].append(arn)
    else:
        raise RenderError(path, f"managed policy {arn!r} is not in this stack: its document is unknown")


def _boundary(arn: Any, managed: dict, path: str) -> dict:
    if arn in managed:
        logical, resource = managed[arn]
        return {"arn": arn, "source": logical, "document": resource["Properties"]["PolicyDocument"]}
    if isinstance(arn, str) and AWS_MANAGED_POLICY.match(arn):
        return {"arn": arn, "source": None, "document": None}
    raise RenderError(path, f"permissions boundary {arn!r} is not in this stack: its document is unknown")


def key_policies(resources: dict, place: Place) -> dict:
    """The key policy of each AWS::KMS::Key; without one, the default KMS applies.

    https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html: a key created
    through the API without a policy gets one statement allowing the account (root) kms:*.
    """
    found = {}
    for logical, resource in _of_type(resources, "AWS::KMS::Key").items():
        props = resource["Properties"]
        if props.get("KeyPolicy") is None:
            policy = {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
                "Sid": "Enable IAM User Permissions", "Effect": "Allow",
                "Principal": {"AWS": f"arn:{place.partition}:iam::{place.account_id}:root"},
                "Action": "kms:*", "Resource": "*"}]}
        else:
            policy = _document(props["KeyPolicy"], f"Resources.{logical}.Properties.KeyPolicy")
        found[logical] = {"arn": resource["Physical"]["Arn"], "key_id": resource["Physical"]["KeyId"], "policy": policy}
    return found


def functions(resources: dict) -> dict:
    found = {}
    for logical, resource in _of_type(resources, *FUNCTION_TYPES).items():
        props = resource["Properties"]
        found[logical] = {"name": resource["Physical"]["Ref"], "arn": resource["Physical"]["Arn"],
                          "role_arn": props.get("Role"),
                          "environment": dict(props.get("Environment", {}).get("Variables", {})),
                          "vpc_config": props.get("VpcConfig")}
    return found


def _permission_principal(principal: str, place: Place, path: str) -> Any:
    """The Principal element Lambda writes for AddPermission's Principal parameter."""
    if principal == "*":
        return "*"
    if re.fullmatch(r"\d{12}", principal):
        return {"AWS": f"arn:{place.partition}:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    if re.fullmatch(r"[a-z0-9.-]+\.(amazonaws\.com|amazon\.com|aws\.internal)", principal):
        return {"Service": principal}
    raise RenderError(path, f"principal {principal!r} is no account, ARN, service or '*'")


def lambda_permissions(resources: dict, place: Place) -> dict:
    """Each function's resource-based policy: one statement per AWS::Lambda::Permission.

    Lambda turns AddPermission's parameters into conditions (https://docs.aws.amazon.com/lambda/latest/
    api/API_AddPermission.html, https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html):
    SourceArn -> ArnLike AWS:SourceArn, SourceAccount -> StringEquals AWS:SourceAccount,
    PrincipalOrgID -> StringEquals aws:PrincipalOrgID, EventSourceToken -> StringEquals
    lambda:EventSourceToken, FunctionUrlAuthType -> StringEquals lambda:FunctionUrlAuthType,
    InvokedViaFunctionUrl -> Bool lambda:InvokedViaFunctionUrl "true".
    """
    by_reference: dict[str, tuple[str, dict]] = {}
    for logical, resource in _of_type(resources, *FUNCTION_TYPES).items():
        physical = resource["Physical"]
        by_reference[physical["Ref"]] = by_reference[physical["Arn"]] = (logical, physical)
        by_reference[f"{place.account_id}:function:{physical['Ref']}"] = (logical, physical)
    found: dict[str, dict] = {}
    for logical, resource in _of_type(resources, "AWS::Lambda::Permission").items():
        props, path = resource["Properties"], f"Resources.{logical}.Properties"
        reference = props.get("FunctionName")
        base, qualifier = reference, None
        if isinstance(reference, str) and reference not in by_reference and ":" in reference:
            base, qualifier = reference.rsplit(":", 1)
        if base not in by_reference:
            raise RenderError(child(path, "FunctionName"), f"function {reference!r} is not in this stack")
        function_logical, physical = by_reference[base]
        statement = {"Sid": resource["Physical"]["Ref"], "Effect": "Allow",
                     "Principal": _permission_principal(props.get("Principal", ""), place, child(path, "Principal")),
                     "Action": props.get("Action"),
                     "Resource": physical["Arn"] + (f":{qualifier}" if qualifier else "")}
        condition: dict[str, dict] = {}
        for prop, operator, key in (("SourceArn", "ArnLike", "AWS:SourceArn"),
                                    ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
                                    ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
                                    ("EventSourceToken", "StringEquals", "lambda:EventSourceToken"),
                                    ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType")):
            if props.get(prop) is not None:
                condition.setdefault(operator, {})[key] = props[prop]
        if props.get("InvokedViaFunctionUrl") in (True, "true"):
            condition.setdefault("Bool", {})["lambda:InvokedViaFunctionUrl"] = "true"
        if condition:
            statement["Condition"] = condition
        policy = found.setdefault(function_logical, {"Version": "2012-10-17", "Id": "default", "Statement": []})
        policy["Statement"].append(statement)
    return found


def saml_providers(resources: dict) -> dict:
    return {logical: {"arn": r["Physical"]["Arn"], "name": r["Physical"]["Arn"].split("/", 1)[1],
                      "metadata": r["Properties"].get("SamlMetadataDocument")}
            for logical, r in _of_type(resources, "AWS::IAM::SAMLProvider").items()}


def endpoints(resources: dict) -> dict:
    return {logical: {"id": r["Physical"]["Ref"], "service_name": r["Properties"].get("ServiceName"),
                      "vpc_id": r["Properties"].get("VpcId"), "subnet_ids": r["Properties"].get("SubnetIds", []),
                      "security_group_ids": r["Properties"].get("SecurityGroupIds", []),
                      "private_dns_enabled": r["Properties"].get("PrivateDnsEnabled"),
                      "dns_entries": r["Physical"].get("DnsEntries", [])}
            for logical, r in _of_type(resources, "AWS::EC2::VPCEndpoint").items()}
