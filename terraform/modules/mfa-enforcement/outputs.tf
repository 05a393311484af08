locals {
  # The person's MFA device lives in the account of the trusted principal (usually this one).
  mfa_account = { for key, s in local.stacks : key => regex("^arn:[^:]+:[^:]+::([0-9]{12}):", s.trusted_principal_arns[0])[0] }

  aws_config_snippets = { for key, s in local.stacks : key => join("\n", [
    "[profile ${s.profile}]",
    "role_arn = ${s.role_arn}",
    "source_profile = ${var.aws_config_source_profile}",
    "mfa_serial = arn:${local.partition}:iam::${local.mfa_account[key]}:mfa/YOUR-MFA-DEVICE-NAME",
    "duration_seconds = ${s.max_session_duration}",
    "",
  ]) }

  stack_outputs = { for key, s in local.stacks : key => {
    group_name           = aws_iam_group.this[key].name
    group_arn            = aws_iam_group.this[key].arn
    role_name            = aws_iam_role.this[key].name
    role_arn             = aws_iam_role.this[key].arn
    max_session_duration = s.max_session_duration
    enforce_mfa          = s.enforce_mfa
    aws_config           = local.aws_config_snippets[key]
  } }
}

output "access_levels" {
  description = "Per access level: group_name, group_arn, role_name, role_arn, max_session_duration, enforce_mfa, aws_config."
  value       = { for key, o in local.stack_outputs : local.stacks[key].name => o if local.stacks[key].kind == "level" }
}

output "teams" {
  description = "Per team: group_name, group_arn, role_name, role_arn, max_session_duration, enforce_mfa, aws_config."
  value       = { for key, o in local.stack_outputs : local.stacks[key].name => o if local.stacks[key].kind == "team" }
}

output "group_names" {
  description = "Group names keyed \"level/<name>\" and \"team/<name>\"."
  value       = { for key, g in aws_iam_group.this : key => g.name }
}

output "group_arns" {
  description = "Group ARNs keyed \"level/<name>\" and \"team/<name>\"."
  value       = { for key, g in aws_iam_group.this : key => g.arn }
}

output "role_names" {
  description = "Role names keyed \"level/<name>\" and \"team/<name>\"."
  value       = { for key, r in aws_iam_role.this : key => r.name }
}

output "role_arns" {
  description = "Role ARNs keyed \"level/<name>\" and \"team/<name>\"."
  value       = { for key, r in aws_iam_role.this : key => r.arn }
}

output "policy_arn" {
  description = "ARN of the force-MFA self-service policy."
  value       = aws_iam_policy.force_mfa.arn
}

output "self_service_policy_arn" {
  description = "ARN of the self-service policy without the deny (groups whose enforcement is off)."
  value       = aws_iam_policy.self_service.arn
}

output "deny_db_deletion_policy_arn" {
  description = "ARN of the database-deletion guard policy (null when no level or team uses it)."
  value       = try(aws_iam_policy.deny_db_deletion[0].arn, null)
}

output "enforced_groups" {
  description = "Names of the groups whose members are denied everything but MFA self-service without MFA."
  value       = sort([for key, s in local.stacks : s.group_name if s.enforce_mfa])
}

output "policy_documents" {
  description = <<-EOT
    Rendered policy JSON documents: force_mfa, self_service, deny_db_deletion, and per stack key
    ("level/<name>", "team/<name>") the role trust policies (trust) and the group policies that allow
    assuming the role (assume_role).
  EOT
  value = {
    force_mfa        = data.aws_iam_policy_document.force_mfa.json
    self_service     = data.aws_iam_policy_document.self_service.json
    deny_db_deletion = data.aws_iam_policy_document.deny_db_deletion.json
    trust            = { for key, d in data.aws_iam_policy_document.trust : key => d.json }
    assume_role      = { for key, d in data.aws_iam_policy_document.assume_role : key => d.json }
    inline_role      = local.inline_role_policies
  }
}

output "aws_config_snippets" {
  description = "A ready ~/.aws/config profile per role, keyed \"level/<name>\" and \"team/<name>\"."
  value       = local.aws_config_snippets
}

output "aws_config" {
  description = "All profiles in one ~/.aws/config snippet."
  value       = join("\n", [for key in sort(keys(local.aws_config_snippets)) : local.aws_config_snippets[key]])
}
