"""Reports of snapshots: terminal tables, JSON/CSV, HTML."""
