#!/usr/bin/env python3
"""Self-test of capture_peer.py's naming: which label each capture gets. Standard library only; binds 127.0.0.1.

    python3 tools/capture/test_capture_peer.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ beside the tools
sys.path.insert(0, HERE)
import capture_peer as cp  # noqa: E402

GET_VALUES = cp.fcgi_record(cp.FCGI_GET_VALUES, 0, b"\x0d\x00FCGI_MAX_REQS", pad_to=1)
BEGIN_KEEP = cp.fcgi_record(cp.FCGI_BEGIN_REQUEST, 1, b"\x00\x01\x01\x00\x00\x00\x00\x00", pad_to=1)
PARAMS = (cp.fcgi_record(cp.FCGI_PARAMS, 1, b"\x0b\x08REQUEST_URI/hello?x", pad_to=1)
          + cp.fcgi_record(cp.FCGI_PARAMS, 1, b"", pad_to=1))
STDIN_END = cp.fcgi_record(cp.FCGI_STDIN, 1, b"", pad_to=1)


class PeerNaming(unittest.TestCase):

    def start(self, proto):
        self.dir = tempfile.mkdtemp(prefix="capture-peer-test-")
        self.out = os.path.join(self.dir, "out")
        self.label_file = os.path.join(self.dir, "label")
        self.label("none")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.peer = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "capture_peer.py"), "serve", "--proto", proto, "--listen",
             "tcp:127.0.0.1:%d" % self.port, "--out", self.out, "--label-file", self.label_file],
            stdout=subprocess.PIPE, text=True)
        self.addCleanup(self.stop)
        self.assertIn("listening on", self.peer.stdout.readline())

    def stop(self):
        self.peer.terminate()
        self.peer.wait(10)
        self.peer.stdout.close()

    def label(self, text):
        tmp = self.label_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.label_file)

    def connect(self):
        c = socket.create_connection(("127.0.0.1", self.port))
        self.addCleanup(c.close)
        return c

    def wait_for(self, name):
        path = os.path.join(self.out, name)
        for _ in range(100):
            if os.path.exists(path):
                return path
            time.sleep(0.05)
        self.fail("no %s; index: %s" % (name, self.index()))

    def index(self):
        try:
            with open(os.path.join(self.out, "index.tsv")) as f:
                return f.read()
        except OSError:
            return ""

    def read(self, name):
        with open(os.path.join(self.out, name), "rb") as f:
            return f.read()

    def test_get_values_only_connection_closed_later_takes_no_request_label(self):
        # HAProxy: a connection opened for a request it then refused itself, closed while the next one arrives
        self.start("fcgi")
        self.label("refused")
        idle = self.connect()
        idle.sendall(GET_VALUES)
        idle.recv(100)
        self.label("next")
        c = self.connect()
        c.sendall(GET_VALUES + BEGIN_KEEP + PARAMS)
        c.recv(100)
        idle.close()
        self.wait_for("no-request/refused.txt")
        c.sendall(STDIN_END)
        c.recv(1000)
        self.assertIn(b"REQUEST_URI=/hello?x", self.read("next.txt"))
        self.assertEqual(GET_VALUES, self.read("no-request/refused.bin"))
        self.assertFalse(os.path.exists(os.path.join(self.out, "next.2.txt")), self.index())

    def test_request_keeps_the_label_of_its_first_record(self):
        self.start("fcgi")
        self.label("first")
        c = self.connect()
        c.sendall(BEGIN_KEEP[:4])
        time.sleep(0.2)
        self.label("later")
        c.sendall(BEGIN_KEEP[4:] + PARAMS + STDIN_END)
        c.recv(1000)
        self.assertIn(b"REQUEST_URI=/hello?x", self.read("first.txt"))
        # the next request on the kept connection takes the label of its own first record
        c.sendall(BEGIN_KEEP + PARAMS + STDIN_END)
        self.wait_for("later.txt")
        self.assertEqual("first\t1\t1\t%d\nlater\t1\t2\t%d\n" % ((len(BEGIN_KEEP + PARAMS + STDIN_END),) * 2),
                         self.index())

    def test_incomplete_request_keeps_its_label_after_the_label_changed(self):
        self.start("fcgi")
        self.label("cut")
        c = self.connect()
        c.sendall(BEGIN_KEEP + PARAMS)
        time.sleep(0.2)
        self.label("after")
        c.close()
        self.assertIn("with an incomplete request", self.read(os.path.basename(self.wait_for("cut.txt"))).decode())

    def test_scgi_connection_without_a_byte_is_kept_apart(self):
        # httpd's chunked upload over SCGI: it connects and closes without sending anything
        self.start("scgi")
        self.label("empty")
        self.connect().close()
        self.wait_for("no-request/empty.txt")
        self.assertEqual(b"", self.read("no-request/empty.bin"))
        self.assertEqual("no-request/empty\t1\tnone\t0\n", self.index())


if __name__ == "__main__":
    unittest.main()
