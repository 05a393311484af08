provider "aws" {
  region = var.region
}

module "mfa" {
  source = "../../modules/mfa-enforcement"

  # Always explicit: members of these groups are denied everything but MFA self-service without MFA.
  enforce_mfa = true

  max_session_duration = 14400
  mfa_max_age_seconds  = 43200

  access_levels = {
    developer = {
      role_policies    = ["PowerUserAccess"]
      group_policies   = ["AmazonEC2ReadOnlyAccess"]
      deny_db_deletion = true
    }
    admin = {
      role_policies        = ["AdministratorAccess"]
      max_session_duration = 3600
    }
  }

  teams = {
    payments = {
      role_policies = ["ReadOnlyAccess"]
      inline_role_policy = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Sid      = "PaymentsBuckets"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject"]
          Resource = ["arn:aws:s3:::payments-*/*"]
        }]
      })
      deny_db_deletion = true
      # Staged rollout: this team's group enrolls first and is enforced in a later change.
      enforce_mfa = false
    }
  }

  allowed_actions_without_mfa = ["iam:ListAccountAliases"]
  aws_config_profile_prefix   = "example-"

  tags = {
    "managed-by" = "terraform"
  }
}

locals {
  users = {
    alice = {
      path       = "/"
      team       = "sre"
      email      = "alice@example.com"
      person     = "Alice Doe"
      groups     = ["level/admin"]
      console    = true
      access_key = false
    }
    bob = {
      path       = "/engineering/"
      team       = "payments"
      email      = "bob@example.com"
      person     = "Bob Roe"
      groups     = ["level/developer", "team/payments"]
      console    = true
      access_key = true
    }
    carol = {
      path       = "/engineering/"
      team       = "payments"
      email      = "carol@example.com"
      person     = "Carol Poe"
      groups     = ["level/developer"]
      console    = false
      access_key = false
    }
  }
}

module "users" {
  source   = "../../modules/iam-user"
  for_each = local.users

  name   = each.key
  path   = each.value.path
  team   = each.value.team
  email  = each.value.email
  person = each.value.person

  pgp_key              = var.pgp_key
  create_login_profile = each.value.console
  create_access_key    = each.value.access_key
  ssh_public_keys      = lookup(var.ssh_public_keys, each.key, [])

  groups = [for g in each.value.groups : module.mfa.group_names[g]]
}
