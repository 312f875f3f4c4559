// Drives a running quendoo-mcp through the official TypeScript MCP SDK:
// initialize, list the tools, call one, and check that a bad argument comes
// back as an isError result. A URL ending in /sse uses SSEClientTransport
// (HTTP+SSE, revision 2024-11-05: answers on the stream); any other
// StreamableHTTPClientTransport. Exits non-zero on any mismatch.
// Usage: node ts_client.mjs URL [TOKEN]  (run where @modelcontextprotocol/sdk is installed)
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token] = process.argv.slice(2);
const headers = token ? { Authorization: `Bearer ${token}` } : {};
const sse = url.replace(/\/+$/, "").endsWith("/sse");
const transport = sse
  ? new SSEClientTransport(new URL(url), {
      requestInit: { headers },
      eventSourceInit: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...headers } }) },
    })
  : new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
const client = new Client({ name: "quendoo-ts-check", version: "1.0.0" });
const options = { timeout: 20000 };

await client.connect(transport, options);
assert.equal(client.getServerVersion()?.name, "quendoo-mcp");
const { tools } = await client.listTools(undefined, options);
assert.equal(tools.length, 15, tools.map((t) => t.name).join(","));
const page = await client.callTool({ name: "get_bookings", arguments: { limit: 2 } }, undefined, options);
assert.ok(!page.isError, JSON.stringify(page.content));
assert.equal(page.structuredContent.returned, 2);
const bad = await client.callTool(
  { name: "get_availability", arguments: { date_from: "x", date_to: "2026-01-01", sysres: "qdo" } },
  undefined,
  options,
);
assert.ok(bad.isError && bad.content[0].text.includes("date_from"), JSON.stringify(bad.content));
const protocol = sse ? "" : ` protocol ${transport.protocolVersion},`;
console.log(`ts-sdk (${sse ? "sse" : "streamable-http"}):${protocol} ${tools.length} tools, calls ok`);
await client.close();
