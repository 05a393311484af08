output "group_names" {
  description = "Enforcement group names keyed \"level/<name>\" and \"team/<name>\"."
  value       = module.mfa.group_names
}

output "role_arns" {
  description = "MFA-protected role ARNs keyed \"level/<name>\" and \"team/<name>\"."
  value       = module.mfa.role_arns
}

output "policy_arn" {
  description = "ARN of the force-MFA policy."
  value       = module.mfa.policy_arn
}

output "policy_documents" {
  description = "Rendered policy documents of the enforcement stack."
  value       = module.mfa.policy_documents
}

output "aws_config" {
  description = "~/.aws/config profiles for every role."
  value       = module.mfa.aws_config
}

output "users" {
  description = "Per user: ARN, groups, access key ID and the commands that decrypt the generated secrets."
  value = { for name, u in module.users : name => {
    arn                    = u.user_arn
    groups                 = u.groups
    access_key_id          = u.access_key_id
    password_decrypt_cmd   = u.login_profile_decrypt_command
    secret_key_decrypt_cmd = u.access_key_decrypt_command
  } }
}
