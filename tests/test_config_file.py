"""One error, naming the file, for a configuration file that is missing, unreadable or not TOML."""

from __future__ import annotations

from pathlib import Path

import pytest

from msin_fed.config_file import read_toml
from msin_fed.errors import ConfigError


def test_reads_tables(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[server]\nlisten = "127.0.0.1:0"\n')
    assert read_toml(path) == {"server": {"listen": "127.0.0.1:0"}}


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, "cannot be read"), (b"\xff\xfe[x", "not UTF-8"), (b"[server\nlisten=", "is not valid TOML")],
)
def test_bad_files_name_the_file(tmp_path: Path, content: bytes | None, problem: str) -> None:
    path = tmp_path / "c.toml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        read_toml(path)
    assert err.value.file == str(path) and err.value.key == "file"
    assert problem in err.value.reason
