"""``msin ca``: init, issue, revoke and list through the command itself."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography import x509

from msin_fed import pki
from msin_fed.cli import main


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def ca(tmp_path: Path) -> Path:
    ca = tmp_path / "ca"
    assert main(["ca", "init", str(ca)]) == 0
    return ca


def test_init_creates_ca_with_private_key(ca: Path) -> None:
    assert (ca / "ca.pem").is_file() and (ca / "crl.pem").is_file()
    assert _mode(ca / "ca.key") == 0o600


def test_init_refuses_to_overwrite(ca: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ca", "init", str(ca)]) == 2
    assert "already holds a CA" in capsys.readouterr().err


def test_issue_member_writes_owner_only_keys_and_carries_role(ca: Path, tmp_path: Path) -> None:
    out = tmp_path / "tesco"
    code = main(["ca", "issue", str(ca), "--role", "member", "--name", "tesco", "--out", str(out),
                 "--days", "30"])
    assert code == 0
    for name in ("cert.pem", "key.pem", "ca.pem", "signing.key"):
        assert (out / name).is_file()
    assert _mode(out / "key.pem") == 0o600
    assert _mode(out / "signing.key") == 0o600
    identity = pki.load_identity(out)
    assert (identity.role, identity.name) == ("member", "tesco")
    cert = x509.load_pem_x509_certificate((out / "cert.pem").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "urn:msin:member:tesco" in sans.get_values_for_type(x509.UniformResourceIdentifier)
    # Valid for no host at all: only its role name, which no client expects of a member.
    assert sans.get_values_for_type(x509.DNSName) == ["tesco.member.msin.internal"]
    assert sans.get_values_for_type(x509.IPAddress) == []
    days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
    assert days == 30


def test_only_servers_name_hosts_and_never_a_role_name(ca: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sttg"
    assert main(["ca", "issue", str(ca), "--role", "coordinator", "--name", "sttg", "--out", str(out),
                 "--host", "coordinator.example.org", "--host", "10.0.0.5"]) == 0
    assert "sttg.coordinator.msin.internal" in capsys.readouterr().out
    cert = x509.load_pem_x509_certificate((out / "cert.pem").read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["sttg.coordinator.msin.internal", "coordinator.example.org"]
    for role, host in [("member", "node.example"), ("analyst", "127.0.0.1"),
                       ("member", "sttg.coordinator.msin.internal"),
                       ("keyholder", "sttg.coordinator.msin.internal"), ("coordinator", "*.example.org")]:
        assert main(["ca", "issue", str(ca), "--role", role, "--name", "x", "--out", str(tmp_path / "o"),
                     "--host", host]) == 2
        assert "hosts:" in capsys.readouterr().err


def _crl_number(ca: Path) -> int:
    crl = x509.load_pem_x509_crl((ca / "crl.pem").read_bytes())
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def test_crl_is_numbered_and_replaced_atomically(ca: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert _crl_number(ca) == 1
    a = tmp_path / "a"
    main(["ca", "issue", str(ca), "--role", "member", "--name", "a", "--out", str(a)])
    assert main(["ca", "revoke", str(ca), "--cert", str(a / "cert.pem")]) == 0
    assert _crl_number(ca) == 2 and "CRL number 2" in capsys.readouterr().out
    assert main(["ca", "crl", str(ca), "--days", "7"]) == 0
    assert _crl_number(ca) == 3 and _crl_serials(ca) == {_serial(a / "cert.pem")}
    crl = x509.load_pem_x509_crl((ca / "crl.pem").read_bytes())
    assert crl.next_update_utc is not None and 6 <= (crl.next_update_utc - crl.last_update_utc).days <= 7
    # Numbers keep rising even when crl.pem is lost; no temporary file is left behind.
    (ca / "crl.pem").unlink()
    assert main(["ca", "crl", str(ca)]) == 0 and _crl_number(ca) == 4
    assert not [p.name for p in ca.iterdir() if p.name.endswith(".tmp")]


def test_issue_keyholder_has_no_signing_key(ca: Path, tmp_path: Path) -> None:
    out = tmp_path / "kh1"
    assert main(["ca", "issue", str(ca), "--role", "keyholder", "--name", "kh1", "--out", str(out)]) == 0
    assert not (out / "signing.key").exists()
    assert pki.load_identity(out).role == "keyholder"


@pytest.mark.parametrize(
    "extra",
    [
        ["--role", "wizard", "--name", "x"],
        ["--role", "member", "--name", "bad name!"],
        ["--role", "member", "--name", "x", "--days", "0"],
    ],
)
def test_issue_bad_input_exits_2(ca: Path, tmp_path: Path, extra: list[str],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ca", "issue", str(ca), *extra, "--out", str(tmp_path / "o")]) == 2
    assert "error" in capsys.readouterr().err


def test_issue_without_ca_exits_2(tmp_path: Path) -> None:
    code = main(["ca", "issue", str(tmp_path / "nope"), "--role", "member", "--name", "x",
                 "--out", str(tmp_path / "o")])
    assert code == 2


def _serial(cert_path: Path) -> int:
    return x509.load_pem_x509_certificate(cert_path.read_bytes()).serial_number


def _crl_serials(ca: Path) -> set[int]:
    crl = x509.load_pem_x509_crl((ca / "crl.pem").read_bytes())
    ca_cert = x509.load_pem_x509_certificate((ca / "ca.pem").read_bytes())
    assert crl.is_signature_valid(ca_cert.public_key())  # type: ignore[arg-type]
    return {r.serial_number for r in crl}


def test_revoke_by_serial_and_by_cert(ca: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["ca", "issue", str(ca), "--role", "member", "--name", "a", "--out", str(a)]) == 0
    assert main(["ca", "issue", str(ca), "--role", "analyst", "--name", "b", "--out", str(b)]) == 0
    assert main(["ca", "revoke", str(ca), "--serial", f"{_serial(a / 'cert.pem'):x}"]) == 0
    assert _crl_serials(ca) == {_serial(a / "cert.pem")}
    assert main(["ca", "revoke", str(ca), "--cert", str(b / "cert.pem")]) == 0
    assert _crl_serials(ca) == {_serial(a / "cert.pem"), _serial(b / "cert.pem")}
    revocations = pki.RevocationList(ca / "crl.pem", (ca / "ca.pem").read_bytes())
    assert revocations.is_revoked(_serial(b / "cert.pem"))


def test_revoke_needs_exactly_one_target(ca: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["ca", "revoke", str(ca)])
    assert exc.value.code == 2
    assert main(["ca", "revoke", str(ca), "--cert", str(tmp_path / "missing.pem")]) == 2
    assert main(["ca", "revoke", str(ca), "--serial", "not-hex"]) == 2


def test_list_shows_issued_and_revoked(ca: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ca", "list", str(ca)]) == 0
    assert "no certificates issued" in capsys.readouterr().out
    a, b = tmp_path / "a", tmp_path / "b"
    main(["ca", "issue", str(ca), "--role", "member", "--name", "grower", "--out", str(a)])
    main(["ca", "issue", str(ca), "--role", "coordinator", "--name", "sttg", "--out", str(b)])
    main(["ca", "revoke", str(ca), "--cert", str(a / "cert.pem")])
    capsys.readouterr()
    assert main(["ca", "list", str(ca)]) == 0
    lines = capsys.readouterr().out.splitlines()
    grower = next(line for line in lines if " grower " in line)
    sttg = next(line for line in lines if " sttg " in line)
    assert grower.rstrip().endswith("revoked") and f"{_serial(a / 'cert.pem'):x}" in grower
    assert sttg.rstrip().endswith("valid") and "coordinator" in sttg
