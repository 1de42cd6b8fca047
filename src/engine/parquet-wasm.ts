/**
 * The one place that loads parquet-wasm.
 *
 * In Node, `parquet-wasm` resolves (through its `node` export condition) to a build that
 * compiles and instantiates the wasm synchronously when imported, so it is ready as soon as
 * this module is. Other runtimes (browsers, Deno, Bun, workers) get the `esm` build, which must be
 * initialised with its wasm bytes first; they call `setParquetWasm` once with the initialised
 * module, e.g.:
 *
 * ```ts
 * import init, * as pw from 'parquet-wasm/esm'
 * await init({ module_or_path: wasmBytes })
 * setParquetWasm(pw)
 * ```
 *
 * Every other file in the engine goes through `parquetWasm()` and never imports the package.
 */
import * as nodeBuild from 'parquet-wasm'

/** The subset of parquet-wasm's API the engine uses (its Node typings). */
export type ParquetWasm = Pick<
  typeof nodeBuild,
  | 'readParquet'
  | 'readSchema'
  | 'writeParquet'
  | 'transformParquetStream'
  | 'Table'
  | 'WriterPropertiesBuilder'
  | 'Compression'
  | 'EnabledStatistics'
  | 'wasmMemory'
>

let current: ParquetWasm = nodeBuild

/** Replaces the parquet-wasm module used by the engine (for runtimes without the Node build). */
export function setParquetWasm(module: ParquetWasm): void {
  current = module
}

export function parquetWasm(): ParquetWasm {
  return current
}

/** Bytes of wasm linear memory currently reserved (it grows, and never shrinks). */
export function wasmMemoryBytes(): number {
  // (`WebAssembly.Memory` is not in this project's lib typings; only `buffer` is needed.)
  return (current.wasmMemory() as unknown as { buffer: ArrayBuffer }).buffer.byteLength
}
