#!/usr/bin/env python3
"""Capture peer: a minimal FastCGI / SCGI backend that records every byte a front server sends it.

Python 3 standard library only. Three sub-commands:

  serve  --proto fcgi|scgi --listen tcp:127.0.0.1:PORT [--listen unix:/path.sock] --out DIR
         [--label-file FILE]
      Accepts connections (one thread each), records every byte received, and answers each request with a
      minimal valid response so the front server is satisfied:
        FastCGI: STDOUT "Status: 200 OK\\r\\nContent-Type: text/plain\\r\\n\\r\\nok", an empty STDOUT and
                 END_REQUEST(REQUEST_COMPLETE); the connection stays open when BEGIN_REQUEST had FCGI_KEEP_CONN
                 and is closed after END_REQUEST when it did not.
        SCGI:    reads the netstring and CONTENT_LENGTH body bytes, writes the same Status/Content-Type/"ok"
                 response and closes.
      The files of a request are written BEFORE its response is sent, so once the HTTP client got its answer
      they exist. Each request is named by the text in --label-file when its first byte arrived (FastCGI: the
      header of its first record with a request id other than 0; SCGI: the connection's first byte), whenever
      it completes or its connection closes (default "request"; a repeated label gets ".2", ".3", ...
      appended). Write the label file atomically (a temporary file renamed over it). For each request:
        OUT/<label>.bin   the raw bytes of that request (FastCGI on a kept-alive connection: the bytes since
                          the end of the previous request on the connection, i.e. from its BEGIN_REQUEST up to
                          and including its empty STDIN record; SCGI: the whole connection)
        OUT/<label>.txt   a human-readable listing (see `dump`), plus the peer address and TCP read sizes
        OUT/conn/conn-<n>.bin / .txt   every byte received on connection n so far (rewritten after each
                          request and at EOF), and a listing of all its requests
        OUT/index.tsv     one line per request: label, connection number, request number on the connection,
                          byte count
      A request still incomplete when the front server closes its connection is kept the same way under its
      label, with request number "none". A connection that carried no request at all (HAProxy's connections
      with only FCGI_GET_VALUES, opened for a request it then refused itself; httpd's empty SCGI connection)
      claims no request label: it is kept as OUT/no-request/<label>.bin / .txt, <label> being the text of the
      label file when the connection was accepted, and listed in index.tsv as "no-request/<label>" with request
      number "none". Its .bin holds whatever arrived, possibly nothing.
      Stop it with SIGTERM or SIGINT.

  dump   --proto fcgi|scgi FILE.bin
      Prints the listing of a raw capture (records, padding, params in wire order / netstring and headers).

  check  DIR
      Sanity-checks every *.bin under DIR (protocol from the name: *_fcgi-*, *_fastcgi-* or *_scgi-*): records
      well-formed, params decode exactly, request complete, STDIN / body length equals CONTENT_LENGTH when that
      is given, known byte patterns of the big-post and chunked bodies. Exit status 1 on any problem.

Self-test of how the captures are named (which label each request or connection gets): test_capture_peer.py
beside this file.
"""

import argparse
import hashlib
import os
import signal
import socket
import socketserver
import sys
import threading

# ---------------------------------------------------------------------------------------------------------------
# FastCGI wire format

FCGI_VERSION_1 = 1
FCGI_TYPES = {
    1: "BEGIN_REQUEST", 2: "ABORT_REQUEST", 3: "END_REQUEST", 4: "PARAMS", 5: "STDIN", 6: "STDOUT",
    7: "STDERR", 8: "DATA", 9: "GET_VALUES", 10: "GET_VALUES_RESULT", 11: "UNKNOWN_TYPE",
}
FCGI_BEGIN_REQUEST, FCGI_ABORT_REQUEST, FCGI_END_REQUEST = 1, 2, 3
FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT, FCGI_DATA = 4, 5, 6, 8
FCGI_GET_VALUES, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE = 9, 10, 11
FCGI_KEEP_CONN = 1
ROLES = {1: "RESPONDER", 2: "AUTHORIZER", 3: "FILTER"}

RESPONSE_HEAD_AND_BODY = b"Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nok"


class WireError(Exception):
    pass


class Record:
    __slots__ = ("offset", "version", "type", "request_id", "content", "padding", "reserved")

    def __init__(self, offset, version, rtype, request_id, content, padding, reserved):
        self.offset, self.version, self.type, self.request_id = offset, version, rtype, request_id
        self.content, self.padding, self.reserved = content, padding, reserved

    @property
    def name(self):
        return FCGI_TYPES.get(self.type, "TYPE_%d" % self.type)

    @property
    def size(self):
        return 8 + len(self.content) + len(self.padding)

    def short(self):
        return "%s(len=%d,pad=%d)" % (self.name, len(self.content), len(self.padding))


def parse_record(buf, pos):
    """Returns (Record, next_pos), or (None, pos) when buf[pos:] holds no complete record yet."""
    if len(buf) - pos < 8:
        return None, pos
    version, rtype = buf[pos], buf[pos + 1]
    request_id = (buf[pos + 2] << 8) | buf[pos + 3]
    clen = (buf[pos + 4] << 8) | buf[pos + 5]
    plen = buf[pos + 6]
    reserved = buf[pos + 7]
    end = pos + 8 + clen + plen
    if len(buf) < end:
        return None, pos
    content = bytes(buf[pos + 8:pos + 8 + clen])
    padding = bytes(buf[pos + 8 + clen:end])
    return Record(pos, version, rtype, request_id, content, padding, reserved), end


def fcgi_record(rtype, request_id, content=b"", pad_to=8):
    plen = (-len(content)) % pad_to if pad_to > 1 else 0
    head = bytes([FCGI_VERSION_1, rtype, request_id >> 8, request_id & 0xFF,
                  len(content) >> 8, len(content) & 0xFF, plen, 0])
    return head + content + b"\0" * plen


def decode_nv_pairs(data):
    """FastCGI name-value pairs. Returns [(name, value, name_len_form, value_len_form)], form 1 or 4 bytes."""
    out = []
    pos = 0
    n = len(data)

    def read_len(p):
        if p >= n:
            raise WireError("truncated length at %d" % p)
        b = data[p]
        if b < 0x80:
            return b, p + 1, 1
        if p + 4 > n:
            raise WireError("truncated 4-byte length at %d" % p)
        return ((b & 0x7F) << 24) | (data[p + 1] << 16) | (data[p + 2] << 8) | data[p + 3], p + 4, 4

    while pos < n:
        nlen, pos, nform = read_len(pos)
        vlen, pos, vform = read_len(pos)
        if pos + nlen + vlen > n:
            raise WireError("pair overruns the params stream at %d (name %d, value %d bytes)" % (pos, nlen, vlen))
        name = bytes(data[pos:pos + nlen])
        value = bytes(data[pos + nlen:pos + nlen + vlen])
        pos += nlen + vlen
        out.append((name, value, nform, vform))
    return out


def show(b):
    """Bytes as text: printable ASCII kept, everything else (and backslash) escaped as \\xNN."""
    return "".join(chr(c) if 0x20 <= c < 0x7F and c != 0x5C else "\\x%02x" % c for c in b)


def runs(items):
    """['a','a','b'] -> 'a x2 b' (consecutive equal items collapsed)."""
    out = []
    prev, count = None, 0
    for it in items + [None]:
        if it == prev:
            count += 1
            continue
        if prev is not None:
            out.append(prev if count == 1 else "%s x%d" % (prev, count))
        prev, count = it, 1
    return " ".join(out)


class FcgiRequestView:
    """Everything one FastCGI request segment shows: records, flags, params, stdin."""

    def __init__(self, records):
        self.records = records
        self.problems = []
        self.begin = None
        self.params_stream = bytearray()
        self.params_records = []
        self.stdin = bytearray()
        self.stdin_records = []
        self.data = bytearray()
        self.other = []
        params_done = stdin_done = False
        for r in records:
            if r.version != FCGI_VERSION_1:
                self.problems.append("record at %d: version %d" % (r.offset, r.version))
            if r.type == FCGI_BEGIN_REQUEST:
                if self.begin is not None:
                    self.problems.append("second BEGIN_REQUEST at %d" % r.offset)
                if len(r.content) != 8:
                    self.problems.append("BEGIN_REQUEST content length %d" % len(r.content))
                self.begin = r
            elif r.type == FCGI_PARAMS:
                if params_done:
                    self.problems.append("PARAMS after the empty PARAMS record at %d" % r.offset)
                self.params_records.append(r)
                if r.content:
                    self.params_stream += r.content
                else:
                    params_done = True
            elif r.type == FCGI_STDIN:
                if not params_done:
                    self.problems.append("STDIN before the end of PARAMS at %d" % r.offset)
                if stdin_done:
                    self.problems.append("STDIN after the empty STDIN record at %d" % r.offset)
                self.stdin_records.append(r)
                if r.content:
                    self.stdin += r.content
                else:
                    stdin_done = True
            elif r.type == FCGI_DATA:
                self.data += r.content
            else:
                self.other.append(r)
            if any(r.padding):
                self.problems.append("non-zero padding bytes in %s at %d" % (r.name, r.offset))
            if r.reserved:
                self.problems.append("non-zero reserved byte in %s at %d" % (r.name, r.offset))
        self.params_complete = params_done
        self.stdin_complete = stdin_done
        self.params = []
        try:
            self.params = decode_nv_pairs(bytes(self.params_stream))
        except WireError as e:
            self.problems.append("params do not decode: %s" % e)
        if self.begin is None:
            self.problems.append("no BEGIN_REQUEST")
        ids = {r.request_id for r in records if r.type not in (FCGI_GET_VALUES,)}
        if len(ids) > 1:
            self.problems.append("several request ids: %s" % sorted(ids))

    @property
    def role(self):
        c = self.begin.content
        return (c[0] << 8) | c[1]

    @property
    def flags(self):
        return self.begin.content[2]

    def param(self, name):
        for n, v, _, _ in self.params:
            if n == name:
                return v
        return None

    def listing(self):
        lines = []
        if self.begin is not None:
            lines.append("request id: %d" % self.begin.request_id)
            lines.append("role: %d (%s)" % (self.role, ROLES.get(self.role, "?")))
            lines.append("flags: %d (FCGI_KEEP_CONN=%s)" % (self.flags, bool(self.flags & FCGI_KEEP_CONN)))
        total = sum(r.size for r in self.records)
        lines.append("bytes: %d in %d records" % (total, len(self.records)))
        lines.append("records: " + runs([r.short() for r in self.records]))
        lines.append("params: %d pairs, %d bytes in %d non-empty PARAMS record(s) of %s bytes" % (
            len(self.params), len(self.params_stream), len([r for r in self.params_records if r.content]),
            [len(r.content) for r in self.params_records if r.content]))
        four = ["%s(%s)" % (show(n), "name" if nf == 4 and vf != 4 else "value" if vf == 4 and nf != 4 else "both")
                for n, v, nf, vf in self.params if nf == 4 or vf == 4]
        lines.append("4-byte length form used by: %s" % (", ".join(four) if four else "none"))
        sizes = [len(r.content) for r in self.stdin_records if r.content]
        pads = sorted({len(r.padding) for r in self.stdin_records if r.content})
        lines.append("stdin bytes: %d in %d non-empty STDIN record(s)" % (len(self.stdin), len(sizes)))
        if sizes:
            lines.append("stdin record lengths: " + runs([str(s) for s in sizes]))
            lines.append("stdin record paddings seen: %s" % pads)
            lines.append("stdin sha256: %s" % hashlib.sha256(self.stdin).hexdigest())
            lines.append("stdin first bytes: %s" % show(bytes(self.stdin[:24])))
        if self.data:
            lines.append("data bytes: %d" % len(self.data))
        for r in self.other:
            lines.append("other record: %s id=%d content=%s" % (r.short(), r.request_id, show(r.content)))
        if not self.params_complete:
            lines.append("INCOMPLETE: no empty PARAMS record")
        if not self.stdin_complete:
            lines.append("INCOMPLETE: no empty STDIN record")
        names = [n for n, _, _, _ in self.params]
        dups = sorted({show(x) for x in names if names.count(x) > 1})
        if dups:
            lines.append("NOTE: repeated param names: %s" % ", ".join(dups))
        for p in self.problems:
            lines.append("PROBLEM: " + p)
        lines.append("-- params (wire order) --")
        for n, v, _, _ in self.params:
            lines.append("%s=%s" % (show(n), show(v)))
        return "\n".join(lines) + "\n"


def split_fcgi(buf):
    """Splits a FastCGI byte stream into request segments: each ends with the record completing a request
    (the empty STDIN record, or an ABORT_REQUEST). Returns (segments, leftover) where a segment is
    (start, end, [records]) and leftover the records of an unfinished tail."""
    segments = []
    pos = start = 0
    recs = []
    while True:
        r, nxt = parse_record(buf, pos)
        if r is None:
            break
        recs.append(r)
        pos = nxt
        if (r.type == FCGI_STDIN and not r.content) or r.type == FCGI_ABORT_REQUEST:
            segments.append((start, pos, recs))
            start, recs = pos, []
    return segments, (start, pos, recs), len(buf) - pos


# ---------------------------------------------------------------------------------------------------------------
# SCGI wire format

class ScgiView:
    def __init__(self, buf):
        self.buf = bytes(buf)
        self.problems = []
        self.notes = []
        self.headers = []
        self.netstring_len = None
        self.prefix = b""
        self.body = b""
        self.trailing = b""
        self.complete = False
        colon = self.buf.find(b":")
        if colon < 0:
            self.problems.append("no ':' of the netstring length")
            return
        self.prefix = self.buf[:colon + 1]
        digits = self.buf[:colon]
        if not digits or not digits.isdigit() or (len(digits) > 1 and digits[:1] == b"0"):
            self.problems.append("bad netstring length %r" % digits)
            return
        self.netstring_len = int(digits)
        hstart = colon + 1
        hend = hstart + self.netstring_len
        if len(self.buf) < hend + 1:
            self.problems.append("netstring truncated")
            return
        if self.buf[hend:hend + 1] != b",":
            self.problems.append("netstring not followed by ','")
        block = self.buf[hstart:hend]
        if block and not block.endswith(b"\0"):
            self.problems.append("header block does not end with NUL")
        parts = block.split(b"\0")[:-1] if block else []
        if len(parts) % 2:
            self.problems.append("odd number of NUL-terminated strings (%d)" % len(parts))
        self.headers = [(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if not self.headers or self.headers[0][0] != b"CONTENT_LENGTH":
            self.problems.append("CONTENT_LENGTH is not the first header")
        rest = self.buf[hend + 1:]
        cl = self.header(b"CONTENT_LENGTH")
        if cl is None or not cl.isdigit():
            self.problems.append("CONTENT_LENGTH missing or not a number: %r" % cl)
            self.body = rest
            return
        n = int(cl)
        self.body = rest[:n]
        self.trailing = rest[n:]
        if len(self.body) < n:
            self.problems.append("body truncated: %d of %d bytes" % (len(self.body), n))
        else:
            self.complete = True
        if self.trailing:
            self.problems.append("%d bytes after the body" % len(self.trailing))
        if self.header(b"SCGI") != b"1":
            self.problems.append("SCGI=1 missing")
        names = [h[0] for h in self.headers]
        dups = sorted({show(x) for x in names if names.count(x) > 1})
        if dups:
            self.notes.append("repeated header names (the SCGI spec says names are unique): %s" % ", ".join(dups))

    def header(self, name):
        for n, v in self.headers:
            if n == name:
                return v
        return None

    def listing(self):
        lines = []
        lines.append("bytes: %d" % len(self.buf))
        lines.append("netstring prefix: %s (header bytes: %s)" % (show(self.prefix), self.netstring_len))
        lines.append("headers: %d pairs" % len(self.headers))
        lines.append("body bytes: %d" % len(self.body))
        if self.body:
            lines.append("body sha256: %s" % hashlib.sha256(self.body).hexdigest())
            lines.append("body first bytes: %s" % show(self.body[:24]))
        for p in self.notes:
            lines.append("NOTE: " + p)
        for p in self.problems:
            lines.append("PROBLEM: " + p)
        lines.append("-- headers (wire order) --")
        for n, v in self.headers:
            lines.append("%s=%s" % (show(n), show(v)))
        return "\n".join(lines) + "\n"


def scgi_needed(buf):
    """Total bytes of the request in buf once known (netstring + body), else None."""
    colon = buf.find(b":")
    if colon < 0:
        if len(buf) > 10:
            raise WireError("no netstring length in the first 10 bytes")
        return None
    digits = bytes(buf[:colon])
    if not digits.isdigit():
        raise WireError("bad netstring length %r" % digits)
    hend = colon + 1 + int(digits)
    if len(buf) < hend + 1:
        return None
    parts = bytes(buf[colon + 1:hend]).split(b"\0")
    cl = 0
    for i in range(0, len(parts) - 1, 2):
        if parts[i] == b"CONTENT_LENGTH":
            cl = int(parts[i + 1] or b"0")
            break
    return hend + 1 + cl


# ---------------------------------------------------------------------------------------------------------------
# serve

class Capture:
    """Shared state of the serving peer: output folder, label file, counters."""

    def __init__(self, proto, out, label_file):
        self.proto, self.out, self.label_file = proto, out, label_file
        self.lock = threading.Lock()
        self.conn_seq = 0
        self.used = set()
        os.makedirs(os.path.join(out, "conn"), exist_ok=True)
        os.makedirs(os.path.join(out, "no-request"), exist_ok=True)

    def next_conn(self):
        with self.lock:
            self.conn_seq += 1
            return self.conn_seq

    def label_text(self):
        """The text of the label file now, not claimed."""
        text = "request"
        if self.label_file:
            try:
                with open(self.label_file, encoding="utf-8") as f:
                    text = f.read().strip() or text
            except OSError:
                pass
        return text

    def label(self):
        """Claims the label of this moment for one request: a name no other capture has."""
        return self.claim(self.label_text())

    def claim(self, text):
        with self.lock:
            name, k = text, 1
            while name in self.used:
                k += 1
                name = "%s.%d" % (text, k)
            self.used.add(name)
            return name

    def write(self, name, data):
        path = os.path.join(self.out, name)
        tmp = path + ".part"
        with open(tmp, "wb" if isinstance(data, (bytes, bytearray)) else "w") as f:
            f.write(data)
        os.replace(tmp, path)

    def index(self, line):
        with self.lock:
            with open(os.path.join(self.out, "index.tsv"), "a", encoding="utf-8") as f:
                f.write(line + "\n")


def peer_text(handler):
    addr = handler.client_address
    if isinstance(addr, tuple):
        return "%s:%d" % addr[:2]
    return "(unnamed Unix socket peer; accepted on unix:%s)" % (handler.server.server_address,)


def local_text(handler):
    try:
        la = handler.request.getsockname()
    except OSError:
        return "?"
    if isinstance(la, tuple):
        return "%s:%d" % la[:2]
    return "unix:%s" % la


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        cap = self.server.capture
        conn_no = cap.next_conn()
        # names this connection's capture if it never carries a request; a request is named when it starts
        opened_under = cap.label_text()
        sock = self.request
        buf = bytearray()
        reads = []  # (offset, size)
        requests = []  # (label, start, end)
        current = None  # the label of the request whose bytes are arriving, claimed at its first byte
        head = ["protocol: %s" % ("FastCGI" if cap.proto == "fcgi" else "SCGI"),
                "peer: %s" % peer_text(self), "local: %s" % local_text(self), "connection: %d" % conn_no]

        def save_conn(note):
            cap.write(os.path.join("conn", "conn-%d.bin" % conn_no), bytes(buf))
            lines = list(head)
            lines.append("state: %s" % note)
            lines.append("bytes received: %d" % len(buf))
            lines.append("socket reads (bytes): %s" % [s for _, s in reads])
            for i, (lab, s, e) in enumerate(requests, 1):
                lines.append("")
                lines.append("==== request %d on this connection: %s, bytes %d..%d ====" % (i, lab, s, e))
                lines.append(listing_for(cap.proto, bytes(buf[s:e])).rstrip("\n"))
            cap.write(os.path.join("conn", "conn-%d.txt" % conn_no), "\n".join(lines) + "\n")

        def save_request(label, start, end):
            n = len(requests) + 1
            requests.append((label, start, end))
            seg_reads = [s for off, s in reads if off + s > start and off < end]
            data = bytes(buf[start:end])
            cap.write(label + ".bin", data)
            lines = list(head)
            lines.append("scenario: %s" % label)
            lines.append("request on this connection: %d" % n)
            lines.append("socket reads while this request arrived (bytes): %s" % seg_reads)
            text = "\n".join(lines) + "\n" + listing_for(cap.proto, data)
            cap.write(label + ".txt", text)
            cap.index("%s\t%d\t%d\t%d" % (label, conn_no, n, len(data)))
            save_conn("open, after request %d" % n)

        seg_start = 0
        pos = 0
        close_after = False
        self.keep = False
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                reads.append((len(buf), len(chunk)))
                buf += chunk
                if cap.proto == "scgi":
                    if current is None:
                        current = cap.label()  # one request per SCGI connection, from its first byte
                    need = scgi_needed(buf)
                    if need is not None and len(buf) >= need:
                        save_request(current, 0, need)
                        current = None
                        sock.sendall(RESPONSE_HEAD_AND_BODY)
                        close_after = True
                        break
                    continue
                # FastCGI: walk the complete records that arrived
                out = bytearray()
                while True:
                    if current is None and len(buf) - pos >= 4 and (buf[pos + 2] << 8 | buf[pos + 3]) != 0:
                        # the first record of a request (management records have request id 0, spec 3.3):
                        # the request takes the label of this moment, not of when it ends or its connection closes
                        current = cap.label()
                    r, nxt = parse_record(buf, pos)
                    if r is None:
                        break
                    pos = nxt
                    if r.type == FCGI_GET_VALUES:
                        want = [n for n, _, _, _ in decode_nv_pairs(r.content)]
                        known = {b"FCGI_MAX_CONNS": b"10", b"FCGI_MAX_REQS": b"10", b"FCGI_MPXS_CONNS": b"0"}
                        body = b"".join(bytes([len(n), len(known[n])]) + n + known[n] for n in want if n in known)
                        out += fcgi_record(FCGI_GET_VALUES_RESULT, 0, body)
                    elif r.type == FCGI_BEGIN_REQUEST:
                        keep = bool(r.content[2] & FCGI_KEEP_CONN) if len(r.content) >= 3 else False
                        self.keep = keep
                    elif (r.type == FCGI_STDIN and not r.content) or r.type == FCGI_ABORT_REQUEST:
                        save_request(current or cap.label(), seg_start, pos)
                        current = None
                        seg_start = pos
                        if r.type == FCGI_STDIN:
                            out += fcgi_record(FCGI_STDOUT, r.request_id, RESPONSE_HEAD_AND_BODY)
                            out += fcgi_record(FCGI_STDOUT, r.request_id, b"")
                        out += fcgi_record(FCGI_END_REQUEST, r.request_id, b"\0\0\0\0\0\0\0\0")
                        if not self.keep:
                            close_after = True
                    elif r.type not in FCGI_TYPES or r.type in (FCGI_END_REQUEST, FCGI_STDOUT, 7,
                                                                  FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE):
                        out += fcgi_record(FCGI_UNKNOWN_TYPE, 0, bytes([r.type]) + b"\0" * 7)
                if out:
                    sock.sendall(out)
                if close_after:
                    break
        except (OSError, WireError) as e:
            head.append("error: %s" % e)
        finally:
            if close_after:
                try:
                    sock.shutdown(socket.SHUT_WR)
                    sock.settimeout(2)
                    while True:  # drain whatever the front server still sends, until it closes
                        chunk = sock.recv(65536)
                        if not chunk:
                            break
                        reads.append((len(buf), len(chunk)))
                        buf += chunk
                except OSError:
                    pass
            if current is not None or not requests or len(buf) > seg_start and not close_after:
                # the front server closed the connection in the middle of a request: keep it under the label
                # that request took; or it closed a connection that carried no request at all (only
                # FCGI_GET_VALUES, or nothing): keep its bytes apart, under the label of when it was opened,
                # so that it never takes the name of a request that comes later
                if current is not None:
                    label, what, listing = current, "an incomplete request", listing_for
                else:
                    label, what, listing = cap.claim("no-request/" + opened_under), "no request", bytes_listing
                data = bytes(buf[seg_start:])
                cap.write(label + ".bin", data)
                lines = list(head)
                lines.append("scenario: %s" % label)
                lines.append("closed by the front server after %d byte(s) with %s%s" % (
                    len(data), what, " (%d complete before)" % len(requests) if requests else ""))
                lines.append("socket reads (bytes): %s" % [s for off, s in reads if off >= seg_start])
                text = "\n".join(lines) + "\n" + (listing(cap.proto, data) if data else "")
                cap.write(label + ".txt", text)
                cap.index("%s\t%d\t%s\t%d" % (label, conn_no, "none", len(data)))
            save_conn("closed by %s" % ("the peer" if close_after else "the front server"))


def listing_for(proto, data):
    if proto == "scgi":
        return ScgiView(data).listing()
    segments, (s, e, recs), rest = split_fcgi(data)
    parts = []
    for _, _, rs in segments:
        parts.append(FcgiRequestView(rs).listing())
    if recs:
        parts.append("INCOMPLETE request tail:\n" + FcgiRequestView(recs).listing())
    if rest:
        parts.append("PROBLEM: %d bytes of an incomplete record at the end\n" % rest)
    return ("\n".join(parts)) if parts else "no records\n"


def bytes_listing(proto, data):
    """What a connection without a request sent: its FastCGI records (management ones: GET_VALUES), or bytes."""
    if proto == "scgi":
        return "bytes: %s\n" % show(data[:200])
    lines = []
    pos = 0
    while True:
        r, pos = parse_record(data, pos)
        if r is None:
            break
        lines.append("record: %s id=%d content=%s" % (r.short(), r.request_id, show(r.content)))
    if pos < len(data):
        lines.append("%d bytes of an incomplete record at the end" % (len(data) - pos))
    return "\n".join(lines) + "\n"


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def cmd_serve(args):
    cap = Capture(args.proto, args.out, args.label_file)
    servers = []
    for spec in args.listen:
        kind, _, where = spec.partition(":")
        if kind == "tcp":
            host, _, port = where.rpartition(":")
            srv = TCPServer((host, int(port)), Handler)
        elif kind == "unix":
            if os.path.exists(where):
                os.unlink(where)
            srv = UnixServer(where, Handler)
            os.chmod(where, 0o666)  # the front servers' workers do not run as root
        else:
            sys.exit("bad --listen %r: use tcp:HOST:PORT or unix:PATH" % spec)
        srv.capture = cap
        servers.append(srv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
               for s in servers]
    for t in threads:
        t.start()
    print("capture peer (%s) listening on %s, writing to %s" % (args.proto, ", ".join(args.listen), args.out),
          flush=True)
    stop.wait()
    for s in servers:
        s.shutdown()
        s.server_close()
        if isinstance(s, UnixServer):
            try:
                os.unlink(s.server_address)
            except OSError:
                pass


# ---------------------------------------------------------------------------------------------------------------
# dump / check

def proto_of(path):
    base = os.path.basename(path)
    if "_scgi-" in base:
        return "scgi"
    if "_fcgi-" in base or "_fastcgi-" in base:
        return "fcgi"
    return None


def expected_body(case):
    """Known body of a scenario, or None. The driver makes them: bytes i % 251."""
    if case.startswith("big-post"):
        return bytes(i % 251 for i in range(100000))
    if case.startswith("chunked"):
        return bytes(i % 251 for i in range(20000))
    if case.startswith("post"):
        return b"a=1&b=2"
    return None


def check_case(case, params):
    """Scenario-specific expectations on the params / headers (a list of (name, value)). Returns problems."""
    if case == "long-header":
        want = b"0123456789" * 30
        if (b"HTTP_X_LONG", want) not in params:
            return ["HTTP_X_LONG is not the 300-byte value"]
    return []


def check_file(path):
    proto = proto_of(path)
    if proto is None:
        return ["cannot tell the protocol from the file name"]
    with open(path, "rb") as f:
        data = f.read()
    case = os.path.basename(path).split("-", 1)[1].rsplit(".", 1)[0]
    problems = []
    if not data:
        return problems  # a connection opened and closed without a byte: nothing to parse
    bodies = []
    if proto == "scgi":
        v = ScgiView(data)
        problems += v.problems
        if not v.complete:
            problems.append("request incomplete")
        bodies.append(v.body)
        problems += check_case(case, v.headers)
    else:
        segments, (s, e, recs), rest = split_fcgi(data)
        if not segments:
            problems.append("no complete request")
        if recs or rest:
            problems.append("trailing bytes after the last complete request (%d records, %d bytes)"
                            % (len(recs), rest))
        for i, (_, _, rs) in enumerate(segments, 1):
            v = FcgiRequestView(rs)
            problems += ["request %d: %s" % (i, p) for p in v.problems]
            if not v.params:
                problems.append("request %d: no params" % i)
            cl = v.param(b"CONTENT_LENGTH")
            if cl and cl.isdigit() and int(cl) != len(v.stdin):
                problems.append("request %d: CONTENT_LENGTH %s but %d stdin bytes" % (i, cl.decode(), len(v.stdin)))
            bodies.append(bytes(v.stdin))
            problems += check_case(case, [(n, val) for n, val, _, _ in v.params])
    want = expected_body(case)
    if want is not None and bodies and bodies[-1] != want:
        problems.append("body is not the known %d-byte body of the %s case (%d bytes)" % (len(want), case,
                                                                                        len(bodies[-1])))
    return problems


def cmd_dump(args):
    with open(args.file, "rb") as f:
        data = f.read()
    proto = args.proto or proto_of(args.file)
    if proto is None:
        sys.exit("say --proto fcgi|scgi")
    sys.stdout.write(listing_for(proto, data))


def cmd_check(args):
    bad = 0
    n = 0
    for root, _, files in os.walk(args.dir):
        for f in sorted(files):
            if not f.endswith(".bin"):
                continue
            n += 1
            path = os.path.join(root, f)
            problems = check_file(path)
            size = os.path.getsize(path)
            print("%-45s %7d bytes  %s" % (f, size, ("ok" if size else "ok (empty connection)") if not problems
                                             else "BAD"))
            for p in problems:
                print("    " + p)
            bad += bool(problems)
    print("%d files, %d with problems" % (n, bad))
    sys.exit(1 if bad or not n else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--proto", choices=["fcgi", "scgi"], required=True)
    s.add_argument("--listen", action="append", required=True, help="tcp:HOST:PORT or unix:PATH (repeatable)")
    s.add_argument("--out", required=True)
    s.add_argument("--label-file")
    d = sub.add_parser("dump")
    d.add_argument("--proto", choices=["fcgi", "scgi"])
    d.add_argument("file")
    c = sub.add_parser("check")
    c.add_argument("dir")
    args = ap.parse_args()
    {"serve": cmd_serve, "dump": cmd_dump, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    main()
