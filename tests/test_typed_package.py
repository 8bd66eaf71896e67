"""Embedders get types: the installed package carries ``py.typed`` (msin_fed and the mapped
msin_fed.node / msin_fed.coordinator), and ``mypy --strict`` checks a small embedding script
against the installed (not editable) package: clean code passes, a type mistake is caught.

The project is built as a wheel from a copy of its sources and installed with ``--no-deps``
into a scratch virtual environment in the test's temporary folder; that environment reaches
the dependencies (and mypy) through a ``.pth`` file naming this environment's site-packages.
Without ``py.typed`` mypy reports the import as untyped and the clean script fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

EMBED = '''
from msin_fed.analyst import AnalystClient
from msin_fed.node import Node, NodeStatus, ShareOutcome, load_config
from msin_fed.views import ActionOutcome, Cluster, ClusterDetail


def busiest(client: AnalystClient) -> list[str]:
    clusters: list[Cluster] = client.clusters(region="South West", min_members=2)
    detail: ClusterDetail = client.cluster(clusters[0].cluster_id)
    return [step.text for step in detail.timeline] + list(detail.cluster.member_ids)


def share_everything(path: str) -> int:
    with Node.open(config=load_config(path)) as node:
        outcomes: list[ShareOutcome] = node.share_many(None, tlp="AMBER")
        status: NodeStatus = node.status()
        node.record_action(ActionOutcome.INVESTIGATED, report_id=outcomes[0].report_id)
        return status.outbox + sum(o.tokens for o in outcomes)
'''

# Each line is a mistake mypy must see through the installed package's annotations.
MISTAKES = '''
from msin_fed.analyst import AnalystClient
from msin_fed.node import Node


def wrong(client: AnalystClient, node: Node) -> None:
    client.clusters(min_members="two")
    count: str = node.status().outbox
    node.share_many(None, tlp="AMBER")[0].no_such_field
'''


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch venv with the project installed from a wheel (no deps); its python."""
    tmp = tmp_path_factory.mktemp("typed")
    src = tmp / "src"
    src.mkdir()
    for name in ("msin_fed", "node", "coordinator"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    (wheel,) = wheels.glob("msin_fed-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for marker in ("msin_fed/py.typed", "msin_fed/node/py.typed", "msin_fed/coordinator/py.typed"):
        assert marker in names, f"{marker} missing from the wheel"
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=600)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    ours = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    Path(site, "zz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    return python


def _mypy(python: Path, folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    folder.mkdir()
    script = folder / "embed.py"
    script.write_text(code)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    return subprocess.run(
        [str(python), "-m", "mypy", "--strict", "--no-incremental", "--config-file", os.devnull, str(script)],
        capture_output=True, text=True, cwd=folder, env=env, timeout=600,
    )


def test_installed_package_is_the_one_checked(scratch: Path) -> None:
    where = subprocess.run(
        [str(scratch), "-c", "import msin_fed, msin_fed.node, msin_fed.coordinator; print(msin_fed.__file__)"],
        capture_output=True, text=True, cwd=scratch.parent, check=True,
    ).stdout.strip()
    assert str(scratch.parent.parent) in where and "site-packages" in where, where
    package = Path(where).parent
    for marker in (package / "py.typed", package / "node" / "py.typed", package / "coordinator" / "py.typed"):
        assert marker.is_file(), marker


def test_mypy_strict_accepts_an_embedding_script(scratch: Path, tmp_path: Path) -> None:
    done = _mypy(scratch, tmp_path / "good", EMBED)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found in 1 source file" in done.stdout


def test_mypy_strict_sees_the_types_of_the_installed_package(scratch: Path, tmp_path: Path) -> None:
    done = _mypy(scratch, tmp_path / "bad", MISTAKES)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert 'Argument "min_members" to "clusters" of "AnalystClient" has incompatible type "str"' in out
    assert 'Incompatible types in assignment (expression has type "int", variable has type "str")' in out
    assert '"ShareOutcome" has no attribute "no_such_field"' in out


def test_without_py_typed_the_embedding_script_fails(scratch: Path, tmp_path: Path) -> None:
    site = subprocess.run([str(scratch), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    marker = Path(site, "msin_fed", "py.typed")
    hidden = marker.with_name("py.typed.hidden")
    marker.rename(hidden)
    try:
        done = _mypy(scratch, tmp_path / "untyped", EMBED)
    finally:
        hidden.rename(marker)
    assert done.returncode == 1
    assert "missing library stubs or py.typed marker" in done.stdout, done.stdout
