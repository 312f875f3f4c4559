// Signs in to a running quendoo-mcp's OAuth authorization server in a real
// headless browser (Debian's Chromium, driven by playwright-core), the way a
// person does: registers a public client by Dynamic Client Registration,
// opens a PKCE (S256) authorization URL, fills in the sign-in form and clicks
// Allow on the consent page, and insists that the browser lands on the
// client's callback (a loopback listener here) with a code and the same
// state, and that the code buys a token; then again, clicking Deny, which
// must land with error=access_denied. The consent page must forbid framing
// (X-Frame-Options: DENY, CSP frame-ancestors 'none'). Exits non-zero on any
// mismatch.
// Usage: node oauth_browser.mjs MCP_BASE EMAIL PASSWORD (MCP_BASE is
// http://127.0.0.1:PORT). Run from target/conformance, where node_modules has
// playwright-core (scripts/oauth_clients.sh copies it there).
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { chromium } from "playwright-core";

const [base, email, password] = process.argv.slice(2);
if (!base || !email || !password) {
  console.error("usage: node oauth_browser.mjs MCP_BASE EMAIL PASSWORD");
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const STEP_MS = 15_000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// Nothing here may hang CI: the whole check has two minutes.
setTimeout(() => {
  console.error("browser: FAILED: timed out after 120 s");
  process.exit(1);
}, 120_000).unref();

// The client's redirect URI: a loopback listener that hands each visit's query to its waiter.
const waiters = new Map(); // state -> resolve
const callback = createServer((req, res) => {
  const url = new URL(req.url, "http://127.0.0.1");
  res.writeHead(url.pathname === "/callback" ? 200 : 404, { "content-type": "text/html; charset=utf-8" });
  res.end("<!doctype html><title>callback</title><p>You may close this window.</p>");
  if (url.pathname !== "/callback") return;
  const query = Object.fromEntries(url.searchParams);
  const resolve = waiters.get(query.state) ?? waiters.get("*");
  if (resolve) resolve(query);
});
await new Promise((resolve) => callback.listen(0, "127.0.0.1", resolve));
const redirectUri = `http://127.0.0.1:${callback.address().port}/callback`;

// What the page's console said (a CSP `form-action` that blocks the redirect
// to the client shows up there, and nowhere else).
let consoleLines = [];

function visit(state) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const said = consoleLines.length ? `; the page's console: ${consoleLines.join(" | ")}` : "";
      reject(new Error(`the browser never reached the callback${said}`));
    }, STEP_MS);
    waiters.set(state, (query) => {
      clearTimeout(timer);
      waiters.delete(state);
      resolve(query);
    });
  });
}

async function json(response, what) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: ${response.status} is not JSON: ${text.slice(0, 300)}`);
  }
}

const b64url = (buffer) => buffer.toString("base64url");

let browser;
try {
  const asResponse = await fetch(`${base}/.well-known/oauth-authorization-server`, { signal: AbortSignal.timeout(STEP_MS) });
  check(asResponse.status === 200, `authorization server metadata: ${asResponse.status}`);
  const as = await json(asResponse, "authorization server metadata");
  for (const key of ["authorization_endpoint", "token_endpoint", "registration_endpoint"]) {
    check(typeof as[key] === "string", `authorization server metadata has no ${key}`);
  }

  const registration = await fetch(as.registration_endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "quendoo-mcp CI (browser)",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
    signal: AbortSignal.timeout(STEP_MS),
  });
  const client = await json(registration, "registration");
  check([200, 201].includes(registration.status) && client.client_id, `registration: ${registration.status} ${JSON.stringify(client)}`);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"], headless: true, timeout: 30_000 });

  for (const decision of ["allow", "deny"]) {
    const context = await browser.newContext(); // a fresh cookie jar: a new person each time
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    consoleLines = [];
    page.on("console", (message) => {
      if (["error", "warning"].includes(message.type())) consoleLines.push(message.text().slice(0, 300));
    });
    const verifier = b64url(randomBytes(32));
    const state = b64url(randomBytes(16));
    const authorize = new URL(as.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: redirectUri,
      code_challenge: b64url(createHash("sha256").update(verifier).digest()),
      code_challenge_method: "S256",
      scope: "pms:read",
      state,
      resource: `${base}/mcp`,
    }).toString();

    const signInPage = await page.goto(authorize.href);
    check(signInPage && signInPage.status() === 200, `${decision}: authorize page: ${signInPage && signInPage.status()}`);
    await page.fill("input[name=email]", email);
    await page.fill("input[name=password]", password);
    const [consent] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/oauth/authorize"),
      page.click("form:has(input[name=password]) button[type=submit]"),
    ]);
    check(consent.status() === 200, `${decision}: sign-in answered ${consent.status()}`);
    await page.waitForSelector(`button[value=${decision}]`).catch(async () => {
      const error = await page.locator(".error").first().textContent({ timeout: 1000 }).catch(() => null);
      throw new Error(`${decision}: no consent page after sign-in${error ? `: ${error.trim()}` : ""}`);
    });
    const headers = await consent.allHeaders();
    check((headers["x-frame-options"] || "").toUpperCase() === "DENY", `consent page x-frame-options: ${headers["x-frame-options"]}`);
    check(
      /frame-ancestors\s+'none'/.test(headers["content-security-policy"] || ""),
      `consent page content-security-policy: ${headers["content-security-policy"]}`,
    );

    const arrival = visit(state);
    await page.click(`button[value=${decision}]`);
    const query = await arrival;
    await page.waitForURL((url) => url.href.startsWith(redirectUri));
    check(query.state === state, `${decision}: state ${query.state}, sent ${state}`);
    if (decision === "allow") {
      check(query.code && !query.error, `allow: ${JSON.stringify(query)}`);
      check(query.iss === undefined || query.iss === as.issuer, `allow: iss ${query.iss}, issuer is ${as.issuer}`);
      const token = await fetch(as.token_endpoint, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: query.code,
          redirect_uri: redirectUri,
          client_id: client.client_id,
          code_verifier: verifier,
          resource: `${base}/mcp`,
        }),
        signal: AbortSignal.timeout(STEP_MS),
      });
      const tokens = await json(token, "token");
      check(token.status === 200 && tokens.access_token, `allow: token exchange ${token.status} ${JSON.stringify(tokens)}`);
    } else {
      check(query.error === "access_denied" && !query.code, `deny: ${JSON.stringify(query)}`);
    }
    await context.close();
  }
  console.log("browser: sign-in and consent ok (allow, deny)");
} catch (error) {
  console.error(`browser: FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  callback.close();
}
process.exit(process.exitCode ?? 0);
