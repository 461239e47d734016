"""template.yaml rendered for given parameter values: every resource resolved, and the IAM views.

    stack = render(parameters, account_id="123456789012", region="us-east-1", stack_name="studiogate")
    stack.roles["StudioUserRole"]["identity_policies"]   # [{name, source, document}, ...]

The template is read with cfn-lint's own decoder, so short tags (`!Sub`, `!If`, ...) read as
CloudFormation reads them. Then, in CloudFormation's order: parameters (defaults, types, allowed
values and patterns), Rules, Fn::ForEach (foreach.py), SAM Globals, conditions, and every resource
whose Condition holds, resolved (intrinsics.py) with physical values of AWS's shape (physical.py).
SAM is rendered only where it maps one-to-one (an AWS::Serverless::Function with its own Role):
a SAM feature that would generate resources (Policies, Events, FunctionUrlConfig...) raises.
"""

from __future__ import annotations

import copy
import pathlib
import re
from dataclasses import dataclass, field
from typing import Any

from cfnlint.decode import decode

from . import views
from .foreach import check_logical_ids, expand
from .intrinsics import NO_VALUE, RenderError, Resolver, child, is_intrinsic, scalar_text
from .physical import Ids, Place, physical_values

REPO = pathlib.Path(__file__).resolve().parents[3]
TEMPLATE = REPO / "template.yaml"
# SAM properties that make SAM generate resources or an implicit role this renderer would have to guess.
SAM_GENERATING = ("Policies", "Events", "FunctionUrlConfig", "AutoPublishAlias", "DeploymentPreference",
                  "PermissionsBoundary", "ProvisionedConcurrencyConfig", "EventInvokeConfig")


@dataclass
class RenderedStack:
    """One rendering. Every dict is plain JSON data; `copy()` gives an independent one to mutate."""

    place: Place
    parameters: dict
    conditions: dict
    resources: dict           # logical ID -> {Type, Condition, Properties (resolved), Physical}
    roles: dict               # logical ID -> {arn, name, trust_policy, identity_policies, ...}
    key_policies: dict        # logical ID -> {arn, key_id, policy}
    lambda_permissions: dict  # function logical ID -> resource-based policy document
    saml_providers: dict
    endpoints: dict
    functions: dict
    outputs: dict
    overrides: dict = field(default_factory=dict)

    def copy(self) -> "RenderedStack":
        return copy.deepcopy(self)

    def identity_policies(self, role: str) -> list[dict]:
        """The role's identity policies as the simulator takes them: [{name, policy}]."""
        return [{"name": p["name"], "policy": p["document"]} for p in self.roles[role]["identity_policies"]]


def load(template: str | pathlib.Path | dict = TEMPLATE) -> dict:
    """The template as plain data: decoded by cfn-lint from a path, or taken as given."""
    if isinstance(template, dict):
        return copy.deepcopy(template)
    parsed, matches = decode(str(template))
    if parsed is None or matches:
        raise RenderError(str(template), f"cfn-lint could not decode it: {matches}")
    return _plain(parsed)


def _plain(value: Any) -> Any:
    """cfn-lint's str_node/dict_node copies as str/dict/list (for deepcopy and JSON)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def _is_list_type(parameter_type: str) -> bool:
    return parameter_type == "CommaDelimitedList" or parameter_type.startswith("List<")


def parameter_values(declared: dict, given: dict) -> dict:
    """Given values and defaults, typed as Ref returns them (lists for list types, else strings).

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html:
    a CommaDelimitedList's members are space-trimmed; a Number is validated as a number but a Ref to
    it gives a string.
    """
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise RenderError("Parameters", f"values given for undeclared parameters {unknown}")
    values = {}
    for name, declaration in declared.items():
        path = f"Parameters.{name}"
        if name in given:
            raw = given[name]
        elif "Default" in declaration:
            raw = declaration["Default"]
        else:
            raise RenderError(path, "no value given and no Default")
        kind = declaration.get("Type", "String")
        if _is_list_type(kind):
            members = [str(m) for m in raw] if isinstance(raw, list) else [m.strip() for m in scalar_text(raw, path).split(",")]
            for member in members:
                _check_value(member, declaration, path)
            values[name] = members
        else:
            if isinstance(raw, list):
                raise RenderError(path, f"a {kind} parameter takes one value, got a list")
            value = scalar_text(raw, path)
            _check_value(value, declaration, path)
            values[name] = value
    return values


def _check_value(value: str, declaration: dict, path: str) -> None:
    allowed = declaration.get("AllowedValues")
    if allowed is not None and value not in [scalar_text(a, path) for a in allowed]:
        raise RenderError(path, f"{value!r} is not one of AllowedValues {allowed}")
    pattern = declaration.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise RenderError(path, f"{value!r} does not match AllowedPattern {pattern!r}")
    if declaration.get("Type") == "Number":
        try:
            number = float(value)
        except ValueError:
            raise RenderError(path, f"{value!r} is not a number") from None
        if "MinValue" in declaration and number < float(declaration["MinValue"]):
            raise RenderError(path, f"{value} is below MinValue {declaration['MinValue']}")
        if "MaxValue" in declaration and number > float(declaration["MaxValue"]):
            raise RenderError(path, f"{value} is above MaxValue {declaration['MaxValue']}")
    for bound, check in (("MinLength", lambda n: len(value) < n), ("MaxLength", lambda n: len(value) > n)):
        if bound in declaration and check(int(declaration[bound])):
            raise RenderError(path, f"{value!r} violates {bound} {declaration[bound]}")


def _merge_globals(defaults: Any, local: Any) -> Any:
    """SAM Globals: maps merge, lists add (globals first), anything else the resource's value wins.

    https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/
    sam-specification-template-anatomy-globals.html#sam-specification-template-anatomy-globals-overrideable
    """
    if isinstance(defaults, dict) and isinstance(local, dict) and not is_intrinsic(defaults) and not is_intrinsic(local):
        merged = copy.deepcopy(defaults)
        for key, value in local.items():
            merged[key] = _merge_globals(merged[key], value) if key in merged else value
        return merged
    if isinstance(defaults, list) and isinstance(local, list):
        return defaults + local
    return local


def _check_sam(resources: dict, globals_section: dict) -> None:
    for logical, resource in resources.items():
        kind, path = resource.get("Type", ""), f"Resources.{logical}"
        if not kind.startswith("AWS::Serverless::"):
            continue
        if kind != "AWS::Serverless::Function":
            raise RenderError(path, f"{kind} is not modelled (SAM would generate resources for it)")
        properties = _merge_globals(globals_section.get("Function", {}), resource.get("Properties", {}))
        resource["Properties"] = properties
        for prop in SAM_GENERATING:
            if prop in properties:
                raise RenderError(child(child(path, "Properties"), prop),
                                  f"SAM generates resources or an implicit role for {prop}: not supported")
        if "Role" not in properties:
            raise RenderError(child(path, "Properties"), "no Role: SAM would create an implicit role (not supported)")


def render(parameters: dict, *, account_id: str, region: str, stack_name: str, partition: str = "aws",
           url_suffix: str | None = None, overrides: dict | None = None,
           template: str | pathlib.Path | dict = TEMPLATE) -> RenderedStack:
    """Render the template for these parameter values and pseudo parameters."""
    source = load(template)
    place = Place(account_id=account_id, region=region, partition=partition, stack_name=stack_name,
                  url_suffix=url_suffix or ("amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"))
    pseudo = {"AWS::AccountId": account_id, "AWS::Region": region, "AWS::Partition": partition,
              "AWS::StackName": stack_name, "AWS::URLSuffix": place.url_suffix, "AWS::NotificationARNs": [],
              "AWS::StackId": f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/"
                              f"{Ids(stack_name, 'AWS::StackId').uuid()}"}
    values = parameter_values(source.get("Parameters", {}), parameters)
    overrides = copy.deepcopy(overrides or {})

    # Conditions and Rules may use only parameters; a first resolver without resources serves them
    # and the Fn::ForEach collections.
    early = Resolver(parameters=values, pseudo=pseudo, conditions={}, resources={}, physical=_no_physical,
                     mappings=source.get("Mappings"))
    conditions = expand(source.get("Conditions", {}), "Conditions", early.resolve)
    resources = expand(source.get("Resources", {}), "Resources", early.resolve)
    outputs = expand(source.get("Outputs", {}), "Outputs", early.resolve)
    check_logical_ids(resources)
    for logical in overrides:
        if logical not in resources:
            raise RenderError(f"overrides.{logical}", "no such resource in the template")
    _check_sam(resources, source.get("Globals", {}))

    physical_cache: dict[str, dict] = {}
    in_progress: set[str] = set()

    def physical(logical: str, path: str) -> dict:
        if logical in physical_cache:
            return physical_cache[logical]
        if logical in in_progress:
            raise RenderError(path, f"{logical}'s name depends on itself")
        in_progress.add(logical)
        try:
            properties = resources[logical].get("Properties", {})
            base = f"Resources.{logical}.Properties"

            def prop(name: str) -> Any:
                value = resolver.resolve(properties[name], child(base, name)) if name in properties else None
                return None if value is NO_VALUE else value

            found = physical_values(resources[logical].get("Type", ""), Ids(stack_name, logical), place, prop,
                                    overrides.get(logical))
        finally:
            in_progress.discard(logical)
        physical_cache[logical] = found or {}
        return physical_cache[logical]

    resolver = Resolver(parameters=values, pseudo=pseudo, conditions=conditions, resources=resources,
                        physical=physical, mappings=source.get("Mappings"))
    for name, rule in source.get("Rules", {}).items():
        _check_rule(resolver, name, rule)
    condition_values = {name: resolver.condition(name, f"Conditions.{name}") for name in conditions}

    rendered: dict[str, dict] = {}
    for logical, resource in resources.items():
        if not resolver.resource_active(logical):
            continue
        properties = resolver.resolve(resource.get("Properties", {}), f"Resources.{logical}.Properties")
        rendered[logical] = {"Type": resource.get("Type"), "Condition": resource.get("Condition"),
                             "Properties": properties, "Physical": physical(logical, f"Resources.{logical}")}

    output_values = {}
    for name, output in outputs.items():
        if "Condition" in output and not resolver.condition(output["Condition"], f"Outputs.{name}.Condition"):
            continue
        output_values[name] = resolver.resolve(output.get("Value"), f"Outputs.{name}.Value")

    return RenderedStack(
        place=place, parameters=values, conditions=condition_values, resources=rendered,
        roles=views.roles(rendered), key_policies=views.key_policies(rendered, place),
        lambda_permissions=views.lambda_permissions(rendered, place), saml_providers=views.saml_providers(rendered),
        endpoints=views.endpoints(rendered), functions=views.functions(rendered), outputs=output_values,
        overrides=overrides)


def _no_physical(logical: str, path: str) -> dict:
    raise RenderError(path, f"{logical}: a resource cannot be used here (only parameters)")


def _check_rule(resolver: Resolver, name: str, rule: dict) -> None:
    """A Rule whose assertion fails stops the deployment, so it stops the rendering too."""
    path = f"Rules.{name}"
    if "RuleCondition" in rule and not resolver.evaluate_condition(rule["RuleCondition"], child(path, "RuleCondition")):
        return
    for i, assertion in enumerate(rule.get("Assertions", [])):
        where = child(child(path, "Assertions"), i)
        if not resolver.evaluate_condition(assertion["Assert"], child(where, "Assert")):
            raise RenderError(where, f"rule assertion fails: {assertion.get('AssertDescription', '')}")


__all__ = ["RenderError", "RenderedStack", "TEMPLATE", "load", "render"]
