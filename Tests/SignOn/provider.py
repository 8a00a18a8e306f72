"""A small OpenID Connect provider for Bando's sign-on tests (issue 20), on 127.0.0.1.

Keys, ID tokens and PKCE checks come from authlib; the HTTP side is the standard library's.
Discovery, JWKS, an authorization endpoint that consents at once for the user chosen by the
test, a token endpoint (client_secret_basic or _post, PKCE S256 checked), and end-session.

The test drives it through POST /_test/next {"user": ..., "fault": ...}: the next authorization
signs in that user, and its ID token misbehaves as asked:
  other-key   signed by a key the JWKS does not hold (same kid)
  expired     exp an hour ago
  wrong-aud   issued for another client
  old-nonce   carries the nonce of the previous sign-in (a replay)
  rotated     signed by a new key the JWKS publishes from now on (a key rotation)
  es256       signed with the provider's elliptic-curve key (ES256) instead of RSA
GET /_test/log lists what happened (token requests, sign-outs).

Usage: provider.py CLIENT_ID CLIENT_SECRET  (prints "listening on PORT" once ready)
"""
import base64, json, secrets, sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7636 import create_s256_code_challenge

CLIENT_ID, CLIENT_SECRET = sys.argv[1], sys.argv[2]
USERS = {
    "nguyen-van-a": {"sub": "hue-sso-1001", "email": "nguyen.van.a@hue.gov.vn", "email_verified": True, "name": "Nguyễn Văn A"},
    "tran-thi-b": {"sub": "hue-sso-2002", "email": "tran.thi.b@hue.gov.vn", "email_verified": True, "name": "Trần Thị B"},
}
KEY = JsonWebKey.generate_key("RSA", 2048, {"kid": "k1", "alg": "RS256", "use": "sig"}, is_private=True)
OTHER = JsonWebKey.generate_key("RSA", 2048, {"kid": "k1", "alg": "RS256", "use": "sig"}, is_private=True)
ROTATED = JsonWebKey.generate_key("RSA", 2048, {"kid": "k2", "alg": "RS256", "use": "sig"}, is_private=True)
EC = JsonWebKey.generate_key("EC", "P-256", {"kid": "e1", "alg": "ES256", "use": "sig"}, is_private=True)

lock = threading.Lock()
state = {"next": {"user": "nguyen-van-a", "fault": ""}, "codes": {}, "log": [], "last_nonce": None, "published": [KEY, EC]}


class Provider(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    @property
    def issuer(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/.well-known/openid-configuration":
            return self.answer(200, {
                "issuer": self.issuer, "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
                "end_session_endpoint": self.issuer + "/logout", "response_types_supported": ["code"],
                "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            })
        if url.path == "/jwks":
            with lock:
                keys = [k.as_dict(is_private=False) for k in state["published"]]
                state["log"].append({"event": "jwks", "kids": [k["kid"] for k in keys]})
            return self.answer(200, {"keys": keys})
        if url.path == "/authorize":
            if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
                    or not q.get("code_challenge") or not q.get("nonce") or not q.get("state") or "openid" not in q.get("scope", "").split():
                return self.answer(400, {"error": "invalid_request"})
            code = secrets.token_urlsafe(24)
            with lock:
                nxt = state["next"]
                state["codes"][code] = {"user": nxt["user"], "fault": nxt["fault"], "nonce": q["nonce"],
                                        "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"],
                                        "previous_nonce": state["last_nonce"]}
                state["last_nonce"] = q["nonce"]
            target = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
            return self.answer(302, headers={"Location": target})
        if url.path == "/logout":
            hint_ok = False
            try:
                claims = jwt.decode(q.get("id_token_hint", ""), KEY)
                hint_ok = claims["aud"] == CLIENT_ID
            except Exception:
                pass
            with lock:
                state["log"].append({"event": "logout", "hint_ok": hint_ok})
            return self.answer(302, headers={"Location": q.get("post_logout_redirect_uri", self.issuer)})
        if url.path == "/_test/log":
            with lock:
                return self.answer(200, state["log"])
        return self.answer(404, {"error": "not_found"})

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        if url.path == "/_test/next":
            with lock:
                state["next"] = json.loads(raw)
            return self.answer(204)
        if url.path != "/token":
            return self.answer(404, {"error": "not_found"})
        form = dict(urllib.parse.parse_qsl(raw))
        client, secret, method = form.get("client_id"), form.get("client_secret"), "client_secret_post"
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            client, secret = [urllib.parse.unquote_plus(p) for p in pair.split(":", 1)]
            method = "client_secret_basic"
        if client != CLIENT_ID or secret != CLIENT_SECRET:
            return self.answer(401, {"error": "invalid_client"})
        with lock:
            grant = state["codes"].pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant["redirect_uri"]:
            return self.answer(400, {"error": "invalid_grant"})
        pkce = create_s256_code_challenge(form.get("code_verifier", "")) == grant["challenge"]
        with lock:
            state["log"].append({"event": "token", "method": method, "pkce": pkce, "fault": grant["fault"]})
        if not pkce:
            return self.answer(400, {"error": "invalid_grant"})
        user, fault, now = USERS[grant["user"]], grant["fault"], int(time.time())
        claims = {"iss": self.issuer, "sub": user["sub"], "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], "email": user["email"], "email_verified": user["email_verified"], "name": user["name"]}
        key = KEY
        if fault == "other-key":
            key = OTHER
        elif fault == "expired":
            claims.update(iat=now - 7200, exp=now - 3600)
        elif fault == "wrong-aud":
            claims["aud"] = "another-application"
        elif fault == "old-nonce":
            claims["nonce"] = grant["previous_nonce"] or "never-sent"
        elif fault == "rotated":
            key = ROTATED
            with lock:
                state["published"] = [KEY, EC, ROTATED]
        elif fault == "es256":
            key = EC
        alg = "ES256" if key is EC else "RS256"
        id_token = jwt.encode({"alg": alg, "kid": key.as_dict()["kid"]}, claims, key).decode()
        with lock:
            state["next"] = {"user": grant["user"], "fault": ""}
        return self.answer(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                                 "id_token": id_token}, {"Cache-Control": "no-store"})


server = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
print(f"listening on {server.server_port}", flush=True)
server.serve_forever()
