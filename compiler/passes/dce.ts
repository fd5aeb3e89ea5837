/**
 * Pass `dce`: dead-code elimination. A node no output reads (directly or through other nodes)
 * does not change any output or any gradient output, so it is dropped. Inputs and params are
 * kept even when unused: they are the program's interface.
 */
import { liveNodes } from "../ir/liveness.js";
import type { Pass } from "./pass.js";
import { rebuild } from "./rewrite.js";

export const dce: Pass = {
  name: "dce",
  summary: "drop nodes no output needs (inputs and params stay: they are the interface)",
  run: (g) => {
    const live = liveNodes(g);
    return rebuild(g, () => undefined, (id) => live[id]!);
  },
};
