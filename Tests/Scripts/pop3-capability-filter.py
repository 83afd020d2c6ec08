#!/usr/bin/env python3
"""A plaintext POP3 proxy that makes a capable server look like a minimal one, for tests.

    pop3-capability-filter.py LISTEN_PORT TARGET_PORT --hide STLS,PIPELINING,TOP [--refuse TOP,UIDL]

--hide removes capability lines from every CAPA reply; --refuse answers those commands with
"-ERR" itself instead of forwarding them (as a server without them would). The client must not
pipeline (hide PIPELINING too), since refused commands are answered out of band. Runs until killed.
"""
import argparse
import asyncio
import signal


async def relay_server(reader, writer, state, hidden):
    """Server -> client, dropping hidden capability lines inside CAPA replies."""
    in_capa = False
    while True:
        line = await reader.readline()
        if not line:
            break
        if state["awaiting_capa"] and not in_capa:
            state["awaiting_capa"] = False
            in_capa = line.startswith(b"+OK")
        elif in_capa:
            if line.rstrip(b"\r\n") == b".":
                in_capa = False
            elif line.split(b" ", 1)[0].rstrip(b"\r\n").upper().decode("ascii", "replace") in hidden:
                continue
        writer.write(line)
        await writer.drain()
    writer.close()


async def relay_client(reader, writer, client_writer, state, refused):
    """Client -> server, answering refused commands with -ERR."""
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line.split(b" ", 1)[0].rstrip(b"\r\n").upper().decode("ascii", "replace")
        if verb in refused:
            client_writer.write(b"-ERR " + verb.encode() + b" not supported by this server\r\n")
            await client_writer.drain()
            continue
        if verb == "CAPA":
            state["awaiting_capa"] = True
        writer.write(line)
        await writer.drain()
    writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("listen_port", type=int)
    parser.add_argument("target_port", type=int)
    parser.add_argument("--hide", default="")
    parser.add_argument("--refuse", default="")
    args = parser.parse_args()
    hidden = {name.strip().upper() for name in args.hide.split(",") if name.strip()}
    refused = {name.strip().upper() for name in args.refuse.split(",") if name.strip()}

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", args.target_port)
        except OSError:
            client_writer.close()
            return
        state = {"awaiting_capa": False}
        await asyncio.gather(relay_server(server_reader, client_writer, state, hidden),
                             relay_client(client_reader, server_writer, client_writer, state, refused),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", args.listen_port, reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
