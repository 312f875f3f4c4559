"""Drives a running quendoo-mcp through the official Python MCP SDK, the
client most agents use: initialize, list the tools, call one, and check that
a bad argument comes back as an isError result. A URL ending in /sse uses the
SDK's `sse_client` (HTTP+SSE, revision 2024-11-05: answers on the stream);
any other its Streamable HTTP client. Exits non-zero on any mismatch.
Usage: python_client.py URL [TOKEN]"""

import asyncio
import sys
from contextlib import asynccontextmanager

import httpx2
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client


@asynccontextmanager
async def connect(url: str, headers: dict[str, str]):
    if url.rstrip("/").endswith("/sse"):
        async with sse_client(url, headers=headers, timeout=10, sse_read_timeout=30) as streams:
            yield "sse", streams
    else:
        async with httpx2.AsyncClient(headers=headers) as http:
            async with streamable_http_client(url, http_client=http) as streams:
                yield "streamable-http", streams


async def main(url: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with connect(url, headers) as (transport, streams):
        async with ClientSession(streams[0], streams[1]) as session:
            init = await asyncio.wait_for(session.initialize(), 20)
            assert init.server_info.name == "quendoo-mcp", init.server_info
            tools = await asyncio.wait_for(session.list_tools(), 20)
            assert len(tools.tools) == 15, [t.name for t in tools.tools]
            page = await asyncio.wait_for(session.call_tool("get_bookings", {"limit": 2}), 20)
            assert not page.is_error, page.content
            assert page.structured_content["returned"] == 2, page.structured_content
            bad = await asyncio.wait_for(
                session.call_tool(
                    "get_availability", {"date_from": "x", "date_to": "2026-01-01", "sysres": "qdo"}
                ),
                20,
            )
            assert bad.is_error and "date_from" in bad.content[0].text, bad.content
            print(
                f"python-sdk ({transport}): protocol {init.protocol_version}, "
                f"{len(tools.tools)} tools, calls ok"
            )


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
