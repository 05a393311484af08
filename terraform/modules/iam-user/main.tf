locals {
  # Identity tags from their own inputs win: audits and the rollout read exactly these keys.
  identity_tags = { for k, v in { team = var.team, email = var.email, person = var.person } : k => v if v != null }
  tags          = merge(var.tags, local.identity_tags)

  # Keyed by position as a string: the address of the first key is aws_iam_user_ssh_key.this["0"].
  ssh_public_keys = { for i, key in var.ssh_public_keys : tostring(i) => trimspace(key) }
}

resource "aws_iam_user" "this" {
  name                 = var.name
  path                 = var.path
  force_destroy        = var.force_destroy
  permissions_boundary = var.permissions_boundary
  tags                 = local.tags
}

resource "aws_iam_user_login_profile" "this" {
  count = var.create_login_profile ? 1 : 0

  user                    = aws_iam_user.this.name
  pgp_key                 = var.pgp_key
  password_length         = var.password_length
  password_reset_required = var.password_reset_required

  lifecycle {
    # AWS does not report these back; an imported or reset profile must not be recreated because of them.
    ignore_changes = [password_length, password_reset_required, pgp_key]
  }
}

resource "aws_iam_access_key" "this" {
  count = var.create_access_key ? 1 : 0

  user    = aws_iam_user.this.name
  pgp_key = var.pgp_key
  status  = var.access_key_status

  lifecycle {
    # Never read back: an imported key must not be replaced, and a new PGP key must not rotate it.
    ignore_changes = [pgp_key]
  }
}

resource "aws_iam_user_ssh_key" "this" {
  for_each = local.ssh_public_keys

  username   = aws_iam_user.this.name
  encoding   = var.ssh_key_encoding
  public_key = each.value
}

resource "aws_iam_user_group_membership" "this" {
  count = length(var.groups) > 0 ? 1 : 0

  user   = aws_iam_user.this.name
  groups = var.groups
}
