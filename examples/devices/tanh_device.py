#!/usr/bin/env python3
"""A pnn external device (docs/hardware.md): y = tanh(w * x + b), feature by feature, where b is
the device's own offset, unknown to the twin. JSON lines on stdin/stdout, or TCP with a port."""
import json, math, sys

N = 4
B = [0.3, -0.2, 0.1, 0.25]  # the device's hidden offsets


def reply_to(req):
    if req["op"] == "info":
        return {"inputs": [N], "outputs": [N], "params": {"w": [N]}}
    if req["op"] == "forward":
        w = req["params"]["w"]
        return {"y": [[math.tanh(w[i] * row[i] + B[i]) for i in range(N)] for row in req["x"]]}
    raise ValueError("unknown op " + str(req["op"]))


def serve(lines, write):
    for line in lines:
        req = json.loads(line)
        try:
            reply = reply_to(req)
        except Exception as e:  # a device-side failure: pnn retries, then reports it
            reply = {"error": str(e)}
        reply["id"] = req["id"]
        write(json.dumps(reply) + "\n")


if len(sys.argv) > 1:  # python3 tanh_device.py 7000: serve TCP connections on 127.0.0.1:7000
    import socketserver

    class Connection(socketserver.StreamRequestHandler):
        def handle(self):
            serve((l.decode() for l in self.rfile), lambda s: (self.wfile.write(s.encode()), self.wfile.flush()))

    socketserver.ThreadingTCPServer.allow_reuse_address = socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer(("127.0.0.1", int(sys.argv[1])), Connection).serve_forever()
else:
    serve(sys.stdin, lambda s: (sys.stdout.write(s), sys.stdout.flush()))
