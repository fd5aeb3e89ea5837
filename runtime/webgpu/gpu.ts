/**
 * The slice of the WebGPU API the runner uses, typed here so the runtime needs neither the DOM
 * library nor @webgpu/types (whose versions differ between dependencies). Both navigator.gpu in
 * browsers and the `webgpu` npm package (Dawn) in Node provide these objects.
 */
export interface GpuBuffer {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): void;
  destroy(): void;
}
export interface GpuShaderModule {
  getCompilationInfo(): Promise<{ readonly messages: readonly { readonly type: string; readonly message: string; readonly lineNum: number; readonly linePos: number }[] }>;
}
export type GpuPipeline = object;
export type GpuBindGroupLayout = object;
export type GpuBindGroup = object;
export interface GpuComputePass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(index: number, group: GpuBindGroup, dynamicOffsets?: readonly number[]): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
  end(): void;
}
export interface GpuCommandEncoder {
  beginComputePass(desc?: object): GpuComputePass;
  copyBufferToBuffer(src: GpuBuffer, srcOffset: number, dst: GpuBuffer, dstOffset: number, size: number): void;
  finish(): object;
}
export interface GpuLimits {
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupStorageSize: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxUniformBufferBindingSize: number;
}
export interface GpuDevice {
  readonly limits: GpuLimits;
  readonly queue: {
    writeBuffer(buffer: GpuBuffer, offset: number, data: ArrayBufferView, dataOffset?: number, size?: number): void;
    submit(buffers: readonly object[]): void;
    onSubmittedWorkDone(): Promise<void>;
  };
  readonly lost: Promise<{ readonly reason: string; readonly message: string }>;
  createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBuffer;
  createShaderModule(desc: { code: string }): GpuShaderModule;
  createBindGroupLayout(desc: object): GpuBindGroupLayout;
  createPipelineLayout(desc: { bindGroupLayouts: readonly GpuBindGroupLayout[] }): object;
  createComputePipelineAsync(desc: object): Promise<GpuPipeline>;
  createBindGroup(desc: object): GpuBindGroup;
  createCommandEncoder(): GpuCommandEncoder;
  pushErrorScope(filter: string): void;
  popErrorScope(): Promise<{ readonly message: string } | null>;
  destroy(): void;
}
export interface GpuAdapter {
  readonly limits: GpuLimits;
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly device?: string; readonly description?: string };
  requestDevice(desc?: { requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
}
export interface Gpu {
  requestAdapter(opts?: object): Promise<GpuAdapter | null>;
}
