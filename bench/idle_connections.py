#!/usr/bin/env python3
"""Opens N keep-alive connections to a proxy, sends one request on each (one at a time) so every
connection has been through a full exchange, leaves them idle, and prints the proxy's RSS (KiB) while they are open.

usage: idle_connections.py PORT N PID
"""
import socket
import sys
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def main():
    port, count, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    request = b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n"
    connections = []
    for _ in range(count):
        connection = socket.create_connection(("127.0.0.1", port))
        connection.sendall(request)
        received = b""
        while not received.endswith(b"ok\n"):
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
        connections.append(connection)
    time.sleep(1.0)
    print(rss_kib(pid))
    for connection in connections:
        connection.close()


if __name__ == "__main__":
    main()
