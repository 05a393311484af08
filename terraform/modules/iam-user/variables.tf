variable "name" {
  description = "Name of the IAM user (unique in the account, whatever its path)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.name))
    error_message = "The name must be 1-64 characters of letters, digits and + = , . @ _ -."
  }
}

variable "path" {
  description = "IAM path of the user, e.g. \"/\" or \"/engineering/\"."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.path)) && !can(regex("//", var.path))
    error_message = "The path must start and end with \"/\" (e.g. \"/engineering/\") and contain no \"//\"."
  }
}

variable "team" {
  description = "Team the user belongs to: the `team` tag, used by audits and the staged rollout."
  type        = string
  default     = null

  validation {
    condition     = var.team == null || can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,256}$", var.team))
    error_message = "The team is an IAM tag value: 1-256 letters, digits, spaces and _ . : / = + - @."
  }
}

variable "email" {
  description = "Email address of the person: the `email` tag, where rollout notices go."
  type        = string
  default     = null

  validation {
    condition     = var.email == null || (can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.email)) && can(regex("^[\\p{L}\\p{N}_.:/=+@-]{1,256}$", var.email)))
    error_message = "The email must look like name@example.com and, as an IAM tag value, use only letters, digits and _ . : / = + - @."
  }
}

variable "person" {
  description = "Full name of the person behind the user: the `person` tag (several users may share one)."
  type        = string
  default     = null

  validation {
    # IAM refuses other characters in tag values at apply time; say so at plan time instead.
    condition     = var.person == null || can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]{1,256}$", var.person))
    error_message = "The person is an IAM tag value: 1-256 letters, digits, spaces and _ . : / = + - @ (no apostrophes or commas: write \"Sean OBrien\")."
  }
}

variable "tags" {
  description = "Extra tags for the user. `team`, `email` and `person` from their inputs win over these."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Delete the user even if it has keys, devices or a login profile not managed by Terraform."
  type        = bool
  default     = false
}

variable "permissions_boundary" {
  description = "ARN of a policy used as the user's permissions boundary."
  type        = string
  default     = null
}

variable "pgp_key" {
  description = <<-EOT
    PGP public key that encrypts the generated password and secret access key: either `keybase:<username>`
    or a base64-encoded public key (`gpg --export KEYID | base64 -w0`). Required when
    `create_login_profile` or `create_access_key` is true; secrets are never stored in plain text.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.pgp_key != null || !(var.create_login_profile || var.create_access_key)
    error_message = "A PGP key is required to create a console password or an access key: set pgp_key to \"keybase:<user>\" or a base64 public key (gpg --export KEYID | base64 -w0)."
  }

  validation {
    condition     = var.pgp_key == null || can(regex("^(keybase:[A-Za-z0-9_]{2,16}|[A-Za-z0-9+/=\\s]{64,})$", var.pgp_key))
    error_message = "The PGP key must be \"keybase:<username>\" or a base64-encoded public key (not ASCII-armored)."
  }
}

variable "create_login_profile" {
  description = "Give the user a console password (generated, PGP-encrypted)."
  type        = bool
  default     = false
}

variable "password_reset_required" {
  description = "The person must choose a new password at first sign-in (the force-MFA policy allows it without MFA)."
  type        = bool
  default     = true
}

variable "password_length" {
  description = "Length of the generated console password."
  type        = number
  default     = 24

  validation {
    condition     = var.password_length >= 14 && var.password_length <= 128
    error_message = "The password length must be between 14 and 128."
  }
}

variable "create_access_key" {
  description = "Give the user an access key (secret PGP-encrypted)."
  type        = bool
  default     = false
}

variable "access_key_status" {
  description = "Status of the access key: Active or Inactive."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "Inactive"], var.access_key_status)
    error_message = "The access key status must be \"Active\" or \"Inactive\"."
  }
}

variable "ssh_public_keys" {
  description = <<-EOT
    SSH public keys (OpenSSH format, e.g. for CodeCommit). Each is addressed by its position in this list:
    append new keys at the end to keep the others in place.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.ssh_public_keys : can(regex("^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+", trimspace(k)))])
    error_message = "Each SSH public key must be in OpenSSH format (\"ssh-rsa AAAA...\", \"ssh-ed25519 AAAA...\")."
  }
}

variable "ssh_key_encoding" {
  description = "Encoding AWS returns the SSH keys in: SSH or PEM."
  type        = string
  default     = "SSH"

  validation {
    condition     = contains(["SSH", "PEM"], var.ssh_key_encoding)
    error_message = "The SSH key encoding must be \"SSH\" or \"PEM\"."
  }
}

variable "groups" {
  description = <<-EOT
    IAM groups the user is a member of. Non-exclusive: memberships managed elsewhere (another module,
    the console) are left alone, so the staged rollout can add enforcement groups one team at a time.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for g in var.groups : can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", g))])
    error_message = "Each group must be a group name (not an ARN): 1-128 characters of letters, digits and + = , . @ _ -."
  }
}
