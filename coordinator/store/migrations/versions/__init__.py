"""Migration scripts, oldest first (numbered so that their order reads from the names)."""
