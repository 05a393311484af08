variable "enforce_mfa" {
  description = <<-EOT
    Whether the groups deny everything but MFA self-service to members who signed in without MFA.
    There is no default: enforcement is always an explicit decision. With false, the groups still get
    the self-service policy (members can enroll devices) and the roles still require MFA.
    Access levels and teams can override it one by one (their `enforce_mfa`) for a staged rollout.
  EOT
  type        = bool
}

variable "access_levels" {
  description = <<-EOT
    Access levels by name. Each creates a group (members may assume the level's role, with MFA only) and
    a role whose trust policy requires MFA. Policy entries are ARNs or AWS managed policy names
    ("PowerUserAccess", "job-function/ViewOnlyAccess").
    - role_policies: policies attached to the role (what the level can do once assumed).
    - group_policies: policies attached to the group (what members see in the console without the role).
    - deny_db_deletion: deny RDS/Aurora deletion to the role and the group.
    - allow_iam_full_access: attach IAMFullAccess to the role (dev/test accounts).
    - max_session_duration: role session limit in seconds (default: var.max_session_duration).
    - trusted_principal_arns: who may assume the role (default: var.trusted_principal_arns).
    - enforce_mfa: override var.enforce_mfa for this level's group.
    - group_name / role_name: override the generated names.
  EOT
  type = map(object({
    role_policies          = optional(list(string), [])
    group_policies         = optional(list(string), [])
    deny_db_deletion       = optional(bool, false)
    allow_iam_full_access  = optional(bool, false)
    max_session_duration   = optional(number)
    trusted_principal_arns = optional(list(string))
    enforce_mfa            = optional(bool)
    group_name             = optional(string)
    role_name              = optional(string)
  }))
  default = {
    developer = {
      role_policies  = ["PowerUserAccess"]
      group_policies = ["AmazonEC2ReadOnlyAccess"]
    }
    admin = {
      role_policies = ["AdministratorAccess"]
    }
  }

  validation {
    condition     = alltrue([for k in keys(var.access_levels) : can(regex("^[a-z][a-z0-9-]{0,30}$", k))])
    error_message = "Access level names must be lowercase letters, digits and hyphens, start with a letter, at most 31 characters (e.g. \"developer\", \"read-only\")."
  }

  validation {
    condition = alltrue(flatten([for l in var.access_levels : [
      for p in concat(l.role_policies, l.group_policies) : can(regex("^(arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/.+|[A-Za-z0-9+=,.@_/-]{1,128})$", p))
    ]]))
    error_message = "Each policy must be a policy ARN or an AWS managed policy name such as \"PowerUserAccess\"."
  }

  validation {
    condition = alltrue([for l in var.access_levels : l.max_session_duration == null ? true : (
      l.max_session_duration >= 3600 && l.max_session_duration <= 43200
    )])
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }

  validation {
    condition = alltrue([for l in var.access_levels : l.trusted_principal_arns == null ? true : (
      length(l.trusted_principal_arns) > 0 && alltrue([for p in l.trusted_principal_arns : can(regex("^arn:[a-z-]+:(iam|sts)::[0-9]{12}:.+$", p))])
    )])
    error_message = "An access level's trusted_principal_arns must be a non-empty list of IAM ARNs such as arn:aws:iam::123456789012:root (leave it out to use var.trusted_principal_arns)."
  }
}

variable "teams" {
  description = <<-EOT
    Team-based access: a group and a role per team, each with its own policies and the same MFA trust as
    the access levels. Same attributes as access_levels, plus inline_role_policy (a JSON policy document
    given to the team's role, for team-specific permissions).
  EOT
  type = map(object({
    role_policies          = optional(list(string), [])
    group_policies         = optional(list(string), [])
    inline_role_policy     = optional(string)
    deny_db_deletion       = optional(bool, false)
    allow_iam_full_access  = optional(bool, false)
    max_session_duration   = optional(number)
    trusted_principal_arns = optional(list(string))
    enforce_mfa            = optional(bool)
    group_name             = optional(string)
    role_name              = optional(string)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.teams) : can(regex("^[a-z][a-z0-9-]{0,30}$", k))])
    error_message = "Team names must be lowercase letters, digits and hyphens, start with a letter, at most 31 characters (e.g. \"payments\")."
  }

  validation {
    condition = alltrue(flatten([for t in var.teams : [
      for p in concat(t.role_policies, t.group_policies) : can(regex("^(arn:[a-z-]+:iam::(aws|[0-9]{12}):policy/.+|[A-Za-z0-9+=,.@_/-]{1,128})$", p))
    ]]))
    error_message = "Each policy must be a policy ARN or an AWS managed policy name such as \"ReadOnlyAccess\"."
  }

  validation {
    condition     = alltrue([for t in var.teams : t.inline_role_policy == null ? true : can(jsondecode(t.inline_role_policy).Statement)])
    error_message = "inline_role_policy must be a JSON policy document with a Statement."
  }

  validation {
    condition = alltrue([for t in var.teams : t.max_session_duration == null ? true : (
      t.max_session_duration >= 3600 && t.max_session_duration <= 43200
    )])
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }

  validation {
    condition = alltrue([for t in var.teams : t.trusted_principal_arns == null ? true : (
      length(t.trusted_principal_arns) > 0 && alltrue([for p in t.trusted_principal_arns : can(regex("^arn:[a-z-]+:(iam|sts)::[0-9]{12}:.+$", p))])
    )])
    error_message = "A team's trusted_principal_arns must be a non-empty list of IAM ARNs such as arn:aws:iam::123456789012:root (leave it out to use var.trusted_principal_arns)."
  }
}

variable "allowed_actions_without_mfa" {
  description = <<-EOT
    Extra actions exempt from the deny for members without MFA (added to the deny statement's NotAction),
    e.g. ["iam:ListAccountAliases"]. The permission itself must come from another policy.
  EOT
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.allowed_actions_without_mfa : can(regex("^[a-z0-9-]+:[A-Za-z0-9*?]+$", a)) && !can(regex(":[*?]+$", a))])
    error_message = "Each action must look like \"service:Action\"; \"*\" and whole-service wildcards (\"iam:*\", \"iam:**\", \"iam:?*\") would switch enforcement off."
  }
}

variable "trusted_principal_arns" {
  description = "Principals that may assume the roles (with MFA). Empty means this account (its root ARN)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.trusted_principal_arns : can(regex("^arn:[a-z-]+:(iam|sts)::[0-9]{12}:.+$", p))])
    error_message = "Each trusted principal must be an IAM ARN such as arn:aws:iam::123456789012:root."
  }
}

variable "max_session_duration" {
  description = "Default maximum session duration of the roles, in seconds (3600-43200)."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "mfa_max_age_seconds" {
  description = "Roles may be assumed only if the MFA sign-in is younger than this (aws:MultiFactorAuthAge), in seconds."
  type        = number
  default     = 43200

  validation {
    condition     = var.mfa_max_age_seconds >= 60 && var.mfa_max_age_seconds <= 129600
    error_message = "mfa_max_age_seconds must be between 60 and 129600 (36 hours, the longest MFA session token)."
  }
}

variable "name_prefix" {
  description = "Prefix of every group, role and policy name (e.g. \"Prod\")."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{0,20}$", var.name_prefix))
    error_message = "name_prefix must be at most 20 characters of letters, digits and + = , . @ _ -."
  }
}

variable "name_suffix" {
  description = "Suffix of every group, role and policy name (e.g. \"-prod\", as in DeveloperMFAGroup-prod)."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{0,20}$", var.name_suffix))
    error_message = "name_suffix must be at most 20 characters of letters, digits and + = , . @ _ -."
  }
}

variable "path" {
  description = "IAM path of the groups, roles and policies."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7E]{0,510}/)?$", var.path)) && !can(regex("//", var.path))
    error_message = "The path must start and end with \"/\" and contain no \"//\"."
  }
}

variable "tags" {
  description = "Tags for the roles and policies (IAM groups cannot be tagged)."
  type        = map(string)
  default     = {}
}

variable "aws_config_profile_prefix" {
  description = "Prefix of the profile names in the ~/.aws/config snippets (e.g. \"prod-\")."
  type        = string
  default     = ""
}

variable "aws_config_source_profile" {
  description = "Profile holding the person's long-term keys, used as source_profile in the snippets."
  type        = string
  default     = "default"
}
