"""Loaded by Python at start-up when this directory is on PYTHONPATH (see az_patches.py)."""
import az_patches  # noqa: F401
