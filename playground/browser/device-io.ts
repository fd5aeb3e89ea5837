/**
 * `node:child_process`, `node:net` and `node:string_decoder` in the playground's bundles. The
 * external-device transports (runtime/device/transport.ts) start programs and open TCP
 * connections; a page can do neither, so the playground runs no external device (those run
 * through the CLI). The bundle contains the transports because the driver does; using one
 * throws an error that names itself.
 */
function unavailable(name: string): never {
  throw new Error(`pnn playground: ${name} is not available in the browser (external devices run through the pnn CLI: docs/hardware.md)`);
}

export const spawn = (..._args: unknown[]): never => unavailable("child_process.spawn");
export const connect = (..._args: unknown[]): never => unavailable("net.connect");
export class Socket {
  constructor() {
    unavailable("net.Socket");
  }
}
export class StringDecoder {
  constructor(_encoding?: string) {
    unavailable("string_decoder.StringDecoder");
  }
}
