# The management account (default provider) and one aliased provider per member account.
provider "aws" {
  region = var.region
}

provider "aws" {
  alias  = "dev"
  region = var.region

  assume_role {
    role_arn     = "arn:aws:iam::${var.dev_account_id}:role/${var.assume_role_name}"
    session_name = "mfaguard-terraform"
  }
}

provider "aws" {
  alias  = "prod"
  region = var.region

  assume_role {
    role_arn     = "arn:aws:iam::${var.prod_account_id}:role/${var.assume_role_name}"
    session_name = "mfaguard-terraform"
  }
}

# One enforcement stack per account.
module "management" {
  source = "../../modules/mfa-enforcement"

  enforce_mfa   = var.enforce_mfa
  access_levels = { admin = { role_policies = ["AdministratorAccess"] } }
  name_suffix   = "-management"
}

module "dev" {
  source    = "../../modules/mfa-enforcement"
  providers = { aws = aws.dev }

  enforce_mfa = var.enforce_mfa
  access_levels = {
    developer = {
      role_policies         = ["PowerUserAccess"]
      group_policies        = ["AmazonEC2ReadOnlyAccess"]
      allow_iam_full_access = true # dev/test account: developers manage their own roles
    }
    admin = { role_policies = ["AdministratorAccess"] }
  }
  max_session_duration      = 28800
  name_suffix               = "-dev"
  aws_config_profile_prefix = "dev-"
}

module "prod" {
  source    = "../../modules/mfa-enforcement"
  providers = { aws = aws.prod }

  enforce_mfa = var.enforce_mfa
  access_levels = {
    developer = {
      role_policies    = ["ReadOnlyAccess"]
      group_policies   = ["AmazonEC2ReadOnlyAccess"]
      deny_db_deletion = true
    }
    admin = {
      role_policies    = ["AdministratorAccess"]
      deny_db_deletion = true
    }
  }
  max_session_duration      = 3600
  mfa_max_age_seconds       = 3600
  name_suffix               = "-prod"
  aws_config_profile_prefix = "prod-"
}
