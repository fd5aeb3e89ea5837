// bench/onnx-mlp.mjs — a minimal ONNX (protobuf) writer for the 784-128-10 MLP used by
// bench/wasm.mjs: Gemm(x, W1ᵀ-free [784,128]) + Relu + Gemm, opset 13, float32 weights. Only the
// protobuf fields this model needs (onnx.proto3 field numbers) are encoded.
const enc = new TextEncoder();

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}
const key = (field, wire) => varint((field << 3) | wire);
const bytesField = (field, bytes) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const strField = (field, s) => bytesField(field, [...enc.encode(s)]);
const intField = (field, v) => [...key(field, 0), ...varint(v)];

function tensor(name, dims, data) {
  const raw = new Uint8Array(new Float32Array(data).buffer);
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, 1), ...strField(8, name), ...bytesField(9, [...raw])];
}
function valueInfo(name, dims) {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === "number" ? intField(1, d) : strField(2, d)));
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)];
  return [...strField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}
function node(op, inputs, outputs) {
  return [...inputs.flatMap((i) => strField(1, i)), ...outputs.flatMap((o) => strField(2, o)), ...strField(4, op)];
}

/** ONNX model bytes for y = relu(x·W1 + b1)·W2 + b2 with batch dimension `batch`. */
export function mlpOnnx(batch, W1, b1, W2, b2) {
  const graph = [
    ...bytesField(1, node("Gemm", ["x", "W1", "b1"], ["h0"])),
    ...bytesField(1, node("Relu", ["h0"], ["h"])),
    ...bytesField(1, node("Gemm", ["h", "W2", "b2"], ["y"])),
    ...strField(2, "mlp"),
    ...bytesField(5, tensor("W1", [784, 128], W1)),
    ...bytesField(5, tensor("b1", [128], b1)),
    ...bytesField(5, tensor("W2", [128, 10], W2)),
    ...bytesField(5, tensor("b2", [10], b2)),
    ...bytesField(11, valueInfo("x", [batch, 784])),
    ...bytesField(12, valueInfo("y", [batch, 10])),
  ];
  const model = [...intField(1, 8), ...bytesField(8, [...strField(1, ""), ...intField(2, 13)]), ...bytesField(7, graph)];
  return new Uint8Array(model);
}
