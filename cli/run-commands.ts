/**
 * Commands that compile and run a program: `pnn ir`, `pnn train`, `pnn eval`, `pnn infer`.
 */
import type { Command } from "commander";

export function registerRunCommands(program: Command, setCode: (c: number) => void): void {
  void program;
  void setCode;
}
