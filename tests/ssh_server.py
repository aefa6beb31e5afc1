"""A real SSH/SFTP server on 127.0.0.1 for tests, so a DVC ``ssh://`` remote can be exercised.

CI machines have no OpenSSH ``sshd``; ``asyncssh`` is a full SSH implementation (the one
``dvc-ssh`` speaks through ``sshfs``), and ``sftp_factory=True`` serves this machine's files
over SFTP. The server runs its own event loop in a daemon thread::

    with SSHServer(tmp_path / "ssh") as server:
        server.url("/srv/remote")    # ssh://127.0.0.1:PORT/srv/remote
        server.client_key            # the private key file a client logs in with
        server.known_hosts_line      # the host's line for ~/.ssh/known_hosts

It only accepts the client key it generated (public-key auth, any user name), and presents a
host key generated with it, so a client that checks host keys must be told this one.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from types import TracebackType

import asyncssh


class SSHServer:
    """An asyncssh server with SFTP, on a free port of 127.0.0.1, in a background thread."""

    host = "127.0.0.1"

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = folder / "id_ed25519"
        client_key.write_private_key(str(self.client_key))
        self.client_key.chmod(0o600)
        self._authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncssh.SSHAcceptor | None = None
        self.port = 0

    def __enter__(self) -> SSHServer:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(30)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _listen(self) -> asyncssh.SSHAcceptor:
        return await asyncssh.listen(
            self.host,
            0,
            server_host_keys=[self.host_key],
            authorized_client_keys=self._authorized,
            sftp_factory=True,
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(30)
        self._loop.close()

    def url(self, path: Path | str) -> str:
        """The ``ssh://`` URL of an absolute ``path`` on this machine, served by this server."""
        return f"ssh://{self.host}:{self.port}{Path(path).resolve()}"

    @property
    def known_hosts_line(self) -> str:
        """This server's entry for a ``known_hosts`` file (OpenSSH's ``[host]:port`` form)."""
        public = self.host_key.export_public_key().decode().strip()
        return f"[{self.host}]:{self.port} {public}\n"
