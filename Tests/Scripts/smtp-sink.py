#!/usr/bin/env python3
"""A minimal SMTP sink on loopback for benchmarks: accepts any AUTH, every recipient and every
message, stores nothing, and appends one line per accepted message to COUNT_FILE.
Usage: smtp-sink.py PORT COUNT_FILE"""
import asyncio, sys

PORT, COUNT_FILE = int(sys.argv[1]), sys.argv[2]
accepted = 0

async def session(reader, writer):
    global accepted
    def send(line): writer.write(line.encode() + b"\r\n")
    send("220 sink ESMTP")
    await writer.drain()
    while True:
        line = await reader.readline()
        if not line:
            break
        verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
        if verb in ("EHLO", "HELO"):
            writer.write(b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 SIZE 52428800\r\n")
        elif verb == "AUTH":
            parts = line.decode().split()
            if parts[1].upper() == "LOGIN":
                for prompt in ("334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6"):
                    send(prompt)
                    await writer.drain()
                    await reader.readline()
            elif len(parts) == 2:
                send("334 ")
                await writer.drain()
                await reader.readline()
            send("235 2.7.0 accepted")
        elif verb == "DATA":
            send("354 go ahead")
            await writer.drain()
            while (await reader.readline()) not in (b".\r\n", b""):
                pass
            accepted += 1
            with open(COUNT_FILE, "a") as handle:
                handle.write("1\n")
            send("250 2.0.0 queued as sink%d" % accepted)
        elif verb == "QUIT":
            send("221 bye")
            await writer.drain()
            break
        else:
            send("250 ok")
        await writer.drain()
    writer.close()

async def main():
    server = await asyncio.start_server(session, "127.0.0.1", PORT)
    async with server:
        await server.serve_forever()

asyncio.run(main())
