# What inetd, systemd (with StandardInput=socket) and xinetd do for a Java server: open the listening socket, hand
# it over as stdin, exec the server. Prints the port, then execs argv[1:] with the socket as fd 0.
import os
import socket
import sys

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(listener.getsockname()[1], flush=True)
os.dup2(listener.fileno(), 0)
os.execv(sys.argv[1], sys.argv[1:])
