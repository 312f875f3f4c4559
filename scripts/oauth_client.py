"""Signs in to a running quendoo-mcp through its OAuth 2.1 authorization server
with the official Python MCP SDK's `OAuthClientProvider`, the way an agent
does: the first request is refused (401), the SDK discovers the protected
resource and authorization server metadata, registers a public client
(Dynamic Client Registration, or with --cimd a Client ID Metadata Document
served from a loopback port here), and sends the person to the sign-in page.
That person is played by an HTTP client posting the sign-in form (once with a
wrong password, which must be refused) and the consent form, as a browser
would, keeping cookies and stopping at the redirect back to the client. Then:
tools/list (15 tools with all three scopes), get_bookings, a forced token
refresh (the stored token marked expired) and another call, which must be
served by the rotated tokens without a second sign-in; the refresh token
spent by that refresh must then be refused. Exits non-zero on any mismatch.
Usage: oauth_client.py MCP_URL EMAIL PASSWORD [--cimd]"""

import argparse
import asyncio
import json
import logging
import socket
import sys
import threading
import time
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx2
from mcp import ClientSession
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

SCOPES = {"pms:read", "pms:write", "comms:send"}
STEP_TIMEOUT = 20


class Failure(Exception):
    pass


def check(condition: object, message: str) -> None:
    if not condition:
        raise Failure(message)


class SdkErrors(logging.Handler):
    """Keeps the exceptions the SDK's OAuth flow logs ("OAuth flow error") before
    they vanish into the transport, which answers the waiting request with a
    cancellation instead; the traceback still goes to stderr."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[BaseException] = []
        logging.getLogger("mcp.client.auth").addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])
        sys.stderr.write(logging.Formatter().format(record) + "\n")


class MemoryStorage(TokenStorage):
    """The SDK's token storage, in memory; it keeps every token set it is given."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None
        self.token_history: list[OAuthToken] = []

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens
        self.token_history.append(tokens)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Forms(HTMLParser):
    """The forms of a page (action, method, named inputs, buttons) and the text
    of any element whose class list has `error`."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.errors: list[str] = []
        self._error_depth = 0
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._depth += 1
            if self._error_depth == 0 and "error" in a.get("class", "").split():
                self._error_depth = self._depth
                self.errors.append("")
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "inputs": {}, "types": {}, "buttons": []}
            )
        elif tag == "input" and self.forms and "name" in a:
            self.forms[-1]["inputs"][a["name"]] = a.get("value", "")
            self.forms[-1]["types"][a["name"]] = a.get("type", "text").lower()
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(
                {"name": a.get("name", ""), "value": a.get("value", ""), "type": a.get("type", "submit").lower()}
            )

    def handle_endtag(self, tag: str) -> None:
        if tag in ("input", "br", "img", "meta", "link", "hr"):
            return
        if self._error_depth and self._depth == self._error_depth:
            self._error_depth = 0
        self._depth = max(self._depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._error_depth:
            self.errors[-1] += data

    def form(self, action_path: str, page_url: str) -> dict:
        for form in self.forms:
            if urlsplit(urljoin(page_url, form["action"])).path == action_path and form["method"] == "post":
                return form
        raise Failure(f"no <form method=post action={action_path}> on {page_url}: {[f['action'] for f in self.forms]}")


def html_page(response: httpx2.Response, what: str) -> Forms:
    check(
        response.status_code == 200,
        f"{what}: expected 200, got {response.status_code} {response.headers.get('location', '')} {response.text[:300]}",
    )
    check("text/html" in response.headers.get("content-type", ""), f"{what}: not HTML: {response.headers.get('content-type')}")
    return Forms(response.text)


class Person:
    """Plays the person at the browser: the SDK's redirect_handler and callback_handler."""

    def __init__(self, email: str, password: str, redirect_uri: str) -> None:
        self.email = email
        self.password = password
        self.redirect_uri = redirect_uri
        self.authorizations = 0
        self.authorize_params: dict[str, str] = {}
        self.result: AuthorizationCodeResult | None = None
        self.error: BaseException | None = None

    async def redirect_handler(self, authorization_url: str) -> None:
        self.authorizations += 1
        self.result = None
        try:
            self.result = await asyncio.wait_for(self._sign_in(authorization_url), STEP_TIMEOUT)
        except BaseException as exc:  # recorded: the SDK's transport may swallow it
            self.error = exc
            raise

    async def callback_handler(self) -> AuthorizationCodeResult:
        if self.result is None:
            raise Failure(f"no authorization code: {self.error!r}")
        return self.result

    async def _sign_in(self, url: str) -> AuthorizationCodeResult:
        self.authorize_params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        # A cookie jar, no redirects followed: the last answer is the redirect to the client.
        async with httpx2.AsyncClient(timeout=STEP_TIMEOUT, follow_redirects=False) as web:
            page = await web.get(url)
            sign_in = html_page(page, "GET authorize")
            form = sign_in.form("/oauth/authorize", str(page.url))
            for name in ("email", "password", "request", "csrf"):
                check(name in form["inputs"], f"sign-in form has no input {name!r}: {form['inputs']}")
            check(form["types"].get("password") == "password", "the password input is not type=password")
            check("qmcp_csrf" in web.cookies, f"GET authorize set no qmcp_csrf cookie: {list(web.cookies.keys())}")

            # A wrong password: the sign-in form again, with an error.
            action = urljoin(str(page.url), form["action"])
            wrong = await web.post(action, data={**form["inputs"], "email": self.email, "password": self.password + "-wrong"})
            again = html_page(wrong, "wrong password")
            check(any(e.strip() for e in again.errors), "wrong password: no element with class error")
            form = again.form("/oauth/authorize", str(wrong.url))

            signed_in = await web.post(action, data={**form["inputs"], "email": self.email, "password": self.password})
            consent = html_page(signed_in, "sign-in")
            check(not consent.errors, f"sign-in refused: {[e.strip() for e in consent.errors]}")
            form = consent.form("/oauth/consent", str(signed_in.url))
            for name in ("request", "csrf"):
                check(name in form["inputs"], f"consent form has no input {name!r}: {form['inputs']}")
            decisions = {b["value"] for b in form["buttons"] if b["name"] == "decision" and b["type"] == "submit"}
            check(decisions == {"allow", "deny"}, f"consent buttons: {form['buttons']}")

            answer = await web.post(urljoin(str(signed_in.url), form["action"]), data={**form["inputs"], "decision": "allow"})
            check(answer.status_code == 303, f"consent: expected 303, got {answer.status_code} {answer.text[:300]}")
            location = answer.headers.get("location", "")
            check(
                location.split("?", 1)[0] == self.redirect_uri,
                f"consent redirected to {location!r}, not to {self.redirect_uri}",
            )
            query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            check("code" in query, f"no code in the redirect: {location}")
            return AuthorizationCodeResult(code=query["code"], state=query.get("state"), iss=query.get("iss"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_client_metadata() -> tuple[ThreadingHTTPServer, str, str, list[str]]:
    """A loopback server for the Client ID Metadata Document at /client.json;
    its own /callback is the redirect URI (never visited). Returns the server,
    the document's URL (the client_id), the redirect URI and a log of fetches."""
    fetches: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    url, redirect_uri = f"{base}/client.json", f"{base}/callback"
    body = json.dumps(
        {
            "client_id": url,
            "client_name": "quendoo-mcp CI (python-sdk, CIMD)",
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetches.append(self.path)
            if self.path != "/client.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, url, redirect_uri, fetches


async def run(url: str, email: str, password: str, cimd: bool) -> str:
    storage = MemoryStorage()
    sdk = SdkErrors()
    metadata_server = None
    if cimd:
        metadata_server, client_id_url, redirect_uri, fetches = serve_client_metadata()
    else:
        redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    person = Person(email, password, redirect_uri)
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="quendoo-mcp CI (python-sdk)",
            redirect_uris=[redirect_uri],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=person.redirect_handler,
        callback_handler=person.callback_handler,
    )
    if cimd:
        # The SDK's constructor takes only an https client_metadata_url; the server
        # accepts a loopback http one under OAUTH_CIMD_ALLOW_LOOPBACK=true. Past the
        # constructor the SDK checks nothing but the server's
        # client_id_metadata_document_supported before using it as the client_id.
        provider.context.client_metadata_url = client_id_url
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=STEP_TIMEOUT) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    try:
                        init = await asyncio.wait_for(session.initialize(), STEP_TIMEOUT * 2)
                    except BaseException as exc:
                        if isinstance(person.error, Failure):
                            raise person.error from exc
                        cause = person.error or (sdk.errors[-1] if sdk.errors else exc)
                        raise Failure(f"initialize (with sign-in) failed: {type(cause).__name__}: {cause}") from exc
                    check(init.server_info.name == "quendoo-mcp", f"server_info: {init.server_info}")
                    check(person.authorizations == 1, f"{person.authorizations} sign-ins, expected 1")
                    sent = person.authorize_params
                    check(sent.get("code_challenge_method") == "S256", f"authorize params: {sent}")
                    check(set(sent.get("scope", "").split()) == SCOPES, f"requested scope: {sent.get('scope')}")
                    check(sent.get("resource") == url, f"requested resource {sent.get('resource')!r}, not {url}")
                    client = storage.client_info
                    check(client is not None, "no client registered")
                    if cimd:
                        check(client.client_id == client_id_url, f"client_id {client.client_id}, not the CIMD URL")
                        check("/client.json" in fetches, f"the server never fetched the metadata document: {fetches}")
                    first = storage.tokens
                    check(first is not None and first.refresh_token, f"no refresh token: {first}")
                    check(SCOPES <= set((first.scope or "").split()), f"granted scope: {first.scope}")

                    tools = await asyncio.wait_for(session.list_tools(), STEP_TIMEOUT)
                    check(len(tools.tools) == 15, f"{len(tools.tools)} tools: {[t.name for t in tools.tools]}")
                    page = await asyncio.wait_for(session.call_tool("get_bookings", {"limit": 2}), STEP_TIMEOUT)
                    check(not page.is_error, f"get_bookings: {page.content}")
                    check(page.structured_content and page.structured_content.get("returned") == 2, f"get_bookings: {page.structured_content}")

                    # The refresh: the SDK refreshes before a request when the held
                    # token's expiry has passed (a falsy expiry means "never").
                    provider.context.token_expiry_time = time.time() - 1
                    again = await asyncio.wait_for(session.call_tool("get_bookings", {"limit": 1}), STEP_TIMEOUT)
                    check(not again.is_error, f"get_bookings after refresh: {again.content}")
                    check(person.authorizations == 1, "the refresh failed: the SDK signed in again")
                    check(len(storage.token_history) == 2, f"{len(storage.token_history)} token sets, expected 2")
                    second = storage.tokens
                    check(second.access_token != first.access_token, "the refresh returned the same access token")
                    check(
                        second.refresh_token and second.refresh_token != first.refresh_token,
                        "the refresh token was not rotated",
                    )
                    tools = await asyncio.wait_for(session.list_tools(), STEP_TIMEOUT)
                    check(len(tools.tools) == 15, f"after refresh: {len(tools.tools)} tools")

        # The spent refresh token must not work again (rotation).
        token_endpoint = str(provider.context.oauth_metadata.token_endpoint)
        async with httpx2.AsyncClient(timeout=STEP_TIMEOUT) as plain:
            replay = await plain.post(
                token_endpoint,
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": first.refresh_token,
                    "client_id": storage.client_info.client_id,
                    "resource": url,
                },
            )
        check(replay.status_code == 400, f"spent refresh token: expected 400, got {replay.status_code} {replay.text[:200]}")
        check(replay.json().get("error") == "invalid_grant", f"spent refresh token: {replay.text[:200]}")
    finally:
        if metadata_server is not None:
            metadata_server.shutdown()
    return f"signed in, {len(tools.tools)} tools, call ok, refresh ok"


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups, which anyio's task groups raise."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves(inner)]
    return [exc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--cimd", action="store_true", help="a Client ID Metadata Document instead of DCR")
    args = parser.parse_args()
    label = "cimd" if args.cimd else "dcr"
    try:
        summary = asyncio.run(asyncio.wait_for(run(args.url, args.email, args.password, args.cimd), 120))
    except (Exception, BaseExceptionGroup) as exc:
        found = leaves(exc)
        failures = [e for e in found if isinstance(e, Failure)]
        if failures:
            reason = "; ".join(dict.fromkeys(str(e) for e in failures))
        elif all(isinstance(e, TimeoutError) for e in found):
            reason = "timed out"
        else:
            reason = "; ".join(repr(e) for e in found)
        print(f"python-sdk oauth ({label}): FAILED: {reason}", file=sys.stderr)
        sys.exit(1)
    print(f"python-sdk oauth ({label}): {summary}")


main()
