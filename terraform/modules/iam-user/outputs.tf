output "user_name" {
  description = "Name of the IAM user."
  value       = aws_iam_user.this.name
}

output "user_arn" {
  description = "ARN of the IAM user."
  value       = aws_iam_user.this.arn
}

output "user_unique_id" {
  description = "Unique ID AWS assigned to the user."
  value       = aws_iam_user.this.unique_id
}

output "user_path" {
  description = "IAM path of the user."
  value       = aws_iam_user.this.path
}

output "tags" {
  description = "Tags on the user (team, email, person and extra tags)."
  value       = local.tags
}

output "groups" {
  description = "Groups this module made the user a member of."
  value       = try(aws_iam_user_group_membership.this[0].groups, [])
}

output "login_profile_encrypted_password" {
  description = "Console password, PGP-encrypted and base64-encoded (null without a login profile)."
  value       = try(aws_iam_user_login_profile.this[0].encrypted_password, null)
}

output "login_profile_key_fingerprint" {
  description = "Fingerprint of the PGP key that encrypted the password."
  value       = try(aws_iam_user_login_profile.this[0].key_fingerprint, null)
}

output "login_profile_decrypt_command" {
  description = "Shell command that prints the console password (needs the PGP private key)."
  value = try(
    format("echo '%s' | base64 --decode | gpg --decrypt", aws_iam_user_login_profile.this[0].encrypted_password),
    null,
  )
}

output "access_key_id" {
  description = "ID of the access key (null without one)."
  value       = try(aws_iam_access_key.this[0].id, null)
}

output "access_key_status" {
  description = "Status of the access key."
  value       = try(aws_iam_access_key.this[0].status, null)
}

output "access_key_encrypted_secret" {
  description = "Secret access key, PGP-encrypted and base64-encoded."
  value       = try(aws_iam_access_key.this[0].encrypted_secret, null)
}

output "access_key_key_fingerprint" {
  description = "Fingerprint of the PGP key that encrypted the secret."
  value       = try(aws_iam_access_key.this[0].key_fingerprint, null)
}

output "access_key_decrypt_command" {
  description = "Shell command that prints the secret access key (needs the PGP private key)."
  value = try(
    format("echo '%s' | base64 --decode | gpg --decrypt", aws_iam_access_key.this[0].encrypted_secret),
    null,
  )
}

output "ssh_key_ids" {
  description = "SSH public key IDs by position in ssh_public_keys (\"0\", \"1\", ...)."
  value       = { for k, key in aws_iam_user_ssh_key.this : k => key.ssh_public_key_id }
}
