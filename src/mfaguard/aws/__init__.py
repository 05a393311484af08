"""Everything that talks to AWS: sessions, assumed roles, discovery of accounts. I/O lives here."""
