"""The embedded default's secrets: a key made per installation, and no tracebacks beyond loopback."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
PUBLISHED_TEST_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnopqrstuvwxyz"
SHOW = "import json, django; from django.conf import settings; django.setup(); " + (
    "print(json.dumps({'key': settings.SECRET_KEY, 'debug': settings.DEBUG}))"
)


def local_settings(var_dir: Path, argv: tuple[str, ...] = (), **env_changes) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECRET_KEY", "DEBUG", "VAR_DIR"))}
    # SECRET_KEY empty, not unset: a stray .env must not supply one (read_env never overwrites).
    env.update({"DJANGO_SETTINGS_MODULE": "csm.settings.local", "SECRET_KEY": "", "VAR_DIR": str(var_dir)})
    env.update(env_changes)
    code = f"import sys; sys.argv = {['manage.py', *argv]!r}; " + SHOW
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_a_secret_key_local_settings_make_one_and_then_reuse_it(tmp_path):
    first = local_settings(tmp_path)["key"]
    key_file = tmp_path / "secret_key"

    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 50 and not first.startswith(("insecure", "test-secret-key"))
    assert local_settings(tmp_path)["key"] == first
    # Another installation gets another key.
    assert local_settings(tmp_path / "elsewhere")["key"] != first


def test_a_secret_key_from_the_environment_wins_and_writes_no_file(tmp_path):
    assert local_settings(tmp_path, SECRET_KEY="k" * 60)["key"] == "k" * 60
    assert not (tmp_path / "secret_key").exists()


def test_the_published_keys_are_only_in_the_test_settings():
    for module in ("base", "local", "production"):
        text = (BASE_DIR / "csm" / "settings" / f"{module}.py").read_text()
        assert PUBLISHED_TEST_KEY not in text and "insecure-local-development-key" not in text, module
    assert settings.SECRET_KEY == PUBLISHED_TEST_KEY


def test_debug_is_on_only_while_the_development_server_listens_on_loopback(tmp_path):
    assert local_settings(tmp_path, ("runserver", "127.0.0.1:8000"))["debug"] is True
    assert local_settings(tmp_path, ("runserver",))["debug"] is True
    assert local_settings(tmp_path, ("runserver", "localhost:8000"))["debug"] is True
    for beyond in ("0.0.0.0:8000", "[::]:8000", "0:8000", "192.0.2.10:8000"):
        assert local_settings(tmp_path, ("runserver", beyond))["debug"] is False, beyond
        # Asking for it changes nothing.
        assert local_settings(tmp_path, ("runserver", beyond), DEBUG="true")["debug"] is False, beyond
    assert local_settings(tmp_path, ("runserver", "127.0.0.1:8000"), DEBUG="false")["debug"] is False
