// A pnn external device in Node (docs/hardware.md): y = tanh(w * x + b), feature by feature,
// where b is the device's own offset, unknown to the twin. JSON lines on stdin/stdout, or TCP
// with a port: node tanh_device.mjs 7000. No dependencies.
import * as net from "node:net";
import * as readline from "node:readline";

const N = 4;
const B = [0.3, -0.2, 0.1, 0.25]; // the device's hidden offsets

function replyTo(req) {
  if (req.op === "info") return { inputs: [N], outputs: [N], params: { w: [N] } };
  if (req.op === "forward") return { y: req.x.map((row) => row.map((v, i) => Math.tanh(req.params.w[i] * v + B[i]))) };
  throw new Error(`unknown op ${req.op}`);
}

function serve(input, output) {
  readline.createInterface({ input }).on("line", (line) => {
    const req = JSON.parse(line);
    let reply;
    try {
      reply = replyTo(req);
    } catch (e) {
      reply = { error: String(e.message) }; // a device-side failure: pnn retries, then reports it
    }
    output.write(JSON.stringify({ ...reply, id: req.id }) + "\n");
  });
}

const port = process.argv[2];
if (port) net.createServer((socket) => serve(socket, socket)).listen(Number(port), "127.0.0.1");
else serve(process.stdin, process.stdout);
