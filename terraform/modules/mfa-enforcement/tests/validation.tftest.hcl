# Offline: `terraform init && terraform test` (mock provider, nothing is created).
mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  enforce_mfa = true
}

run "access_level_name_with_space_is_rejected" {
  command = plan

  variables {
    access_levels = { "power user" = { role_policies = ["PowerUserAccess"] } }
  }

  expect_failures = [var.access_levels]
}

run "uppercase_access_level_name_is_rejected" {
  command = plan

  variables {
    access_levels = { Admin = { role_policies = ["AdministratorAccess"] } }
  }

  expect_failures = [var.access_levels]
}

run "bad_team_name_is_rejected" {
  command = plan

  variables {
    teams = { "payments/eu" = {} }
  }

  expect_failures = [var.teams]
}

run "team_inline_policy_must_be_a_policy" {
  command = plan

  variables {
    teams = { payments = { inline_role_policy = "not json" } }
  }

  expect_failures = [var.teams]
}

run "wildcard_exemption_is_rejected" {
  command = plan

  variables {
    allowed_actions_without_mfa = ["iam:*"]
  }

  expect_failures = [var.allowed_actions_without_mfa]
}

run "wildcard_only_action_exemption_is_rejected" {
  command = plan

  variables {
    allowed_actions_without_mfa = ["iam:ListAccountAliases", "iam:**"]
  }

  expect_failures = [var.allowed_actions_without_mfa]
}

run "empty_level_trusted_principals_are_rejected" {
  command = plan

  variables {
    access_levels = { developer = { role_policies = ["PowerUserAccess"], trusted_principal_arns = [] } }
  }

  expect_failures = [var.access_levels]
}

run "team_trusted_principal_must_be_an_arn" {
  command = plan

  variables {
    teams = { payments = { trusted_principal_arns = ["123456789012"] } }
  }

  expect_failures = [var.teams]
}

run "session_duration_above_12_hours_is_rejected" {
  command = plan

  variables {
    max_session_duration = 50000
  }

  expect_failures = [var.max_session_duration]
}

run "level_session_duration_below_1_hour_is_rejected" {
  command = plan

  variables {
    access_levels = { developer = { max_session_duration = 900 } }
  }

  expect_failures = [var.access_levels]
}

run "trusted_principal_must_be_an_arn" {
  command = plan

  variables {
    trusted_principal_arns = ["123456789012"]
  }

  expect_failures = [var.trusted_principal_arns]
}

run "defaults_follow_the_seed" {
  command = plan

  assert {
    condition     = aws_iam_group.this["level/developer"].name == "DeveloperMFAGroup" && aws_iam_role.this["level/admin"].name == "AdminMFARole"
    error_message = "Default names follow DeveloperMFAGroup / AdminMFARole."
  }

  assert {
    condition     = aws_iam_role_policy_attachment.this["level/developer:arn:aws:iam::aws:policy/PowerUserAccess"].role == "DeveloperMFARole"
    error_message = "The developer role gets PowerUserAccess."
  }

  assert {
    condition     = aws_iam_group_policy_attachment.this["level/developer:arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess"].group == "DeveloperMFAGroup"
    error_message = "The developer group gets read-only console access."
  }

  assert {
    condition     = length(aws_iam_policy.deny_db_deletion) == 0 && length(aws_iam_role_policy_attachment.deny_db_deletion) == 0
    error_message = "Guards are off unless asked for."
  }

  assert {
    condition     = output.enforced_groups == tolist(["AdminMFAGroup", "DeveloperMFAGroup"])
    error_message = "With enforce_mfa = true every group is enforced."
  }
}

run "per_team_override_and_guards" {
  command = plan

  variables {
    enforce_mfa = false
    name_suffix = "-prod"
    access_levels = {
      developer = { role_policies = ["PowerUserAccess"], deny_db_deletion = true, allow_iam_full_access = true, max_session_duration = 7200 }
    }
    teams = {
      payments = { role_policies = ["ReadOnlyAccess"], enforce_mfa = true }
    }
  }

  assert {
    condition     = output.enforced_groups == tolist(["PaymentsTeamMFAGroup-prod"])
    error_message = "Only the team that overrides enforce_mfa is enforced."
  }

  assert {
    condition     = aws_iam_role.this["level/developer"].max_session_duration == 7200 && aws_iam_role.this["team/payments"].max_session_duration == 3600
    error_message = "Session durations follow the level, else the module default."
  }

  assert {
    condition     = contains(keys(aws_iam_role_policy_attachment.this), "level/developer:arn:aws:iam::aws:policy/IAMFullAccess")
    error_message = "allow_iam_full_access attaches IAMFullAccess to the role."
  }

  assert {
    condition     = keys(aws_iam_role_policy_attachment.deny_db_deletion) == ["level/developer"]
    error_message = "deny_db_deletion guards only the level that asks for it."
  }

  assert {
    condition     = strcontains(output.aws_config_snippets["team/payments"], "role_arn = arn:aws:iam::123456789012:role/PaymentsTeamMFARole-prod")
    error_message = "The ~/.aws/config snippet names the team role."
  }
}

run "colliding_names_are_rejected" {
  command = plan

  variables {
    access_levels = { payments-team = { role_policies = ["ReadOnlyAccess"] } }
    teams         = { payments = { role_policies = ["ReadOnlyAccess"] } }
  }

  expect_failures = [aws_iam_group.this, aws_iam_role.this]
}

run "too_long_role_name_is_rejected" {
  command = plan

  variables {
    name_prefix   = "OrganizationUnit1234"
    name_suffix   = "-production-eu-west"
    access_levels = { platform-engineering-oncall = { role_policies = ["ReadOnlyAccess"] } }
  }

  expect_failures = [aws_iam_role.this]
}
