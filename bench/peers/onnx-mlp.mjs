// bench/peers/onnx-mlp.mjs — a hand-written protobuf encoder for the few ONNX messages an
// MLP needs (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto), so the bench
// builds its ONNX model in memory from the same weights every engine uses: no model file, no
// protobuf dependency. Field numbers follow onnx/onnx.proto (IR version 8, opset 13).

/** Appends a base-128 varint (non-negative integers up to 2^53). */
function varint(out, n) {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** A message under construction: field(number, wireType) then the payload. */
class Msg {
  constructor() {
    this.bytes = [];
  }
  key(field, wire) {
    varint(this.bytes, field * 8 + wire);
  }
  int(field, n) {
    this.key(field, 0);
    varint(this.bytes, n);
    return this;
  }
  raw(field, u8) {
    this.key(field, 2);
    varint(this.bytes, u8.length);
    for (const b of u8) this.bytes.push(b);
    return this;
  }
  str(field, s) {
    return this.raw(field, new TextEncoder().encode(s));
  }
  msg(field, m) {
    return this.raw(field, m.bytes);
  }
  u8() {
    return Uint8Array.from(this.bytes);
  }
}

const FLOAT = 1;

function tensor(name, dims, f32) {
  const t = new Msg();
  for (const d of dims) t.int(1, d);
  t.int(2, FLOAT).str(8, name);
  return t.raw(9, new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
}

/** ValueInfoProto for a float tensor; a string dim is symbolic (dim_param). */
function valueInfo(name, dims) {
  const shape = new Msg();
  for (const d of dims) shape.msg(1, typeof d === "string" ? new Msg().str(2, d) : new Msg().int(1, d));
  const tensorType = new Msg().int(1, FLOAT).msg(2, shape);
  return new Msg().str(1, name).msg(2, new Msg().msg(1, tensorType));
}

function node(op, inputs, outputs, name) {
  const n = new Msg();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  return n.str(3, name).str(4, op);
}

/**
 * ONNX bytes of y = relu(x W1 + b1) W2 + b2 with a symbolic batch dimension.
 * `w` = {w1: Float32Array [in*hidden], b1, w2: [hidden*out], b2, sizes: [in, hidden, out]}.
 */
export function mlpOnnx(w) {
  const [nin, nh, nout] = w.sizes;
  const g = new Msg();
  g.msg(1, node("Gemm", ["x", "w1", "b1"], ["h"], "fc1"));
  g.msg(1, node("Relu", ["h"], ["r"], "relu"));
  g.msg(1, node("Gemm", ["r", "w2", "b2"], ["y"], "fc2"));
  g.str(2, "mlp");
  g.msg(5, tensor("w1", [nin, nh], w.w1));
  g.msg(5, tensor("b1", [nh], w.b1));
  g.msg(5, tensor("w2", [nh, nout], w.w2));
  g.msg(5, tensor("b2", [nout], w.b2));
  g.msg(11, valueInfo("x", ["N", nin]));
  g.msg(12, valueInfo("y", ["N", nout]));
  const model = new Msg().int(1, 8).str(2, "pnn-bench").msg(7, g).msg(8, new Msg().str(1, "").int(2, 13));
  return model.u8();
}
