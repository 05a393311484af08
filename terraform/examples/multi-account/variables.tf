variable "region" {
  description = "AWS region of the providers (IAM is global)."
  type        = string
  default     = "us-east-1"
}

variable "dev_account_id" {
  description = "ID of the development account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.dev_account_id))
    error_message = "The account ID must be 12 digits."
  }
}

variable "prod_account_id" {
  description = "ID of the production account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.prod_account_id))
    error_message = "The account ID must be 12 digits."
  }
}

variable "assume_role_name" {
  description = "Role Terraform assumes in each member account (created by AWS Organizations by default)."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

variable "enforce_mfa" {
  description = "Whether the groups of every account enforce MFA (explicit, no default)."
  type        = bool
}
