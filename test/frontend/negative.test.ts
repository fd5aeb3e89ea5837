// One negative test per diagnostic code the front end (parse + check) can produce. Each case
// is a small program with a `¦` cursor marker where the diagnostic must start; the test asserts
// the code, the line:col, and (where the message matters to users) a fragment of the message.
// A second test makes sure every PNN1xxx–PNN4xxx code in the catalog has a case here, or is
// listed in UNREACHABLE with the reason it cannot come from the front end.
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../diagnostics/catalog.js";
import { checkText, memHost, oneLine, unmark } from "./helpers.js";

interface Case {
  readonly code: string;
  readonly name: string;
  readonly source: string;
  /** Fragments the message must contain. */
  readonly says?: readonly string[];
  /** Files the checker may read, by absolute path (the source is /virtual/t.pnn). */
  readonly files?: Readonly<Record<string, string>>;
}

/** A classifier for iris (4 features, 3 classes) and a train block; `rule` and extra keys vary. */
const irisNet = `network N {
  input x: real[4]
  output y = dense(x, 3)
}
`;
const train = (body: string, net = "N", data = "iris()") => `train ${net} on ${data} {\n${body}\n}\n`;

const opticsNet = (call: string) => `import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  h = x |> optics.amplitude_encode\n  output y = h |> ${call} |> optics.photodetect |> dense(3)\n}\n`;

/** Layers L0 … L(n-1), each calling the next `calls` times; a network calls L0. */
function layerChain(n: number, calls = 2): string {
  let src = "";
  for (let i = 0; i < n; i++) {
    const body = i < n - 1 ? (calls === 2 ? `L${i + 1}(L${i + 1}(x))` : `L${i + 1}(x)`) : "x";
    src += `layer L${i}() {\n  forward(x: real[4]) -> real[4] = ${body}\n}\n`;
  }
  return src + "network N {\n  input x: real[4]\n  output y = L0(x)\n}\n";
}

const CASES: readonly Case[] = [
  // ── syntax ──
  { code: "PNN1001", name: "missing colon in an input declaration", source: "network N {\n  input x ¦real[4]\n}\n", says: ["expected ':'"] },
  { code: "PNN1002", name: "unterminated string", source: 'import o from ¦"std/optics\n' },
  { code: "PNN1002", name: "unterminated block comment", source: "const a = 1\n¦/* never closed\n" },
  { code: "PNN1003", name: "stray character", source: "const a = 1 ¦# 2\n", says: ["'#'"] },
  { code: "PNN1004", name: "a 2 MB file", source: "¦" + "// padding padding padding padding\n".repeat(60_000), says: ["limit"] },
  { code: "PNN1005", name: "10,000 nested parentheses", source: "const a = " + "(".repeat(64) + "¦" + "(".repeat(10_000 - 64) + "1" + ")".repeat(10_000) + "\n", says: ["nested"] },
  { code: "PNN1005", name: "a chain of 3,000 terms", source: "const ¦a = " + Array(3000).fill("1").join(" + ") + "\n", says: ["2500 levels deep", "split it"] },
  { code: "PNN1006", name: "a number beyond float64", source: "const a = ¦1e400\n", says: ["1e400 is too large"] },
  { code: "PNN1006", name: "a distribution with an infinite std", source: "layer L() {\n  device d: real[2] ~ normal(0, ¦1e400)\n  forward(x: real[2]) -> real[2] = x + d\n}\n", says: ["too large"] },
  { code: "PNN1007", name: "1,200 stray characters", source: "#\n".repeat(999) + "¦#\n" + "#\n".repeat(200), says: ["200 more syntax errors"] },
  // ── names, types, shapes ──
  { code: "PNN2001", name: "misspelled layer", source: "network N {\n  input x: real[4]\n  output y = ¦dens(x, 3)\n}\n", says: ["did you mean 'dense'?"] },
  { code: "PNN2001", name: "unknown network in a train block", source: irisNet + "train ¦M on iris() {\n  rule = backprop\n}\n" },
  { code: "PNN2002", name: "duplicate constant", source: "const a = 1\nconst ¦a = 2\n", says: ["already defined"] },
  { code: "PNN2002", name: "a train key set twice", source: irisNet + train("  rule = backprop\n  epochs = 2\n  ¦epochs = 3"), says: ["set twice"] },
  { code: "PNN2003", name: "adding tensors of different shapes", source: "network N {\n  input x: real[4]\n  h = dense(x, 3)\n  output y = ¦h + x\n}\n", says: ["shapes differ"] },
  { code: "PNN2003", name: "user layer input of the wrong shape", source: "layer L(n: int) {\n  forward(x: real[n]) -> real[n] = relu(x)\n}\nnetwork N {\n  input x: real[4]\n  output y = ¦x |> L(n: 5)\n}\n", says: ["L expects real[5], got real[4]"] },
  { code: "PNN2004", name: "dense without its output size", source: "network N {\n  input x: real[4]\n  output y = ¦dense(x)\n}\n", says: ["'out'"] },
  { code: "PNN2005", name: "unknown named argument", source: "network N {\n  input x: real[4]\n  output y = dense(x, 3, ¦biass: true)\n}\n", says: ["did you mean 'bias'?"] },
  { code: "PNN2006", name: "training a layer", source: "layer L(n: int) {\n  forward(x: real[n]) -> real[n] = relu(x)\n}\ntrain ¦L on iris() {\n  rule = backprop\n}\n", says: ["not a network"] },
  { code: "PNN2007", name: "unknown standard module", source: 'import o from ¦"std/optix"\n', says: ["did you mean 'std/optics'?"] },
  { code: "PNN2007", name: "missing user module", source: 'import m from ¦"./missing.pnn"\n', says: ["no such file"] },
  { code: "PNN2008", name: "import escaping the project", source: 'import x from ¦"../../etc/passwd.pnn"\n', says: ["outside"] },
  { code: "PNN2009", name: "a 10^10-element input", source: "network N {\n  input x: ¦real[100000, 100000]\n  output y = x\n}\n", says: ["limit"] },
  { code: "PNN2010", name: "a fractional output size", source: "network N {\n  input x: real[4]\n  output y = dense(x, ¦2.5)\n}\n", says: ["integer"] },
  { code: "PNN2011", name: "a zero shape", source: "network N {\n  input x: real[¦0]\n  output y = x\n}\n", says: ["positive integer"] },
  { code: "PNN2012", name: "misspelled module member", source: 'import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  output y = x |> optics.¦photodetector\n}\n', says: ["did you mean 'photodetect'?"] },
  { code: "PNN2013", name: "network without output", source: "network ¦N {\n  input x: real[4]\n  h = dense(x, 3)\n}\n", says: ["no output"] },
  { code: "PNN2014", name: "misspelled train key", source: irisNet + train("  rule = backprop\n  ¦epoch = 5"), says: ["did you mean 'epochs'?"] },
  { code: "PNN2015", name: "features do not fit the input", source: "network N {\n  input x: real[5]\n  output y = dense(x, 3)\n}\ntrain N on ¦iris() {\n  rule = backprop\n}\n", says: ["4 features", "real[5]"] },
  { code: "PNN2015", name: "classes do not fit the output", source: "network N {\n  input x: real[784]\n  output y = dense(x, 7)\n}\ntrain N on ¦mnist(train: 100, test: 100) {\n  rule = backprop\n}\n", says: ["10 classes", "real[7]"] },
  { code: "PNN2016", name: "misspelled data set", source: irisNet + "train N on ¦irs() {\n  rule = backprop\n}\n", says: ["did you mean 'iris'?"] },
  { code: "PNN2017", name: "cyclic constants", source: "const ¦a = b + 1\nconst b = a\n", says: ["depends on itself"] },
  { code: "PNN2017", name: "a layer using itself", source: "layer L(n: int) {\n  forward(x: real[n]) -> real[n] = ¦x |> L(n: n)\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n", says: ["uses itself"] },
  { code: "PNN2018", name: "unknown optimizer", source: irisNet + train("  rule = backprop\n  optimizer = ¦adamw(lr: 0.1)"), says: ["did you mean 'adam'?"] },
  { code: "PNN2018", name: "unknown loss", source: irisNet + train("  rule = backprop\n  loss = ¦hinge"), says: ["cross_entropy"] },
  { code: "PNN2019", name: "train block without a rule", source: irisNet + "¦train N on iris() {\n  epochs = 1\n}\n", says: ["rule"] },
  // ── units and physics ──
  {
    code: "PNN3001",
    name: "a length where an angle is expected (phase error fed to mzi_mesh)",
    source: `import optics from "std/optics"
layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0, 3 mm)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ¦phase_error)
}
network N {
  input x: real[4]
  output y = x |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect
}
`,
    says: ["expects an angle (rad)", "got a length (mm)"],
  },
  {
    code: "PNN3001",
    name: "millimetres added to plain phases",
    source: `import optics from "std/optics"
layer Mesh(n: int) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0, 3 mm)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, ¦phases + phase_error)
}
network N {
  input x: real[4]
  output y = x |> optics.amplitude_encode |> Mesh(n: 4) |> optics.photodetect
}
`,
    says: ["cannot add a plain number and a length (mm)"],
  },
  { code: "PNN3001", name: "rate per the wrong thing", source: 'import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  output y = x |> optics.amplitude_encode |> optics.mzi_mesh(loss: ¦0.1 dB per cm) |> optics.photodetect\n}\n', says: ["per mzi"] },
  { code: "PNN3002", name: "unknown unit", source: "const a = 0.1 ¦furlong\n", says: ["unknown unit 'furlong'"] },
  { code: "PNN3003", name: "negative optical depth", source: 'import optics from "std/optics"\nnetwork N {\n  input x: real[4]\n  output y = x |> optics.amplitude_encode |> optics.saturable_absorber(optical_depth: ¦-1) |> optics.photodetect\n}\n', says: ["at least 0"] },
  { code: "PNN3003", name: "zero epochs", source: irisNet + train("  rule = backprop\n  epochs = ¦0"), says: ["at least 1"] },
  { code: "PNN3004", name: "negative standard deviation", source: "layer L(n: int) {\n  device e: real[n] ~ normal(0, ¦-1)\n  forward(x: real[n]) -> real[n] = x + e\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n", says: ["std"] },
  { code: "PNN3004", name: "a device variable without a distribution", source: "layer L(n: int) {\n  device e: real[n] ~ ¦3\n  forward(x: real[n]) -> real[n] = x + e\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4)\n}\n", says: ["distribution"] },
  // ── learning rules ──
  { code: "PNN4001", name: "misspelled rule", source: irisNet + train("  rule = ¦backprob"), says: ["did you mean 'backprop'?"] },
  { code: "PNN4003", name: "a rule option out of range", source: irisNet + train("  rule = spsa(c: ¦-1)"), says: ["c = -1 is out of range"] },
  {
    code: "PNN4002",
    name: "equilibrium propagation on a network with a directed coupling",
    source: `import circuits from "std/circuits"
network E {
  input x: real[4]
  nodes h: real[8]
  output y: real[3]
  couple x <-> h via circuits.synapse
  ¦couple h -> y
}
train E on iris() {
  rule = equilibrium_propagation(beta: 0.5)
}
`,
    says: ["h -> y is directed", "<->"],
  },
  {
    code: "PNN4002",
    name: "in-situ adjoint through a nonlinear physical layer",
    source: `import optics from "std/optics"
network N {
  input x: real[4]
  h = x |> optics.amplitude_encode |> optics.mzi_mesh
  output y = ¦h |> optics.saturable_absorber |> optics.photodetect |> dense(3)
}
train N on iris() {
  rule = in_situ_adjoint
}
`,
    says: ["optics.saturable_absorber", "linear"],
  },
  { code: "PNN4002", name: "a feed-forward rule on an energy-based network", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  output y: real[3]\n  couple x <-> y via circuits.resistor\n}\ntrain E on iris() {\n  rule = ¦physics_aware\n}\n', says: ["energy-based"] },
  // ── data-set arguments ──
  { code: "PNN6006", name: "an unknown data set argument", source: "network N {\n  input x: real[784]\n  output y = dense(x, 10)\n}\ntrain N on mnist(¦trian: 100) {\n  rule = backprop\n}\n", says: ["no argument 'trian'"] },
  // ── programmed meshes (std/optics unitary, weights) ──
  { code: "PNN2040", name: "a matrix file that does not exist", source: opticsNet('optics.unitary(matrix: ¦"missing.csv")'), says: ["cannot read 'missing.csv'"] },
  { code: "PNN2040", name: "a matrix file outside the source folder", source: opticsNet('optics.weights(matrix: ¦"../w.csv")'), says: ["under this file's folder"] },
  { code: "PNN2041", name: "a matrix file with a word in it", source: opticsNet('optics.weights(matrix: ¦"w.csv")'), files: { "/virtual/w.csv": "1,0,0,0\n0,1,zero,0\n0,0,1,0\n0,0,0,1\n" }, says: ["'zero' is not a number"] },
  { code: "PNN2042", name: "a matrix that is not square", source: opticsNet('optics.weights(matrix: ¦"w.csv")'), files: { "/virtual/w.csv": "1,0,0,0\n0,1,0,0\n0,0,1,0\n" }, says: ["not square"] },
  { code: "PNN3040", name: "a non-unitary matrix given to optics.unitary", source: opticsNet('optics.unitary(matrix: ¦"u.csv")'), files: { "/virtual/u.csv": "1,0,0,0\n0,2,0,0\n0,0,1,0\n0,0,0,1\n" }, says: ["not unitary", "optics.weights"] },
  { code: "PNN6006", name: "an mnist size that is not offered", source: "network N {\n  input x: real[400]\n  output y = dense(x, 10)\n}\ntrain N on mnist(size: ¦20) {\n  rule = backprop\n}\n", says: ["28, 14, 7"] },
  { code: "PNN3060", name: "a crossbar tiled onto too many small arrays", source: 'import analog from "std/analog"\nnetwork N {\n  input x: real[784]\n  output y = analog.crossbar(x, 64, tile: ¦1)\n}\n', says: ["50176 tiles", "larger tile"] },
  // ── free space and mechanics (issue 4) ──
  { code: "PNN3003", name: "a negative propagation distance", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.propagate(distance: ¦-3 mm, wavelength: 0.75 mm, pitch: 0.4 mm) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["distance"] },
  { code: "PNN3003", name: "a zero wavelength", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.propagate(distance: 3 mm, wavelength: ¦0 mm, pitch: 0.4 mm) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["wavelength"] },
  { code: "PNN3003", name: "a phase mask with one level", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.phase_mask(levels: ¦1) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["at least 2"] },
  { code: "PNN3050", name: "an undersampled lens", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.lens(focal: ¦0.1 mm, wavelength: 0.75 mm, pitch: 0.4 mm) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["undersampled", "focal ≥"] },
  { code: "PNN2003", name: "detector regions that do not fit the field", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.propagate(distance: 3 mm, wavelength: 0.75 mm, pitch: 0.4 mm) |> freespace.detector_regions(classes: 4, size: ¦3)\n}\n', says: ["do not fit"] },
  { code: "PNN2003", name: "a misaligned mask without its pitch", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nnetwork N {\n  input x: real[16]\n  u = x |> optics.amplitude_encode |> reshape(4, 4)\n  output y = u |> freespace.phase_mask(misalignment: ¦0.01 mm) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["pitch"] },
  { code: "PNN2003", name: "mask phases of the wrong shape", source: 'import optics from "std/optics"\nimport freespace from "std/freespace"\nlayer Mask(n: int) {\n  param phi: real[n, n + 1] init uniform(0, 2 * pi)\n  forward(u: complex[n, n]) -> complex[n, n] = freespace.phase_mask(u, ¦phi)\n}\nnetwork N {\n  input x: real[16]\n  output y = x |> optics.amplitude_encode |> reshape(4, 4) |> Mask(n: 4) |> freespace.detector_regions(classes: 4, size: 1)\n}\n', says: ["expects phases real[4,4]", "real[4,5]"] },
  { code: "PNN3051", name: "an RK4 step too coarse for the pendula", source: 'import mechanics from "std/mechanics"\nnetwork N {\n  input x: real[4]\n  output y = x |> mechanics.pendula(duration: 10 s, steps: ¦5, omega0: 6 rad/s)\n}\n', says: ["too coarse", "at least 31 steps"] },
  { code: "PNN3003", name: "negative pendulum damping", source: 'import mechanics from "std/mechanics"\nnetwork N {\n  input x: real[4]\n  output y = x |> mechanics.pendula(damping: ¦-0.1 Hz)\n}\n', says: ["at least 0"] },
  // ── energy-based networks (std/circuits) ──
  { code: "PNN2080", name: "a layer chain costing 2^22 expansions", source: layerChain(22).replace("-> real[4] = x\n", "-> real[4] = ¦x\n"), says: ["inside L0 → L1 → L2 → … → L20 → L21", "elaboration steps", "2^n"] },
  { code: "PNN2080", name: "layers nested 70 deep", source: layerChain(70, 1), says: ["more than 64 deep"] },
  { code: "PNN2081", name: "batch = 100000000", source: irisNet + train("  rule = backprop\n  batch = ¦100000000"), says: ["larger than the limit", "at most"] },
  { code: "PNN2081", name: "a batch whose activations need 4 GiB", source: "network N {\n  input x: real[4]\n  h = dense(x, 65536)\n  output y = dense(h, 3)\n}\n" + train("  rule = backprop\n  batch = ¦8192"), says: ["values per training step", "use a batch of at most 4,063"] },
  { code: "PNN2070", name: "synapses and resistors mixed in one energy-based network", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  nodes h: real[3]\n  output y: real[3]\n  couple x <-> h via circuits.synapse\n  ¦couple h <-> y via circuits.resistor\n}\n', says: ["mixes coupling elements"] },
  { code: "PNN2070", name: "a node group coupled to itself", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  output y: real[3]\n  couple x <-> y via circuits.synapse\n  ¦couple y <-> y via circuits.synapse\n}\n', says: ["joins a group to itself"] },
  { code: "PNN2070", name: "a node group coupled to nothing", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  nodes ¦h: real[3]\n  output y: real[3]\n  couple x <-> y via circuits.synapse\n}\n', says: ["'h' is not coupled"] },
  { code: "PNN2070", name: "a default (synapse) coupling mixed with resistors", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  nodes h: real[3]\n  output y: real[3]\n  couple x <-> h via circuits.resistor\n  ¦couple h <-> y\n}\n', says: ["mixes coupling elements", "without 'via' is circuits.synapse"] },
  // ── data-parallel training (docs/scaling.md) ──
  { code: "PNN2020", name: "shards that do not divide the batch", source: irisNet + train("  rule = backprop\n  batch = 32\n  shards = ¦3"), says: ["does not divide batch = 32", "shards = 2"] },
  // ── external devices (docs/hardware.md) ──
  { code: "PNN2090", name: "an unknown device transport", source: "layer L(n: int) {\n  param w: real[n]\n  external ¦udp(\"x\")\n  forward(x: real[n]) -> real[n] = x * w\n}\n" + irisNet.replace("output y = dense(x, 3)", "output y = x |> L(n: 4) |> dense(3)"), says: ["unknown device transport 'udp'", "tcp(\"host:port\")"] },
  { code: "PNN2090", name: "a tcp address without a port", source: "layer L(n: int) {\n  param w: real[n]\n  external ¦tcp(\"localhost\")\n  forward(x: real[n]) -> real[n] = x * w\n}\n" + irisNet.replace("output y = dense(x, 3)", "output y = x |> L(n: 4) |> dense(3)"), says: ["HOST:PORT"] },
  { code: "PNN2091", name: "an external device with a complex output", source: 'import optics from "std/optics"\nlayer L(n: int) {\n  param p: real[n * (n - 1)]\n  external tcp("127.0.0.1:7000")\n  forward(x: real[n]) -> ¦complex[n] = optics.mzi_mesh(optics.amplitude_encode(x), p)\n}\nnetwork N {\n  input x: real[4]\n  output y = x |> L(n: 4) |> optics.photodetect |> dense(3)\n}\n', says: ["exchanges real numbers", "photodetect"] },
  { code: "PNN4004", name: "a rule that needs more than forward passes from an external device", source: "layer L(n: int) {\n  param w: real[n]\n  ¦external tcp(\"127.0.0.1:7000\")\n  forward(x: real[n]) -> real[n] = tanh(x * w)\n}\n" + irisNet.replace("output y = dense(x, 3)", "output y = x |> L(n: 4) |> dense(3)") + train("  rule = hardware_aware"), says: ["hardware_aware cannot train through the external device L", "forward passes only"] },
  { code: "PNN4005", name: "several chips of an external device", source: "layer L(n: int) {\n  param w: real[n]\n  external tcp(\"127.0.0.1:7000\")\n  forward(x: real[n]) -> real[n] = tanh(x * w)\n}\n" + irisNet.replace("output y = dense(x, 3)", "output y = x |> L(n: 4) |> dense(3)") + train("  rule = physics_aware\n  chips = ¦3"), says: ["one chip", "--simulate"] },
  { code: "PNN4010", name: "cross-entropy for an energy-based network", source: 'import circuits from "std/circuits"\nnetwork E {\n  input x: real[4]\n  output y: real[3]\n  couple x <-> y via circuits.resistor\n}\ntrain E on iris() {\n  rule = coupled_learning\n  loss = ¦cross_entropy\n}\n', says: ["loss = mse"] },
];

/**
 * Codes in PNN1xxx–PNN4xxx that parse + check cannot produce, with the reason. Keep this list
 * short and honest: each entry is a gap to report, not a convenience.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  // a file cannot name itself wrongly: only a command line's `--set NAME=VALUE` can (test/driver/overrides.test.ts)
  PNN2021: "raised for --set assignments, which are not part of a file",
};

describe("one negative test per diagnostic code", () => {
  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      const { text, at } = unmark(c.source);
      let ds: ReturnType<typeof checkText> = [];
      expect(() => (ds = checkText(text, undefined, memHost(c.files)))).not.toThrow();
      const hits = ds.filter((d) => d.code === c.code);
      expect(hits.map(oneLine), `expected ${c.code}; got:\n${ds.map(oneLine).join("\n")}`).not.toEqual([]);
      if (at) expect(hits.map((d) => `${d.span.line}:${d.span.col}`), ds.map(oneLine).join("\n")).toContain(at);
      const d = hits.find((h) => `${h.span.line}:${h.span.col}` === at) ?? hits[0];
      for (const s of c.says ?? []) expect(d.message).toContain(s);
    });
  }

  it("every PNN1xxx–PNN4xxx code has a negative test or a documented reason", () => {
    const covered = new Set(CASES.map((c) => c.code));
    const front = Object.keys(CATALOG).filter((k) => /^PNN[1-4]/.test(k));
    const missing = front.filter((k) => !covered.has(k) && !(k in UNREACHABLE));
    expect(missing).toEqual([]);
    for (const k of Object.keys(UNREACHABLE)) expect(covered.has(k), `${k} is listed as unreachable but has a case`).toBe(false);
  });

  it("every mistake in a rule's options is PNN4003 (an out-of-range value and an unknown option alike)", () => {
    const src = irisNet + train("  rule = spsa(c: -1, sampels: 2)");
    const ds = checkText(src);
    expect(ds.map((d) => d.code)).toEqual(["PNN4003", "PNN4003"]);
    expect(ds.map((d) => d.message).join("\n")).toMatch(/c = -1 is out of range[\s\S]*no argument 'sampels'; did you mean 'samples'/);
  });
});

describe("the cases the issue names", () => {
  it("an import outside the project is refused and nothing is read", () => {
    const host = memHost({ "/etc/passwd.pnn": "const a = 1\n" });
    const ds = checkText('import x from "../../etc/passwd.pnn"\n', "/work/proj/m.pnn", host);
    expect(ds.map((d) => d.code)).toEqual(["PNN2008"]);
    expect(host.reads).toEqual([]);
  });

  it("absolute imports are refused too, and nothing is read", () => {
    const host = memHost();
    const ds = checkText('import x from "/etc/passwd.pnn"\n', "/work/proj/m.pnn", host);
    expect(ds.map((d) => d.code)).toEqual(["PNN2008"]);
    expect(host.reads).toEqual([]);
  });

  it("an import under the file's folder is read once and its layers are usable", () => {
    const host = memHost({ "/p/lib/blocks.pnn": "layer Twice(n: int) {\n  forward(x: real[n]) -> real[n] = x + x\n}\n" });
    const ds = checkText('import b from "./lib/blocks.pnn"\nnetwork N {\n  input x: real[4]\n  output y = x |> b.Twice(n: 4) |> dense(3)\n}\n', "/p/main.pnn", host);
    expect(ds.map(oneLine)).toEqual([]);
    expect(host.reads).toEqual(["/p/lib/blocks.pnn"]);
  });

  it("10,000 nested parentheses: PNN1005, no exception, quickly", () => {
    const t0 = Date.now();
    const ds = checkText("const a = " + "(".repeat(10_000) + "1" + ")".repeat(10_000) + "\n");
    expect(ds.map((d) => d.code)).toEqual(["PNN1005"]);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("10,000 nested unary minuses and pipes do not overflow the stack", () => {
    for (const src of ["const a = " + "-".repeat(10_000) + "1\n", "const a = 1" + " ^ 2".repeat(10_000) + "\n", "network N {\n  input x: real[4]\n  output y = x" + " |> relu".repeat(10_000) + "\n}\n"]) {
      expect(() => checkText(src)).not.toThrow();
    }
  });

  it("a 2 MB file is PNN1004 and is not parsed", () => {
    const ds = checkText("const a = 1\n".repeat(180_000));
    expect(ds.map((d) => d.code)).toEqual(["PNN1004"]);
  });

  it("the expected unit is named when a length is fed as a phase", () => {
    const c = CASES.find((x) => x.name.startsWith("a length where an angle"))!;
    const d = checkText(unmark(c.source).text).find((x) => x.code === "PNN3001")!;
    expect(d.message).toMatch(/an angle \(rad\)/);
    expect(d.message).toMatch(/a length \(mm\)/);
    // the note points at where `mm` was written, on the device declaration's line
    const { text } = unmark(c.source);
    expect(d.related?.map((r) => [r.message, text.slice(r.span.start, r.span.end)])).toEqual([["a length (mm) written here", "mm"]]);
  });

  it("in_situ_adjoint names the offending layer and the missing capability", () => {
    const c = CASES.find((x) => x.name.startsWith("in-situ adjoint"))!;
    const ds = checkText(unmark(c.source).text).filter((x) => x.code === "PNN4002");
    expect(ds.length).toBeGreaterThan(0);
    expect(ds.every((d) => d.message.includes("optics.saturable_absorber"))).toBe(true);
    // the mesh (linear, reciprocal) is fine; the detector and encoder are transducers
    expect(ds.some((d) => d.message.includes("mzi_mesh"))).toBe(false);
    expect(ds.some((d) => d.message.includes("photodetect"))).toBe(false);
  });

  it("misspellings come with a fix", () => {
    const ds = checkText(irisNet + train("  rule = backprob\n  epoch = 5"));
    const rule = ds.find((d) => d.code === "PNN4001")!;
    const key = ds.find((d) => d.code === "PNN2014")!;
    expect(rule.fix?.replacement).toBe("backprop");
    expect(key.fix?.replacement).toBe("epochs");
  });

  it("several errors in one file are all reported", () => {
    const ds = checkText("network N {\n  input x: real[4]\n  h = dens(x, 3)\n  output y = relu(q)\n}\n");
    expect(ds.filter((d) => d.code === "PNN2001").length).toBe(2);
  });
});
