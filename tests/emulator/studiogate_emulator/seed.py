"""Creates a world: the stack of template.yaml, rendered, and the world-only fixtures around it.

`stack` (optional) names the template (a path relative to the repository root, or absolute), a
parameter set of tests/iam/studiogate_iam/params.py ("local") with optional parameter changes, the
`saml_providers` entry whose metadata is the IdP's (the template's IdpMetadata), and `acs_url`, the
ACS URL the function URL serves (default: the local stack's, testidp.ACS_URL). Seeding renders
the template once, with the IDs the emulator creates as overrides, and creates what the rendering
says, through the emulator's own API as the operator (every call authorized like any other):

- the KMS HMAC seal key (CreateKey, then the world's alias, then PutKeyPolicy with the rendered key
  policy: after it the account can no longer create aliases for the key, as in AWS);
- the IAM SAML provider, every role with its rendered trust policy and identity policies;
- the replay table, the SSM parameters the stack creates;
- the functions (not run here: their ARNs, roles and rendered function policies are recorded for
  lambda:InvokeFunction), and a session of each function's role, named after the function, whose
  credentials the answer gives (`function_credentials`), as Lambda gives a function its role's;
- the interface endpoints: one listener each (IDs from the rendering).

World-only fixtures: `saml_providers`, `roles` (`saml_provider` or `service`, `max_session_duration`,
optional `account_id`; or `like`: a stack role's logical ID, whose rendered trust and identity
policies the role gets, "a second role made like the stack's example role"), `lifecycle_configs`,
`sagemaker_domains`, `emr_studios` (optional `tags`), `dynamodb_tables`, `ssm_parameters`,
`kms_mac_keys`, `secrets` (Secrets Manager, created before the stack, which may name them). Paths are relative to the world file. Fixtures in another account are created
in-process (the operator administers 123456789012 only). `spoke`: a spoke account with
template-spoke.yaml deployed in it, after the hub and with its outputs (spoke.py).

Returns the ARNs and IDs created, keyed by the names the world file gives, plus `stack`,
`function_credentials`, `endpoints`, `networks`, `operator` and `spoke` (when the world has one).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import pathlib
import re
import time

import boto3
from moto.iam.models import iam_backends

from .iam import ACCOUNT_ID, OPERATOR_ACCESS_KEY, OPERATOR_ARN, OPERATOR_SECRET, REPO
from .spoke import seed_spoke
from .sts import IssuedCredentials
from .testidp import ACS_URL

VPC = {"VpcId": "vpc-0studiogate0local", "SubnetIds": ["subnet-0studiogate0a"], "SecurityGroupId": "sg-0studiogate0local"}
FUNCTION_CREDENTIALS_SECONDS = 7 * 24 * 3600
# Endpoint service -> the name of its listener and the signing name of the API it serves (None: browser only).
_ENDPOINT_OUTPUTS = {"SageMakerApiEndpointId": "sagemaker.api", "StsEndpointId": "sts", "SsmEndpointId": "ssm",
                     "KmsEndpointId": "kms", "SageMakerStudioEndpointId": "studio", "DynamoDbEndpointId": "dynamodb"}


class SeedError(ValueError):
    """The world file asks for something that cannot be made."""


def _each(tasks: list) -> None:
    for task in tasks:
        task()


_CLIENTS: dict = {}


def _client(endpoint: str, service: str):
    # Building a boto3 client costs ~0.2 s; seeding runs before every test, so keep them.
    key = (endpoint, service)
    if key not in _CLIENTS:
        session = boto3.session.Session(aws_access_key_id=OPERATOR_ACCESS_KEY, aws_secret_access_key=OPERATOR_SECRET,
                                        region_name="us-east-1")
        _CLIENTS[key] = session.client(service, endpoint_url=endpoint)
    return _CLIENTS[key]


def _read(base_dir: str, path: str) -> str:
    with open(os.path.join(base_dir, path), encoding="utf-8") as handle:
        return handle.read()


def idp_metadata(entity_id: str, certificate_pem: str) -> str:
    """IdP metadata with one signing certificate, as an IdP would publish it."""
    body = "".join(line for line in certificate_pem.splitlines() if not line.startswith("-----"))
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
        f"<ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def _metadata_of(provider: dict, base_dir: str) -> str:
    if "metadata_file" in provider:
        return _read(base_dir, provider["metadata_file"])
    return idp_metadata(provider["entity_id"], _read(base_dir, provider["certificate_file"]))


def endpoint_key(service_name: str, region: str = "us-east-1") -> str:
    """com.amazonaws.us-east-1.sagemaker.api -> "sagemaker.api"; aws.sagemaker.us-east-1.studio -> "studio"."""
    if service_name == f"aws.sagemaker.{region}.studio":
        return "studio"
    return service_name.removeprefix(f"com.amazonaws.{region}.")


def _signing_name(key: str) -> str | None:
    # The API an endpoint serves, by the SigV4 signing name of its requests (Studio serves browsers only).
    return None if key == "studio" else {"sagemaker.api": "sagemaker"}.get(key, key.split(".", 1)[0])


def function_credentials(role_arn: str, role_id: str, function: str, now: float) -> IssuedCredentials:
    """A session of the function's role named after the function, as Lambda runs it. Derived from the
    role ARN and the function name, so a reset and a new seed give a running local stack the same keys
    back (the emulator accepts them only while it has issued them)."""
    digest = hashlib.sha256(f"studiogate-emulator\0{role_arn}\0{function}".encode()).digest()
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    path = role_arn.split(":role", 1)[1][: -len(name)]
    return IssuedCredentials(
        access_key_id="ASIA" + digest[:8].hex().upper(),
        secret_access_key=base64.b64encode(digest[8:38]).decode(),
        session_token=base64.urlsafe_b64encode(hashlib.sha512(digest).digest()).decode().rstrip("="),
        expiration=now + FUNCTION_CREDENTIALS_SECONDS, account_id=account, role_name=name, role_id=role_id,
        session_name=function, source_identity=None, principal_tags={}, principal="function", role_path=path, issued_at=now)


def _render(spec: dict, metadata: str, seal_key_id: str | None):
    from studiogate_iam import params

    template = pathlib.Path(spec.get("template", "template.yaml"))
    template = template if template.is_absolute() else REPO / template
    parameter_set = params.BY_NAME.get(spec.get("parameter_set", "local"))
    if parameter_set is None:
        raise SeedError(f"stack.parameter_set {spec.get('parameter_set')!r} is not one of {sorted(params.BY_NAME)}")
    parameter_set = parameter_set.with_parameters(parameter_set.name + "+emulator", IdpMetadata=metadata,
                                                  **spec.get("parameters", {}))
    overrides = {"PresignSealKey": {"Ref": seal_key_id}} if seal_key_id else {}
    # The function URL the local ACS is served at (the Lambda service's /lambda-url/saml-validator/):
    # the stack's ACS URL, so the trust policy's SAML:aud and the acs-url parameter name it.
    acs_url = spec.get("acs_url", ACS_URL)
    if not acs_url.endswith("/saml/acs"):
        raise SeedError(f"stack.acs_url must end with /saml/acs (the function URL + saml/acs); got {acs_url!r}")
    overrides["SamlValidatorUrl"] = {"FunctionUrl": acs_url.removesuffix("saml/acs")}
    return parameter_set.render(overrides=overrides, template=template)


def _seed_stack(app, spec: dict, providers: dict, base_dir: str) -> dict:
    endpoint = app.endpoint
    iam, kms = _client(endpoint, "iam"), _client(endpoint, "kms")
    if spec.get("idp") not in providers:
        raise SeedError(f"stack.idp must name a saml_providers entry (the IdP whose metadata the stack gets); got {spec.get('idp')!r}")
    metadata = _metadata_of(providers[spec["idp"]], base_dir)

    # The seal key first: the roles' policies name its ARN, so the rendering needs its ID.
    seal_alias = spec.get("seal_key_alias")
    key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC",
                            Description="studiogate seals presign requests")["KeyMetadata"]["KeyId"]
    if seal_alias:
        kms.create_alias(AliasName=seal_alias, TargetKeyId=key_id)
    stack = _render(spec, metadata, key_id)
    seal = stack.resources["PresignSealKey"]["Properties"]
    if (seal.get("KeySpec"), seal.get("KeyUsage")) != ("HMAC_256", "GENERATE_VERIFY_MAC"):
        raise SeedError(f"the template's PresignSealKey is {seal.get('KeySpec')}/{seal.get('KeyUsage')}; the emulator made HMAC_256")

    made: dict = {"template": str(spec.get("template", "template.yaml")), "parameter_set": spec.get("parameter_set", "local"),
                  "saml_providers": {}, "roles": {}, "functions": {}, "endpoints": {}, "kms_keys": {}, "outputs": stack.outputs}
    for logical, provider in stack.saml_providers.items():
        props = stack.resources[logical]["Properties"]
        # CloudFormation resolves a secretsmanager dynamic reference with the deployer's permissions.
        extra = {key: resolve_dynamic_references(endpoint, props[key])
                 for key in ("AddPrivateKey", "AssertionEncryptionMode") if props.get(key)}
        arn = iam.create_saml_provider(Name=provider["name"], SAMLMetadataDocument=provider["metadata"],
                                       **extra)["SAMLProviderArn"]
        made["saml_providers"][logical] = arn
        if provider["name"] != spec["idp"]:
            raise SeedError(f"the rendered SAML provider is {provider['name']!r}, the world's IdP {spec['idp']!r}")

    tasks = [lambda role=role, logical=logical: _create_role(
        iam, role["name"], role["arn"], role["trust_policy"], stack.resources[logical]["Properties"],
        stack.identity_policies(logical), role["aws_managed_policy_arns"]) for logical, role in stack.roles.items()]
    made["roles"] = {logical: {"name": role["name"], "arn": role["arn"]} for logical, role in stack.roles.items()}
    tasks += [lambda logical=logical, resource=resource: _create_storage(endpoint, logical, resource, made)
              for logical, resource in stack.resources.items()
              if resource["Type"] in ("AWS::DynamoDB::Table", "AWS::SSM::Parameter")]
    _each(tasks)

    for logical, key in stack.key_policies.items():
        if key["key_id"] != key_id:
            raise SeedError(f"{logical}: the emulator creates only the seal key")
        # After the roles exist (KMS refuses principals it cannot see), and after the alias (the key
        # policy lets the account administer the key but not create aliases).
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(key["policy"]))
        made["kms_keys"][logical] = {"key_id": key_id, "arn": key["arn"], "alias": seal_alias}

    now = time.time()
    credentials = {}
    for logical, function in stack.functions.items():
        role = app.moto_role(function["role_arn"])
        app.functions[function["name"]] = {"name": function["name"], "arn": function["arn"], "role_arn": function["role_arn"],
                                           "policy": stack.lambda_permissions.get(logical), "logical": logical}
        creds = function_credentials(function["role_arn"], role.id, function["name"], now)
        app.credentials.add(creds)
        credentials[function["name"]] = {"access_key_id": creds.access_key_id, "secret_access_key": creds.secret_access_key,
                                         "session_token": creds.session_token, "arn": creds.assumed_role_arn,
                                         "expiration": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(creds.expiration))}
        made["functions"][function["name"]] = {"arn": function["arn"], "role_arn": function["role_arn"], "logical": logical,
                                              "has_function_policy": logical in stack.lambda_permissions}

    # Interface endpoints: the stack's own (service names from the rendering) and existing ones it is given.
    # Requests through an endpoint come from an address in the VPC's (first) CIDR block.
    vpc_id, vpc_cidr = stack.parameters.get("VpcId"), (stack.parameters.get("VpcCidrs") or ["10.0.0.0/16"])[0]
    found = {endpoint_key(e["service_name"], stack.place.region): {"id": e["id"], "vpc_id": e["vpc_id"], "logical": logical,
                                                                  "service_name": e["service_name"]}
             for logical, e in stack.endpoints.items()}
    for output, key in _ENDPOINT_OUTPUTS.items():
        if output in stack.outputs and key not in found:
            found[key] = {"id": stack.outputs[output], "vpc_id": vpc_id, "logical": None, "service_name": None}
    for key, found_endpoint in found.items():
        app.endpoints[key] = {**found_endpoint, "vpc_cidr": vpc_cidr, "service": _signing_name(key)}
        app.listen(key)
        made["endpoints"][key] = {"id": found_endpoint["id"], "vpc_id": found_endpoint["vpc_id"]}
    return {"stack": made, "rendered": stack, "function_credentials": credentials}


_DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:(?P<id>[^:}]+)(?::SecretString(?::(?P<key>[^:}]*))?"
                             r"(?::(?P<stage>[^:}]*))?(?::(?P<version>[^:}]*))?)?\}\}")


def resolve_dynamic_references(endpoint: str, value: str) -> str:
    """`{{resolve:secretsmanager:ID[:SecretString[:JSON_KEY[:STAGE[:VERSION_ID]]]]}}` replaced by the
    secret's value, as CloudFormation does when it creates the resource."""
    def secret(match: re.Match) -> str:
        params = {"SecretId": match["id"]}
        if match["version"]:
            params["VersionId"] = match["version"]
        elif match["stage"]:
            params["VersionStage"] = match["stage"]
        text = _client(endpoint, "secretsmanager").get_secret_value(**params)["SecretString"]
        return json.loads(text)[match["key"]] if match["key"] else text
    return _DYNAMIC_SECRET.sub(secret, value)


def _create_storage(endpoint: str, logical: str, resource: dict, made: dict) -> None:
    """The stack's replay table or one of its SSM parameters."""
    props = resource["Properties"]
    if resource["Type"] == "AWS::DynamoDB::Table":
        dynamodb = _client(endpoint, "dynamodb")
        name = resource["Physical"]["Ref"]
        dynamodb.create_table(TableName=name, KeySchema=props["KeySchema"], AttributeDefinitions=props["AttributeDefinitions"],
                              BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"))
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled") in (True, "true"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]})
        made.setdefault("tables", {})[logical] = name
    else:
        _client(endpoint, "ssm").put_parameter(Name=resource["Physical"]["Ref"], Value=props["Value"] or " ",
                                               Type=props.get("Type", "String"), Overwrite=True)
        made.setdefault("ssm_parameters", {})[logical] = resource["Physical"]["Ref"]


def _create_role(iam, name: str, arn: str, trust: dict, props: dict, identity: list[dict], managed: list[str]) -> None:
    path = arn.split(":role", 1)[1][: -len(name)]
    params = {"RoleName": name, "Path": path, "AssumeRolePolicyDocument": json.dumps(trust)}
    if props.get("MaxSessionDuration") is not None:
        params["MaxSessionDuration"] = int(props["MaxSessionDuration"])
    if props.get("Description"):
        params["Description"] = props["Description"]
    iam.create_role(**params)
    for policy in identity:
        iam.put_role_policy(RoleName=name, PolicyName=policy["name"], PolicyDocument=json.dumps(policy["policy"]))
    for policy_arn in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)


def seed(app, world: dict, base_dir: str = ".") -> dict:
    """Creates `world` in the emulator `app` (server.Emulator) and returns what was created."""
    endpoint = app.endpoint
    iam = _client(endpoint, "iam")
    created: dict = {"saml_providers": {}, "roles": {}, "lifecycle_configs": {}, "sagemaker_domains": {}, "emr_studios": {},
                     "dynamodb_tables": [], "ssm_parameters": [], "kms_mac_keys": {}}
    providers = {p["name"]: p for p in world.get("saml_providers", [])}

    # Secrets first: the operator stores them before the stack that names them is deployed.
    secretsmanager = _client(endpoint, "secretsmanager")
    created["secrets"] = {}
    for secret in world.get("secrets", []):
        value = secret["value"] if "value" in secret else _read(base_dir, secret["value_file"])
        created["secrets"][secret["name"]] = secretsmanager.create_secret(Name=secret["name"], SecretString=value)["ARN"]

    stack = None
    if world.get("stack"):
        made = _seed_stack(app, world["stack"], providers, base_dir)
        stack = made["rendered"]
        created["stack"] = made["stack"]
        created["function_credentials"] = made["function_credentials"]
        for arn in made["stack"]["saml_providers"].values():
            created["saml_providers"][arn.rsplit("/", 1)[1]] = arn
        for role in made["stack"]["roles"].values():
            created["roles"][role["name"]] = role["arn"]
        created["dynamodb_tables"] += list(made["stack"].get("tables", {}).values())
        created["ssm_parameters"] += list(made["stack"].get("ssm_parameters", {}).values())
        for key in made["stack"]["kms_keys"].values():
            if key["alias"]:
                created["kms_mac_keys"][key["alias"]] = key["key_id"]

    for provider in world.get("saml_providers", []):
        if provider["name"] in created["saml_providers"]:
            continue  # the stack's IdP, created above
        metadata = _metadata_of(provider, base_dir)
        if provider.get("account_id"):
            # Another account: moto keeps one IAM backend per account, reachable in-process.
            made_provider = iam_backends[provider["account_id"]]["global"].create_saml_provider(provider["name"], metadata)
            created["saml_providers"][provider["name"]] = made_provider.arn
            continue
        arn = iam.create_saml_provider(Name=provider["name"], SAMLMetadataDocument=metadata)["SAMLProviderArn"]
        created["saml_providers"][provider["name"]] = arn

    def make_role(role: dict) -> None:
        if "like" in role:
            if stack is None or role["like"] not in stack.roles:
                raise SeedError(f"role {role['name']}: like {role.get('like')!r} names no role of the seeded stack")
            model = stack.roles[role["like"]]
            arn = f"arn:aws:iam::{ACCOUNT_ID}:role/{role['name']}"
            props = {**stack.resources[role["like"]]["Properties"], "MaxSessionDuration": role.get("max_session_duration", 3600),
                     "Description": f"made like the stack's {role['like']}"}
            _create_role(iam, role["name"], arn, model["trust_policy"], props, stack.identity_policies(role["like"]),
                         model["aws_managed_policy_arns"])
            created["roles"][role["name"]] = arn
            return
        if "saml_provider" in role:
            principal = {"Federated": created["saml_providers"][role["saml_provider"]]}
            action = "sts:AssumeRoleWithSAML"
            # Federated through the broker, like the stack's own role: the broker's ACS URL is the Recipient.
            condition = {"StringEquals": {"SAML:aud": stack.outputs["AcsUrl"] if stack else ACS_URL}}
        else:
            principal = {"Service": role.get("service", "sagemaker.amazonaws.com")}
            action, condition = "sts:AssumeRole", None
        statement = {"Effect": "Allow", "Principal": principal, "Action": [action, "sts:TagSession", "sts:SetSourceIdentity"]}
        if condition:
            statement["Condition"] = condition
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        if role.get("account_id"):
            made_role = iam_backends[role["account_id"]]["global"].create_role(
                role_name=role["name"], assume_role_policy_document=policy, path="/", permissions_boundary=None,
                description="", tags=[], max_session_duration=str(role.get("max_session_duration", 3600)), linked_service=None,
            )
            created["roles"][role["name"]] = made_role.arn
            return
        arn = iam.create_role(
            RoleName=role["name"],
            AssumeRolePolicyDocument=policy,
            MaxSessionDuration=int(role.get("max_session_duration", 3600)),
        )["Role"]["Arn"]
        created["roles"][role["name"]] = arn

    sagemaker = _client(endpoint, "sagemaker")

    def make_lifecycle_config(config: dict) -> None:
        content = config["content"] if "content" in config else _read(base_dir, config["content_file"])
        arn = sagemaker.create_studio_lifecycle_config(
            StudioLifecycleConfigName=config["name"],
            StudioLifecycleConfigContent=base64.b64encode(content.encode()).decode(),
            StudioLifecycleConfigAppType=config["app_type"],
        )["StudioLifecycleConfigArn"]
        created["lifecycle_configs"][config["name"]] = arn

    # Roles and lifecycle configurations first: domains and Studios name them.
    _each([lambda r=role: make_role(r) for role in world.get("roles", [])]
              + [lambda c=config: make_lifecycle_config(c) for config in world.get("lifecycle_configs", [])])

    def make_domain(domain: dict) -> None:
        response = sagemaker.create_domain(
            DomainName=domain["name"],
            AuthMode=domain.get("auth_mode", "IAM"),
            DefaultUserSettings={"ExecutionRole": created["roles"][domain["execution_role"]]},
            SubnetIds=VPC["SubnetIds"],
            VpcId=VPC["VpcId"],
        )
        created["sagemaker_domains"][domain.get("key", domain["name"])] = {"id": response["DomainId"], "url": response["Url"], "arn": response["DomainArn"]}

    emr = _client(endpoint, "emr")

    def make_studio(studio: dict) -> None:
        params = dict(
            Name=studio["name"], AuthMode=studio["auth_mode"], VpcId=VPC["VpcId"], SubnetIds=VPC["SubnetIds"],
            ServiceRole=created["roles"].get(studio.get("service_role", ""), "arn:aws:iam::123456789012:role/EMRStudioService"),
            WorkspaceSecurityGroupId=VPC["SecurityGroupId"], EngineSecurityGroupId=VPC["SecurityGroupId"],
            DefaultS3Location="s3://studiogate-local/emr",
        )
        if studio["auth_mode"] == "SSO":
            params["UserRole"] = created["roles"].get(studio.get("user_role", ""), "arn:aws:iam::123456789012:role/EMRStudioUser")
        if studio.get("tags"):
            params["Tags"] = [{"Key": k, "Value": v} for k, v in studio["tags"].items()]
        response = emr.create_studio(**params)
        created["emr_studios"][studio.get("key", studio["name"])] = {"id": response["StudioId"], "url": response["Url"], "auth_mode": studio["auth_mode"]}

    _each([lambda d=domain: make_domain(d) for domain in world.get("sagemaker_domains", [])]
              + [lambda s=studio: make_studio(s) for studio in world.get("emr_studios", [])])

    # IAM Identity Center's Identity Store, for Identity Center EMR Studios: its users and groups.
    directory = world.get("identity_store")
    if directory:
        identitystore = _client(endpoint, "identitystore")
        store = directory["id"]
        users = {}
        for user in directory.get("users", []):
            users[user["user_name"]] = identitystore.create_user(
                IdentityStoreId=store, UserName=user["user_name"], DisplayName=user.get("display_name", user["user_name"]),
                Name={"GivenName": user.get("given_name", "Test"), "FamilyName": user.get("family_name", "User")},
            )["UserId"]
        groups = {}
        for group in directory.get("groups", []):
            groups[group["display_name"]] = identitystore.create_group(IdentityStoreId=store, DisplayName=group["display_name"])["GroupId"]
        created["identity_store"] = {"id": store, "users": users, "groups": groups}

    dynamodb = _client(endpoint, "dynamodb")
    for table in world.get("dynamodb_tables", []):
        dynamodb.create_table(
            TableName=table["name"],
            KeySchema=[{"AttributeName": table.get("key", "pk"), "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": table.get("key", "pk"), "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        if table.get("ttl_attribute"):
            dynamodb.update_time_to_live(TableName=table["name"], TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl_attribute"]})
        created["dynamodb_tables"].append(table["name"])

    ssm = _client(endpoint, "ssm")
    for parameter in world.get("ssm_parameters", []):
        value = parameter["value"] if "value" in parameter else _read(base_dir, parameter["value_file"])
        ssm.put_parameter(Name=parameter["name"], Value=value, Type=parameter.get("type", "String"), Overwrite=True)
        created["ssm_parameters"].append(parameter["name"])

    kms = _client(endpoint, "kms")
    for key in world.get("kms_mac_keys", []):
        key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC",
                                Description=key.get("description", ""))["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=key["alias"], TargetKeyId=key_id)
        created["kms_mac_keys"][key["alias"]] = key_id

    if world.get("spoke"):
        def metadata_of(idp):
            if idp not in providers:
                raise SeedError(f"spoke.stack.idp must name a saml_providers entry (the IdP whose metadata the spoke gets); got {idp!r}")
            return _metadata_of(providers[idp], base_dir)

        created["spoke"] = seed_spoke(app, world["spoke"], stack, metadata_of, SeedError)

    created.update(app.urls())
    created["operator"] = {"access_key_id": OPERATOR_ACCESS_KEY, "secret_access_key": OPERATOR_SECRET, "arn": OPERATOR_ARN}
    created["seeded_at"] = time.time()
    if stack is not None:
        app.world = created
    return created
