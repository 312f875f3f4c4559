"""Drives a running quendoo-mcp through the official Python MCP SDK, the
client most agents use: initialize, list the tools, call one, and check that
a bad argument comes back as an isError result. Exits non-zero on any
mismatch. Usage: python_client.py URL [TOKEN]"""

import asyncio
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


async def main(url: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx2.AsyncClient(headers=headers) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                assert init.server_info.name == "quendoo-mcp", init.server_info
                tools = await session.list_tools()
                assert len(tools.tools) == 11, [t.name for t in tools.tools]
                page = await session.call_tool("get_bookings", {"limit": 2})
                assert not page.is_error, page.content
                assert page.structured_content["returned"] == 2, page.structured_content
                bad = await session.call_tool(
                    "get_availability", {"date_from": "x", "date_to": "2026-01-01", "sysres": "qdo"}
                )
                assert bad.is_error and "date_from" in bad.content[0].text, bad.content
                print(f"python-sdk: protocol {init.protocol_version}, {len(tools.tools)} tools, calls ok")


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
