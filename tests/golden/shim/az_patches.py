"""The recorder's patches to the real az (2.91.0), applied at interpreter start-up.

record.py runs az as az itself does (`python -m azure.cli`), with this directory on
PYTHONPATH so that Python imports sitecustomize.py, which imports this module. az's stack
is then as deep as it is for a user, frame for frame, which matters where az hits Python's
recursion limit (deep `--query` expressions).

Patched, and nothing else:
- DNS: every *.azurecr.io name resolves to 127.0.0.1:$AZ_EMULATOR_PORT;
- with AZ_FAKE_AAD=1, the signed-in account: az's Entra token for the registry is the
  emulator's fake one (as if `az login` had run), so scripts without -u/-p authenticate.
"""
import os
import socket

PORT = int(os.environ["AZ_EMULATOR_PORT"])
_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, port, *args, **kwargs):
    if isinstance(host, str) and host.lower().endswith(".azurecr.io"):
        return _real_getaddrinfo("127.0.0.1", PORT, *args, **kwargs)
    return _real_getaddrinfo(host, port, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

if os.environ.get("AZ_FAKE_AAD") == "1":
    from azure.cli.core._profile import Profile
    import azure.cli.command_modules.acr._docker_utils as docker_utils

    def _get_raw_token(self, resource=None, scopes=None, subscription=None, tenant=None, credential_out=None):
        token = os.environ["AZ_FAKE_AAD_TOKEN"]
        return ("Bearer", token, {"accessToken": token}), subscription, os.environ["AZ_FAKE_AAD_TENANT"]

    Profile.get_raw_token = _get_raw_token
    docker_utils.get_subscription_id = lambda cli_ctx: "00000000-1111-2222-3333-444444444444"
