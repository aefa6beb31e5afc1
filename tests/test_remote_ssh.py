"""A second DVC remote type: an SSH remote, passed through to DVC as a user would configure it.

The server is a real SSH/SFTP server (:mod:`tests.ssh_server`) on 127.0.0.1 that checks the
client's key; the client checks the server's host key against ``~/.ssh/known_hosts``. Phantom
only writes the URL into ``.dvc/config``; credentials are DVC's own ``dvc remote modify``
options, and the data goes through ``dvc-ssh``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import registry
from registry import Registry
from tests.conftest import SAMPLER_RECIPE, build_and_commit, run, write
from tests.ssh_server import SSHServer


@pytest.fixture
def ssh_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A running SSH server whose host key is in this test's ``~/.ssh/known_hosts``."""
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))  # ssh clients read ~/.ssh/known_hosts and config
    for role in ("AUTHOR", "COMMITTER"):  # a new HOME has no git identity
        monkeypatch.setenv(f"GIT_{role}_NAME", "phantom")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "phantom@localhost")
    with SSHServer(tmp_path / "ssh") as server:
        write(home / ".ssh" / "known_hosts", server.known_hosts_line)
        yield server


def use_key(root: Path, server: SSHServer) -> None:
    """What a user does in each checkout: name the key and user for the remote, locally."""
    run(root, "dvc", "remote", "modify", "--local", "phantom", "keyfile", str(server.client_key))
    run(root, "dvc", "remote", "modify", "--local", "phantom", "user", "phantom")


def registry_on(server: SSHServer, storage: Path, root: Path, *, with_key: bool = True) -> Path:
    """`phantom init --remote ssh://...`, a sampler recipe built by `dvc repro` and committed:
    ready for `phantom release`."""
    storage.mkdir()
    run(root.parent, "phantom", "init", str(root), "--remote", server.url(storage))
    if with_key:
        use_key(root, server)
    write(
        root / "recipes" / "txns.yaml",
        SAMPLER_RECIPE.format(name="txns", version="1.0.0", rows=200, mean=3.5),
    )
    run(root, "phantom", "init")  # registers the recipe's DVC stage
    build_and_commit(root, "txns 1.0.0")
    return root


def files_under(folder: Path) -> list[Path]:
    return sorted(path.relative_to(folder) for path in folder.rglob("*") if path.is_file())


@pytest.mark.slow
def test_a_version_released_to_an_ssh_remote_is_read_back_by_a_fresh_clone(
    ssh_server: SSHServer, tmp_path: Path
) -> None:
    storage = tmp_path / "ssh-storage"
    root = registry_on(ssh_server, storage, tmp_path / "registry")
    run(root, "phantom", "release", "txns")
    assert files_under(storage), "dvc push wrote nothing through the SSH server"

    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(root), str(clone))
    assert Registry(clone).remote_url() == ssh_server.url(storage)
    use_key(clone, ssh_server)
    version = registry.resolve("txns@1.0.0", repo=clone)
    folder = Registry(clone).fetch(version)  # from the remote: the clone's DVC cache is empty
    released = root / "data" / "txns"
    assert folder != clone / "data" / "txns"
    assert files_under(folder) == files_under(released)
    for path in files_under(released):
        assert (folder / path).read_bytes() == (released / path).read_bytes()

    run(clone, "dvc", "pull", "-q")  # the user's own DVC command, through the same remote
    for path in files_under(released):
        assert (clone / "data" / "txns" / path).read_bytes() == (released / path).read_bytes()


@pytest.mark.slow
def test_an_ssh_remote_without_the_key_is_refused_by_the_server(
    ssh_server: SSHServer, tmp_path: Path
) -> None:
    """The server really authenticates: without the keyfile the push fails with one line."""
    storage = tmp_path / "ssh-storage"
    root = registry_on(ssh_server, storage, tmp_path / "registry", with_key=False)
    result = run(root, "phantom", "release", "txns", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: dvc push of data/txns failed")
    assert not files_under(storage)
    assert not run(root, "git", "tag", "--list").stdout.strip()  # nothing was tagged
