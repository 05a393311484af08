data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id

  trusted_principal_arns = length(var.trusted_principal_arns) > 0 ? var.trusted_principal_arns : ["arn:${local.partition}:iam::${local.account_id}:root"]

  # "read-only" -> "ReadOnly": names in the seed's style (DeveloperMFAGroup, DeveloperMFARole).
  titles = { for name in setunion(keys(var.access_levels), keys(var.teams)) : name => join("", [for w in split("-", name) : title(w)]) }

  # Access levels and teams share every resource below; keys are "level/<name>" and "team/<name>".
  stack_inputs = merge(
    { for name, l in var.access_levels : "level/${name}" => merge(l, {
      kind               = "level"
      name               = name
      inline_role_policy = null
      default_group      = "${var.name_prefix}${local.titles[name]}MFAGroup${var.name_suffix}"
      default_role       = "${var.name_prefix}${local.titles[name]}MFARole${var.name_suffix}"
      profile            = "${var.aws_config_profile_prefix}${name}"
    }) },
    { for name, t in var.teams : "team/${name}" => merge(t, {
      kind          = "team"
      name          = name
      default_group = "${var.name_prefix}${local.titles[name]}TeamMFAGroup${var.name_suffix}"
      default_role  = "${var.name_prefix}${local.titles[name]}TeamMFARole${var.name_suffix}"
      profile       = "${var.aws_config_profile_prefix}team-${name}"
    }) },
  )

  stacks = { for key, s in local.stack_inputs : key => {
    kind                   = s.kind
    name                   = s.name
    group_name             = coalesce(s.group_name, s.default_group)
    role_name              = coalesce(s.role_name, s.default_role)
    role_arn               = "arn:${local.partition}:iam::${local.account_id}:role${var.path}${coalesce(s.role_name, s.default_role)}"
    enforce_mfa            = coalesce(s.enforce_mfa, var.enforce_mfa)
    deny_db_deletion       = s.deny_db_deletion
    max_session_duration   = coalesce(s.max_session_duration, var.max_session_duration)
    trusted_principal_arns = s.trusted_principal_arns != null ? s.trusted_principal_arns : local.trusted_principal_arns
    inline_role_policy     = s.inline_role_policy
    profile                = s.profile
    role_policy_arns = distinct(concat(
      [for p in s.role_policies : startswith(p, "arn:") ? p : "arn:${local.partition}:iam::aws:policy/${p}"],
      s.allow_iam_full_access ? ["arn:${local.partition}:iam::aws:policy/IAMFullAccess"] : [],
    ))
    group_policy_arns = distinct([for p in s.group_policies : startswith(p, "arn:") ? p : "arn:${local.partition}:iam::aws:policy/${p}"])
  } }

  # Attachments keyed "<stack>:<policy ARN>" so that adding a policy never moves another one.
  role_policy_attachments = merge(concat([{}], [for key, s in local.stacks : {
    for arn in s.role_policy_arns : "${key}:${arn}" => { stack = key, policy_arn = arn }
  }])...)
  group_policy_attachments = merge(concat([{}], [for key, s in local.stacks : {
    for arn in s.group_policy_arns : "${key}:${arn}" => { stack = key, policy_arn = arn }
  }])...)

  # Policy ARNs computed rather than read from the resources: known at plan time, so the plan JSON
  # says which group gets which policy (the policy verifier reads it before anything exists).
  policy_names = {
    force_mfa        = "${var.name_prefix}ForceMFA${var.name_suffix}"
    self_service     = "${var.name_prefix}MFASelfService${var.name_suffix}"
    deny_db_deletion = "${var.name_prefix}DenyDBDeletion${var.name_suffix}"
  }
  policy_arns = { for key, name in local.policy_names : key => "arn:${local.partition}:iam::${local.account_id}:policy${var.path}${name}" }

  deny_db_deletion_stacks = { for key, s in local.stacks : key => s if s.deny_db_deletion }
  inline_role_policies    = { for key, s in local.stacks : key => s.inline_role_policy if s.inline_role_policy != null }

  # Own user, with or without an IAM path (arn:...:user/engineering/alice): user names are unique per
  # account, so "*/<name>" can only match that user.
  own_user = ["arn:${local.partition}:iam::*:user/$${aws:username}", "arn:${local.partition}:iam::*:user/*/$${aws:username}"]

  # What a member without MFA may still do: the console's security-credentials page, a first-login
  # password change, enrolling and resyncing devices of any name, and getting an MFA session token.
  actions_without_mfa = distinct(concat([
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetAccountPasswordPolicy",
    "iam:GetMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
  ], var.allowed_actions_without_mfa))

  db_deletion_actions = [
    "rds:DeleteDBCluster",
    "rds:DeleteDBClusterAutomatedBackup",
    "rds:DeleteDBClusterSnapshot",
    "rds:DeleteDBInstance",
    "rds:DeleteDBInstanceAutomatedBackup",
    "rds:DeleteDBShardGroup",
    "rds:DeleteDBSnapshot",
    "rds:DeleteGlobalCluster",
    "rds:DeleteTenantDatabase",
  ]
}

################################################################################
# Policy documents (rendered at plan time: the policy verifier reads them)
################################################################################

data "aws_iam_policy_document" "self_service" {
  statement {
    sid       = "AllowViewAccountInfo"
    effect    = "Allow"
    actions   = ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"]
    resources = ["*"]
  }

  statement {
    sid       = "AllowManageOwnPasswords"
    effect    = "Allow"
    actions   = ["iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile"]
    resources = local.own_user
  }

  statement {
    sid    = "AllowManageOwnAccessKeys"
    effect = "Allow"
    actions = [
      "iam:CreateAccessKey",
      "iam:DeleteAccessKey",
      "iam:GetAccessKeyLastUsed",
      "iam:ListAccessKeys",
      "iam:UpdateAccessKey",
    ]
    resources = local.own_user
  }

  statement {
    sid    = "AllowManageOwnSigningCertificates"
    effect = "Allow"
    actions = [
      "iam:DeleteSigningCertificate",
      "iam:ListSigningCertificates",
      "iam:UpdateSigningCertificate",
      "iam:UploadSigningCertificate",
    ]
    resources = local.own_user
  }

  statement {
    sid    = "AllowManageOwnSSHPublicKeys"
    effect = "Allow"
    actions = [
      "iam:DeleteSSHPublicKey",
      "iam:GetSSHPublicKey",
      "iam:ListSSHPublicKeys",
      "iam:UpdateSSHPublicKey",
      "iam:UploadSSHPublicKey",
    ]
    resources = local.own_user
  }

  statement {
    sid    = "AllowManageOwnGitCredentials"
    effect = "Allow"
    actions = [
      "iam:CreateServiceSpecificCredential",
      "iam:DeleteServiceSpecificCredential",
      "iam:ListServiceSpecificCredentials",
      "iam:ResetServiceSpecificCredential",
      "iam:UpdateServiceSpecificCredential",
    ]
    resources = local.own_user
  }

  # Any device name, so people can keep several devices (phone, YubiKey, password manager).
  statement {
    sid       = "AllowCreateVirtualMFADevice"
    effect    = "Allow"
    actions   = ["iam:CreateVirtualMFADevice"]
    resources = ["arn:${local.partition}:iam::*:mfa/*"]
  }

  statement {
    sid    = "AllowManageOwnUserMFA"
    effect = "Allow"
    actions = [
      "iam:EnableMFADevice",
      "iam:GetMFADevice",
      "iam:ListMFADevices",
      "iam:ResyncMFADevice",
    ]
    resources = local.own_user
  }

  # A stolen password alone must not be able to remove the second factor.
  statement {
    sid       = "AllowDeactivateOwnMFADeviceOnlyWithMFA"
    effect    = "Allow"
    actions   = ["iam:DeactivateMFADevice"]
    resources = local.own_user

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }

  statement {
    sid       = "AllowDeleteVirtualMFADeviceOnlyWithMFA"
    effect    = "Allow"
    actions   = ["iam:DeleteVirtualMFADevice"]
    resources = ["arn:${local.partition}:iam::*:mfa/*"]

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

data "aws_iam_policy_document" "force_mfa" {
  source_policy_documents = [data.aws_iam_policy_document.self_service.json]

  # BoolIfExists: requests signed with long-term access keys carry no MFA key at all and are denied too.
  statement {
    sid         = "DenyAllExceptListedIfNoMFA"
    effect      = "Deny"
    not_actions = local.actions_without_mfa
    resources   = ["*"]

    condition {
      test     = "BoolIfExists"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["false"]
    }
  }
}

data "aws_iam_policy_document" "deny_db_deletion" {
  statement {
    sid       = "DenyDatabaseDeletion"
    effect    = "Deny"
    actions   = local.db_deletion_actions
    resources = ["*"]
  }
}

# Bool (not BoolIfExists): a request without the MFA key, e.g. signed with long-term keys, is refused.
data "aws_iam_policy_document" "trust" {
  for_each = local.stacks

  statement {
    sid     = "AssumeRoleOnlyWithRecentMFA"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = each.value.trusted_principal_arns
    }

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }

    condition {
      test     = "NumericLessThan"
      variable = "aws:MultiFactorAuthAge"
      values   = [tostring(var.mfa_max_age_seconds)]
    }
  }
}

data "aws_iam_policy_document" "assume_role" {
  for_each = local.stacks

  statement {
    sid       = "AssumeOwnRoleOnlyWithMFA"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = [each.value.role_arn]

    condition {
      test     = "Bool"
      variable = "aws:MultiFactorAuthPresent"
      values   = ["true"]
    }
  }
}

################################################################################
# Managed policies
################################################################################

resource "aws_iam_policy" "self_service" {
  name        = local.policy_names.self_service
  path        = var.path
  description = "Lets users manage their own credentials and MFA devices (MFA needed to remove a device)."
  policy      = data.aws_iam_policy_document.self_service.json
  tags        = var.tags
}

resource "aws_iam_policy" "force_mfa" {
  name        = local.policy_names.force_mfa
  path        = var.path
  description = "MFA self-service; everything else is denied until the user signs in with MFA."
  policy      = data.aws_iam_policy_document.force_mfa.json
  tags        = var.tags
}

resource "aws_iam_policy" "deny_db_deletion" {
  count = length(local.deny_db_deletion_stacks) > 0 ? 1 : 0

  name        = local.policy_names.deny_db_deletion
  path        = var.path
  description = "Denies deleting RDS/Aurora instances, clusters, snapshots and backups."
  policy      = data.aws_iam_policy_document.deny_db_deletion.json
  tags        = var.tags
}

################################################################################
# Groups and roles, one pair per access level and per team
################################################################################

resource "aws_iam_group" "this" {
  for_each = local.stacks

  name = each.value.group_name
  path = var.path

  lifecycle {
    precondition {
      condition     = length(distinct([for s in local.stacks : lower(s.group_name)])) == length(local.stacks)
      error_message = "Two access levels or teams produce the same group name (IAM names are case-insensitive): set group_name on one of them."
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.stacks

  name                 = each.value.role_name
  path                 = var.path
  description          = "MFA-protected ${each.value.kind} role ${each.value.name}."
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = each.value.max_session_duration
  tags                 = merge(var.tags, { "mfaguard:${each.value.kind}" = each.value.name })

  lifecycle {
    precondition {
      condition     = length(each.value.role_name) <= 64
      error_message = "Role name ${each.value.role_name} is longer than 64 characters: shorten the name, name_prefix or name_suffix, or set role_name."
    }

    precondition {
      condition     = length(distinct([for s in local.stacks : lower(s.role_name)])) == length(local.stacks)
      error_message = "Two access levels or teams produce the same role name (IAM names are case-insensitive): set role_name on one of them."
    }
  }
}

resource "aws_iam_group_policy" "assume_role" {
  for_each = local.stacks

  name   = "AssumeRoleWithMFA"
  group  = aws_iam_group.this[each.key].name
  policy = data.aws_iam_policy_document.assume_role[each.key].json
}

# The force-MFA policy where enforcement is on, the self-service policy (enroll only) where it is off.
resource "aws_iam_group_policy_attachment" "mfa" {
  for_each = local.stacks

  group      = aws_iam_group.this[each.key].name
  policy_arn = each.value.enforce_mfa ? local.policy_arns.force_mfa : local.policy_arns.self_service

  depends_on = [aws_iam_policy.force_mfa, aws_iam_policy.self_service]

  lifecycle {
    # Switching enforcement attaches the new policy before detaching the old: members never lose self-service.
    create_before_destroy = true
  }
}

resource "aws_iam_group_policy_attachment" "this" {
  for_each = local.group_policy_attachments

  group      = aws_iam_group.this[each.value.stack].name
  policy_arn = each.value.policy_arn
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = local.role_policy_attachments

  role       = aws_iam_role.this[each.value.stack].name
  policy_arn = each.value.policy_arn
}

resource "aws_iam_role_policy" "inline" {
  for_each = local.inline_role_policies

  name   = "TeamPolicy"
  role   = aws_iam_role.this[each.key].name
  policy = each.value
}

resource "aws_iam_role_policy_attachment" "deny_db_deletion" {
  for_each = local.deny_db_deletion_stacks

  role       = aws_iam_role.this[each.key].name
  policy_arn = local.policy_arns.deny_db_deletion

  depends_on = [aws_iam_policy.deny_db_deletion]
}

resource "aws_iam_group_policy_attachment" "deny_db_deletion" {
  for_each = local.deny_db_deletion_stacks

  group      = aws_iam_group.this[each.key].name
  policy_arn = local.policy_arns.deny_db_deletion

  depends_on = [aws_iam_policy.deny_db_deletion]
}
