#!/usr/bin/env python3
"""A fault-injecting TCP proxy for SMTP and POP3 tests: sits between Postillon and the real
Postfix/Dovecot and cuts or stalls the conversation at a named protocol point.

    fault-proxy.py --protocol smtp|pop3 --target PORT [--listen PORT] [--rule RULE]...
                   [--times N] [--stall SECONDS] [--tls-cert PEM --tls-key KEY --ca CA] [--implicit-tls]

Prints "listening PORT" once ready (--listen 0, the default, lets the kernel pick), then one line
per event ("conn 1 open", "conn 1 fired cut-after:.", "conn 1 closed"), flushed, so a test can
wait for a rule to have fired. Runs until SIGTERM/SIGINT/SIGKILL.

Rules (VERB is a command verb such as DATA, QUIT, RETR, STLS; "." is SMTP's end of data):
  stall-greeting        hold the server's greeting; nothing reaches the client (for --stall s)
  cut-before:VERB       the client's VERB is not forwarded; both connections are closed
  cut-after:VERB        VERB reaches the server and its reply is read there, then dropped:
                        the client's connection is closed without it
  withhold-reply:VERB   as cut-after, but the client's connection stays open and silent (--stall s)
  cut-data:N            SMTP: after 354, N bytes of the message reach the server, then both close
  stall-data:N          SMTP: after 354, N bytes reach the server, then the proxy stops reading
                        the client and forwards nothing (--stall s)
  stall-after:VERB      from the reply to VERB on, nothing more reaches the client, and the
                        client's further commands are not forwarded (--stall s); e.g.
                        stall-after:AUTH stalls a POP3 session right after its login
--times N applies the rules to the first N connections only (later ones pass through untouched).

TLS: with --tls-cert/--tls-key the proxy terminates STARTTLS (SMTP) and STLS (POP3) itself: it
forwards the command, and when the server agrees it upgrades the server leg (verified against
--ca, name "localhost") and then the client leg with the given certificate (issued by the test CA,
so the client's verified path runs), and keeps seeing the protocol in clear text. --implicit-tls
does the same from the first byte (smtps, pop3s). Without a certificate, STARTTLS/STLS are
refused with an error reply so the conversation stays visible (use it with --allow-plaintext).
"""
import argparse
import asyncio
import collections
import signal
import ssl
import sys

MULTILINE_POP3 = {"CAPA", "UIDL", "LIST", "TOP", "RETR"}


def log(line):
    print(line, flush=True)


class Conversation:
    """One client connection and its server leg."""

    def __init__(self, number, args, active):
        self.number = number
        self.args = args
        self.rules = args.rule if active else []
        self.smtp = args.protocol == "smtp"
        self.pending = collections.deque()  # verbs whose replies are still to come, oldest first
        self.reply_events = {}  # verb -> asyncio.Future of its reply code (for DATA, STARTTLS)
        self.upgraded = asyncio.Event()
        self.done = asyncio.Event()
        self.stalled = False
        self.greeting_pending = True
        self.client = None  # (reader, writer)
        self.server = None

    def rule(self, kind, verb=None):
        for rule in self.rules:
            name, _, argument = rule.partition(":")
            if name == kind and (verb is None or argument.upper() == verb):
                return rule
        return None

    def data_rule(self):
        for rule in self.rules:
            name, _, argument = rule.partition(":")
            if name in ("cut-data", "stall-data"):
                return name, int(argument)
        return None

    def fire(self, rule):
        log(f"conn {self.number} fired {rule}")

    async def stall(self):
        try:
            await asyncio.wait_for(self.done.wait(), self.args.stall)
        except asyncio.TimeoutError:
            pass
        self.close()

    def close(self):
        for side in (self.client, self.server):
            if side:
                side[1].close()
        self.done.set()

    async def client_to_server(self):
        reader, _ = self.client
        in_data = False
        data_bytes = 0
        data_rule = self.data_rule()
        while not self.done.is_set():
            line = await reader.readline()
            if not line:
                break
            if in_data:
                if line in (b".\r\n", b".\n"):
                    in_data = False
                    verb = "."
                else:
                    if data_rule:
                        kind, limit = data_rule
                        if data_bytes + len(line) > limit:
                            part = line[: max(0, limit - data_bytes)]
                            self.server[1].write(part)
                            await self.server[1].drain()
                            self.fire(f"{kind}:{limit}")
                            if kind == "cut-data":
                                self.close()
                            else:
                                await self.stall()
                            return
                        data_bytes += len(line)
                    self.server[1].write(line)
                    await self.server[1].drain()
                    continue
            else:
                verb = line.split(b" ", 1)[0].strip().upper().decode("ascii", "replace")
                if self.smtp and verb not in ("EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET",
                                              "NOOP", "QUIT", "VRFY", "HELP"):
                    verb = "*"  # a SASL continuation line
            rule = self.rule("cut-before", verb)
            if rule:
                self.fire(rule)
                self.close()
                return
            if self.stalled:
                await self.stall()
                return
            tls_verb = verb in ("STARTTLS", "STLS")
            waiter = None
            if tls_verb or verb == "DATA":
                waiter = asyncio.get_running_loop().create_future()
                self.reply_events[verb] = waiter
            if tls_verb and not self.args.tls_cert:
                # Keep the conversation visible: refuse the upgrade as a server without it would.
                self.reply_events.pop(verb, None)
                self.client[1].write(b"454 4.7.0 TLS not available\r\n" if self.smtp else b"-ERR STLS not available\r\n")
                await self.client[1].drain()
                continue
            has_argument = len(line.strip().split(b" ", 1)) > 1
            self.pending.append((verb, has_argument))
            self.server[1].write(line)
            await self.server[1].drain()
            if waiter:
                code = await waiter
                if tls_verb and code:
                    await self.upgraded.wait()
                if verb == "DATA" and code == 354:
                    in_data = True
        if not self.done.is_set():
            # The client closed: close the server leg as well.
            self.server[1].close()

    async def read_reply(self, reader):
        """One complete reply: (verb it answers, lines, positive code or None)."""
        first = await reader.readline()
        # Popped only now: the command goes out before its reply arrives (the greeting has none).
        verb, has_argument = ("<greeting>", False) if self.greeting_pending or not self.pending else self.pending.popleft()
        self.greeting_pending = False
        lines = []
        if not first:
            return verb, lines, None
        lines.append(first)
        if self.smtp:
            line = first
            while len(line) > 3 and line[3:4] == b"-":
                line = await reader.readline()
                if not line:
                    break
                lines.append(line)
            code = int(first[:3]) if first[:3].isdigit() else None
        else:
            positive = first.startswith(b"+OK")
            code = 1 if positive else 0
            # UIDL and LIST with a message number answer one line; without, a list.
            multiline = positive and verb in MULTILINE_POP3 and not (verb in ("UIDL", "LIST") and has_argument)
            while multiline:
                line = await reader.readline()
                if not line:
                    break
                lines.append(line)
                if line in (b".\r\n", b".\n"):
                    break
        return verb, lines, code

    async def server_to_client(self):
        reader, _ = self.server
        writer = self.client[1]
        greeting = True
        while not self.done.is_set():
            if greeting and self.rule("stall-greeting"):
                self.fire("stall-greeting")
                await self.stall()
                return
            verb, lines, code = await self.read_reply(reader)
            greeting = False
            if not lines:
                break
            for rule_kind in ("cut-after", "withhold-reply"):
                rule = self.rule(rule_kind, verb)
                if rule:
                    self.fire(rule)
                    self.server[1].close()
                    if rule_kind == "cut-after":
                        self.close()
                    else:
                        await self.stall()
                    return
            if verb in ("STARTTLS", "STLS") and self.args.tls_cert and code in (220, 1):
                # Upgrade the server leg first, then answer the client and upgrade its leg with no
                # await in between: its ClientHello must reach the TLS layer, not the line reader.
                await self.server[1].start_tls(ssl.create_default_context(cafile=self.args.ca), server_hostname="localhost")
                writer.write(b"".join(lines))
                await writer.start_tls(self.server_context())
                self.upgraded.set()
            else:
                writer.write(b"".join(lines))
                await writer.drain()
            rule = self.rule("stall-after", verb)
            if rule:
                self.fire(rule)
                self.stalled = True
                await self.stall()
                return
            waiter = self.reply_events.pop(verb, None)
            if verb in ("STARTTLS", "STLS"):
                positive = (code == 220) if self.smtp else (code == 1)
                if waiter:
                    waiter.set_result(positive)
            elif waiter:
                waiter.set_result(code)
        if not self.done.is_set():
            self.client[1].close()
            self.done.set()

    def server_context(self):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.args.tls_cert, self.args.tls_key)
        return context


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--protocol", choices=("smtp", "pop3"), required=True)
    parser.add_argument("--target", type=int, required=True, help="the server's port on 127.0.0.1")
    parser.add_argument("--listen", type=int, default=0)
    parser.add_argument("--rule", action="append", default=[])
    parser.add_argument("--times", type=int, default=0, help="apply the rules to the first N connections (0: all)")
    parser.add_argument("--stall", type=float, default=3600.0, help="seconds a stall lasts before closing")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--ca")
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()
    known = ("stall-greeting", "cut-before", "cut-after", "withhold-reply", "cut-data", "stall-data", "stall-after")
    for rule in args.rule:
        if rule.partition(":")[0] not in known:
            parser.error(f"unknown rule {rule}")
    if args.implicit_tls and not (args.tls_cert and args.tls_key):
        parser.error("--implicit-tls needs --tls-cert and --tls-key")

    counter = 0

    async def handle(client_reader, client_writer):
        nonlocal counter
        counter += 1
        conversation = Conversation(counter, args, args.times == 0 or counter <= args.times)
        log(f"conn {counter} open")
        try:
            upstream_tls = ssl.create_default_context(cafile=args.ca) if args.implicit_tls else None
            server = await asyncio.open_connection("127.0.0.1", args.target, ssl=upstream_tls,
                                                   server_hostname="localhost" if upstream_tls else None, limit=1 << 20)
        except OSError:
            client_writer.close()
            return
        conversation.client = (client_reader, client_writer)
        conversation.server = server
        results = await asyncio.gather(conversation.client_to_server(), conversation.server_to_client(),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Exception) and not isinstance(result, (OSError, asyncio.IncompleteReadError)):
                print(f"conn {conversation.number}: {result!r}", file=sys.stderr, flush=True)
        conversation.close()
        log(f"conn {conversation.number} closed")

    server_tls = None
    if args.implicit_tls:
        server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_tls.load_cert_chain(args.tls_cert, args.tls_key)
    server = await asyncio.start_server(handle, "127.0.0.1", args.listen, ssl=server_tls, limit=1 << 20,
                                        reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log(f"listening {server.sockets[0].getsockname()[1]}")
    async with server:
        await stop.wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
