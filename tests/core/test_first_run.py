"""A newcomer's first run: e-mail links follow the port `make run` serves, and `make run` prints the
URL and the demo logins last, after the worker's banner and once the web app answers."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def local_site_url(**env_changes) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SITE_URL", "PORT", "HOST"))}
    env.update({"DJANGO_SETTINGS_MODULE": "csm.settings.local", "SECRET_KEY": "x" * 60}, **env_changes)
    code = "import json, django; from django.conf import settings; django.setup(); print(json.dumps(settings.SITE_URL))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_site_url_follows_the_port_served():
    assert local_site_url() == "http://localhost:8000"
    assert local_site_url(PORT="8123") == "http://localhost:8123"
    assert local_site_url(PORT="8123", HOST="0.0.0.0") == "http://localhost:8123"
    assert local_site_url(PORT="8123", HOST="csm.lan") == "http://csm.lan:8123"


def test_a_site_url_set_wins():
    assert local_site_url(PORT="8123", SITE_URL="https://csm.example.com") == "https://csm.example.com"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.skipif(sys.platform != "linux", reason="runs bin/run-local with a stand-in interpreter")
def test_run_prints_the_url_and_logins_last(tmp_path):
    """bin/run-local with a stand-in for the interpreter: a "worker" that prints a banner and logs
    ready, a "web app" that listens late. The URL and the logins must come after both."""
    stand_in = tmp_path / "py"
    stand_in.write_text(
        textwrap.dedent(
            f"""\
            #!/usr/bin/env bash
            if [[ "$1" == "-m" ]]; then  # the Celery worker
                echo "WORKER BANNER"; sleep 1
                for arg in "$@"; do [[ "$prev" == "--logfile" ]] && echo "celery@test ready." >> "$arg"; prev="$arg"; done
                exec sleep 30
            elif [[ "$1" == "manage.py" ]]; then  # the web app: listens after a while
                echo "WEB STARTING"; sleep 1
                exec {sys.executable} -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', int('$3'.split(':')[1]))); s.listen(); print('WEB LISTENING', flush=True); time.sleep(30)"
            else
                exec {sys.executable} "$@"
            fi
            """
        )
    )
    stand_in.chmod(0o755)
    port = _free_port()
    process = subprocess.Popen(
        ["bash", str(BASE_DIR / "bin" / "run-local")],
        cwd=tmp_path,
        env={
            **os.environ,
            "PY": str(stand_in),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "CELERY_LOG": str(tmp_path / "celery.log"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip())
            if "Press Ctrl-C" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=60)
    output = "\n".join(lines)
    assert f"CSM is running at  http://127.0.0.1:{port}/" in output, output
    running = output.index("CSM is running at")
    assert output.index("WORKER BANNER") < running and output.index("WEB LISTENING") < running
    assert "Demo logins" in output[running:] and "E-mails are printed in" in output[running:]
