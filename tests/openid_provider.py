"""A real OpenID Connect provider for the sign-in tests: the certified `oidc-provider` package
run by node on loopback (tests/oidc_provider), installed with `npm ci` when missing.

The test owns the provider's signing key, so it can also sign tokens the provider would never
issue (expired, for another audience) and check Pipeline refuses them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from tests.live import ROOT, free_port

PROVIDER_DIR = ROOT / "tests" / "oidc_provider"
CLIENT_ID = "pipeline-test"
CLIENT_SECRET = "a-client-secret-for-the-test-provider-only"
START_SECONDS = 60
# Who can sign in at the provider (the login is the subject), and the claims it vouches for.
USERS: dict[str, dict[str, Any]] = {
    "pat.account@hackney.gov.uk": {"email": "pat.account@hackney.gov.uk", "email_verified": True},
    "unverified@hackney.gov.uk": {"email": "unverified@hackney.gov.uk", "email_verified": False},
    "someone@example.org": {"email": "someone@example.org", "email_verified": True},
}


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    key: RSAKey

    def settings_env(self) -> dict[str, str]:
        return {
            "PIPELINE_OPENID_ISSUER": self.issuer,
            "PIPELINE_OPENID_CLIENT_ID": CLIENT_ID,
            "PIPELINE_OPENID_CLIENT_SECRET": CLIENT_SECRET,
        }


def signing_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


def _node() -> str:
    found = shutil.which("node")
    if found is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "nodejs", "npm"], check=True, capture_output=True, env=env
        )
        found = shutil.which("node")
    assert found is not None, "node could not be installed"
    return found


def _installed() -> None:
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm") or "npm"
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True, capture_output=True
        )


@contextmanager
def openid_provider(redirect_uri: str, log: Path) -> Iterator[RunningProvider]:
    """The provider on a free loopback port with one client (Pipeline, at `redirect_uri`)."""
    node = _node()
    _installed()
    port = free_port()
    key = signing_key("provider-key")
    config = {
        "port": port,
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_basic",
            }
        ],
        "jwks": {"keys": [key.as_dict(private=True)]},
        "users": USERS,
    }
    env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
    with log.open("w") as output:
        process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=output,
            text=True,
        )
        try:
            assert process.stdout is not None
            first = process.stdout.readline()  # blocks until it listens, or ends
            assert first.startswith("listening"), f"the provider did not start: {log.read_text()}"
            yield RunningProvider(issuer=f"http://127.0.0.1:{port}", key=key)
        finally:
            process.terminate()
            process.wait(timeout=30)
            if process.stdout is not None:
                process.stdout.close()
