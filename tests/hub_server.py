"""A small Hugging Face Hub stand-in for tests: the routes the real clients use, on 127.0.0.1.

Tests cannot reach huggingface.co, so they run the real ``huggingface_hub`` and ``datasets``
clients against this server (with ``HF_HUB_DISABLE_XET=1``: the xet protocol cannot be served
offline). It is a plain ``http.server.ThreadingHTTPServer`` in a daemon thread::

    with HubServer(tmp_path / "hub") as server:
        api = HfApi(endpoint=server.url, token=server.token)

What it stores, under its root folder: LFS objects and regular file contents as
``objects/<sha256>`` (content addressed), and one ``repos/<type>s/<org>/<name>.json`` per repo
holding its commits (each with its full file list), branches and tags. Every repo starts, like
on the Hub, with an "initial commit" holding ``.gitattributes``.

Routes (``{type}`` is ``datasets``, ``models`` or ``spaces``; revisions are URL-quoted):

    POST   /api/repos/create                              create a repo (409 when it exists)
    POST   /api/validate-yaml                             check a card's front matter
    POST   /api/{type}/{repo}/preupload/{rev}             lfs or regular, + the current oid
    POST   /{type}/{repo}.git/info/lfs/objects/batch      LFS batch: upload + verify hrefs
    PUT    /{type}/{repo}.git/info/lfs/objects/{oid}      (the upload href, signed by a nonce)
    POST   /{type}/{repo}.git/info/lfs/verify             (the verify href)
    POST   /api/{type}/{repo}/commit/{branch}             NDJSON commit
    POST   /api/{type}/{repo}/tag/{rev}  DELETE .../tag/{tag}
    POST   /api/{type}/{repo}/branch/{b} DELETE .../branch/{b}
    GET    /api/{type}/{repo}[/revision/{rev}]            repo info (sha, cardData, siblings)
    GET    /api/{type}/{repo}/refs                        branches and tags
    GET    /api/{type}/{repo}/tree/{rev}[/{path}]         ?recursive=&expand=
    POST   /api/{type}/{repo}/paths-info/{rev}            form: paths=..., expand=
    GET    /api/{type}/{repo}/commits/{rev}               history, newest first
    HEAD|GET /{type}/{repo}/resolve/{rev}/{path}          file bytes (Range supported)

Errors carry the ``X-Error-Code`` header the clients map to exceptions (``RepoNotFound``,
``RevisionNotFound``, ``EntryNotFound``) and ``X-Error-Message``. Writes need
``Authorization: Bearer <token>``; reads of a private repo without it answer ``RepoNotFound``.
A request to any other route gets a 404 and is recorded in ``server.unhandled``, so a test
can assert that the clients used nothing this server does not implement.

To test failures, ``server.fail_next("commit")`` makes the next request to that route (the
handler names below: ``commit``, ``lfs_upload``, ``create_tag``, ``preupload``, ...) drop the
connection without an answer, as a network failure would.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import re
import secrets
import socket
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

LFS_EXTENSIONS = (".parquet", ".arrow", ".png", ".jpg", ".bin", ".safetensors", ".zip", ".gz")
GITATTRIBUTES = "".join(f"*{ext} filter=lfs diff=lfs merge=lfs -text\n" for ext in LFS_EXTENSIONS)
LICENSES = {
    "apache-2.0", "mit", "cc0-1.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0",
    "cc-by-nc-sa-4.0", "odc-by", "odbl", "pddl", "cdla-permissive-2.0", "cdla-sharing-1.0",
    "bsd-3-clause", "gpl-3.0", "lgpl-3.0", "openrail", "other", "unknown",
}  # fmt: skip
SIZE_CATEGORIES = {
    "n<1K", "1K<n<10K", "10K<n<100K", "100K<n<1M", "1M<n<10M", "10M<n<100M",
    "100M<n<1B", "1B<n<10B", "10B<n<100B", "100B<n<1T", "n>1T",
}  # fmt: skip
TASK_CATEGORIES = {
    "tabular-classification", "tabular-regression", "time-series-forecasting",
    "text-classification", "image-classification", "text-generation", "other",
}  # fmt: skip
USER = "phantom-test"


class HubError(Exception):
    """An error answer: status, the ``X-Error-Code`` header (if any) and a message."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass
class Blob:
    """One file's content as a commit records it."""

    size: int
    sha256: str  # names the object in objects/
    lfs: bool

    def content(self, objects: Path) -> bytes:
        return (objects / self.sha256).read_bytes()

    def pointer(self) -> bytes:
        return (
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{self.sha256}\n"
            f"size {self.size}\n"
        ).encode()

    def git_oid(self, objects: Path) -> str:
        """git's blob id: of the content for regular files, of the pointer for LFS files."""
        data = self.pointer() if self.lfs else self.content(objects)
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def etag(self, objects: Path) -> str:
        return self.sha256 if self.lfs else self.git_oid(objects)


@dataclass
class Commit:
    oid: str
    parent: str | None
    title: str
    message: str
    date: str
    files: dict[str, Blob]


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, Commit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def resolve(self, revision: str) -> Commit:
        """A branch, tag or full commit id -> the commit; else RevisionNotFound."""
        oid = self.branches.get(revision) or self.tags.get(revision)
        if oid is None and revision.startswith("refs/heads/"):
            oid = self.branches.get(revision.removeprefix("refs/heads/"))
        if oid is None and revision.startswith("refs/tags/"):
            oid = self.tags.get(revision.removeprefix("refs/tags/"))
        if oid is None and revision in self.commits:
            oid = revision
        if oid is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return self.commits[oid]

    def history(self, commit: Commit) -> list[Commit]:
        chain = [commit]
        while chain[-1].parent:
            chain.append(self.commits[chain[-1].parent])
        return chain


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HubServer:
    """The Hub stand-in: start it, point the clients at ``url`` with ``token``, stop it."""

    def __init__(self, root: Path, *, token: str = "hf_phantom_test_token") -> None:
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.token = token
        self.repos: dict[tuple[str, str], Repo] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.unhandled: list[tuple[str, str]] = []  # requests no route matched
        self.errors: list[str] = []  # exceptions raised by a route (bugs of this server)
        self.authorizations: list[str] = []  # every Authorization header received
        self._failures: Counter[str] = Counter()
        self._upload_nonces: set[str] = set()
        self._lock = threading.RLock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.hub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> HubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(self, route: str, times: int = 1) -> None:
        """Drop the connection of the next ``times`` requests to ``route`` (a handler name)."""
        with self._lock:
            self._failures[route] += times

    def _take_failure(self, route: str) -> bool:
        with self._lock:
            if self._failures[route] > 0:
                self._failures[route] -= 1
                return True
            return False

    # --- state ----------------------------------------------------------------------------

    def repo(self, repo_type: str, repo_id: str, *, authorized: bool) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authorized):
            raise HubError(404, f"Repository not found: {repo_id}", "RepoNotFound")
        return repo

    def store(self, data: bytes) -> str:
        """Write ``data`` as a content-addressed object (atomically); returns its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.objects / digest
        if not target.exists():
            temporary = target.with_name(f".{digest}.{secrets.token_hex(4)}")
            temporary.write_bytes(data)
            temporary.replace(target)
        return digest

    def commit(
        self, repo: Repo, branch: str, files: dict[str, Blob], title: str, message: str = ""
    ) -> Commit:
        parent = repo.branches.get(branch)
        date = _now()
        listing = json.dumps({p: asdict(b) for p, b in sorted(files.items())})
        oid = hashlib.sha1(f"{parent}\n{title}\n{date}\n{listing}".encode()).hexdigest()
        commit = Commit(oid, parent, title, message, date, files)
        repo.commits[oid] = commit
        repo.branches[branch] = oid
        self.save(repo)
        return commit

    def save(self, repo: Repo) -> None:
        path = self.root / "repos" / f"{repo.repo_type}s" / f"{repo.repo_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(repo), indent=1))

    def upload_mode(self, path: str, size: int, sample: bytes) -> str:
        if path.endswith(LFS_EXTENSIONS) or b"\0" in sample or size > 10 * 1024 * 1024:
            return "lfs" if size > 0 else "regular"
        return "regular"


# --- the request handler -----------------------------------------------------------------------

_REPO = r"(?P<type>datasets|models|spaces)/(?P<repo>[^/]+/[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p), name)
    for m, p, name in [
        ("POST", r"/api/repos/create", "create_repo"),
        ("POST", r"/api/validate-yaml", "validate_yaml"),
        ("GET", r"/api/whoami-v2", "whoami"),
        ("POST", rf"/api/{_REPO}/preupload/(?P<rev>[^/]+)", "preupload"),
        ("POST", rf"/{_REPO}\.git/info/lfs/objects/batch", "lfs_batch"),
        ("PUT", rf"/{_REPO}\.git/info/lfs/objects/(?P<oid>[0-9a-f]{{64}})", "lfs_upload"),
        ("POST", rf"/{_REPO}\.git/info/lfs/verify", "lfs_verify"),
        ("POST", rf"/api/{_REPO}/commit/(?P<rev>[^/]+)", "commit"),
        ("POST", rf"/api/{_REPO}/tag/(?P<rev>[^/]+)", "create_tag"),
        ("DELETE", rf"/api/{_REPO}/tag/(?P<rev>[^/]+)", "delete_tag"),
        ("POST", rf"/api/{_REPO}/branch/(?P<rev>[^/]+)", "create_branch"),
        ("DELETE", rf"/api/{_REPO}/branch/(?P<rev>[^/]+)", "delete_branch"),
        ("GET", rf"/api/{_REPO}/refs", "refs"),
        ("GET", rf"/api/{_REPO}/tree/(?P<rev>[^/]+)(?:/(?P<path>.*))?", "tree"),
        ("POST", rf"/api/{_REPO}/paths-info/(?P<rev>[^/]+)", "paths_info"),
        ("GET", rf"/api/{_REPO}/commits/(?P<rev>[^/]+)", "commits"),
        ("GET", rf"/api/{_REPO}(?:/revision/(?P<rev>[^/]+))?", "repo_info"),
        ("HEAD", rf"/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", "resolve"),
        ("GET", rf"/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<path>.+)", "resolve"),
    ]
]


def _match_route(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The handler name and the (unquoted) URL parts of the first route that matches."""
    for route_method, pattern, name in _ROUTES:
        match = pattern.fullmatch(path)
        if route_method == method and match:
            return name, {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    # BaseHTTPRequestHandler calls do_<METHOD>; every method goes through one dispatcher.
    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read hub.requests
        pass

    @property
    def hub(self) -> HubServer:
        return self.server.hub  # type: ignore[attr-defined]

    def _dispatch(self) -> None:
        # One handler serves every request of a keep-alive connection: reset per request.
        self._cached_body: bytes | None = None
        split = urlsplit(self.path)
        self.query = parse_qs(split.query)
        self.hub.requests.append((self.command, split.path))
        auth = self.headers.get("Authorization", "")
        if auth:
            self.hub.authorizations.append(auth)
        self.authorized = auth == f"Bearer {self.hub.token}"
        route = _match_route(self.command, split.path)
        if route is None:
            self.hub.unhandled.append((self.command, split.path))
            self._body()
            self._send_error(HubError(404, f"no route {self.command} {split.path}"))
            return
        name, args = route
        if self.hub._take_failure(name):
            self._body()
            self._drop_connection()
            return
        try:
            with self.hub._lock:
                getattr(self, f"route_{name}")(**args)
        except HubError as exc:
            self._send_error(exc)
        except Exception as exc:  # a bug in this server: answer 500 and keep it for the test
            self.hub.errors.append(f"{self.command} {split.path}: {exc!r}")
            self._send_error(HubError(500, f"test Hub bug: {exc!r}"))

    # --- plumbing -----------------------------------------------------------------------------

    def _body(self) -> bytes:
        if self._cached_body is not None:
            return self._cached_body
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._cached_body = body
        return body

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body() or b"{}")
        except ValueError as exc:
            raise HubError(400, f"invalid JSON body: {exc}") from exc

    def _send(
        self,
        status: int,
        body: bytes = b"",
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, value: Any, status: int = 200, **kwargs: Any) -> None:
        self._send(status, json.dumps(value).encode(), **kwargs)

    def _send_error(self, exc: HubError, headers: dict[str, str] | None = None) -> None:
        extra = {"X-Error-Message": exc.message, **(headers or {})}
        if exc.code:
            extra["X-Error-Code"] = exc.code
        self._send_json({"error": exc.message}, exc.status, headers=extra)

    def _drop_connection(self) -> None:
        """Close the socket without answering, as a network failure mid-request would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _require_auth(self) -> None:
        if not self.authorized:
            raise HubError(401, "Invalid credentials in Authorization header")

    def _repo(self, type: str, repo: str) -> Repo:
        return self.hub.repo(type.removesuffix("s"), repo, authorized=self.authorized)

    def _url(self, path: str) -> str:
        return f"{self.hub.url}{path}"

    # --- repos ------------------------------------------------------------------------------------

    def route_whoami(self) -> None:
        self._require_auth()
        self._send_json(
            {"type": "user", "name": USER, "orgs": [], "auth": {"type": "access_token"}}
        )

    def route_create_repo(self) -> None:
        self._require_auth()
        payload = self._json_body()
        repo_type = payload.get("type") or "model"
        repo_id = f"{payload.get('organization') or USER}/{payload['name']}"
        prefix = "" if repo_type == "model" else f"{repo_type}s/"
        url = self._url(f"/{prefix}{repo_id}")
        if (repo_type, repo_id) in self.hub.repos:
            # As on the Hub, the conflict answer still carries the repo's url.
            message = f"You already created this {repo_type} repo"
            self._send_json(
                {"error": message, "url": url}, 409, headers={"X-Error-Message": message}
            )
            return
        private = payload.get("visibility") == "private" or bool(payload.get("private"))
        repo = Repo(repo_type, repo_id, private, _now())
        self.hub.repos[(repo_type, repo_id)] = repo
        blob = Blob(len(GITATTRIBUTES), self.hub.store(GITATTRIBUTES.encode()), lfs=False)
        self.hub.commit(repo, "main", {".gitattributes": blob}, "initial commit")
        self._send_json({"url": url, "name": repo_id, "id": repo_id})

    def route_repo_info(self, type: str, repo: str, rev: str = "main") -> None:
        hub_repo = self._repo(type, repo)
        commit = hub_repo.resolve(rev)
        card = _front_matter(commit, self.hub.objects)
        tags = list(card.get("tags") or [])
        for key in ("license", "size_categories", "task_categories", "language"):
            values = card.get(key) or []
            tags += [f"{key}:{v}" for v in ([values] if isinstance(values, str) else values)]
        self._send_json(
            {
                "_id": hashlib.sha1(repo.encode()).hexdigest()[:24],
                "id": repo,
                "author": repo.split("/")[0],
                "sha": commit.oid,
                "lastModified": commit.date,
                "createdAt": hub_repo.created_at,
                "private": hub_repo.private,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": tags,
                "cardData": card,
                "siblings": [{"rfilename": path} for path in sorted(commit.files)],
            }
        )

    def route_refs(self, type: str, repo: str) -> None:
        hub_repo = self._repo(type, repo)

        def refs(kind: str, names: dict[str, str]) -> list[dict[str, str]]:
            return [
                {"name": name, "ref": f"refs/{kind}/{name}", "targetCommit": oid}
                for name, oid in sorted(names.items())
            ]

        self._send_json(
            {
                "branches": refs("heads", hub_repo.branches),
                "converts": [],
                "tags": refs("tags", hub_repo.tags),
                "pullRequests": [],
            }
        )

    def route_create_tag(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        tag = self._json_body()["tag"]
        commit = hub_repo.resolve(rev)
        if tag in hub_repo.tags:
            raise HubError(409, f"Tag reference refs/tags/{tag} already exists")
        hub_repo.tags[tag] = commit.oid
        self.hub.save(hub_repo)
        self._send_json({"name": tag, "ref": f"refs/tags/{tag}", "targetCommit": commit.oid})

    def route_delete_tag(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        if hub_repo.tags.pop(rev, None) is None:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        self.hub.save(hub_repo)
        self._send_json({})

    def route_create_branch(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        start = self._json_body().get("startingPoint") or "main"
        if rev in hub_repo.branches:
            raise HubError(409, f"Reference refs/heads/{rev} already exists")
        hub_repo.branches[rev] = hub_repo.resolve(start).oid
        self.hub.save(hub_repo)
        self._send_json({})

    def route_delete_branch(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        if rev == "main" or hub_repo.branches.pop(rev, None) is None:
            raise HubError(404 if rev != "main" else 403, f"cannot delete branch {rev}")
        self.hub.save(hub_repo)
        self._send_json({})

    # --- uploading ----------------------------------------------------------------------------

    def route_validate_yaml(self) -> None:
        content = self._json_body().get("content", "")
        errors, warnings = _validate_card(content)
        status = 400 if errors else 200
        self._send_json(
            {
                "errors": [{"message": m} for m in errors],
                "warnings": [{"message": m} for m in warnings],
            },
            status,
        )

    def route_preupload(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        files = hub_repo.resolve(rev).files
        answer = []
        for item in self._json_body()["files"]:
            sample = base64.b64decode(item.get("sample", ""))
            mode = self.hub.upload_mode(item["path"], int(item["size"]), sample)
            current = files.get(item["path"])
            oid = None
            if current is not None:
                oid = current.sha256 if current.lfs else current.git_oid(self.hub.objects)
            answer.append(
                {"path": item["path"], "uploadMode": mode, "shouldIgnore": False, "oid": oid}
            )
        self._send_json({"files": answer, "commitOid": hub_repo.resolve(rev).oid})

    def route_lfs_batch(self, type: str, repo: str) -> None:
        self._require_auth()
        self._repo(type, repo)
        payload = self._json_body()
        if payload.get("operation") != "upload":
            raise HubError(400, "only the upload operation is served")
        objects = []
        for item in payload["objects"]:
            oid, size = item["oid"], int(item["size"])
            entry: dict[str, Any] = {"oid": oid, "size": size}
            if not (self.hub.objects / oid).exists():
                nonce = secrets.token_urlsafe(12)
                self.hub._upload_nonces.add(nonce)
                base = self._url(f"/{type}/{repo}.git/info/lfs")
                entry["authenticated"] = True
                entry["actions"] = {
                    "upload": {"href": f"{base}/objects/{oid}?nonce={nonce}"},
                    "verify": {
                        "href": f"{base}/verify",
                        "header": {"Authorization": f"Bearer {self.hub.token}"},
                    },
                }
            objects.append(entry)
        self._send_json(
            {"transfer": "basic", "objects": objects, "hash_algo": "sha256"},
            content_type="application/vnd.git-lfs+json",
        )

    def route_lfs_upload(self, type: str, repo: str, oid: str) -> None:
        # The upload href is "pre-signed" (a nonce from the batch answer), as S3 URLs are:
        # the client sends no Authorization header with it.
        nonce = (self.query.get("nonce") or [""])[0]
        if nonce not in self.hub._upload_nonces:
            raise HubError(403, "upload URL is not signed")
        data = self._body()
        if hashlib.sha256(data).hexdigest() != oid:
            raise HubError(400, f"uploaded bytes do not hash to {oid}")
        self.hub.store(data)
        self.hub._upload_nonces.discard(nonce)
        self._send(200, headers={"ETag": f'"{oid}"'})

    def route_lfs_verify(self, type: str, repo: str) -> None:
        self._require_auth()
        payload = self._json_body()
        path = self.hub.objects / payload["oid"]
        if not path.exists() or path.stat().st_size != int(payload["size"]):
            raise HubError(404, f"object {payload['oid']} was not uploaded")
        self._send_json({"success": True})

    def route_commit(self, type: str, repo: str, rev: str) -> None:
        self._require_auth()
        hub_repo = self._repo(type, repo)
        if "create_pr" in self.query:
            raise HubError(400, "pull requests are not served by this test Hub")
        if rev not in hub_repo.branches:
            raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
        head = hub_repo.resolve(rev)
        lines = [json.loads(line) for line in self._body().splitlines() if line.strip()]
        if not lines or lines[0].get("key") != "header":
            raise HubError(400, "the first NDJSON line must be the commit header")
        header = lines[0]["value"]
        parent = header.get("parentCommit")
        if parent and not head.oid.startswith(parent):
            raise HubError(412, "A commit has happened since. Please refresh and try again.")
        files = dict(head.files)
        for line in lines[1:]:
            key, value = line["key"], line["value"]
            path = value["path"]
            if key == "file":
                data = base64.b64decode(value["content"])
                files[path] = Blob(len(data), self.hub.store(data), lfs=False)
            elif key == "lfsFile":
                stored = self.hub.objects / value["oid"]
                if not stored.exists():
                    raise HubError(422, f"LFS object {value['oid']} of {path} was not uploaded")
                files[path] = Blob(stored.stat().st_size, value["oid"], lfs=True)
            elif key == "deletedFile":
                if files.pop(path, None) is None:
                    raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
            elif key == "deletedFolder":
                prefix = path.rstrip("/") + "/"
                doomed = [p for p in files if p.startswith(prefix)]
                if not doomed:
                    raise HubError(404, "A folder with this name doesn't exist", "EntryNotFound")
                for p in doomed:
                    del files[p]
            else:
                raise HubError(400, f"unknown commit operation {key!r}")
        commit = self.hub.commit(
            hub_repo, rev, files, header.get("summary") or "", header.get("description") or ""
        )
        self._send_json(
            {
                "success": True,
                "commitOid": commit.oid,
                "commitUrl": self._url(f"/{type}/{repo}/commit/{commit.oid}"),
                "hookOutput": "",
                "pullRequestUrl": None,
            }
        )

    # --- reading ------------------------------------------------------------------------------

    def _entry(self, hub_repo: Repo, commit: Commit, path: str, expand: bool) -> dict[str, Any]:
        """A tree entry as the Hub lists it: a file (with lfs info) or a directory."""
        blob = commit.files.get(path)
        if blob is not None:
            entry: dict[str, Any] = {
                "type": "file",
                "oid": blob.git_oid(self.hub.objects),
                "size": blob.size,
                "path": path,
            }
            if blob.lfs:
                entry["lfs"] = {
                    "oid": blob.sha256,
                    "size": blob.size,
                    "pointerSize": len(blob.pointer()),
                }
        else:
            entry = {
                "type": "directory",
                "oid": hashlib.sha1(f"{commit.oid}:{path}".encode()).hexdigest(),
                "size": 0,
                "path": path,
            }
        if expand:
            last = _last_commit(hub_repo, commit, path)
            entry["lastCommit"] = {"id": last.oid, "title": last.title, "date": last.date}
        return entry

    def route_tree(self, type: str, repo: str, rev: str, path: str = "") -> None:
        hub_repo = self._repo(type, repo)
        commit = hub_repo.resolve(rev)
        recursive = (self.query.get("recursive") or ["false"])[0].lower() in {"true", "1"}
        expand = (self.query.get("expand") or ["false"])[0].lower() in {"true", "1"}
        path = path.strip("/")
        prefix = f"{path}/" if path else ""
        below = [p for p in sorted(commit.files) if p.startswith(prefix)]
        if path and not below:
            raise HubError(404, f"{path} does not exist on {rev}", "EntryNotFound")
        entries: dict[str, None] = {}
        for file_path in below:
            parts = file_path[len(prefix) :].split("/")
            depth = len(parts) if recursive else 1
            for i in range(1, depth + 1):
                entries[prefix + "/".join(parts[:i])] = None
        self._send_json([self._entry(hub_repo, commit, p, expand) for p in entries])

    def route_paths_info(self, type: str, repo: str, rev: str) -> None:
        hub_repo = self._repo(type, repo)
        commit = hub_repo.resolve(rev)
        body = self._body().decode()
        if self.headers.get("Content-Type", "").startswith("application/json"):
            form = json.loads(body or "{}")
            paths, expand = list(form.get("paths") or []), bool(form.get("expand"))
        else:
            fields = parse_qs(body)
            paths = fields.get("paths", [])
            expand = (fields.get("expand") or ["false"])[0].lower() in {"true", "1"}
        found = []
        for path in paths:
            path = path.strip("/")
            is_dir = any(p.startswith(f"{path}/") for p in commit.files)
            if path in commit.files or is_dir:
                found.append(self._entry(hub_repo, commit, path, expand))
        self._send_json(found)

    def route_commits(self, type: str, repo: str, rev: str) -> None:
        hub_repo = self._repo(type, repo)
        commits = hub_repo.history(hub_repo.resolve(rev))
        self._send_json(
            [
                {
                    "id": c.oid,
                    "title": c.title,
                    "message": c.message,
                    "date": c.date,
                    "authors": [{"user": USER if c.parent else "system"}],
                }
                for c in commits
            ]
        )

    def route_resolve(self, type: str, repo: str, rev: str, path: str) -> None:
        hub_repo = self._repo(type, repo)
        commit = hub_repo.resolve(rev)
        blob = commit.files.get(path)
        headers = {"X-Repo-Commit": commit.oid, "Accept-Ranges": "bytes"}
        if blob is None:
            error = HubError(404, f"Entry not found: {path}", "EntryNotFound")
            self._send_error(error, headers=headers)
            return
        etag = blob.etag(self.hub.objects)
        headers["ETag"] = f'"{etag}"'
        if blob.lfs:
            headers["X-Linked-Etag"] = f'"{etag}"'
            headers["X-Linked-Size"] = str(blob.size)
        data = blob.content(self.hub.objects)
        status = 200
        ranged = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if ranged and data:
            start_text, end_text = ranged.groups()
            if start_text:
                start = int(start_text)
                end = min(int(end_text), len(data) - 1) if end_text else len(data) - 1
            else:  # a suffix range: the last N bytes
                start, end = max(0, len(data) - int(end_text)), len(data) - 1
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            data, status = data[start : end + 1], 206
        self._send(status, data, content_type="application/octet-stream", headers=headers)


def _last_commit(repo: Repo, commit: Commit, path: str) -> Commit:
    """The newest commit in ``commit``'s history that changed ``path`` (a file or a folder)."""

    def view(c: Commit) -> dict[str, str]:
        return {p: b.sha256 for p, b in c.files.items() if p == path or p.startswith(f"{path}/")}

    chain = repo.history(commit)
    for newer, older in itertools.pairwise(chain):
        if view(newer) != view(older):
            return newer
    return chain[-1]


def _front_matter(commit: Commit, objects: Path) -> dict[str, Any]:
    blob = commit.files.get("README.md")
    if blob is None:
        return {}
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n", blob.content(objects).decode(), re.DOTALL)
    try:
        data = yaml.safe_load(match.group(1)) if match else None
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _validate_card(content: str) -> tuple[list[str], list[str]]:
    """The checks the Hub runs on a dataset card's YAML: (errors, warnings)."""
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.DOTALL)
    if not match:
        return [], ["empty or missing yaml metadata in repo card"]
    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return [f"Invalid YAML in the card's metadata: {exc}"], []
    if not meta:
        return [], ["empty or missing yaml metadata in repo card"]
    if not isinstance(meta, dict):
        return ["the card's metadata must be a YAML mapping"], []
    errors: list[str] = []
    warnings: list[str] = []

    def strings(key: str) -> list[str]:
        value = meta.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        errors.append(f'"{key}" must be a string or a list of strings')
        return []

    errors += [
        f'"license" {v!r} is not a known license id'
        for v in strings("license")
        if v not in LICENSES
    ]
    errors += [
        f'"size_categories" {v!r} must be one of {sorted(SIZE_CATEGORIES)}'
        for v in strings("size_categories")
        if v not in SIZE_CATEGORIES
    ]
    warnings += [
        f'"task_categories" {v!r} is not a known task category'
        for v in strings("task_categories")
        if v not in TASK_CATEGORIES
    ]
    strings("tags")
    errors += _check_configs(meta.get("configs"))
    errors += _check_dataset_info(meta.get("dataset_info"))
    return errors, warnings


def _check_configs(configs: Any) -> list[str]:
    if configs is None:
        return []
    if not isinstance(configs, list):
        return ['"configs" must be a list']
    errors = []
    for config in configs:
        if not isinstance(config, dict) or not isinstance(config.get("config_name"), str):
            errors.append('each item of "configs" needs a string "config_name"')
            continue
        files = config.get("data_files")
        if files is None or isinstance(files, str):
            continue
        if not isinstance(files, list) or not all(
            isinstance(f, str)
            or (isinstance(f, dict) and isinstance(f.get("split"), str) and "path" in f)
            for f in files
        ):
            errors.append(
                f'"configs.{config["config_name"]}.data_files" must be a path, a list of paths '
                "or a list of {split, path}"
            )
    return errors


def _check_dataset_info(info: Any) -> list[str]:
    if info is None:
        return []
    items = info if isinstance(info, list) else [info]
    errors = []
    for item in items:
        if not isinstance(item, dict):
            return ['"dataset_info" must be a mapping or a list of mappings']
        for feature in item.get("features") or []:
            if not isinstance(feature, dict) or "name" not in feature:
                errors.append('each "dataset_info.features" item needs a "name"')
        for split in item.get("splits") or []:
            if not (
                isinstance(split, dict)
                and isinstance(split.get("name"), str)
                and isinstance(split.get("num_examples"), int)
                and isinstance(split.get("num_bytes"), int)
            ):
                errors.append('each "dataset_info.splits" item needs name, num_bytes, num_examples')
        for key in ("download_size", "dataset_size"):
            if key in item and not isinstance(item[key], int):
                errors.append(f'"dataset_info.{key}" must be an integer')
    return errors
