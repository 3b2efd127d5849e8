"""The page has no login, so it must not be usable from anywhere but itself:

- a request whose Host is not an address the server was bound to is refused (DNS rebinding: a
  foreign site's name pointed at 127.0.0.1 would otherwise be "same origin" with the page);
- a POST must come from the page: its Origin (or, without one, its Referer) is the page's own, and
  it carries the page's CSRF token (in the form, or the X-CSRF-Token header of a fetch);
- every response forbids framing (X-Frame-Options: DENY, frame-ancestors) and carries a strict
  Content-Security-Policy: scripts and styles from the page's own static files only, no inline
  script or style, nothing fetched from elsewhere.
"""
from __future__ import annotations

import hmac
import secrets
import socket
from urllib.parse import urlsplit

from flask import request

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
LOCAL = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("0.0.0.0", "::", "")

BAD_HOST = ("このアドレス（{host}）ではこの画面を開けません。起動時に表示されたアドレスを使ってください。 / "
            "This page does not answer to the host name {host}; open the address printed when it started.")
BAD_ORIGIN = ("ほかのサイトやページからの送信は受け付けません。この画面から操作してください。 / "
              "Requests from other sites are refused.")
BAD_TOKEN = ("画面の有効期限が切れたか、画面の外からの送信です。ページを再読み込みしてからもう一度操作してください。 / "
             "The form is out of date or did not come from this page; reload the page.")


def install(app, refuse) -> None:
    """Check every request and set the headers of every response. ``refuse(status, message)``
    makes the error page. Allowed hosts: ``app.config["PUBCOM_HOSTS"]`` (names, any port unless
    ``PUBCOM_PORT`` is set)."""
    app.config.setdefault("PUBCOM_HOSTS", set(LOCAL))
    app.config.setdefault("PUBCOM_PORT", None)
    app.config.setdefault("PUBCOM_CSRF", secrets.token_urlsafe(32))

    @app.before_request
    def check():
        host = request.host or ""
        if not host_allowed(host, app.config["PUBCOM_HOSTS"], app.config["PUBCOM_PORT"]):
            return refuse(400, BAD_HOST.format(host=host[:80]))
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if not same_origin(host):
                return refuse(403, BAD_ORIGIN)
            sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
            if not hmac.compare_digest(sent.encode(), app.config["PUBCOM_CSRF"].encode()):
                return refuse(403, BAD_TOKEN)
        return None

    @app.after_request
    def headers(response):
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.globals["csrf_token"] = lambda: app.config["PUBCOM_CSRF"]


def split_host(host: str) -> tuple:
    """("name", port or None) of a Host header (``[::1]:8765`` → ("::1", 8765); a port that is not
    a number → -1)."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif host.count(":") == 1:
        name, port = host.split(":")
    else:
        name, port = host, ""
    return name.rstrip("."), (int(port) if port.isdigit() else -1) if port else None


def host_allowed(host: str, names, port) -> bool:
    name, given = split_host(host)
    if not name or given == -1 or name not in {n.lower() for n in names}:
        return False
    return port is None or given == port or (given is None and port == 80)


def same_origin(host: str) -> bool:
    """The request's Origin, or else its Referer, is this page (scheme and host as requested)."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    return origin.lower() == f"{request.scheme}://{host}".lower()


def addresses(host: str) -> list:
    """The names a clerk can open the page by when it listens on ``host``: for 127.0.0.1 the local
    names; for 0.0.0.0 / :: also this machine's name and its network addresses."""
    if host in LOCAL:
        return list(LOCAL)
    if host not in WILDCARD:
        return [host]
    found = []
    names = [socket.gethostname()]
    try:
        names.append(socket.getfqdn())
    except OSError:
        pass
    for name in names:
        try:
            for info in socket.getaddrinfo(name, None, socket.AF_INET if host == "0.0.0.0" else 0):
                found.append(info[4][0])
        except OSError:
            pass
    try:  # the address of the way out (no packet is sent by connecting a UDP socket)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(s.getsockname()[0])
    except OSError:
        pass
    ips = [ip for ip in dict.fromkeys(found) if not ip.startswith("127.") and ip != "::1"]
    return list(dict.fromkeys(ips + [n.lower() for n in names if n] + list(LOCAL)))


def urls(host: str, port: int) -> list:
    """The addresses to open, as URLs (network addresses first, then this machine's names)."""
    import ipaddress

    out = []
    for name in addresses(host):
        try:
            version = ipaddress.ip_address(name).version
        except ValueError:
            version = None  # a name: it resolves to what the machine has
        if version and host != "::" and version != (6 if ":" in host else 4):
            continue  # an address of the other IP version does not reach this socket
        shown = f"[{name}]" if ":" in name else name
        out.append(f"http://{shown}:{port}/")
    return out


NO_LOGIN = ("警告: この画面にはログインがありません。同じネットワークにいる人は誰でも、アップロードした意見を見て、"
            "修正を書き込めます。信頼できるネットワークの中だけで使ってください。\n"
            "Warning: the page has no login; anyone who can reach this machine can see uploaded opinions "
            "and write corrections. Use it only on a network you trust.")
