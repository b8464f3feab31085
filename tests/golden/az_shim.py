"""Runs the real az (2.91.0) against the local ACR emulator, with the patches of
shim/az_patches.py (used by the seed benchmark; record.py runs `python -m azure.cli` with
shim/ on PYTHONPATH instead, so that az's stack depth is a user's).
"""
import os
import runpy
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "shim"))
import az_patches  # noqa: E402,F401

sys.argv = ["az"] + sys.argv[1:]
runpy.run_module("azure.cli", run_name="__main__", alter_sys=True)
