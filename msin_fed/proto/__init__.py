"""Generated from protos/msin/v1 by scripts/gen_protos.py. Do not edit."""
