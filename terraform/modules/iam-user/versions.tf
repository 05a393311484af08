terraform {
  # 1.9: validation blocks that refer to other variables (a secret needs a PGP key).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 3.38+ has every argument used here; 4.x, 5.x and 6.x keep them unchanged.
      version = ">= 3.38"
    }
  }
}
