"""Cases taken from AWS's IAM documentation, with the decision the documentation states or implies.

Each case names its source page (``doc``) under https://docs.aws.amazon.com/IAM/latest/UserGuide/.
``expect`` is the final decision: allow, explicit-deny or implicit-deny.
"""

from __future__ import annotations

from typing import Any

ACCT = "123456789012"
ALICE = f"arn:aws:iam::{ACCT}:user/alice"
ALICE_PATH = f"arn:aws:iam::{ACCT}:user/engineering/alice"
NO_MFA: dict[str, Any] = {}  # long-term access keys: the MFA keys are absent
MFA_FALSE = {"aws:MultiFactorAuthPresent": False}
MFA_TRUE = {"aws:MultiFactorAuthPresent": True, "aws:MultiFactorAuthAge": 120}


def doc(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    out: dict[str, Any] = {"Statement": list(statements)}
    if version:
        out["Version"] = version
    return out


ALLOW_ALL = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})

# reference_policies_examples_iam_mfa-selfmanage.html
SELF_MANAGE_MFA = doc(
    {"Sid": "AllowListActions", "Effect": "Allow", "Action": ["iam:ListUsers", "iam:ListVirtualMFADevices"],
     "Resource": "*"},
    {"Sid": "AllowUserToCreateVirtualMFADevice", "Effect": "Allow", "Action": ["iam:CreateVirtualMFADevice"],
     "Resource": "arn:aws:iam::*:mfa/*"},
    {"Sid": "AllowUserToManageTheirOwnMFA", "Effect": "Allow",
     "Action": ["iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Sid": "AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA", "Effect": "Allow",
     "Action": ["iam:DeactivateMFADevice"], "Resource": ["arn:aws:iam::*:user/${aws:username}"],
     "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
    {"Sid": "BlockMostAccessUnlessSignedInWithMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ListUsers",
                   "iam:ListVirtualMFADevices", "iam:ResyncMFADevice"],
     "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
)
EC2_READ = doc({"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"})

# reference_policies_examples_aws_my-sec-creds-self-manage.html (abridged to the statements that matter)
MY_SEC_CREDS = doc(
    {"Sid": "AllowManageOwnPasswords", "Effect": "Allow", "Action": ["iam:ChangePassword", "iam:GetUser"],
     "Resource": "arn:aws:iam::*:user/${aws:username}"},
    {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
     "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
    {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
     "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                   "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken"],
     "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
)
# The documented amendment for first sign-in: add ChangePassword and GetAccountPasswordPolicy to NotAction.
MY_SEC_CREDS_FIRST_LOGIN = doc(*[
    {**s, "NotAction": [*s["NotAction"], "iam:ChangePassword", "iam:GetAccountPasswordPolicy"]}
    if s.get("Sid") == "DenyAllExceptListedIfNoMFA" else s
    for s in MY_SEC_CREDS["Statement"]
])

# reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html
GET_LIST_DENY_REPORTS = doc(
    {"Sid": "AllowGetList", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
    {"Sid": "DenyReports", "Effect": "Deny", "Action": "iam:*Report", "Resource": "*"},
)

# reference_policies_variables.html / reference_policies_elements_condition_operators.html (S3 home dirs)
S3_HOME = doc(
    {"Effect": "Allow", "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "arn:aws:s3:::*"},
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::BUCKET-NAME",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}}},
    {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::BUCKET-NAME/home/${aws:username}",
                                                      "arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*"]},
)
DAVID = f"arn:aws:iam::{ACCT}:user/David"

# reference_policies_multi-value-conditions.html
DDB_ALL = doc({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:*:*:table/Thread",
               "Condition": {"ForAllValues:StringLike": {
                   "dynamodb:requestedAttributes": ["PostDateTime", "Message", "Tags"]}}})
DDB_ANY_DENY = doc({"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "arn:aws:dynamodb:*:*:table/Thread",
                    "Condition": {"ForAnyValue:StringLike": {"dynamodb:requestedAttributes": ["ID", "PostDateTime"]}}})
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCT}:table/Thread"
# reference_policies_condition_examples-multi-valued-context-keys.html
TAG_KEYS_DENY = doc({"Sid": "DenyRestrictedTags", "Effect": "Deny", "Action": ["iam:Tag*", "iam:UnTag*"],
                     "Resource": ["*"], "Condition": {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}})

# reference_policies_elements_condition_operators.html
JOB_CATEGORY = doc({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": f"arn:aws:iam::{ACCT}:user/*",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}})
MAX_KEYS = doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket",
                "Condition": {"NumericLessThanEquals": {"s3:max-keys": "10"}}})
TOKEN_2020 = doc({"Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": f"arn:aws:iam::{ACCT}:user/*",
                  "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}})
SECURE_TRANSPORT = doc({"Sid": "BooleanExample", "Action": "s3:*", "Effect": "Deny",
                        "Resource": ["arn:aws:s3:::DOC-EXAMPLE-BUCKET", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
SOURCE_IP = doc({"Effect": "Allow", "Action": "someservice:*", "Resource": "*",
                 "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]}}})
ARN_VS_STRING_PATTERN = "arn:aws:someservice:*:111122223333:finance/*"
ARN_VS_STRING_VALUE = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"
RUN_INSTANCES_IFEXISTS = doc({"Sid": "RunInstance", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
                              "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}})
RUN_INSTANCES_BROKEN = doc({"Sid": "THISPOLICYDOESNOTWORK", "Effect": "Allow", "Action": "ec2:RunInstances",
                            "Resource": "*",
                            "Condition": {"StringLike": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}})
NULL_TOKEN = doc({"Action": "ec2:*", "Effect": "Allow", "Resource": "*",
                  "Condition": {"Null": {"aws:TokenIssueTime": "true"}}})

# reference_policies_elements_resource.html
S3_WILDCARD = doc({"Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*"})

# access_policies_boundaries.html
BOUNDARY_IDENTITY = doc({"Effect": "Allow", "Action": ["s3:*", "iam:*"], "Resource": "*"})
BOUNDARY = doc({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"})

ROLE = f"arn:aws:iam::{ACCT}:role/DeveloperMFARole"
TRUST_ACCOUNT_MFA = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCT}:root"},
                         "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}})
TRUST_ALICE = doc({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"})
TRUST_OTHER_ACCOUNT = doc({"Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "sts:AssumeRole"})
TRUST_EC2 = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
ASSUME_ANY = doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})
# reference_policies_elements_notprincipal.html: NotPrincipal goes with Deny in resource-based policies (not
# trust policies), and must list the account too (and for a role session: account, role and session), since
# AWS checks the account, then the role, then the session or user.
BUCKET = "arn:aws:s3:::confidential"
ROOT = f"arn:aws:iam::{ACCT}:root"
READER = f"arn:aws:iam::{ACCT}:role/reader"
READER_SESSION = f"arn:aws:sts::{ACCT}:assumed-role/reader/audit-app"


EC2_ONLY = doc({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"})


def bucket_allow(*arns: str) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": {"AWS": list(arns)}, "Action": "s3:GetObject",
                "Resource": f"{BUCKET}/*"})


def not_principal_deny(*arns: str) -> dict[str, Any]:
    return doc({"Effect": "Deny", "NotPrincipal": {"AWS": list(arns)}, "Action": "s3:*",
                "Resource": [BUCKET, f"{BUCKET}/*"]})

POWER_USER = doc({"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
                 {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:ListRoles"], "Resource": "*"})


def case(id: str, policies: list[dict[str, Any]], action: str, resource: str, expect: str, *,
         principal: str = ALICE, context: dict[str, Any] | None = None, boundary: dict[str, Any] | None = None,
         trust: dict[str, Any] | None = None, resource_policy: dict[str, Any] | None = None,
         resource_account: str = "", doc: str = "", why: str = "",
         statements: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"id": id, "policies": policies, "action": action, "resource": resource, "expect": expect,
            "principal": principal, "context": context or {}, "boundary": boundary, "trust": trust,
            "resource_policy": resource_policy,
            "resource_account": resource_account, "doc": doc, "why": why, "statements": statements}


MFA_DOC = "reference_policies_examples_iam_mfa-selfmanage.html"
CREDS_DOC = "reference_policies_examples_aws_my-sec-creds-self-manage.html"
OPS_DOC = "reference_policies_elements_condition_operators.html"
MULTI_DOC = "reference_policies_multi-value-conditions.html"
VARS_DOC = "reference_policies_variables.html"
EVAL_DOC = "reference_policies_evaluation-logic.html"

CASES: list[dict[str, Any]] = [
    # -- force MFA: the policy denies everything but enrolment until the user signs in with MFA --------------
    case("mfa-enable-own-device-keys-only", [SELF_MANAGE_MFA, EC2_READ], "iam:EnableMFADevice", ALICE, "allow",
         context=NO_MFA, doc=MFA_DOC, statements=("AllowUserToManageTheirOwnMFA",)),
    case("mfa-enable-own-device-mfa-false", [SELF_MANAGE_MFA, EC2_READ], "iam:EnableMFADevice", ALICE, "allow",
         context=MFA_FALSE, doc=MFA_DOC),
    case("mfa-create-virtual-device", [SELF_MANAGE_MFA], "iam:CreateVirtualMFADevice",
         f"arn:aws:iam::{ACCT}:mfa/alice-phone", "allow", context=MFA_FALSE, doc=MFA_DOC),
    case("mfa-ec2-denied-with-keys-only", [SELF_MANAGE_MFA, EC2_READ], "ec2:DescribeInstances", "*",
         "explicit-deny", context=NO_MFA, doc=MFA_DOC, why="BoolIfExists: an absent key makes the Deny apply",
         statements=("BlockMostAccessUnlessSignedInWithMFA",)),
    case("mfa-ec2-denied-without-mfa", [SELF_MANAGE_MFA, EC2_READ], "ec2:DescribeInstances", "*", "explicit-deny",
         context=MFA_FALSE, doc=MFA_DOC),
    case("mfa-ec2-allowed-with-mfa", [SELF_MANAGE_MFA, EC2_READ], "ec2:DescribeInstances", "*", "allow",
         context=MFA_TRUE, doc=MFA_DOC),
    case("mfa-deactivate-needs-mfa", [SELF_MANAGE_MFA], "iam:DeactivateMFADevice", ALICE, "explicit-deny",
         context=MFA_FALSE, doc=MFA_DOC),
    case("mfa-deactivate-with-mfa", [SELF_MANAGE_MFA], "iam:DeactivateMFADevice", ALICE, "allow",
         context=MFA_TRUE, doc=MFA_DOC, statements=("AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA",)),
    case("mfa-not-on-another-user", [SELF_MANAGE_MFA], "iam:EnableMFADevice", f"arn:aws:iam::{ACCT}:user/bob",
         "implicit-deny", context=MFA_FALSE, doc=MFA_DOC, why="${aws:username} is alice"),
    case("mfa-user-with-path-not-matched", [SELF_MANAGE_MFA], "iam:EnableMFADevice", ALICE_PATH, "implicit-deny",
         principal=ALICE_PATH, context=MFA_FALSE, doc=MFA_DOC,
         why="user/${aws:username} does not match an ARN whose path is /engineering/"),
    case("mfa-user-with-path-matched-by-star", [doc({"Effect": "Allow", "Action": "iam:EnableMFADevice",
                                                     "Resource": "arn:aws:iam::*:user/*/${aws:username}"})],
         "iam:EnableMFADevice", ALICE_PATH, "allow", principal=ALICE_PATH, context=MFA_FALSE, doc=MFA_DOC),
    case("mfa-list-users-exempt", [SELF_MANAGE_MFA], "iam:ListUsers", "*", "allow", context=NO_MFA, doc=MFA_DOC),
    # -- first sign-in password change ------------------------------------------------------------------------
    case("first-login-change-password-denied", [MY_SEC_CREDS], "iam:ChangePassword", ALICE, "explicit-deny",
         context=MFA_FALSE, doc=CREDS_DOC, statements=("DenyAllExceptListedIfNoMFA",)),
    case("first-login-change-password-amended", [MY_SEC_CREDS_FIRST_LOGIN], "iam:ChangePassword", ALICE, "allow",
         context=MFA_FALSE, doc=CREDS_DOC, statements=("AllowManageOwnPasswords",)),
    case("first-login-password-policy-amended", [MY_SEC_CREDS_FIRST_LOGIN], "iam:GetAccountPasswordPolicy", "*",
         "allow", context=MFA_FALSE, doc=CREDS_DOC),
    case("first-login-get-user-exempt", [MY_SEC_CREDS], "iam:GetUser", ALICE, "allow", context=MFA_FALSE,
         doc=CREDS_DOC),
    case("creds-change-password-with-mfa", [MY_SEC_CREDS], "iam:ChangePassword", ALICE, "allow",
         context=MFA_TRUE, doc=CREDS_DOC),
    # -- explicit versus implicit deny -----------------------------------------------------------------------
    case("interplay-get-allowed", [GET_LIST_DENY_REPORTS], "iam:GetUser", ALICE, "allow",
         doc="reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"),
    case("interplay-create-implicit", [GET_LIST_DENY_REPORTS], "iam:CreatePolicy", "*", "implicit-deny",
         doc="reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"),
    case("interplay-report-explicit", [GET_LIST_DENY_REPORTS], "iam:GetOrganizationsAccessReport", "*",
         "explicit-deny", doc="reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html",
         statements=("DenyReports",)),
    case("interplay-deny-beats-other-allow",
         [GET_LIST_DENY_REPORTS, doc({"Effect": "Allow", "Action": "iam:GenerateCredentialReport", "Resource": "*"})],
         "iam:GenerateCredentialReport", "*", "explicit-deny",
         doc="reference_policies_evaluation-logic_AccessPolicyLanguage_Interplay.html"),
    # -- Action and Resource matching ------------------------------------------------------------------------
    case("action-case-insensitive", [doc({"Effect": "Allow", "Action": "IAM:getuser", "Resource": "*"})],
         "iam:GetUser", "*", "allow", doc="reference_policies_elements_action.html"),
    case("resource-case-sensitive", [doc({"Effect": "Allow", "Action": "iam:GetUser",
                                          "Resource": f"arn:aws:iam::{ACCT}:user/Bob"})],
         "iam:GetUser", f"arn:aws:iam::{ACCT}:user/bob", "implicit-deny",
         doc="reference_policies_elements_resource.html", why="the IAM user name is case sensitive"),
    *[case(f"resource-wildcard-{i}", [S3_WILDCARD], "s3:GetObject", f"arn:aws:s3:::amzn-s3-demo-bucket/{key}",
           expect, doc="reference_policies_elements_resource.html")
      for i, (key, expect) in enumerate([
          ("1///test///object.jpg", "allow"), ("/test/object.jpg", "allow"), ("1/test/", "allow"),
          ("1-test/object.jpg", "implicit-deny"), ("test/object.jpg", "implicit-deny"),
          ("1/2/test.jpg", "implicit-deny")])],
    case("resource-star-within-segment", [doc({"Effect": "Allow", "Action": "iam:GetUser",
                                               "Resource": "arn:aws:iam::*:user/*"})],
         "iam:GetUser", ALICE_PATH, "allow", doc="reference_policies_elements_resource.html"),
    case("not-action-power-user-iam", [POWER_USER], "iam:CreateUser", "*", "implicit-deny",
         doc="reference_policies_elements_notaction.html"),
    case("not-action-power-user-s3", [POWER_USER], "s3:GetObject", "arn:aws:s3:::b/k", "allow",
         doc="reference_policies_elements_notaction.html"),
    case("not-action-power-user-listroles", [POWER_USER], "iam:ListRoles", "*", "allow",
         doc="reference_policies_elements_notaction.html"),
    case("not-resource-deny-elsewhere", [ALLOW_ALL, doc({"Effect": "Deny", "Action": "s3:*",
                                                         "NotResource": "arn:aws:s3:::home/*"})],
         "s3:GetObject", "arn:aws:s3:::other/x", "explicit-deny", doc="reference_policies_elements_notresource.html"),
    case("not-resource-allowed-inside", [ALLOW_ALL, doc({"Effect": "Deny", "Action": "s3:*",
                                                         "NotResource": "arn:aws:s3:::home/*"})],
         "s3:GetObject", "arn:aws:s3:::home/x", "allow", doc="reference_policies_elements_notresource.html"),
    # -- policy variables ------------------------------------------------------------------------------------
    case("vars-s3-list-own-prefix", [S3_HOME], "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "allow",
         principal=DAVID, context={"s3:prefix": "home/David/"}, doc=VARS_DOC),
    case("vars-s3-list-other-prefix", [S3_HOME], "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "implicit-deny",
         principal=DAVID, context={"s3:prefix": "home/Adele/"}, doc=VARS_DOC),
    case("vars-s3-list-root-prefix", [S3_HOME], "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "allow",
         principal=DAVID, context={"s3:prefix": ""}, doc=VARS_DOC),
    case("vars-s3-own-object", [S3_HOME], "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt",
         "allow", principal=DAVID, doc=VARS_DOC),
    case("vars-s3-other-object", [S3_HOME], "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/Adele/notes.txt",
         "implicit-deny", principal=DAVID, doc=VARS_DOC),
    case("vars-principal-tag", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                     "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/department}"})],
         "s3:GetObject", "arn:aws:s3:::bucket/hr", "allow", context={"aws:PrincipalTag/department": "hr"},
         doc=VARS_DOC),
    case("vars-principal-tag-absent", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                            "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/department}"})],
         "s3:GetObject", "arn:aws:s3:::bucket/hr", "implicit-deny", doc=VARS_DOC,
         why="an unresolvable variable matches nothing"),
    case("vars-default-value", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                     "Resource": "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'shared'}/*"})],
         "s3:GetObject", "arn:aws:s3:::bucket/shared/x", "allow", doc=VARS_DOC),
    case("vars-escape-star-literal", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                           "Resource": "arn:aws:s3:::bucket/${*}"})],
         "s3:GetObject", "arn:aws:s3:::bucket/anything", "implicit-deny", doc=VARS_DOC,
         why="${*} is a literal asterisk"),
    case("vars-escape-star-matches-asterisk", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": "arn:aws:s3:::bucket/${*}${?}${$}"})],
         "s3:GetObject", "arn:aws:s3:::bucket/*?$", "allow", doc=VARS_DOC),
    case("vars-literal-without-version", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": "arn:aws:s3:::bucket/${aws:username}"}, version=None)],
         "s3:GetObject", "arn:aws:s3:::bucket/alice", "implicit-deny", doc=VARS_DOC,
         why="without Version 2012-10-17 variables are literal text"),
    case("vars-literal-without-version-matches-text", [doc({"Effect": "Allow", "Action": "s3:GetObject",
                                                            "Resource": "arn:aws:s3:::bucket/${aws:username}"},
                                                           version=None)],
         "s3:GetObject", "arn:aws:s3:::bucket/${aws:username}", "allow", doc=VARS_DOC),
    case("vars-in-condition", [doc({"Effect": "Allow", "Action": "sns:Subscribe", "Resource": "*",
                                    "Condition": {"StringLike": {"sns:endpoint": "https://example.com/${aws:username}/"}}})],
         "sns:Subscribe", "*", "allow", context={"sns:Endpoint": "https://example.com/alice/"}, doc=VARS_DOC),
    # -- condition operators ---------------------------------------------------------------------------------
    case("cond-string-tag-missing", [JOB_CATEGORY], "iam:CreateAccessKey", ALICE, "implicit-deny", doc=OPS_DOC),
    case("cond-string-tag-present", [JOB_CATEGORY], "iam:CreateAccessKey", ALICE, "allow",
         context={"aws:PrincipalTag/job-category": "iamuser-admin"}, doc=OPS_DOC),
    case("cond-key-names-case-insensitive", [JOB_CATEGORY], "iam:CreateAccessKey", ALICE, "allow",
         context={"AWS:PRINCIPALTAG/JOB-CATEGORY": "iamuser-admin"}, doc=VARS_DOC),
    case("cond-numeric-le-10", [MAX_KEYS], "s3:ListBucket", "arn:aws:s3:::example_bucket", "allow",
         context={"s3:max-keys": 10}, doc=OPS_DOC),
    case("cond-numeric-11", [MAX_KEYS], "s3:ListBucket", "arn:aws:s3:::example_bucket", "implicit-deny",
         context={"s3:max-keys": "11"}, doc=OPS_DOC),
    case("cond-date-no-token", [TOKEN_2020], "iam:CreateAccessKey", ALICE, "implicit-deny", doc=OPS_DOC,
         why="long-term keys: aws:TokenIssueTime absent"),
    case("cond-date-token-2020", [TOKEN_2020], "iam:CreateAccessKey", ALICE, "allow",
         context={"aws:TokenIssueTime": "2020-06-01T00:00:00Z"}, doc=OPS_DOC),
    case("cond-bool-insecure-denied", [ALLOW_ALL, SECURE_TRANSPORT], "s3:GetObject",
         "arn:aws:s3:::DOC-EXAMPLE-BUCKET/x", "explicit-deny", context={"aws:SecureTransport": False}, doc=OPS_DOC),
    case("cond-bool-secure-allowed", [ALLOW_ALL, SECURE_TRANSPORT], "s3:GetObject",
         "arn:aws:s3:::DOC-EXAMPLE-BUCKET/x", "allow", context={"aws:SecureTransport": "true"}, doc=OPS_DOC),
    case("cond-ip-in-range", [SOURCE_IP], "someservice:Do", "*", "allow", context={"aws:SourceIp": "203.0.113.7"},
         doc=OPS_DOC),
    case("cond-ip-out-of-range", [SOURCE_IP], "someservice:Do", "*", "implicit-deny",
         context={"aws:SourceIp": "198.51.100.1"}, doc=OPS_DOC),
    case("cond-ipv6-in-range", [SOURCE_IP], "someservice:Do", "*", "allow",
         context={"aws:SourceIp": "2001:db8:1234:5678::1"}, doc=OPS_DOC),
    case("cond-stringlike-spans-colons", [doc({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                                               "Condition": {"StringLike": {"aws:SourceArn": ARN_VS_STRING_PATTERN}}})],
         "sqs:SendMessage", "*", "allow", context={"aws:SourceArn": ARN_VS_STRING_VALUE}, doc=OPS_DOC),
    case("cond-arnlike-per-segment", [doc({"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
                                           "Condition": {"ArnLike": {"aws:SourceArn": ARN_VS_STRING_PATTERN}}})],
         "sqs:SendMessage", "*", "implicit-deny", context={"aws:SourceArn": ARN_VS_STRING_VALUE}, doc=OPS_DOC),
    case("cond-ifexists-matching-type", [RUN_INSTANCES_IFEXISTS], "ec2:RunInstances", "*", "allow",
         context={"ec2:InstanceType": "t2.micro"}, doc=OPS_DOC),
    case("cond-ifexists-other-type", [RUN_INSTANCES_IFEXISTS], "ec2:RunInstances", "*", "implicit-deny",
         context={"ec2:InstanceType": "m5.large"}, doc=OPS_DOC),
    case("cond-ifexists-key-absent", [RUN_INSTANCES_IFEXISTS], "ec2:RunInstances",
         "arn:aws:ec2:us-east-1::image/ami-1", "allow", doc=OPS_DOC),
    case("cond-without-ifexists-key-absent", [RUN_INSTANCES_BROKEN], "ec2:RunInstances",
         "arn:aws:ec2:us-east-1::image/ami-1", "implicit-deny", doc=OPS_DOC, why="THISPOLICYDOESNOTWORK"),
    case("cond-null-long-term-keys", [NULL_TOKEN], "ec2:DescribeInstances", "*", "allow", doc=OPS_DOC),
    case("cond-null-temporary-credentials", [NULL_TOKEN], "ec2:DescribeInstances", "*", "implicit-deny",
         context={"aws:TokenIssueTime": "2024-01-01T00:00:00Z"}, doc=OPS_DOC),
    case("cond-negated-missing-key-true",
         [ALLOW_ALL, doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                          "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "a*"}}})],
         "s3:GetObject", "*", "explicit-deny", doc=OPS_DOC, why="negated operator, key absent: true"),
    case("cond-negated-ifexists-missing-deny", [ALLOW_ALL, doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                                                               "Condition": {"StringNotEqualsIfExists": {
                                                                   "aws:PrincipalTag/team": "a"}}})],
         "s3:GetObject", "*", "explicit-deny", doc=OPS_DOC,
         why="Deny with StringNotEqualsIfExists: still denied when the tag is missing"),
    # -- multi-valued keys -----------------------------------------------------------------------------------
    case("multi-forall-subset", [DDB_ALL], "dynamodb:GetItem", TABLE, "allow",
         context={"dynamodb:requestedAttributes": ["PostDateTime", "Message"]}, doc=MULTI_DOC),
    case("multi-forall-extra-value", [DDB_ALL], "dynamodb:GetItem", TABLE, "implicit-deny",
         context={"dynamodb:requestedAttributes": ["PostDateTime", "UserName"]}, doc=MULTI_DOC),
    case("multi-forall-absent-is-true", [DDB_ALL], "dynamodb:GetItem", TABLE, "allow", doc=MULTI_DOC),
    case("multi-forall-empty-is-true", [DDB_ALL], "dynamodb:GetItem", TABLE, "allow",
         context={"dynamodb:requestedAttributes": []}, doc=MULTI_DOC),
    case("multi-forany-one-match-denies", [ALLOW_ALL, DDB_ANY_DENY], "dynamodb:PutItem", TABLE, "explicit-deny",
         context={"dynamodb:requestedAttributes": ["UserName", "Message", "PostDateTime"]}, doc=MULTI_DOC),
    case("multi-forany-no-match", [ALLOW_ALL, DDB_ANY_DENY], "dynamodb:PutItem", TABLE, "allow",
         context={"dynamodb:requestedAttributes": ["UserName"]}, doc=MULTI_DOC),
    case("multi-forany-absent-is-false", [ALLOW_ALL, DDB_ANY_DENY], "dynamodb:PutItem", TABLE, "allow",
         doc=MULTI_DOC),
    *[case(f"multi-tagkeys-{i}", [ALLOW_ALL, TAG_KEYS_DENY], "iam:TagUser", ALICE, expect,
           context={"aws:TagKeys": keys} if keys is not None else {},
           doc="reference_policies_condition_examples-multi-valued-context-keys.html")
      for i, (keys, expect) in enumerate([
          (["key1:legal"], "allow"), (["key1:hr", "key1:personnel"], "allow"), (["key2:audit"], "explicit-deny"),
          (None, "explicit-deny")])],
    # -- permissions boundaries ------------------------------------------------------------------------------
    case("boundary-both-allow", [BOUNDARY_IDENTITY], "s3:GetObject", "arn:aws:s3:::b/k", "allow", boundary=BOUNDARY,
         doc="access_policies_boundaries.html"),
    case("boundary-limits-identity", [BOUNDARY_IDENTITY], "iam:CreateUser", "*", "implicit-deny",
         boundary=BOUNDARY, doc="access_policies_boundaries.html"),
    case("boundary-grants-nothing-alone", [BOUNDARY_IDENTITY], "ec2:DescribeInstances", "*", "implicit-deny",
         boundary=BOUNDARY, doc="access_policies_boundaries.html"),
    case("boundary-limits-resource-policy-naming-the-role", [], "s3:GetObject", f"{BUCKET}/x", "implicit-deny",
         principal=READER_SESSION, boundary=EC2_ONLY, resource_policy=bucket_allow(READER),
         doc="access_policies_boundaries.html"),
    case("boundary-not-limiting-resource-policy-naming-the-session", [], "s3:GetObject", f"{BUCKET}/x", "allow",
         principal=READER_SESSION, boundary=EC2_ONLY, resource_policy=bucket_allow(READER_SESSION),
         doc="access_policies_boundaries.html"),
    case("resource-policy-naming-the-role-grants-its-sessions", [], "s3:GetObject", f"{BUCKET}/x", "allow",
         principal=READER_SESSION, resource_policy=bucket_allow(READER),
         doc="reference_policies_elements_principal.html"),
    # -- role trust policies ---------------------------------------------------------------------------------
    case("trust-account-mfa", [ASSUME_ANY], "sts:AssumeRole", ROLE, "allow", trust=TRUST_ACCOUNT_MFA,
         context=MFA_TRUE, doc="id_credentials_mfa_configure-api-require.html"),
    case("trust-account-no-mfa", [ASSUME_ANY], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_ACCOUNT_MFA,
         context=MFA_FALSE, doc="id_credentials_mfa_configure-api-require.html"),
    case("trust-account-keys-only", [ASSUME_ANY], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_ACCOUNT_MFA,
         context=NO_MFA, doc="id_credentials_mfa_configure-api-require.html"),
    case("trust-account-needs-identity-allow", [], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_ACCOUNT_MFA,
         context=MFA_TRUE, doc=EVAL_DOC, why="the account principal delegates to identity policies"),
    case("trust-names-user-directly", [], "sts:AssumeRole", ROLE, "allow", trust=TRUST_ALICE, doc=EVAL_DOC,
         why="same account: a resource policy naming the principal is enough"),
    case("trust-other-user-not-named", [ASSUME_ANY], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_ALICE,
         principal=f"arn:aws:iam::{ACCT}:user/bob", doc=EVAL_DOC),
    case("trust-cross-account-both", [ASSUME_ANY], "sts:AssumeRole", ROLE, "allow", trust=TRUST_OTHER_ACCOUNT,
         principal="arn:aws:iam::999999999999:user/eve", resource_account=ACCT,
         doc="reference_policies_evaluation-logic-cross-account.html"),
    case("trust-cross-account-no-identity", [], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_OTHER_ACCOUNT,
         principal="arn:aws:iam::999999999999:user/eve", resource_account=ACCT,
         doc="reference_policies_evaluation-logic-cross-account.html"),
    case("trust-service-principal", [], "sts:AssumeRole", ROLE, "allow", trust=TRUST_EC2,
         principal="ec2.amazonaws.com", doc="reference_policies_elements_principal.html"),
    case("trust-service-not-a-user", [ASSUME_ANY], "sts:AssumeRole", ROLE, "implicit-deny", trust=TRUST_EC2,
         doc="reference_policies_elements_principal.html"),
    # -- NotPrincipal with Deny (resource-based policy) ------------------------------------------------------
    case("not-principal-deny-others", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "explicit-deny",
         resource_policy=not_principal_deny(ALICE, ROOT), principal=f"arn:aws:iam::{ACCT}:user/bob",
         doc="reference_policies_elements_notprincipal.html"),
    case("not-principal-named-with-account-allowed", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "allow",
         resource_policy=not_principal_deny(ALICE, ROOT), doc="reference_policies_elements_notprincipal.html"),
    case("not-principal-without-account-denies", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "explicit-deny",
         resource_policy=not_principal_deny(ALICE), doc="reference_policies_elements_notprincipal.html",
         why="the account is checked first: not listed, so the Deny applies to alice too"),
    case("not-principal-account-alone-exempts-no-user", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x",
         "explicit-deny", resource_policy=not_principal_deny(ROOT),
         doc="reference_policies_elements_notprincipal.html"),
    case("not-principal-role-session-listed", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "allow",
         principal=READER_SESSION, resource_policy=not_principal_deny(READER_SESSION, READER, ROOT),
         doc="reference_policies_elements_notprincipal.html"),
    case("not-principal-role-without-session", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "explicit-deny",
         principal=READER_SESSION, resource_policy=not_principal_deny(READER, ROOT),
         doc="reference_policies_elements_notprincipal.html",
         why="the session ARN must be listed too (NotPrincipal takes no wildcards)"),
    case("not-principal-boundary-always-denied", [ALLOW_ALL], "s3:GetObject", f"{BUCKET}/x", "explicit-deny",
         boundary=ALLOW_ALL, resource_policy=not_principal_deny(ALICE, ROOT),
         doc="reference_policies_elements_notprincipal.html",
         why="a NotPrincipal Deny always denies principals that have a permissions boundary"),
]
