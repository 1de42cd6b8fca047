/**
 * The CLI's window on the process: where output goes, what the environment says, whether a
 * person is watching. Commands never touch `process` directly; they get a `CliIo`, so the same
 * code runs under the real process (`processIo`) and under in-process tests (`memoryIo`).
 */

/** One output stream. `write` resolves once the text is handed off (honouring backpressure). */
export interface OutputStream {
  write(text: string): Promise<void>
  /** A terminal, as opposed to a pipe or file: decides colour and progress bars. */
  readonly isTTY: boolean
  /** Terminal width in columns, when known. */
  readonly columns: number | undefined
}

export interface CliIo {
  readonly stdout: OutputStream
  readonly stderr: OutputStream
  readonly env: Readonly<Record<string, string | undefined>>
  /** Epoch milliseconds, for "3 hours ago". Injected so tests are deterministic. */
  readonly now: () => number
}

/** Raised when the reader of stdout went away (`delta scan t | head`): stop quietly. */
export class OutputClosedError extends Error {
  constructor() {
    super('output closed')
    this.name = 'OutputClosedError'
  }
}

/**
 * Wraps a Node stream. Writes wait for 'drain' when the stream's buffer is full, so a scan of
 * millions of rows into a slow pipe holds at most one buffer of text, not the whole output.
 */
export function nodeOutput(stream: NodeJS.WriteStream): OutputStream {
  let closed = false
  // EPIPE arrives as an 'error' event; without a listener Node would crash with a stack trace.
  stream.on('error', () => {
    closed = true
  })
  return {
    // `isTTY` is typed boolean but is undefined on pipes and files.
    isTTY: stream.isTTY ?? false,
    get columns() {
      // A pseudo-terminal without a size reports 0 columns: as good as unknown.
      return stream.isTTY && stream.columns > 0 ? stream.columns : undefined
    },
    write(text: string): Promise<void> {
      if (closed) return Promise.reject(new OutputClosedError())
      if (text === '') return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        if (stream.write(text)) {
          resolve()
          return
        }
        const onDrain = (): void => {
          stream.off('error', onError)
          resolve()
        }
        const onError = (): void => {
          stream.off('drain', onDrain)
          reject(new OutputClosedError())
        }
        stream.once('drain', onDrain)
        stream.once('error', onError)
      })
    },
  }
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: nodeOutput(process.stdout),
    stderr: nodeOutput(process.stderr),
    env: process.env,
    now: () => Date.now(),
  }
}

/** Collects output in memory, for tests of the formatting code. */
export function memoryIo(
  options: {
    readonly env?: Record<string, string | undefined>
    readonly tty?: boolean
    readonly columns?: number
    readonly now?: number
  } = {},
): CliIo & { readonly out: () => string; readonly err: () => string } {
  let out = ''
  let err = ''
  const stream = (append: (text: string) => void): OutputStream => ({
    isTTY: options.tty ?? false,
    columns: options.columns,
    write: async (text) => append(text),
  })
  return {
    stdout: stream((t) => (out += t)),
    stderr: stream((t) => (err += t)),
    env: options.env ?? {},
    now: () => options.now ?? 0,
    out: () => out,
    err: () => err,
  }
}
