variable "region" {
  description = "AWS region of the provider (IAM is global)."
  type        = string
  default     = "us-east-1"
}

variable "pgp_key" {
  description = "Base64 PGP public key (gpg --export KEYID | base64 -w0) or keybase:<user> that encrypts the generated passwords and secret keys."
  type        = string
}

variable "ssh_public_keys" {
  description = "OpenSSH public keys per user name (e.g. for CodeCommit)."
  type        = map(list(string))
  default     = {}
}
