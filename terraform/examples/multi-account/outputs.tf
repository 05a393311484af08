output "role_arns" {
  description = "Role ARNs per account, then per \"level/<name>\"."
  value = {
    management = module.management.role_arns
    dev        = module.dev.role_arns
    prod       = module.prod.role_arns
  }
}

output "group_names" {
  description = "Group names per account, then per \"level/<name>\"."
  value = {
    management = module.management.group_names
    dev        = module.dev.group_names
    prod       = module.prod.group_names
  }
}

output "policy_arns" {
  description = "Force-MFA policy ARN per account."
  value = {
    management = module.management.policy_arn
    dev        = module.dev.policy_arn
    prod       = module.prod.policy_arn
  }
}

output "aws_config" {
  description = "~/.aws/config profiles for the roles of every account."
  value       = join("\n", [module.management.aws_config, module.dev.aws_config, module.prod.aws_config])
}
