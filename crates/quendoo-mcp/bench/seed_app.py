"""The seed's Python server, reduced to the path hot_path.sh measures.

An equivalent of /work/shared/seed/quendoo-mcp-server-design.md's FastAPI app
(written from its design, not copied): the connection table in memory, the
hotel's key read from SQLite and decrypted with Fernet on every call, a new
httpx client per PMS request, one line printed per call, and the same
`/mcp/tools/execute` answer. Only `get_rooms_details` is wired.

Run: SEED_DB=... QUENDOO_BASE_URL=... uvicorn seed_app:app
"""

import os
import sqlite3
import uuid

import httpx
from cryptography.fernet import Fernet
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

BASE_URL = os.environ["QUENDOO_BASE_URL"].rstrip("/")
DB = os.environ["SEED_DB"]
CIPHER = Fernet(os.environ["SEED_FERNET_KEY"].encode())

app = FastAPI()
connections: dict[str, str] = {}


def store_key(tenant_id: str, key: str) -> None:
    with sqlite3.connect(DB) as db:
        db.execute("CREATE TABLE IF NOT EXISTS api_keys (tenant_id TEXT, key_name TEXT, value TEXT)")
        db.execute(
            "INSERT INTO api_keys VALUES (?, 'QUENDOO_API_KEY', ?)",
            (tenant_id, CIPHER.encrypt(key.encode()).decode()),
        )


def api_key(tenant_id: str) -> str | None:
    with sqlite3.connect(DB) as db:
        row = db.execute(
            "SELECT value FROM api_keys WHERE tenant_id = ? AND key_name = 'QUENDOO_API_KEY'",
            (tenant_id,),
        ).fetchone()
    return CIPHER.decrypt(row[0].encode()).decode() if row else None


class ToolCallRequest(BaseModel):
    tool_name: str
    tool_args: dict
    connection_id: str


@app.post("/mcp/connect")
async def connect(tenant_id: str):
    connection_id = str(uuid.uuid4())
    connections[connection_id] = tenant_id
    return {"connection_id": connection_id, "tenant_id": tenant_id}


@app.post("/mcp/tools/execute")
async def execute_tool(request: ToolCallRequest):
    tenant_id = connections.get(request.connection_id)
    if not tenant_id:
        raise HTTPException(status_code=401, detail="Invalid connection ID or connection expired")
    print(f"[Tool Call] Tenant: {tenant_id}, Tool: {request.tool_name}, Args: {request.tool_args}")
    key = api_key(tenant_id)
    if not key:
        raise HTTPException(status_code=400, detail="QUENDOO_API_KEY not configured")
    if request.tool_name != "get_rooms_details":
        raise HTTPException(status_code=404, detail="Unknown tool")
    params = {"api_key": key}
    params.update({k: v for k, v in request.tool_args.items() if v is not None})
    async with httpx.AsyncClient(timeout=15.0) as client:
        response = await client.get(f"{BASE_URL}/Property/getRoomsDetails", params=params)
        response.raise_for_status()
        result = response.json()
    return {"status": "success", "tool_name": request.tool_name, "result": result}


if __name__ == "__main__":
    import sys

    store_key(sys.argv[1], sys.argv[2])
