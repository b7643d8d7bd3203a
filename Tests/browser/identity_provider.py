"""A small OpenID Connect provider for the browser tests: the authorization-code flow
with PKCE, as a county's provider runs it, on a loopback port.

GET /authorize shows a sign-in form for the people it knows; POST /authorize sends the
browser back to the client's redirect_uri with a one-time code; POST /token exchanges
the code (checking client_id, redirect_uri and the PKCE verifier) for an ID token signed
ES256 with a key made at start, whose public half is written as a JWKS file.

    python3 identity_provider.py WORKDIR ISSUER_PORT_FILE
"""

import base64
import hashlib
import html
import json
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PEOPLE = {
    "anna": {"org": "prison", "roles": ["aso:responsible-worker", "aso:counsellor", "mail-user"]},
}
AUDIENCE = "aso-engine"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Provider:
    def __init__(self, workdir: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "EC", "crv": "P-256", "kid": "test-provider", "alg": "ES256", "use": "sig",
                               "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}]}
        with open(os.path.join(workdir, "jwks.json"), "w", encoding="utf-8") as handle:
            json.dump(self.jwks, handle)
        self.codes = {}
        self.lock = threading.Lock()
        self.issuer = ""

    def id_token(self, person: str, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": AUDIENCE, "sub": secrets.token_hex(8), "preferred_username": person,
                  "org": PEOPLE[person]["org"], "roles": PEOPLE[person]["roles"], "nonce": nonce,
                  "iat": now, "exp": now + 600}
        header = b64url(json.dumps({"alg": "ES256", "typ": "JWT", "kid": "test-provider"}).encode())
        payload = b64url(json.dumps(claims).encode())
        der = self.key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{header}.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="text/html; charset=utf-8", headers=()):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def form(self):
            length = int(self.headers.get("Content-Length", "0"))
            return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))

        def do_GET(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/authorize":
                return self.reply(404, "not found", "text/plain")
            query = dict(urllib.parse.parse_qsl(url.query))
            needed = ("response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge", "code_challenge_method")
            if any(name not in query for name in needed) or query["code_challenge_method"] != "S256" or query["client_id"] != AUDIENCE:
                return self.reply(400, "bad authorization request", "text/plain")
            hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items())
            options = "".join(f'<option value="{p}">{p}</option>' for p in PEOPLE)
            self.reply(200, f"""<!doctype html><html lang="en"><head><title>County sign-in</title></head><body><main>
                <h1>County sign-in</h1><form method="post" action="/authorize">{hidden}
                <label for="person">Who</label> <select id="person" name="person">{options}</select>
                <button type="submit" id="approve">Sign in</button></form></main></body></html>""")

        def do_POST(self):
            if self.path == "/authorize":
                query = self.form()
                code = secrets.token_urlsafe(24)
                with provider.lock:
                    provider.codes[code] = query
                target = query["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": query["state"]})
                return self.reply(302, "", "text/plain", [("Location", target)])
            if self.path == "/token":
                form = self.form()
                with provider.lock:
                    request = provider.codes.pop(form.get("code", ""), None)
                if request is None:
                    return self.reply(400, json.dumps({"error": "invalid_grant"}), "application/json")
                challenge = b64url(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
                if (form.get("grant_type") != "authorization_code" or form.get("client_id") != AUDIENCE
                        or form.get("redirect_uri") != request["redirect_uri"] or challenge != request["code_challenge"]):
                    return self.reply(400, json.dumps({"error": "invalid_grant"}), "application/json")
                token = provider.id_token(request["person"], request["nonce"])
                return self.reply(200, json.dumps({"id_token": token, "token_type": "Bearer", "expires_in": 600}),
                                  "application/json")
            return self.reply(404, "not found", "text/plain")

    return Handler


def start(workdir: str):
    """Starts the provider in a thread; returns (server, issuer URL)."""
    provider = Provider(workdir)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, provider.issuer
