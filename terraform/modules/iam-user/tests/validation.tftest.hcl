# Offline: `terraform init && terraform test` (mock provider, nothing is created).
mock_provider "aws" {}

variables {
  name = "alice"
}

run "password_without_pgp_key_is_rejected" {
  command = plan

  variables {
    create_login_profile = true
  }

  expect_failures = [var.pgp_key]
}

run "access_key_without_pgp_key_is_rejected" {
  command = plan

  variables {
    create_access_key = true
  }

  expect_failures = [var.pgp_key]
}

run "armored_pgp_key_is_rejected" {
  command = plan

  variables {
    create_access_key = true
    pgp_key           = "-----BEGIN PGP PUBLIC KEY BLOCK-----"
  }

  expect_failures = [var.pgp_key]
}

run "bad_user_name_is_rejected" {
  command = plan

  variables {
    name = "alice smith"
  }

  expect_failures = [var.name]
}

run "path_without_trailing_slash_is_rejected" {
  command = plan

  variables {
    path = "/engineering"
  }

  expect_failures = [var.path]
}

run "group_arn_instead_of_name_is_rejected" {
  command = plan

  variables {
    groups = ["arn:aws:iam::123456789012:group/DeveloperMFAGroup"]
  }

  expect_failures = [var.groups]
}

run "private_key_instead_of_public_is_rejected" {
  command = plan

  variables {
    ssh_public_keys = ["-----BEGIN OPENSSH PRIVATE KEY-----"]
  }

  expect_failures = [var.ssh_public_keys]
}

run "person_with_apostrophe_is_rejected_before_apply" {
  command = plan

  variables {
    person = "Sean O'Brien"
  }

  expect_failures = [var.person]
}

run "team_with_comma_is_rejected_before_apply" {
  command = plan

  variables {
    team = "payments,eu"
  }

  expect_failures = [var.team]
}

run "accented_names_are_valid_tag_values" {
  command = plan

  variables {
    person = "Zoë Ñúñez-Pérez"
    team   = "data/platform"
    email  = "zoe+aws@example.com"
  }

  assert {
    condition     = aws_iam_user.this.tags["person"] == "Zoë Ñúñez-Pérez"
    error_message = "Letters of any script are valid in IAM tag values."
  }
}

run "user_without_secrets_needs_no_pgp_key" {
  command = plan

  assert {
    condition     = length(aws_iam_user_login_profile.this) == 0 && length(aws_iam_access_key.this) == 0
    error_message = "No secret may be created by default."
  }

  assert {
    condition     = length(aws_iam_user_group_membership.this) == 0
    error_message = "No membership resource without groups."
  }
}

run "full_user_plans_with_stable_addresses" {
  command = plan

  variables {
    path                 = "/engineering/"
    team                 = "payments"
    email                = "alice@example.com"
    person               = "Alice Doe"
    tags                 = { team = "overridden", cost-center = "42" }
    pgp_key              = "keybase:alice"
    create_login_profile = true
    create_access_key    = true
    access_key_status    = "Inactive"
    ssh_public_keys      = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForPlanOnly alice@laptop", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFake alice@desktop"]
    groups               = ["DeveloperMFAGroup", "PaymentsTeamMFAGroup"]
  }

  assert {
    condition     = aws_iam_user.this.path == "/engineering/" && aws_iam_user.this.tags["team"] == "payments" && aws_iam_user.this.tags["cost-center"] == "42"
    error_message = "Path and tags (identity tags winning over extra tags) must reach the user."
  }

  assert {
    condition     = aws_iam_user_login_profile.this[0].password_reset_required && aws_iam_access_key.this[0].status == "Inactive"
    error_message = "Login profile and access key must follow their inputs."
  }

  assert {
    condition     = aws_iam_user_ssh_key.this["1"].public_key == "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFake alice@desktop"
    error_message = "SSH keys are addressed by their position."
  }

  assert {
    condition     = toset(aws_iam_user_group_membership.this[0].groups) == toset(["DeveloperMFAGroup", "PaymentsTeamMFAGroup"])
    error_message = "Group memberships must follow the groups input."
  }
}
