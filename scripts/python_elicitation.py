"""Confirmed writes with the official Python MCP SDK, as a person at a desk
would meet them: its `Client` (revision 2026-07-28, found by
`server/discover`) answers the server's question through an elicitation
callback; a declined change leaves the simulator's availability as it was,
an accepted one lands. A handshake-era session (2025-11-25) gets the
preview and a code instead, and the change lands only when the code comes
back. Exits non-zero on any mismatch. The hotel's policy must confirm PMS
writes (the default). Usage: python_elicitation.py URL [TOKEN]"""

import asyncio
import datetime
import sys

import httpx2
from mcp import types
from mcp.client import Client
from mcp.client.streamable_http import streamable_http_client


def transport(url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return streamable_http_client(url, http_client=httpx2.AsyncClient(headers=headers))


def answering(action: str, asked: list[str]):
    async def callback(context, params: types.ElicitRequestParams):
        asked.append(params.message)
        return types.ElicitResult(action=action)

    return callback


async def free_nights(client: Client) -> list[tuple[int, str, int]]:
    """(room id, night, rooms free) for each night of the next month with rooms free."""
    today = datetime.date.today()
    runs = await client.call_tool(
        "get_availability",
        {
            "date_from": str(today + datetime.timedelta(days=1)),
            "date_to": str(today + datetime.timedelta(days=30)),
            "sysres": "qdo",
        },
    )
    assert not runs.is_error, runs.content
    nights = []
    for run in runs.structured_content["availability"]:
        day = datetime.date.fromisoformat(run["from"])
        while day <= datetime.date.fromisoformat(run["to"]):
            if run["qty"] > 0:
                nights.append((run["room_id"], str(day), run["qty"]))
            day += datetime.timedelta(days=1)
    return nights


async def free_on(client: Client, room: int, night: str) -> int:
    runs = await client.call_tool(
        "get_availability", {"date_from": night, "date_to": night, "sysres": "qdo"}
    )
    return next(r["qty"] for r in runs.structured_content["availability"] if r["room_id"] == room)


def closing(room: int, night: str) -> dict:
    return {"values": [{"date": night, "room_id": room, "avail": 0}]}


async def main(url: str, token: str | None) -> None:
    asked: list[str] = []
    async with Client(transport(url, token), elicitation_callback=answering("decline", asked)) as client:
        version = client.session.protocol_version
        nights = await free_nights(client)
        assert len(nights) >= 3, nights
        (room, night, free), second, third = nights[0], nights[1], nights[2]
        declined = await client.call_tool("update_availability", closing(room, night))
        assert declined.structured_content["status"] == "declined", declined.structured_content
        assert len(asked) == 1 and f"{free} free -> 0 free" in asked[0], asked
        assert await free_on(client, room, night) == free, "a declined change landed"

    async with Client(transport(url, token), elicitation_callback=answering("accept", asked)) as client:
        done = await client.call_tool("update_availability", closing(room, night))
        assert done.structured_content["status"] == "done", done.structured_content
        assert await free_on(client, room, night) == 0, "the accepted change did not land"

    # A 2025-11-25 session cannot be asked mid-call on a stateless server:
    # it gets the preview and a code, and must send the code back.
    room, night, free = second if second[0] != room or second[1] != night else third
    async with Client(transport(url, token), mode="legacy") as legacy:
        preview = await legacy.call_tool("update_availability", closing(room, night))
        answer = preview.structured_content
        assert answer["status"] == "confirmation_required", answer
        assert f"{free} free -> 0 free" in answer["preview"], answer
        assert await free_on(legacy, room, night) == free, "a preview changed something"
        confirmed = await legacy.call_tool(
            "update_availability", {**closing(room, night), "confirmation": answer["confirmation"]}
        )
        assert confirmed.structured_content["status"] == "done", confirmed.structured_content
        assert await free_on(legacy, room, night) == 0
        legacy_version = legacy.session.protocol_version
    print(
        f"python-sdk elicitation ({version}): declined and accepted ok; "
        f"two-step confirmation ({legacy_version}) ok"
    )


asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None))
