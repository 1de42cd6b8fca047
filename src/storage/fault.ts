import { StorageError } from '../errors.js'
import type {
  DeleteManyResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  Signalled,
} from './object-store.js'

export type StoreOp = 'put' | 'get' | 'head' | 'delete' | 'deleteMany' | 'list'

export type FaultAction =
  /** The call fails before reaching the store (nothing happens). */
  | 'fail'
  /**
   * The call reaches the store and takes effect, then fails as if the connection dropped
   * after the request was sent: the caller cannot tell whether it landed.
   */
  | 'ambiguous'
  /** This call and every later one fail: the process "died" here. */
  | 'crash'
  /** The call is delayed, then proceeds. */
  | { readonly delayMs: number }

export interface FaultRule {
  /** Which operations the rule watches (default: all). */
  readonly op?: StoreOp | readonly StoreOp[]
  /** Which keys the rule watches (default: all). For `list`, the prefix. */
  readonly path?: RegExp | ((path: string) => boolean)
  /** Fire on the n-th matching call only (1-based). Default: every matching call. */
  readonly nth?: number
  /** Fire at most this many times. Default: once with `nth`, unlimited otherwise. */
  readonly times?: number
  readonly action: FaultAction
}

/** Thrown by injected faults, so tests can tell them from real ones. */
export class InjectedFaultError extends StorageError {
  readonly injected = true
  constructor(op: StoreOp, path: string, what: string) {
    super(`Injected fault: ${op} ${path} ${what}`, { path, retryable: true })
  }
}

interface ActiveRule {
  readonly rule: FaultRule
  matched: number
  fired: number
}

/**
 * Wraps a store and injects failures, latency, ambiguous outcomes and crashes by rule.
 * Suites for the commit protocol, checkpoints and cleanup use it to prove that no fault
 * loses a committed version or leaves the table unreadable.
 */
export class FaultyStore implements ObjectStore {
  readonly kind: string
  readonly url: string
  readonly capabilities
  private rules: ActiveRule[] = []
  private crashed = false
  /** Every call seen, in order, with its fate. */
  readonly calls: { op: StoreOp; path: string; fault?: FaultAction }[] = []

  constructor(readonly inner: ObjectStore) {
    this.kind = inner.kind
    this.url = inner.url
    this.capabilities = inner.capabilities
  }

  /** Adds a rule; returns a function that removes it. */
  inject(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, matched: 0, fired: 0 }
    this.rules.push(active)
    return () => {
      this.rules = this.rules.filter((r) => r !== active)
    }
  }

  /** Drops every rule and "restarts the process" after a crash. */
  heal(): void {
    this.rules = []
    this.crashed = false
  }

  get isCrashed(): boolean {
    return this.crashed
  }

  put(path: string, bytes: Uint8Array, options?: PutOptions): Promise<PutResult> {
    return this.run('put', path, () => this.inner.put(path, bytes, options))
  }

  get(path: string, options?: GetOptions): Promise<GetResult> {
    return this.run('get', path, () => this.inner.get(path, options))
  }

  head(path: string, options?: Signalled): Promise<ObjectMeta> {
    return this.run('head', path, () => this.inner.head(path, options))
  }

  delete(path: string, options?: Signalled): Promise<void> {
    return this.run('delete', path, () => this.inner.delete(path, options))
  }

  deleteMany(paths: Iterable<string>, options?: Signalled): Promise<DeleteManyResult> {
    const all = [...paths]
    return this.run('deleteMany', all[0] ?? '', () => this.inner.deleteMany(all, options))
  }

  async *list(prefix: string, options?: ListOptions): AsyncIterable<ObjectMeta> {
    const action = this.decide('list', prefix)
    if (action !== undefined) await this.before('list', prefix, action)
    yield* this.inner.list(prefix, options)
    if (action === 'ambiguous') throw new InjectedFaultError('list', prefix, 'failed after listing')
  }

  private async run<T>(op: StoreOp, path: string, call: () => Promise<T>): Promise<T> {
    const action = this.decide(op, path)
    if (action !== undefined) await this.before(op, path, action)
    const result = await call()
    if (action === 'ambiguous') {
      throw new InjectedFaultError(op, path, 'took effect, but the response was lost')
    }
    return result
  }

  /** Throws for fail and crash, sleeps for delay; ambiguous is handled after the call. */
  private async before(op: StoreOp, path: string, action: FaultAction): Promise<void> {
    if (action === 'fail')
      throw new InjectedFaultError(op, path, 'failed before reaching the store')
    if (action === 'crash') {
      this.crashed = true
      throw new InjectedFaultError(op, path, 'crashed')
    }
    if (typeof action === 'object') await new Promise((r) => setTimeout(r, action.delayMs))
  }

  private decide(op: StoreOp, path: string): FaultAction | undefined {
    if (this.crashed) {
      this.calls.push({ op, path, fault: 'crash' })
      throw new InjectedFaultError(op, path, 'after a crash')
    }
    let chosen: FaultAction | undefined
    for (const active of this.rules) {
      const { rule } = active
      if (rule.op !== undefined) {
        const ops: readonly StoreOp[] = typeof rule.op === 'string' ? [rule.op] : rule.op
        if (!ops.includes(op)) continue
      }
      if (rule.path !== undefined) {
        const ok = rule.path instanceof RegExp ? rule.path.test(path) : rule.path(path)
        if (!ok) continue
      }
      active.matched++
      const limit = rule.times ?? (rule.nth !== undefined ? 1 : Infinity)
      if (active.fired >= limit) continue
      if (rule.nth !== undefined && active.matched !== rule.nth) continue
      active.fired++
      chosen ??= rule.action
    }
    this.calls.push(chosen === undefined ? { op, path } : { op, path, fault: chosen })
    return chosen
  }
}

/** True for errors that a fault rule injected. */
export function isInjectedFault(error: unknown): error is InjectedFaultError {
  return error instanceof InjectedFaultError
}
