// bench/methods.mjs — the learning-rule × platform × data-set grid of issue 5, rerun with
//   npx tsc -p tsconfig.json && node bench/methods.mjs        (~7 minutes on 2 shared cores)
// Every cell is one `pnn train --json` run of a program (an example, cut to fit 2 cores, or one
// generated here) with its train block's fixed seed, on the default (wasm) backend. Every one of
// the 13 rules is tried on every platform: a rule the checker refuses is listed as illegal with
// its PNN4002 reason (or the compiler's rule diagnostic, PNN508x); a legal rule left out for
// cost says why. Writes bench/results-methods.md and copies it into its generated section of
// bench/RESULTS.md (scripts/results-sections.mjs; run `npm run build` first). `node bench/methods.mjs --only vowels` runs the platforms whose name matches.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mirrorResults } from "../scripts/results-sections.mjs";

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const pnn = path.join(root, "bin", "pnn.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pnn-methods-"));
const only = process.argv.includes("--only") ? new RegExp(process.argv[process.argv.indexOf("--only") + 1], "i") : undefined;

/** Every rule of compiler/rules/, with the options used when a platform does not choose its own. */
const ALL_RULES = [
  "backprop", "hardware_aware", "physics_aware", "feedback_alignment", "direct_feedback_alignment",
  "equilibrium_propagation", "coupled_learning", "in_situ_adjoint", "spsa", "finite_difference",
  "evolution_strategies", "local", "readout_only",
];

const MESH = `layer Mesh(n: int, sigma: real = 0.05 rad) {
  param phases: real[n * (n - 1)] init uniform(0, 2 * pi)
  device phase_error: real[n * (n - 1)] ~ normal(0 rad, sigma)
  forward(x: complex[n]) -> complex[n] = optics.mzi_mesh(x, phases + phase_error, topology: clements, loss: 0.2 dB)
}`;

const trainBlock = (net, data, rule, { loss = "cross_entropy", lr, epochs, batch }) => `
train ${net} on ${data} {
  rule = ${rule}
  loss = ${loss}
  optimizer = adam(lr: ${lr})
  epochs = ${epochs}
  batch = ${batch}
  seed = 1
}
`;

const example = (name) => fs.readFileSync(path.join(root, "examples", name), "utf8");
/** An example with its train block's rule replaced (the rule may span several lines) and other settings cut. */
const fromExample = (name, cuts = {}) => (rule) => {
  let src = example(name).replace(/rule = \w+(\([^)]*\))?/, `rule = ${rule}`);
  if (cuts.data) src = src.replace(/ on mnist\([^)]*\)/, ` on ${cuts.data}`);
  if (cuts.epochs) src = src.replace(/epochs = \d+/, `epochs = ${cuts.epochs}`);
  return src;
};
const MNIST_CUT = "mnist(train: 2000, test: 500, size: 14)";

/**
 * Platforms: a name, a data-set label, the program for a rule, the options of each rule that
 * runs (a rule absent from `rules` is tried with its defaults and expected to be refused), and
 * `skip`: legal rules left out for cost, with the reason.
 */
const PLATFORMS = [
  {
    name: "optical MZI–SA–MZI, 12 modes (examples/vowels_mzi.pnn, 60 epochs)",
    data: "vowels",
    source: fromExample("vowels_mzi.pnn"),
    rules: {
      backprop: "backprop", physics_aware: "physics_aware", hardware_aware: "hardware_aware",
      feedback_alignment: "feedback_alignment", direct_feedback_alignment: "direct_feedback_alignment",
      spsa: "spsa(c: 0.02, samples: 4)", evolution_strategies: "evolution_strategies(sigma: 0.02, population: 20)", local: "local(tau: 4)",
    },
    skip: { finite_difference: "not run: 2P ≈ 560 device queries per step (~25× evolution_strategies' cost)" },
  },
  {
    name: "linear optics: dense 4→6, 6-mode mesh (σ = 0.05 rad, 0.2 dB/MZI), detectors (30 epochs)",
    data: "iris",
    source: (rule) => `import optics from "std/optics"
${MESH}
network LinearOptical {
  input x: real[4]
  out = x |> dense(6) |> optics.amplitude_encode |> Mesh(n: 6) |> optics.photodetect(noise: 0.01)
  output y = out |> take(3) |> gain
}
${trainBlock("LinearOptical", "iris()", rule, { lr: 0.05, epochs: 30, batch: 8 })}`,
    rules: {
      backprop: "backprop", physics_aware: "physics_aware", hardware_aware: "hardware_aware", in_situ_adjoint: "in_situ_adjoint(noise: 0.01)",
      feedback_alignment: "feedback_alignment", direct_feedback_alignment: "direct_feedback_alignment",
      spsa: "spsa(c: 0.01, samples: 2)", finite_difference: "finite_difference(eps: 0.001)", evolution_strategies: "evolution_strategies(sigma: 0.02, population: 20)",
      local: "local(tau: 4)",
    },
  },
  {
    name: "optical reservoir: 12-mode random mesh (phase-encoded), detectors, dense readout (30 epochs)",
    data: "vowels",
    source: (rule) => `import optics from "std/optics"
${MESH}
network Reservoir {
  input x: real[12]
  s = x |> optics.phase_encode(scale: 1 rad) |> Mesh(n: 12) |> optics.photodetect(noise: 0.01)
  output y = dense(s, 7)
}
${trainBlock("Reservoir", "vowels()", rule, { loss: "mse", lr: 0.01, epochs: rule.startsWith("readout_only") ? 1 : 30, batch: 16 })}`,
    rules: {
      readout_only: "readout_only(lambda: 0.001)", backprop: "backprop", physics_aware: "physics_aware", hardware_aware: "hardware_aware", spsa: "spsa(c: 0.01, samples: 4)",
      feedback_alignment: "feedback_alignment", direct_feedback_alignment: "direct_feedback_alignment", in_situ_adjoint: "in_situ_adjoint(noise: 0.01)",
    },
    skip: { finite_difference: "not run: 2P ≈ 450 queries per step", evolution_strategies: "not run (cost; spsa shown)", local: "not run" },
  },
  {
    name: "optical scattering reservoir: 4 → 128 speckle intensities, dense readout (examples/reservoir_iris.pnn, 150 epochs)",
    data: "iris",
    source: fromExample("reservoir_iris.pnn"),
    rules: { readout_only: "readout_only(lambda: 0.001)", backprop: "backprop", physics_aware: "physics_aware", hardware_aware: "hardware_aware", spsa: "spsa(c: 0.01, samples: 4)" },
    skip: { feedback_alignment: "not run (the medium has no parameters: the one readout layer gets the backprop gradient)", direct_feedback_alignment: "not run (the medium has no parameters: the one readout layer gets the backprop gradient)", finite_difference: "not run: 2P = 774 queries per step", evolution_strategies: "not run (cost; spsa shown)", local: "not run" },
  },
  {
    name: "digital MLP 196-64-10 (relu), 5 epochs",
    data: "mnist 14×14, 2000/500",
    source: (rule) => `network Mlp {
  input x: real[196]
  h = dense(x, 64) |> relu
  output y = dense(h, 10)
}
${trainBlock("Mlp", MNIST_CUT, rule, { lr: 0.002, epochs: 5, batch: 32 })}`,
    rules: {
      backprop: "backprop", hardware_aware: "hardware_aware", physics_aware: "physics_aware", feedback_alignment: "feedback_alignment", direct_feedback_alignment: "direct_feedback_alignment",
      spsa: "spsa(c: 0.01, samples: 8)", local: "local(tau: 4)",
    },
    extra: ["direct_feedback_alignment(projection: optical)"],
    skip: { finite_difference: "not run: 2P ≈ 27 k loss queries per step", evolution_strategies: "not run (cost; spsa shown)", readout_only: "not run (the hidden layer would stay random)" },
  },
  {
    name: "free-space diffractive, 5 phase masks 14×14 (examples/diffractive_mnist.pnn, 2 epochs)",
    data: "mnist 14×14, 2000/500",
    source: fromExample("diffractive_mnist.pnn", { data: MNIST_CUT, epochs: 2 }),
    rules: { backprop: "backprop", hardware_aware: "hardware_aware", physics_aware: "physics_aware", in_situ_adjoint: "in_situ_adjoint", spsa: "spsa(c: 0.02, samples: 4)" },
    skip: { feedback_alignment: "not run", direct_feedback_alignment: "not run", finite_difference: "not run: 2P = 1960 queries per step", evolution_strategies: "not run (cost; spsa shown)", local: "not run" },
  },
  {
    name: "analog PCM crossbars 196-64-10 (examples/crossbar_mnist.pnn, 3 epochs)",
    data: "mnist 14×14, 2000/500",
    source: fromExample("crossbar_mnist.pnn", { data: MNIST_CUT, epochs: 3 }),
    rules: { backprop: "backprop", hardware_aware: "hardware_aware", physics_aware: "physics_aware", feedback_alignment: "feedback_alignment", direct_feedback_alignment: "direct_feedback_alignment", local: "local(tau: 4)" },
    skip: { spsa: "not run: ~1 min at 8 samples (46% on the digital MLP of the same size)", finite_difference: "not run: 2P ≈ 27 k queries per step", evolution_strategies: "not run (cost)" },
  },
  {
    name: "12 coupled pendula, 100 RK steps (examples/pendula_vowels.pnn, 10 epochs)",
    data: "vowels",
    source: fromExample("pendula_vowels.pnn", { epochs: 10 }),
    rules: { backprop: "backprop", hardware_aware: "hardware_aware", physics_aware: "physics_aware", spsa: "spsa(c: 0.02, samples: 4)", evolution_strategies: "evolution_strategies(sigma: 0.02, population: 10)" },
    skip: { feedback_alignment: "not run", direct_feedback_alignment: "not run", finite_difference: "not run (cost)", local: "not run" },
  },
  {
    name: "resistor network 4-6-3 (examples/resistor_iris.pnn, 20 epochs)",
    data: "iris",
    source: fromExample("resistor_iris.pnn"),
    rules: { coupled_learning: "coupled_learning(eta: 0.1, alpha: 0.002)", equilibrium_propagation: "equilibrium_propagation(beta: 0.1)" },
  },
  {
    name: "Hopfield-like network 2-16-2 (examples/hopfield_xor.pnn)",
    data: "xor (400)",
    source: fromExample("hopfield_xor.pnn"),
    rules: { equilibrium_propagation: "equilibrium_propagation(beta: 0.5, symmetric: true, free_steps: 20, nudged_steps: 8, step: 0.5)" },
  },
  {
    name: "Hopfield-like network 196-64-10 (examples/hopfield_ep.pnn, 3 epochs)",
    data: "mnist 14×14, 2000/500",
    source: fromExample("hopfield_ep.pnn", { data: MNIST_CUT, epochs: 3 }),
    rules: { equilibrium_propagation: "equilibrium_propagation(beta: 0.5, symmetric: true, free_steps: 20, nudged_steps: 4, step: 0.5)" },
  },
];

/** One `pnn train --json`: the summary plus wall time, or the diagnostic that refused it. */
function train(source, label) {
  const file = path.join(tmp, `${label}.pnn`);
  fs.writeFileSync(file, source);
  const t0 = performance.now();
  try {
    const lines = execFileSync("node", [pnn, "train", file, "--json", "--out", path.join(tmp, label)], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"] }).trim().split("\n");
    return { ...JSON.parse(lines[lines.length - 1]), wall: (performance.now() - t0) / 1000 };
  } catch (e) {
    const text = `${e.stdout ?? ""}${e.stderr ?? ""}`;
    for (const line of text.split("\n").filter((l) => l.startsWith("{"))) {
      const d = JSON.parse(line).diagnostics?.find((x) => x.severity === "error");
      if (d) return { refused: d.code, reason: d.message };
    }
    const m = /error (PNN\d{4}): ([^\n]*)/.exec(text);
    return m ? { refused: m[1], reason: m[2] } : { failed: text.split("\n").find((l) => l.trim()) ?? "no output" };
  }
}

const pct = (v) => (v === undefined || v === null ? "–" : `${(100 * v).toFixed(1)}%`);
const big = (v) => (!v ? "0" : v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : v >= 1e6 ? `${(v / 1e6).toFixed(1)} M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)} k` : String(v));
/** A refusal's reason without the rule name it starts with, cut to one clause. */
const shortReason = (r) => r.replace(/\s+/g, " ").replace(/^[a-z_]+ /, "").slice(0, 140);

const rows = [];
const overview = [];
let n = 0;
const t0 = performance.now();
for (const p of PLATFORMS) {
  if (only && !only.test(p.name)) continue;
  const refused = new Map(); // "CODE: reason" -> rules
  const skipped = [];
  const cells = {};
  const results = {};
  const runs = [...ALL_RULES.map((r) => [r, p.rules[r] ?? r]), ...(p.extra ?? []).map((r) => [r, r])];
  for (const [rule, choice] of runs) {
    if (p.skip?.[rule]) {
      skipped.push(`\`${rule}\` (${p.skip[rule]})`);
      cells[rule] = "n.r.";
      continue;
    }
    const s = train(p.source(choice), `run${n++}`);
    if (s.refused) {
      const key = `${s.refused}: ${shortReason(s.reason)}`;
      refused.set(key, [...(refused.get(key) ?? []), rule]);
      cells[rule] = `illegal (${s.refused})`;
    } else if (s.failed) {
      rows.push(`| ${p.name} | ${p.data} | \`${choice}\` | failed: ${s.failed} | | | | |`);
      cells[rule] = "failed";
    } else {
      if (!p.rules[rule] && !(p.extra ?? []).includes(rule)) process.stderr.write(`note: ${rule} ran on ${p.name} with its defaults\n`);
      results[rule] = s;
      const pa = results.physics_aware;
      const same = /feedback_alignment/.test(rule) && pa && pa.test_accuracy === s.test_accuracy && pa.device_test_accuracy === s.device_test_accuracy && pa.train_accuracy === s.train_accuracy;
      const note = same ? " (= physics_aware: no `dense` layer after the first, so no error path to replace)" : "";
      const q = `${big(s.device_forwards)} / ${big(s.device_relaxations)} / ${big(s.device_measurements)}`;
      rows.push(`| ${p.name} | ${p.data} | \`${choice}\`${note} | ${pct(s.test_accuracy)} | ${pct(s.device_test_accuracy)} | ${q} | ${big(s.digital_flops)} | ${s.wall.toFixed(1)} s |`);
      if (!cells[rule]) cells[rule] = `${pct(s.test_accuracy)} / ${pct(s.device_test_accuracy)}${same ? " (= PA)" : ""}`;
    }
    process.stderr.write(`${rows[rows.length - 1] ?? ""}\r${p.name.slice(0, 30)} ${rule}: ${cells[rule]}\n`);
  }
  for (const [key, rules] of refused) rows.push(`| ${p.name} | ${p.data} | ${rules.map((r) => `\`${r}\``).join(", ")} | illegal (${key}) | | | | |`);
  if (skipped.length) rows.push(`| ${p.name} | ${p.data} | ${skipped.join("; ")} | | | | | |`);
  overview.push(`| ${p.name.replace(/ \(.*$/, "")} | ${ALL_RULES.map((r) => cells[r] ?? "").join(" | ")} |`);
}
const total = (performance.now() - t0) / 1000;

const md = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, wasm backend, each train block's fixed seed (1); \`node bench/methods.mjs\` (${(total / 60).toFixed(1)} min in all).`,
  "Sizes are cut for 2 cores: MNIST is a 2000/500-digit subset at 14×14 (the 196-64-10 MLP and crossbars 5 and 3 epochs, the diffractive net 2 epochs, the Hopfield net 196-64-10 for 3 epochs), the pendula 10 epochs; vowels, iris and XOR in full. The anchors below are for full-size models and data, context rather than like-for-like targets.",
  "Device queries = forwards (one sample through the simulated chip) / relaxations (one free, nudged or clamped settling of an energy-based network) / measurements (extra intensity frames: in-situ adjoint three maps per shifter, optical DFA two frames per sample). Digital FLOPs are the simulated programs' (an over-count where a pass is physical). Wall time includes compilation and evaluation. Twin = accuracy of the trained parameters on the ideal digital twin; device = on simulated chip 0 (its noise and fabrication errors).",
  "",
  "Overview (twin test / device test; illegal = refused by the checker or the rule's compiler with the code shown; n.r. = legal but not run, reason in the table; (= PA): identical to physics_aware, see the table):",
  "",
  `| platform | ${ALL_RULES.join(" | ")} |`,
  `|---|${ALL_RULES.map(() => "---").join("|")}|`,
  ...overview,
  "",
  "| platform | data set | rule | twin test | device test (chip 0) | device queries (forwards / relaxations / measurements) | digital FLOPs | wall |",
  "|---|---|---|---|---|---|---|---|",
  ...rows,
  "",
  "Anchors from the literature (full-size models and data):",
  "- MNIST, 784-500-10 energy-based network with equilibrium propagation: ~97% test (Scellier & Bengio 2017).",
  "- MNIST with DFA: ~96–98%; optical DFA 95.8% vs 97.6% backprop (Launay et al. 2020).",
  "- Vowels with physics-aware training on a physical layer: 93% (Wright et al. 2022).",
  "- MNIST, 5-layer diffractive network trained in silico: 91.75% measured / ~97% simulated (Lin et al. 2018).",
  "- Coupled learning on a resistor network solving a nonlinear task (XOR / iris-class) (Dillavou et al. 2022).",
  "",
  "Compared with the anchors (written for the run of 2026-11-28; rerun numbers may move by a point or two):",
  "- Equilibrium propagation: the 196-64-10 Hopfield net reaches 88.2% on the 2000/500 MNIST subset after 3 epochs, against ~97% for 784-500-10 on full MNIST (Scellier & Bengio 2017). The hidden layer is 8× smaller, the data 30× less and the training 3 epochs, so this is not a like-for-like shortfall. The 2-16-2 Hopfield net learns XOR to 91%.",
  "- DFA: 89.0% with a digital B and 88.4% with the optical projection, against 90.4% for backprop on the same MLP. The gap of 1.4–2.0 points has the same order and size as Launay et al.'s 95.8% optical DFA against 97.6% backprop. FA reaches 88.2%.",
  "- Physics-aware training on vowels: the MZI–SA–MZI chip reaches 98.7% on the device (chip 0), above Wright et al.'s 93% on their physical systems. The pendula, cut to 10 epochs, reach 80.5% with physics-aware training and 85.7% with backprop.",
  "- Diffractive MNIST (14×14, 2 epochs): in-silico backprop reaches 87.6% on the twin but 77.6% on the device. Lin et al. likewise report ~97% simulated against 91.75% measured. Hardware-aware training closes most of that gap (89.4% / 85.4%).",
  "- Coupled learning: the resistor network learns iris to 94.0%, in line with Dillavou et al.'s resistor networks on iris-class tasks. EP on the same (linear) resistor network reaches 80.0%.",
  "- Query cost: in-situ adjoint reads 3 intensities per phase shifter per sample (90 on the 6-mode mesh, ~400 on the 12-mode one). The derivative-free rules need 9–130× the device queries of physics-aware training and fall short of the gradient rules at these budgets: SPSA reaches 46% on the MNIST MLP and 14% on the 980-phase diffractive net (chance is 10%).",
  "- Two cells exposed bugs, fixed on this branch. hardware_aware on PCM crossbars stayed at chance (10%) because of NaN gradients through the read-noise model; it now reaches 78.4%. in_situ_adjoint on mesh-less networks trained silently with 0 measurements and is now PNN5083.",
  "- Wall times are on 2 cores shared with other jobs, so read them as ±2×.",
  "",
].join("\n");

if (only) {
  process.stdout.write(md);
  process.exit(0);
}
fs.writeFileSync(path.join(root, "bench", "results-methods.md"), md);
mirrorResults("bench/results-methods.md");
process.stdout.write(md);
