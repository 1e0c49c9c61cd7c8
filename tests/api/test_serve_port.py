"""gunicorn's workers listen on their own sockets (SO_REUSEPORT), so ``kc serve`` refuses a
port another server listens on instead of silently sharing it."""

from __future__ import annotations

import socket

import pytest

from gis.api import serve
from gis.store.errors import ConfigError


def listening(reuse_port: bool) -> socket.socket:
    sock = socket.socket()
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_port_in_use_is_refused(reuse_port: bool) -> None:
    """Also when the other server's sockets allow sharing (another kc serve's workers)."""
    sock = listening(reuse_port)
    port = sock.getsockname()[1]
    try:
        with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{port}"):
            serve.check_port_free("127.0.0.1", port)
    finally:
        sock.close()
    serve.check_port_free("127.0.0.1", port)  # free again


def test_each_worker_listens_on_its_own_socket() -> None:
    command = serve.gunicorn_command("127.0.0.1", 5000, 2)
    assert "--reuse-port" in command
    assert command[command.index("--workers") + 1] == "2"
