"""The renderer: each intrinsic, Fn::ForEach, conditions both ways, AWS::NoValue, physical values and
overrides, the IAM views, and the loud failures (small synthetic templates, decoded by cfn-lint)."""

from __future__ import annotations

import base64
import re
import textwrap

import pytest

from studiogate_iam import RenderError, render
from studiogate_iam.params import ALL, EXISTING_ENDPOINTS, LOCAL

ACCOUNT, REGION = "111122223333", "eu-west-1"


def mini(tmp_path, body: str, parameters: dict | None = None, **options):
    path = tmp_path / "template.yaml"
    path.write_text('AWSTemplateFormatVersion: "2010-09-09"\n' + textwrap.dedent(body))
    return render(parameters or {}, account_id=ACCOUNT, region=REGION, stack_name="mini", template=path, **options)


def props(stack, logical: str) -> dict:
    return stack.resources[logical]["Properties"]


def test_ref_to_parameters_pseudo_parameters_and_resources(tmp_path):
    stack = mini(tmp_path, """
        Parameters:
          Name: {Type: String}
          Ids: {Type: CommaDelimitedList}
          Subnets: {Type: "List<AWS::EC2::Subnet::Id>"}
          Size: {Type: Number, Default: 3}
        Resources:
          Group:
            Type: AWS::EC2::SecurityGroup
            Properties: {GroupDescription: !Ref Name, VpcId: vpc-1}
          Thing:
            Type: Custom::Thing
            Properties:
              Values: [!Ref AWS::AccountId, !Ref AWS::Region, !Ref AWS::Partition, !Ref AWS::StackName, !Ref AWS::URLSuffix]
              Ids: !Ref Ids
              Subnets: !Ref Subnets
              Size: !Ref Size
              Group: !Ref Group
        """, {"Name": "n", "Ids": " a, b ", "Subnets": ["subnet-1", "subnet-2"]})
    thing = props(stack, "Thing")
    assert thing["Values"] == [ACCOUNT, REGION, "aws", "mini", "amazonaws.com"]
    assert thing["Ids"] == ["a", "b"]                 # CommaDelimitedList members are space-trimmed
    assert thing["Subnets"] == ["subnet-1", "subnet-2"]
    assert thing["Size"] == "3"                       # a Ref to a Number gives a string
    assert re.fullmatch(r"sg-[0-9a-f]{17}", thing["Group"])
    assert props(stack, "Group")["GroupDescription"] == "n"


def test_sub_string_and_variable_map_forms_attributes_and_escapes(tmp_path):
    stack = mini(tmp_path, """
        Parameters:
          Env: {Type: String, Default: prod}
        Resources:
          Logs:
            Type: AWS::Logs::LogGroup
            Properties: {LogGroupName: !Sub "/app/${Env}"}
          Thing:
            Type: Custom::Thing
            Properties:
              Plain: !Sub "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Env}"
              Attribute: !Sub "${Logs.Arn}"
              Escaped: !Sub "${!Literal} and ${!aws:PrincipalTag/team}"
              Map: !Sub ["${Greeting}, ${Env}", {Greeting: !Join ["-", [hello, world]]}]
              PolicyVariable: "${aws:PrincipalTag/studiouserid}"
        """)
    thing = props(stack, "Thing")
    assert thing["Plain"] == f"arn:aws:x:{REGION}:{ACCOUNT}:prod"
    assert thing["Attribute"] == f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/prod:*"
    assert thing["Escaped"] == "${Literal} and ${aws:PrincipalTag/team}"
    assert thing["Map"] == "hello-world, prod"
    assert thing["PolicyVariable"] == "${aws:PrincipalTag/studiouserid}"   # outside Fn::Sub: untouched


def test_getatt_list_and_dotted_forms(tmp_path):
    stack = mini(tmp_path, """
        Resources:
          Key: {Type: AWS::KMS::Key, Properties: {}}
          Thing:
            Type: Custom::Thing
            Properties: {Listed: !GetAtt [Key, Arn], Dotted: !GetAtt Key.Arn, Id: !GetAtt Key.KeyId}
        """)
    thing = props(stack, "Thing")
    assert thing["Listed"] == thing["Dotted"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{thing['Id']}"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", thing["Id"])


CONDITIONS = """
    Parameters:
      Mode: {Type: String, Default: a}
      List: {Type: CommaDelimitedList, Default: ""}
    Conditions:
      IsA: !Equals [!Ref Mode, a]
      NotA: !Not [!Condition IsA]
      HasList: !Not [!Equals [!Join ["", !Ref List], ""]]
      Both: !And [!Condition IsA, !Condition HasList]
      Either: !Or [!Condition NotA, !Condition HasList]
    Resources:
      OnlyA: {Type: Custom::Thing, Condition: IsA, Properties: {}}
      OnlyNotA: {Type: Custom::Thing, Condition: NotA, Properties: {}}
      Thing:
        Type: Custom::Thing
        Properties:
          Picked: !If [IsA, from-a, from-b]
          Guarded: !If [IsA, !Ref Mode, !GetAtt OnlyNotA.Missing]
"""


@pytest.mark.parametrize("mode, items, expected", [
    ("a", "", {"IsA": True, "NotA": False, "HasList": False, "Both": False, "Either": False}),
    ("b", "x,y", {"IsA": False, "NotA": True, "HasList": True, "Both": False, "Either": True}),
    ("a", "x", {"IsA": True, "NotA": False, "HasList": True, "Both": True, "Either": True}),
])
def test_conditions_and_resource_conditions_both_ways(tmp_path, mode, items, expected):
    if mode == "b":  # the Fn::If branch not taken may name anything; the taken one must resolve
        with pytest.raises(RenderError, match=r"Resources\.Thing\.Properties\.Guarded\.Fn::If\[2\].*no physical value"):
            mini(tmp_path, CONDITIONS, {"Mode": mode, "List": items})
        return
    stack = mini(tmp_path, CONDITIONS, {"Mode": mode, "List": items})
    assert stack.conditions == expected
    assert ("OnlyA" in stack.resources, "OnlyNotA" in stack.resources) == (True, False)
    assert props(stack, "Thing") == {"Picked": "from-a", "Guarded": "a"}


def test_a_ref_to_a_resource_whose_condition_is_false_fails(tmp_path):
    with pytest.raises(RenderError, match=r"Resources\.Thing\.Properties\.X\.Ref: Skipped is not created"):
        mini(tmp_path, """
            Conditions: {Never: !Equals [a, b]}
            Resources:
              Skipped: {Type: AWS::KMS::Key, Condition: Never, Properties: {}}
              Thing: {Type: Custom::Thing, Properties: {X: !Ref Skipped}}
            """)


def test_join_select_split_base64(tmp_path):
    stack = mini(tmp_path, """
        Parameters:
          Entries: {Type: CommaDelimitedList, Default: "Z1:vpce-1.example,Z2:vpce-2.example"}
        Resources:
          Thing:
            Type: Custom::Thing
            Properties:
              Joined: !Join [",", !Ref Entries]
              Host: !Select [1, !Split [":", !Select [0, !Ref Entries]]]
              Encoded: !Base64 "#!/bin/bash\\necho hi\\n"
        """)
    thing = props(stack, "Thing")
    assert thing["Joined"] == "Z1:vpce-1.example,Z2:vpce-2.example"
    assert thing["Host"] == "vpce-1.example"
    assert base64.b64decode(thing["Encoded"]).decode() == "#!/bin/bash\necho hi\n"


def test_novalue_leaves_lists_and_dicts(tmp_path):
    stack = mini(tmp_path, """
        Conditions: {Never: !Equals [a, b]}
        Resources:
          Thing:
            Type: Custom::Thing
            Properties:
              Items: [one, !Ref AWS::NoValue, !If [Never, two, !Ref AWS::NoValue], three]
              Map: {kept: 1, dropped: !Ref AWS::NoValue, alsoDropped: !If [Never, x, !Ref AWS::NoValue]}
              Gone: !Ref AWS::NoValue
        """)
    assert props(stack, "Thing") == {"Items": ["one", "three"], "Map": {"kept": 1}}


FOREACH = """
    Transform: AWS::LanguageExtensions
    Parameters:
      Domains: {Type: CommaDelimitedList}
      Teams: {Type: CommaDelimitedList, Default: "red,blue"}
    Resources:
      Role: {Type: AWS::IAM::Role, Properties: {RoleName: r, AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}}}
      Fn::ForEach::Profiles:
        - DomainId
        - !Ref Domains
        - "Policy&{DomainId}":
            Type: AWS::IAM::RolePolicy
            Properties:
              RoleName: !Ref Role
              PolicyName: !Sub open-${DomainId}
              PolicyDocument:
                Version: "2012-10-17"
                Statement:
                  - Effect: Allow
                    Action: sagemaker:CreatePresignedDomainUrl
                    Resource: !Sub arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:user-profile/${DomainId}/*
                    Condition: {StringEquals: {"sagemaker:ResourceTag/studiouserid": "${aws:PrincipalTag/studiouserid}"}}
          Fn::ForEach::Teams:
            - Team
            - !Ref Teams
            - "Tag${Team}&{DomainId}":
                Type: Custom::Tag
                Properties: {Domain: !Ref DomainId, Team: !Ref Team}
"""


def test_foreach_expands_keys_and_bodies_nested(tmp_path):
    stack = mini(tmp_path, FOREACH, {"Domains": "d-11aa,d-22bb"})
    assert {"Policyd11aa", "Policyd22bb", "Tagredd11aa", "Tagblued22bb"} <= set(stack.resources)
    assert props(stack, "Tagblued22bb") == {"Domain": "d-22bb", "Team": "blue"}
    policies = stack.roles["Role"]["identity_policies"]
    assert [(p["name"], p["source"]) for p in policies] == [("open-d-11aa", "Policyd11aa"), ("open-d-22bb", "Policyd22bb")]
    statement = policies[1]["document"]["Statement"][0]
    assert statement["Resource"] == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-22bb/*"
    assert statement["Condition"] == {"StringEquals": {"sagemaker:ResourceTag/studiouserid": "${aws:PrincipalTag/studiouserid}"}}


def test_foreach_failures(tmp_path):
    with pytest.raises(RenderError, match=r"Fn::ForEach makes a second 'Policyd11aa'"):
        mini(tmp_path, FOREACH, {"Domains": "d-11aa,d11aa"})
    with pytest.raises(RenderError, match=r"logical ID 'Tag\w+d-11aa' is not alphanumeric"):
        mini(tmp_path, FOREACH.replace('"Tag${Team}&{DomainId}"', '"Tag${Team}${DomainId}"'), {"Domains": "d-11aa"})


def test_physical_values_have_aws_shapes_and_are_deterministic():
    first, second = LOCAL.render(), LOCAL.render()
    assert first.roles == second.roles and first.outputs == second.outputs
    presign = first.roles["PresignRole"]
    assert re.fullmatch(r"arn:aws:iam::123456789012:role/studiogate-PresignRole-[A-Z0-9]{12}", presign["arn"])
    endpoint = first.endpoints["SageMakerApiEndpoint"]
    assert re.fullmatch(r"vpce-[0-9a-f]{17}", endpoint["id"])
    assert endpoint["dns_entries"][0].split(":")[1].startswith(endpoint["id"] + "-")
    assert endpoint["dns_entries"][-1].endswith(":api.sagemaker.us-east-1.amazonaws.com")
    assert first.functions["PresignFunction"]["environment"]["STUDIOGATE_SAGEMAKER_ENDPOINT_URL"] == \
        "https://" + endpoint["dns_entries"][0].split(":")[1]
    assert first.saml_providers["SamlProvider"]["arn"] == "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp"
    assert first.resources["SamlValidatorLogGroup"]["Physical"]["Arn"] == \
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/studiogate-saml-validator:*"


def test_overrides_feed_derived_attributes_and_may_set_any():
    stack = LOCAL.render({"SageMakerApiEndpoint": {"Ref": "vpce-0123456789abcdef0"},
                          "PresignSealKey": {"Arn": "arn:aws:kms:us-east-1:123456789012:key/emulator-key"}})
    (guard,) = [p for p in stack.roles["StudioUserRole"]["identity_policies"] if p["name"] == "studio-network"]
    deny = guard["document"]["Statement"][0]
    assert deny["Condition"]["StringNotEquals"]["aws:SourceVpce"][0] == "vpce-0123456789abcdef0"
    assert stack.endpoints["SageMakerApiEndpoint"]["dns_entries"][0].split(":")[1].startswith("vpce-0123456789abcdef0-")
    assert stack.key_policies["PresignSealKey"]["arn"] == "arn:aws:kms:us-east-1:123456789012:key/emulator-key"
    assert stack.functions["PresignFunction"]["environment"]["STUDIOGATE_PRESIGN_SEAL_KEY"] == \
        "arn:aws:kms:us-east-1:123456789012:key/emulator-key"
    with pytest.raises(RenderError, match=r"overrides\.NoSuchThing: no such resource"):
        LOCAL.render({"NoSuchThing": {"Ref": "x"}})


def test_lambda_permissions_become_the_statements_lambda_writes(tmp_path):
    stack = mini(tmp_path, """
        Resources:
          Role: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}}}
          Fn: {Type: AWS::Lambda::Function, Properties: {FunctionName: fn, Role: !GetAtt Role.Arn}}
          Url: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunctionUrl, Principal: "*", FunctionUrlAuthType: NONE}}
          Via: {Type: AWS::Lambda::Permission, Properties: {FunctionName: !GetAtt Fn.Arn, Action: lambda:InvokeFunction, Principal: "*", InvokedViaFunctionUrl: true}}
          Api: {Type: AWS::Lambda::Permission, Properties: {FunctionName: fn, Action: lambda:InvokeFunction, Principal: apigateway.amazonaws.com, SourceArn: "arn:aws:execute-api:eu-west-1:111122223333:abc/*", SourceAccount: "111122223333"}}
          Peer: {Type: AWS::Lambda::Permission, Properties: {FunctionName: "fn:live", Action: lambda:InvokeFunction, Principal: "444455556666"}}
        """)
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fn"
    statements = {s["Sid"].split("-")[1]: s for s in stack.lambda_permissions["Fn"]["Statement"]}
    assert statements["Url"] == {"Sid": statements["Url"]["Sid"], "Effect": "Allow", "Principal": "*",
                                 "Action": "lambda:InvokeFunctionUrl", "Resource": arn,
                                 "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}
    assert statements["Via"]["Condition"] == {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}
    assert statements["Api"]["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statements["Api"]["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:eu-west-1:111122223333:abc/*"},
                                              "StringEquals": {"AWS:SourceAccount": "111122223333"}}
    assert statements["Peer"]["Principal"] == {"AWS": "arn:aws:iam::444455556666:root"}
    assert statements["Peer"]["Resource"] == arn + ":live"
    assert re.fullmatch(r"mini-Url-[A-Z0-9]{12}", statements["Url"]["Sid"])


def test_role_views_managed_policies_and_default_key_policy(tmp_path):
    stack = mini(tmp_path, """
        Resources:
          Role:
            Type: AWS::IAM::Role
            Properties:
              Path: /service/
              AssumeRolePolicyDocument: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
              ManagedPolicyArns: [!Ref Managed, "arn:aws:iam::aws:policy/ReadOnlyAccess"]
          Managed:
            Type: AWS::IAM::ManagedPolicy
            Properties: {ManagedPolicyName: m, PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "*"}]}}
          Extra:
            Type: AWS::IAM::Policy
            Properties: {PolicyName: extra, Roles: [!Ref Role], PolicyDocument: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "*", Resource: "*"}]}}
          Key: {Type: AWS::KMS::Key, Properties: {}}
        """)
    role = stack.roles["Role"]
    assert re.fullmatch(rf"arn:aws:iam::{ACCOUNT}:role/service/mini-Role-[A-Z0-9]{{12}}", role["arn"])
    assert role["trust_policy"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert [(p["name"], p["source"]) for p in role["identity_policies"]] == [("m", "Managed"), ("extra", "Extra")]
    assert role["aws_managed_policy_arns"] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert stack.key_policies["Key"]["policy"]["Statement"] == [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*", "Resource": "*"}]


@pytest.mark.parametrize("body, parameters, message", [
    ("Resources: {T: {Type: Custom::T, Properties: {X: !GetAZs ''}}}", {}, r"Resources\.T\.Properties\.X\.Fn::GetAZs: unsupported intrinsic"),
    ("Resources: {T: {Type: Custom::T, Properties: {X: !Ref Nothing}}}", {}, r"X\.Ref: Ref to 'Nothing', which is no parameter"),
    ("Resources: {T: {Type: Custom::T, Properties: {X: !GetAtt Nothing.Arn}}}", {}, r"Fn::GetAtt on 'Nothing', which is no resource"),
    ("Resources: {K: {Type: AWS::KMS::Key}, T: {Type: Custom::T, Properties: {X: !GetAtt K.Origin}}}", {},
     r"T\.Properties\.X\.Fn::GetAtt: no physical value for attribute 'Origin' of K"),
    ("Resources: {O: {Type: Custom::Other}, T: {Type: Custom::T, Properties: {X: !Ref O}}}", {}, r"no physical value for a Ref value of O"),
    ("Resources: {T: {Type: Custom::T, Properties: {X: !Equals [a, a]}}}", {}, r"Fn::Equals is a condition function"),
    ("Parameters: {L: {Type: CommaDelimitedList}}\nResources: {T: {Type: Custom::T, Properties: {X: !Sub '${L}'}}}",
     {"L": "a,b"}, r"X\.Fn::Sub: \$\{L\} resolves to \['a', 'b'\], not a string"),
    ("Resources: {T: {Type: Custom::T, Properties: {X: !Sub '${aws:PrincipalTag/x}'}}}", {}, r"Ref to 'aws:PrincipalTag/x'"),
    ("Parameters: {P: {Type: String}}\nResources: {}", {}, r"Parameters\.P: no value given and no Default"),
    ("Parameters: {P: {Type: String, AllowedValues: [a]}}\nResources: {}", {"P": "b"}, r"'b' is not one of AllowedValues"),
    ("Parameters: {P: {Type: String, AllowedPattern: '^/.*'}}\nResources: {}", {"P": "x"}, r"does not match AllowedPattern"),
    ("Resources: {}", {"Unknown": "x"}, r"undeclared parameters \['Unknown'\]"),
    ("Parameters: {P: {Type: String, Default: ''}}\nRules: {R: {Assertions: [{Assert: !Not [!Equals [!Ref P, '']], AssertDescription: give P}]}}\nResources: {}",
     {}, r"Rules\.R\.Assertions\[0\]: rule assertion fails: give P"),
    ("Resources: {F: {Type: AWS::Serverless::Function, Properties: {Policies: [AWSLambdaBasicExecutionRole]}}}", {},
     r"Resources\.F\.Properties\.Policies: SAM generates"),
    ("Resources: {F: {Type: AWS::Serverless::Function, Properties: {Handler: x}}}", {}, r"no Role: SAM would create an implicit role"),
    ("Resources: {A: {Type: AWS::Serverless::Api, Properties: {}}}", {}, r"AWS::Serverless::Api is not modelled"),
    ("Resources: {P: {Type: AWS::IAM::RolePolicy, Properties: {RoleName: elsewhere, PolicyName: p, PolicyDocument: {Statement: []}}}}", {},
     r"P\.Properties\.RoleName: attached to role 'elsewhere', which this stack does not define"),
    ("Resources: {R: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {Statement: []}, ManagedPolicyArns: ['arn:aws:iam::111122223333:policy/x']}}}", {},
     r"ManagedPolicyArns\[0\]: managed policy .* is not in this stack"),
    ("Resources: {P: {Type: AWS::Lambda::Permission, Properties: {FunctionName: elsewhere, Action: lambda:InvokeFunction, Principal: '*'}}}", {},
     r"FunctionName: function 'elsewhere' is not in this stack"),
])
def test_loud_failures(tmp_path, body, parameters, message):
    with pytest.raises(RenderError, match=message):
        mini(tmp_path, body, parameters)


@pytest.mark.parametrize("parameter_set", ALL, ids=lambda p: p.name)
def test_every_parameter_set_renders_its_branches(parameter_set):
    stack = parameter_set.render()
    given = parameter_set.parameters
    user = stack.roles["StudioUserRole"]
    guards = [p for p in user["identity_policies"] if p["name"] == "studio-network"]
    endpoint = given.get("ExistingSageMakerApiEndpointId") or stack.endpoints["SageMakerApiEndpoint"]["id"]
    assert endpoint == stack.outputs["SageMakerApiEndpointId"]
    if given.get("StudioNetworkMode") == "open":
        assert guards == [] and "SageMakerStudioEndpoint" not in stack.resources
    else:
        deny = guards[0]["document"]["Statement"][0]
        studio = given.get("ExistingSageMakerStudioEndpointId") or stack.endpoints["SageMakerStudioEndpoint"]["id"]
        assert deny["Condition"]["StringNotEquals"]["aws:SourceVpce"] == [endpoint, studio]
        corporate = given.get("StudioNetworkMode") == "corporate-ip"
        assert ("NotIpAddress" in deny["Condition"]) == corporate
        assert ("SageMakerStudioEndpoint" in stack.resources) == ("ExistingSageMakerStudioEndpointId" not in given)
    assert ("SageMakerApiEndpoint" in stack.resources) == ("ExistingSageMakerApiEndpointId" not in given)
    audiences = user["trust_policy"]["Statement"][0]["Condition"]["StringEquals"]["SAML:aud"]
    acs = stack.outputs["AcsUrl"]
    assert acs.endswith("/saml/acs") and acs == stack.resources["AcsUrlParameter"]["Properties"]["Value"]
    signin = (["https://signin.aws.amazon.com/saml", "https://us-east-1.signin.aws.amazon.com/saml"]
              if given.get("AcceptAwsSignInRecipient") == "true" else [])
    assert audiences == [acs, *signin, *[a for a in given.get("AdditionalSamlAudiences", []) if a]]
    emr_policies = [p for p in user["identity_policies"] if p["name"].startswith("open-emr-studio-")]
    presign = stack.roles["PresignRole"]["identity_policies"][0]["document"]["Statement"]
    has_emr = any(given.get("EmrStudioIds", []))
    assert len(emr_policies) == (2 if has_emr else 0)
    assert ("EmrIdentityCenterLookups" in [s.get("Sid") for s in presign]) == has_emr
    configuration = next(s for s in stack.roles["SamlValidatorRole"]["identity_policies"][0]["document"]["Statement"]
                         if s["Sid"] == "Configuration")["Resource"]
    assert (len(configuration) == 4) == bool(given.get("SpDecryptionKeySecret"))
    sids = [s.get("Sid") for s in stack.roles["SamlValidatorRole"]["identity_policies"][0]["document"]["Statement"]]
    assert ({"ReadTheSpKey", "DecryptTheSpKey"} <= set(sids)) == bool(given.get("SpDecryptionKeySecret"))
    provider = stack.resources["SamlProvider"]["Properties"]
    if given.get("SpDecryptionKeySecret"):
        assert provider["AddPrivateKey"] == f"{{{{resolve:secretsmanager:{given['SpDecryptionKeySecret']}}}}}"
        assert provider["AssertionEncryptionMode"] == "Required"
    else:
        assert "AddPrivateKey" not in provider and "AssertionEncryptionMode" not in provider
    offboards = str(given.get("OffboardInactiveDays", 0)) != "0"
    assert ({"OffboardRole", "OffboardFunction", "OffboardSchedulerRole", "OffboardSchedule"} <= set(stack.resources)) == offboards
    assert ("OffboardFunction" in stack.functions) == offboards
    assert ("HttpApiPermission" in stack.resources) == (given.get("FrontDoor") == "HttpApi")
    assert ("SamlValidatorUrl" in stack.resources) == (given.get("FrontDoor", "FunctionUrl") == "FunctionUrl")
    if set(EXISTING_ENDPOINTS) <= set(given):
        assert not stack.endpoints
    metadata = stack.saml_providers["SamlProvider"]["metadata"]
    if given.get("ExistingIdpMetadataParameter"):   # a dynamic reference stays the string CloudFormation resolves
        assert metadata == "{{resolve:ssm:" + given["ExistingIdpMetadataParameter"] + "}}"
    else:
        assert metadata == given["IdpMetadata"]
    if given.get("CustomDomainName"):
        assert stack.outputs["AcsUrl"] == f"https://{given['CustomDomainName']}/saml/acs"
        assert stack.outputs["CustomDomainTarget"] == stack.resources["AcsDomainName"]["Physical"]["RegionalDomainName"]
    elif given.get("FrontDoor") == "HttpApi":
        api = stack.resources["HttpApi"]["Physical"]["ApiId"]
        assert stack.outputs["AcsUrl"] == f"https://{api}.execute-api.us-east-1.amazonaws.com/saml/acs"
    else:
        assert stack.outputs["AcsUrl"] == stack.resources["SamlValidatorUrl"]["Physical"]["FunctionUrl"] + "saml/acs"


def test_the_dns_resolver_admits_the_vpc_and_only_corporate_cidrs_that_were_given():
    # An empty CommaDelimitedList is [""]: an ingress rule for it would have CidrIp "" and fail.
    for corporate, expected in (([""], set()), (["10.20.0.0/16"], {"10.20.0.0/16"})):
        stack = LOCAL.with_parameters("resolver", CreateStudioDnsResolver="true", CorporateCidrs=corporate).render()
        assert "StudioDnsResolver" in stack.resources
        ingress = [r["Properties"] for r in stack.resources.values()
                   if r["Type"] == "AWS::EC2::SecurityGroupIngress"
                   and r["Properties"].get("GroupId") == stack.resources["StudioResolverSecurityGroup"]["Physical"]["GroupId"]]
        cidrs = {p["CidrIp"] for p in ingress}
        assert all(cidrs), cidrs
        assert cidrs == {"10.0.0.0/16"} | expected

