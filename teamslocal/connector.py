"""A small Bot Framework connector of our own, on a local port.

It does what Microsoft 365 Agents Playground does not: the OneDrive upload session a
FileConsentCard's acceptance hands the bot (``PUT`` the bytes, read them back), and message
deletion. It also stands in for the whole connector where the playground is not installed
(the demo without Node): 1:1 conversations, sending and updating activities, team rosters.
Every call the bot makes is recorded, in the order it arrived.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from teamslocal.roster import OTHERS, PEOPLE, TEAM_ID, member_json

_ACTIVITIES = re.compile(r"^/_connector/v3/conversations/([^/]+)/activities(?:/([^/]+))?$")
_MEMBERS = re.compile(
    r"^/_connector/v3/conversations/([^/]+)/(pagedmembers|members)(?:/([^/]+))?$", re.I
)


@dataclass
class Recorded:
    """One call the bot made: ``method``, the conversation, the activity id, the body."""

    method: str
    conversation_id: str
    activity_id: str
    body: dict[str, Any]


@dataclass
class LocalConnector:
    """Start with :meth:`start`; ``service_url`` is what the bot is configured with."""

    host: str = "127.0.0.1"
    recorded: list[Recorded] = field(default_factory=list)
    personal: dict[str, str] = field(default_factory=dict)  # 29:… → conversation id
    uploads: dict[str, bytes] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 1000
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/_connector"

    def start(self) -> LocalConnector:
        connector = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("content-length") or 0))

            def _json(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = unquote(urlsplit(self.path).path)
                if path.startswith("/files/"):
                    data = connector.uploads.get(path.removeprefix("/files/"))
                    if data is None:
                        self._json(404, {"error": "not found"})
                        return
                    self.send_response(200)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                match = _MEMBERS.match(path)
                if match is None or match.group(1) != TEAM_ID:
                    self._json(404, {"error": {"code": "ConversationNotFound"}})
                    return
                members = [member_json(p) for p in PEOPLE]
                if match.group(3):
                    found = [m for m in members if m["id"] == match.group(3)]
                    self._json(200, found[0]) if found else self._json(404, {"error": {}})
                elif match.group(2).lower() == "pagedmembers":
                    self._json(200, {"members": members})
                else:
                    self._json(200, members)

            def do_POST(self) -> None:
                path = unquote(urlsplit(self.path).path)
                body = json.loads(self._body() or b"{}")
                if path == "/_connector/v3/conversations":
                    member = (body.get("members") or [{}])[0].get("id", "")
                    if member not in {p.teams_id for p in PEOPLE}:
                        self._json(400, {"error": {"code": "BadArgument"}})
                        return
                    with connector._lock:
                        conversation = connector.personal.setdefault(member, f"a:{member[3:]}-1on1")
                    connector._record("POST", "", "", {"created": conversation, **body})
                    self._json(201, {"id": conversation})
                    return
                match = _ACTIVITIES.match(path)
                if match is None:
                    self._json(404, {"error": "no route"})
                    return
                activity_id = connector._new_id()
                connector._record("POST", match.group(1), activity_id, body)
                self._json(201, {"id": activity_id})

            def do_PUT(self) -> None:
                path = unquote(urlsplit(self.path).path)
                if path.startswith("/upload/"):
                    upload_id = path.removeprefix("/upload/")
                    data = self._body()
                    expected = f"bytes 0-{len(data) - 1}/{len(data)}"
                    if self.headers.get("content-range") != expected:
                        self._json(400, {"error": "content-range"})
                        return
                    connector.uploads[upload_id] = data
                    self._json(201, {"id": upload_id, "size": len(data)})
                    return
                match = _ACTIVITIES.match(path)
                if match is None or match.group(2) is None:
                    self._json(404, {"error": "no route"})
                    return
                body = json.loads(self._body() or b"{}")
                connector._record("PUT", match.group(1), match.group(2), body)
                self._json(200, {"id": match.group(2)})

            def do_DELETE(self) -> None:
                match = _ACTIVITIES.match(unquote(urlsplit(self.path).path))
                if match is None or match.group(2) is None:
                    self._json(404, {"error": "no route"})
                    return
                connector._record("DELETE", match.group(1), match.group(2), {})
                self._json(200, {})

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _new_id(self) -> str:
        with self._lock:
            self._next += 1
            return f"17950000{self._next:05d}"

    def _record(
        self, method: str, conversation_id: str, activity_id: str, body: dict[str, Any]
    ) -> None:
        with self._lock:
            self.recorded.append(Recorded(method, conversation_id, activity_id, body))

    # ------------------------------------------------------------------ OneDrive stand-in

    def upload_session(self, name: str) -> dict[str, Any]:
        """What Teams hands the bot when a person accepts a file: an upload URL in their
        OneDrive (here, this server) and where the file will be."""
        upload_id = uuid.uuid4().hex
        return {
            "contentUrl": f"{self.base_url}/files/{upload_id}",
            "name": name,
            "uploadUrl": f"{self.base_url}/upload/{upload_id}",
            "uniqueId": upload_id,
            "fileType": name.rsplit(".", 1)[-1],
        }

    def uploaded(self, upload_info: dict[str, Any]) -> bytes | None:
        return self.uploads.get(str(upload_info.get("uniqueId")))


__all__ = ["OTHERS", "LocalConnector", "Recorded"]
