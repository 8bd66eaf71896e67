"""Serving a console over HTTPS on a service's own certificate, and starting one as a process.

The certificate and key are the identity's ``cert.pem`` and ``key.pem`` (issued by the
network CA, :mod:`msin_fed.pki`); browsers accept them once the network CA is trusted
and the certificate names the console's host (``msin ca issue --host``). The console
binds to loopback unless told otherwise.
"""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp

from msin_fed.errors import ConfigError, ValidationError

__all__ = ["DEFAULT_LISTEN", "parse_listen", "serve", "start_console", "wait_https"]

DEFAULT_LISTEN = "127.0.0.1:8443"


def parse_listen(text: str, source: str = "--listen", key: str = "listen") -> tuple[str, int]:
    """``host:port`` (IPv6 in brackets) as (host, port); ConfigError naming ``key`` when malformed."""
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(source, key, "must be host:port, such as 127.0.0.1:8443")
    return host, int(port)


def serve(app: ASGIApp, listen: str, identity_dir: Path, *, name: str = "console") -> None:
    """Serve ``app`` on ``listen`` over HTTPS with the identity's certificate until interrupted."""
    import uvicorn

    host, port = parse_listen(listen)
    cert, key = identity_dir / "cert.pem", identity_dir / "key.pem"
    for path in (cert, key):
        if not path.is_file():
            raise ConfigError(str(identity_dir), path.name, "file missing (the console serves HTTPS on it)")
    config = uvicorn.Config(
        app, host=host, port=port, ssl_certfile=str(cert), ssl_keyfile=str(key),
        # uvicorn's access log prints whole URLs; the console logs method, handler and status.
        access_log=False, log_level="warning", server_header=False, date_header=False,
        proxy_headers=False, timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    print(f"msin {name}: serving https://{host}:{port}/", flush=True)
    server.run()


def start_console(kind: str, config: Path, log: Path, *, listen: str | None = None, no_sync: bool = False) -> object:
    """Start ``msin node console`` (kind ``node``), ``msin coordinator console`` (``analyst``)
    or ``msin advisory console`` (``advisory``) for ``config`` as a child process; the
    :class:`msin_fed.demo.processes.Process`.

    For ``msin demo --serve`` and the browser tests: the caller waits for the address to
    answer (:func:`wait_https`).
    """
    from msin_fed.demo.processes import Process

    area = {"node": "node", "analyst": "coordinator", "advisory": "advisory"}.get(kind)
    if area is None:
        raise ValidationError("kind", "must be node, analyst or advisory")
    args = ["-v", area, "console", "--config", str(config)]
    if listen:
        args += ["--listen", listen]
    if no_sync and kind == "node":
        args.append("--no-sync")  # a 'msin node run' beside it delivers and receives
    return Process(f"{kind} console", args, log).start()


def wait_https(url: str, *, timeout: float = 30.0, process: object = None) -> None:
    """Wait until ``url`` answers over HTTPS (any status; the certificate is not checked here)."""
    import ssl
    import time
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + timeout
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                         urllib.request.ProxyHandler({}))
    last = "no answer"
    while time.monotonic() < deadline:
        check = getattr(process, "check_alive", None)
        if callable(check):
            check()
        try:
            with opener.open(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError as exc:
            last = type(exc).__name__
        time.sleep(0.2)
    raise TimeoutError(f"console at {url} did not answer within {timeout:.0f}s ({last})")

