"""Authorization: every emulated call is the IAM request AWS would make of it, and
@cloud-copilot/iam-simulate (tests/iam, one Node process) decides it. Nothing here evaluates a policy.

What this module does is assemble the request as AWS would:
- the principal: the operator (an IAM user with an AdministratorAccess-like policy), a session the
  emulator issued (a function's role session, a federated AssumeRoleWithSAML session or an
  AssumeRole session, in its role's account), with the role's identity policies and permissions
  boundary as IAM holds them now (moto's IAM backend of that account),
  the session's principal tags, source identity and session policy;
- the action and resource (operations.py), the resource's tags and resource policy;
- the request context: the principal's global keys (studiogate_iam.context.RoleSession), the network
  keys of the listener the request came in on (aws:SourceIp, or aws:SourceVpce/aws:SourceVpc/
  aws:VpcSourceIp), and the service keys the Service Authorization Reference lists for the action
  (the same rule as studiogate_iam.context.for_action, plus: tag keys only where listed).

A denial raises `Denied` with AWS's message; a request the simulator calls invalid (unknown action,
a resource that is no resource type of the action, a context key that does not apply) raises
`AuthorizationFailed`, which the server answers with HTTP 500: never allowed, never guessed.
"""

from __future__ import annotations

import copy
import datetime
import functools
import ipaddress
import json
import pathlib
import sys
import threading
from dataclasses import dataclass, field

REPO = pathlib.Path(__file__).resolve().parents[3]
if str(REPO / "tests" / "iam") not in sys.path:
    sys.path.insert(0, str(REPO / "tests" / "iam"))

from studiogate_iam.context import RoleSession, SamlAssertion, network as network_keys  # noqa: E402
from studiogate_iam.simulator import Decision, Simulator  # noqa: E402

from .iamrequest import IamRequest  # noqa: E402

ACCOUNT_ID = "123456789012"
# The well-known operator: an IAM user of the emulated account, authorized like anyone else.
OPERATOR_ACCESS_KEY = "AKIAEMULATOROPERATOR"
OPERATOR_SECRET = "emulator-operator-secret"  # not checked: SigV4 signatures are not verified
OPERATOR_NAME = "emulator-operator"
OPERATOR_ARN = f"arn:aws:iam::{ACCOUNT_ID}:user/{OPERATOR_NAME}"
OPERATOR_USER_ID = "AIDAEMULATOROPERATOR1"
ADMINISTRATOR_ACCESS = {"Version": "2012-10-17",
                        "Statement": [{"Sid": "AdministratorAccess", "Effect": "Allow", "Action": "*", "Resource": "*"}]}

_DENIED_IN = {"identity": "an identity-based policy", "resource": "a resource-based policy",
              "pb": "a permissions boundary", "session": "a session policy"}
_NOTHING_ALLOWS = {"identity": "no identity-based policy", "resource": "no resource-based policy",
                   "pb": "no permissions boundary", "session": "no session policy"}


# ---------------------------------------------------------------------------- networks
@dataclass(frozen=True)
class Network:
    """Where a request comes from: the keys AWS sets for it (context.network())."""

    name: str                      # "internet", "corporate", or an endpoint key ("sagemaker.api", "sts", ...)
    kwargs: dict = field(default_factory=dict)  # network() arguments
    endpoint_id: str | None = None
    service: str | None = None     # for an interface endpoint: the signing name it serves

    def keys(self) -> dict:
        return network_keys(**self.kwargs)

    def describe(self) -> dict:
        return {"name": self.name, **self.keys()}


def host_in(cidr: str, offset: int) -> str:
    """An address of the network (offset from its start, kept inside it)."""
    net = ipaddress.ip_network(cidr, strict=False)
    return str(net.network_address + min(offset, max(net.num_addresses - 2, 1)))


# ---------------------------------------------------------------------------- principals
class Principal:
    arn: str            # as AWS names the caller in messages ("User: ARN is not authorized...")
    account_id: str

    def context(self, region: str, network: Network) -> dict:
        raise NotImplementedError

    def policies(self) -> tuple[list[dict], list[dict] | None, dict | None]:
        """(identity policies [{name, policy}], permissions boundaries or None, session policy or None)."""
        raise NotImplementedError

    def describe(self) -> dict:
        raise NotImplementedError


class Operator(Principal):
    """The account's administrator for tests and seeding: the IAM user `emulator-operator` with an
    AdministratorAccess-like identity policy (Allow * on *). Not stored in moto's IAM (ListUsers does
    not show it). It is authorized like any principal: the simulator applies its policy and every
    resource policy (it cannot GenerateMac with the seal key, whose key policy does not allow the
    account to use it)."""

    arn = OPERATOR_ARN
    account_id = ACCOUNT_ID
    access_key_id = OPERATOR_ACCESS_KEY

    def context(self, region: str, network: Network) -> dict:
        now = datetime.datetime.now(datetime.timezone.utc)
        return {"aws:PrincipalArn": self.arn, "aws:PrincipalAccount": self.account_id, "aws:PrincipalType": "User",
                "aws:userid": OPERATOR_USER_ID, "aws:username": OPERATOR_NAME, "aws:RequestedRegion": region,
                "aws:SecureTransport": "true", "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "aws:EpochTime": str(int(now.timestamp())), **network.keys()}

    def policies(self):
        return [{"name": "AdministratorAccess", "policy": ADMINISTRATOR_ACCESS}], None, None

    def describe(self) -> dict:
        return {"kind": "operator", "arn": self.arn, "access_key_id": self.access_key_id}


OPERATOR = Operator()


_BACKENDS: dict = {}


def backend(service: str, account_id: str, region: str = "global"):
    """moto's backend of a service, account and region, kept: moto's own lookup scans every backend
    dictionary it has made (~0.5 ms), and a call needs several. Backends are reset in place, so the
    objects stay valid; clear_backends() drops them anyway on the emulator's reset."""
    key = (service, account_id, region)
    found = _BACKENDS.get(key)
    if found is None:
        if service == "iam":
            from moto.iam.models import iam_backends as backends
        elif service == "kms":
            from moto.kms.models import kms_backends as backends
        elif service == "dynamodb":
            from moto.dynamodb.models import dynamodb_backends as backends
        elif service == "secretsmanager":
            from moto.secretsmanager.models import secretsmanager_backends as backends
        else:
            raise ValueError(service)
        found = _BACKENDS[key] = backends[account_id][region]
    return found


def clear_backends() -> None:
    _BACKENDS.clear()


@functools.lru_cache(maxsize=512)
def _document(text: str) -> dict:
    from urllib.parse import unquote

    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def _policy(text) -> dict:
    # Cached parse; callers get their own copy only when they change it.
    return _document(text) if isinstance(text, str) else text


class Session(Principal):
    """A role session the emulator issued (IssuedCredentials): a function's role or a federated
    role. Its policies are read from IAM (moto) at each call, so a policy changed through the IAM API
    applies at once."""

    def __init__(self, creds) -> None:
        self.creds = creds
        self.arn = creds.assumed_role_arn
        self.account_id = creds.account_id

    def _role(self):
        try:
            return backend("iam", self.account_id).get_role(self.creds.role_name)
        except Exception:  # the role was deleted: the session keeps only what its policies allow (nothing)
            return None

    def context(self, region: str, network: Network) -> dict:
        role = self._role()
        self._cached_role = role
        role_tags = {t["Key"]: t["Value"] for t in (role.tags if role is not None else [])}
        session = RoleSession(self.creds.role_arn, self.creds.session_name, role_id=self.creds.role_id,
                              session_tags=dict(self.creds.principal_tags), role_tags=role_tags,
                              source_identity=self.creds.source_identity)
        keys = session.context(region=region, **network.kwargs)
        keys["aws:TokenIssueTime"] = datetime.datetime.fromtimestamp(self.creds.issued_at, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return keys

    def policies(self):
        role = getattr(self, "_cached_role", None) or self._role()
        if role is None:
            return [], None, self.creds.session_policy
        identity = [{"name": name, "policy": _policy(text)} for name, text in role.policies.items()]
        for arn, managed in role.managed_policies.items():
            identity.append({"name": managed.name, "policy": _policy(_default_version(managed))})
        boundaries = None
        if role.permissions_boundary_arn:
            iam = backend("iam", self.account_id)
            managed = iam.managed_policies.get(role.permissions_boundary_arn) or \
                {p.arn: p for p in iam.aws_managed_policies}.get(role.permissions_boundary_arn)
            if managed is None:
                raise AuthorizationFailed(f"the permissions boundary {role.permissions_boundary_arn} of {role.name} does not exist", {})
            boundaries = [{"name": managed.name, "policy": _policy(_default_version(managed))}]
        return identity, boundaries, self.creds.session_policy

    def describe(self) -> dict:
        return self.creds.describe()


def _default_version(managed) -> str:
    for version in managed.versions:
        if version.is_default:
            return version.document
    return managed.versions[-1].document


# ---------------------------------------------------------------------------- outcomes
class Denied(Exception):
    """An implicit or explicit denial: AWS's message, and the log entry."""

    def __init__(self, message: str, entry: dict):
        super().__init__(message)
        self.message = message
        self.entry = entry


class AuthorizationFailed(Exception):
    """The simulator refused the request as invalid, or the emulator could not build it."""

    def __init__(self, message: str, entry: dict):
        super().__init__(message)
        self.message = message
        self.entry = entry


class _Simulator(Simulator):
    """The shared simulator with the Service Authorization Reference rows cached (they never change)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, dict] = {}

    def describe(self, action: str) -> dict:
        row = self._rows.get(action)
        if row is None:
            row = self._rows[action] = super().describe(action)
        return row


_SIMULATOR: _Simulator | None = None
_SIMULATOR_LOCK = threading.Lock()


def simulator() -> _Simulator:
    global _SIMULATOR
    with _SIMULATOR_LOCK:
        if _SIMULATOR is None:
            _SIMULATOR = _Simulator()
        return _SIMULATOR


def denial_message(principal_arn: str, action: str, resource: str, decision: Decision, has_resource_policy: bool) -> str:
    """AWS's form: "User: ARN is not authorized to perform: ACTION on resource: ARN because no
    identity-based policy allows the ACTION action" / "... with an explicit deny in an identity-based
    policy" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
    Which policy type the message names is taken from the simulator's denial reasons."""
    on = "" if resource == "*" else f" on resource: {resource}"
    head = f"User: {principal_arn} is not authorized to perform: {action}{on}"
    if decision.decision == "ExplicitlyDenied":
        kinds = [s.kind for s in decision.deciding if s.effect == "Deny"] or ["identity"]
        return f"{head} with an explicit deny in {_DENIED_IN.get(kinds[0], 'a policy')}"
    implicit = list(decision.raw.get("implicitDenials") or ["identity"])
    if "session" in implicit:
        kind = "session"
    elif "pb" in implicit:
        kind = "pb"
    elif has_resource_policy and "resource" in implicit and ("identity" not in implicit or action.startswith("kms:")):
        kind = "resource"  # KMS: the key policy decides (identity policies count only when it lets them)
    else:
        kind = "identity" if "identity" in implicit else implicit[0]
    return f"{head} because {_NOTHING_ALLOWS.get(kind, 'no policy')} allows the {action} action"


def _entry(decision: Decision | None, request: IamRequest, principal_arn: str, context: dict) -> dict:
    entry = {"decision": decision.decision if decision else None, "action": request.action, "resource": request.resource,
             "principal": principal_arn,
             "deciding": [{"policy": s.policy, "sid": s.sid, "effect": s.effect, "kind": s.kind, "index": s.index}
                          for s in (decision.deciding if decision else ())],
             "context_keys": context}
    if request.why:
        entry["why"] = request.why
    if decision is not None and not decision.allowed:
        entry["explanation"] = decision.explain()
    return entry


class Authorizer:
    """Evaluates IAM requests with the simulator; one per emulator."""

    def __init__(self) -> None:
        self.sim = simulator()

    def warm(self) -> None:
        """Starts the Node process and loads the reference rows the hot paths use."""
        self.sim.version()
        for action in ("sagemaker:CreatePresignedDomainUrl", "sts:AssumeRoleWithSAML", "dynamodb:PutItem", "kms:GenerateMac"):
            self.sim.describe(action)

    # ----- the request context
    def applicable(self, action: str, resource_type: str | None, known: dict) -> dict:
        """The keys of `known` AWS sets for this action on this resource type: what the Service
        Authorization Reference lists for the action (its row, and its resource type's tag keys), as
        studiogate_iam.context.for_action() keeps them, and the global aws: keys, except the tag keys
        (aws:RequestTag/*, aws:TagKeys, aws:ResourceTag/*), which exist only where the reference lists
        them (else iam-simulate drops them and the strict bridge refuses)."""
        row = self.sim.describe(action)
        listed = {key.lower() for key in row["conditionKeys"]}
        if resource_type is not None:
            for rt in row["resourceTypes"]:
                if rt["name"] == resource_type:
                    listed |= {key.lower() for key in rt["conditionKeys"]}
                    listed |= {key.lower() for key in rt["resourceTypeConditionKeys"] if "resourcetag/" in key.lower()}
                    break
            else:
                raise AuthorizationFailed(f"{action} has no resource type {resource_type} in the Service Authorization Reference "
                                          f"(the emulator's mapping is wrong)", {})
        prefixes = {key.split("${", 1)[0] for key in listed if "${" in key}

        def keep(key: str) -> bool:
            low = key.lower()
            if low in listed or any(low.startswith(prefix) for prefix in prefixes):
                return True
            if low.startswith(("aws:requesttag/", "aws:resourcetag/")) or low == "aws:tagkeys":
                return False
            return low.startswith("aws:")

        return {key: value for key, value in known.items() if keep(key)}

    def _context(self, principal: Principal, request: IamRequest, region: str, network: Network) -> dict:
        keys = dict(request.keys)
        prefix = request.action.split(":", 1)[0]
        for tag, value in request.resource_tags.items():
            keys[f"aws:ResourceTag/{tag}"] = value
            keys[f"{prefix}:ResourceTag/{tag}"] = value
        if prefix == "kms":
            keys["kms:CallerAccount"] = principal.account_id
        return {**principal.context(region, network), **self.applicable(request.action, request.resource_type, keys)}

    # ----- decisions
    def evaluate(self, principal: Principal, request: IamRequest, region: str, network: Network) -> dict:
        """One request: returns its log entry if allowed, raises Denied or AuthorizationFailed."""
        if request.not_evaluated:
            return {"decision": "NotEvaluated", "action": request.action, "resource": request.resource,
                    "principal": principal.arn, "reason": request.not_evaluated, "deciding": [], "context_keys": {}}
        try:
            context = self._context(principal, request, region, network)
        except AuthorizationFailed as failure:
            raise AuthorizationFailed(failure.message, _entry(None, request, principal.arn, {})) from None
        identity, boundaries, session_policy = principal.policies()
        decision = self.sim.evaluate(principal.arn, request.action, request.resource, context, identity,
                                     request.resource_policy, permission_boundaries=boundaries, session_policy=session_policy,
                                     resource_account=request.resource_account)
        entry = _entry(decision, request, principal.arn, context)
        if decision.errors:
            entry["errors"] = list(decision.errors)
            raise AuthorizationFailed("the IAM simulator refused the request: " + "; ".join(decision.errors), entry)
        if request.resource_type and decision.resource_type and decision.resource_type != request.resource_type:
            raise AuthorizationFailed(f"{request.resource} is a {decision.resource_type}, not the {request.resource_type} "
                                      f"the emulator's mapping says", entry)
        if not decision.allowed:
            message = request.denial.format(principal=principal.arn) if request.denial else denial_message(
                principal.arn, request.action, request.resource, decision, request.resource_policy is not None)
            raise Denied(message, entry)
        return entry

    def authorize(self, principal: Principal, requests: list[IamRequest], region: str, network: Network) -> dict:
        """All requests of one call, in order; the call log's `authorization` (the first request's
        entry, with every request under `requests` when there are several)."""
        entries = []
        for request in requests:
            try:
                entries.append(self.evaluate(principal, request, region, network))
            except (Denied, AuthorizationFailed) as outcome:
                outcome.entry = summary(entries + [outcome.entry], network)
                raise
        return summary(entries, network)

    # ----- AssumeRoleWithSAML
    def authorize_saml(self, provider_arn: str, role, assertion: SamlAssertion, region: str, network: Network) -> dict:
        """STS authorizes sts:AssumeRoleWithSAML against the role's trust policy with the SAML keys,
        sts:TagSession when the assertion sets session tags, sts:SetSourceIdentity when it sets a
        SourceIdentity (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html,
        .../id_credentials_temp_control-access_monitor.html). The principal is the SAML provider.

        SetSourceIdentity: STS evaluates it with the same request context as AssumeRoleWithSAML (AWS's
        own example trust policy allows it under SAML:aud). The reference lists no SAML key for it, so
        iam-simulate would drop SAML:aud and deny. The emulator therefore asks the simulator twice:
        once for sts:SetSourceIdentity as the reference defines it, to learn which trust-policy
        statements the action reaches (`actionMatched`), then for those statements alone, with their
        Action set to sts:AssumeRoleWithSAML, under the AssumeRoleWithSAML context (SAML keys,
        sts:SourceIdentity, tags). The simulator decides both; the log shows both."""
        trust = _policy(role.assume_role_policy_document)
        named = {"name": f"trust policy of {role.name}", "policy": trust}
        role_tags = {t["Key"]: t["Value"] for t in role.tags}
        entries = []

        def ask(action: str, policy: dict, context: dict) -> Decision:
            decision = self.sim.evaluate(provider_arn, action, role.arn, context, [], policy)
            if decision.errors:
                entry = _entry(decision, IamRequest(action, role.arn, "role"), provider_arn, context)
                entry["errors"] = list(decision.errors)
                raise AuthorizationFailed("the IAM simulator refused the request: " + "; ".join(decision.errors),
                                          summary(entries + [entry], network))
            return decision

        def context_for(action: str) -> dict:
            keys = {**assertion.context(action, region=region), **network.keys()}
            for tag, value in role_tags.items():
                keys[f"aws:ResourceTag/{tag}"] = keys[f"iam:ResourceTag/{tag}"] = value
            return self.applicable(action, "role", keys)

        def record(decision: Decision, action: str, context: dict, **extra) -> None:
            entry = {**_entry(decision, IamRequest(action, role.arn, "role"), provider_arn, context), **extra}
            entries.append(entry)
            if not decision.allowed:
                raise Denied(f"Not authorized to perform {action}", summary(entries, network))

        context = context_for("sts:AssumeRoleWithSAML")
        record(ask("sts:AssumeRoleWithSAML", named, context), "sts:AssumeRoleWithSAML", context)
        if assertion.session_tags:
            tag_context = context_for("sts:TagSession")
            record(ask("sts:TagSession", named, tag_context), "sts:TagSession", tag_context)
        if assertion.source_identity is not None:
            reference_context = context_for("sts:SetSourceIdentity")
            reference = ask("sts:SetSourceIdentity", named, reference_context)
            matched = sorted({m["index"] for m in reference.raw.get("actionMatched", []) if m["kind"] == "resource"})
            if not matched:
                record(reference, "sts:SetSourceIdentity", reference_context)
            else:
                statements = trust["Statement"] if isinstance(trust["Statement"], list) else [trust["Statement"]]
                projected = []
                for index in matched:
                    statement = copy.deepcopy(statements[index - 1])
                    statement.pop("NotAction", None)
                    statement["Action"] = "sts:AssumeRoleWithSAML"
                    projected.append(statement)
                policy = {"name": f"trust policy of {role.name} (its sts:SetSourceIdentity statements)",
                          "policy": {"Version": trust.get("Version", "2012-10-17"), "Statement": projected}}
                decision = ask("sts:AssumeRoleWithSAML", policy, context)
                renumbered = Decision(decision.decision, decision.allowed,
                                      tuple(type(s)(s.kind, named["name"], s.sid, matched[s.index - 1] if s.index else None, s.effect)
                                            for s in decision.deciding),
                                      decision.errors, decision.near_misses, decision.resource_type, decision.raw)
                record(renumbered, "sts:SetSourceIdentity", context,
                       evaluated_as={"action": "sts:AssumeRoleWithSAML", "statements": matched,
                                     "reference_decision": reference.decision,
                                     "why": "STS evaluates sts:SetSourceIdentity with the AssumeRoleWithSAML context "
                                            "(SAML keys); the reference, and so iam-simulate, lists none for it"})
        return summary(entries, network)


def summary(entries: list[dict], network: Network) -> dict:
    """The call log's `authorization`: the deciding request's entry (the denied one, else the first),
    the network, and every request when there were several."""
    if not entries:
        return {"decision": None, "network": network.describe()}
    deciding = next((e for e in entries if e.get("decision") not in ("Allowed", "NotEvaluated")), entries[0])
    out = {**deciding, "network": network.describe()}
    if len(entries) > 1:
        out["requests"] = entries
    return out
