"""A real DNS server on loopback for custom-domain tests (dnslib), answering from a zone that the
test edits: dnspython asks it over UDP (and TCP), exactly as it would ask a production resolver.

    zone.add("benevolat.ville.example", "CNAME", "ingress.entraide.test")
    zone.add("_entraide-challenge.benevolat.ville.example", "TXT", token)
    zone.silence("slow.example")      # no answer at all: the client times out
    zone.fail("broken.example")       # SERVFAIL

Names are answered like a recursive resolver would: a name with a CNAME answers any query type
with the CNAME (and what it leads to, when the zone has it); a name the zone does not hold, nor
any name below it, is NXDOMAIN; a name it holds without that type is an empty answer (NoAnswer).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from dnslib import QTYPE, RCODE, RR, DNSError, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

_CHAIN_LIMIT = 8


def _key(name: str) -> str:
    return name.lower().rstrip(".")


@dataclass
class Zone:
    """The records the server answers with; tests change it between queries."""

    records: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    silent: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    queries: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, rtype: str, value: str) -> None:
        with self.lock:
            self.records[_key(name)][rtype.upper()].append(value)

    def remove(self, name: str, rtype: str | None = None) -> None:
        with self.lock:
            if rtype is None:
                self.records.pop(_key(name), None)
            else:
                self.records[_key(name)].pop(rtype.upper(), None)

    def silence(self, name: str) -> None:
        with self.lock:
            self.silent.add(_key(name))

    def fail(self, name: str) -> None:
        with self.lock:
            self.failing.add(_key(name))

    def clear(self) -> None:
        with self.lock:
            self.records.clear()
            self.silent.clear()
            self.failing.clear()
            self.queries.clear()

    def _exists(self, name: str) -> bool:
        # A name exists if it has records, or a name below it does (an "empty non-terminal").
        return any(
            (held == name or held.endswith("." + name)) and any(types.values())
            for held, types in self.records.items()
        )

    def answer(self, request: DNSRecord) -> DNSRecord | None:
        """The reply to `request`, or None to stay silent."""
        name = _key(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        with self.lock:
            self.queries.append((name, qtype))
            if name in self.silent:
                return None
            reply = request.reply()
            if name in self.failing:
                reply.header.rcode = RCODE.SERVFAIL
                return reply
            if not self._exists(name):
                reply.header.rcode = RCODE.NXDOMAIN
                return reply
            current = name
            for _ in range(_CHAIN_LIMIT):
                types = self.records.get(current, {})
                if qtype != "CNAME" and types.get("CNAME"):
                    (target,) = types["CNAME"]
                    reply.add_answer(*RR.fromZone(f"{current}. 60 CNAME {_key(target)}."))
                    current = _key(target)
                    continue
                for value in types.get(qtype, []):
                    reply.add_answer(*RR.fromZone(f"{current}. 60 {qtype} {_rdata(qtype, value)}"))
                break
            return reply


def _rdata(rtype: str, value: str) -> str:
    if rtype == "TXT":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if rtype == "CNAME":
        return _key(value) + "."
    return value


class _ZoneResolver(BaseResolver):
    def __init__(self, zone: Zone) -> None:
        self.zone = zone

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = self.zone.answer(request)
        if reply is None:
            # dnslib's handler sends nothing back when the resolver raises DNSError.
            raise DNSError("silenced name")
        return reply


class _QuietLogger(DNSLogger):
    def __init__(self) -> None:
        super().__init__(log="-request,-reply,-truncated,-error", prefix=False)


class LoopbackDnsServer:
    """The zone served over UDP and TCP on 127.0.0.1, on one free port."""

    def __init__(self) -> None:
        self.zone = Zone()
        self.address = "127.0.0.1"
        self.port = 0
        self._servers: list[DNSServer] = []

    def start(self) -> LoopbackDnsServer:
        resolver = _ZoneResolver(self.zone)
        for _ in range(20):
            udp = DNSServer(resolver, port=0, address=self.address, logger=_QuietLogger())
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(
                    resolver, port=port, address=self.address, logger=_QuietLogger(), tcp=True
                )
            except OSError:  # the TCP port of that number is taken: try another
                udp.server.server_close()
                continue
            self.port = port
            self._servers = [udp, tcp]
            for server in self._servers:
                server.start_thread()
            return self
        raise RuntimeError("No free UDP and TCP port pair on loopback")

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
            server.server.server_close()
        self._servers = []
