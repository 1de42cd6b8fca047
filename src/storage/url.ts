import * as nodePath from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidArgumentError } from '../errors.js'
import type { AzureStoreOptions } from './azure.js'
import { LocalStore, type LocalStoreOptions } from './local.js'
import { namedMemoryStore } from './memory.js'
import type { ObjectStore } from './object-store.js'
import { PrefixStore } from './prefix.js'
import type { S3StoreOptions } from './s3.js'

/** Per-backend options for `openStore`; each applies only to URLs of its scheme. */
export interface StorageOptions {
  readonly local?: LocalStoreOptions
  /** Everything but `bucket` (which comes from the URL). */
  readonly s3?: Omit<S3StoreOptions, 'bucket'>
  /** Everything but `container` (which comes from the URL; the account may too). */
  readonly azure?: Omit<AzureStoreOptions, 'container'>
}

/** A location split into its backend and the key prefix inside it. */
export type ParsedLocation =
  | { readonly scheme: 'file'; readonly directory: string }
  | { readonly scheme: 'memory'; readonly name: string; readonly prefix: string }
  | { readonly scheme: 's3'; readonly bucket: string; readonly prefix: string }
  | {
      readonly scheme: 'azure'
      readonly container: string
      readonly account: string | undefined
      /** Blob service endpoint when the URL names one (`https://acct.blob.core.windows.net`). */
      readonly endpoint: string | undefined
      readonly prefix: string
    }

/**
 * Parses a table location: a local path (relative or absolute), `file://`, `memory://name/p`,
 * `s3://bucket/p` (also `s3a://`), `az://container/p` (also `azure://`, `adl://`),
 * `abfs[s]://container@account.dfs.core.windows.net/p`, or
 * `https://account.blob.core.windows.net/container/p`.
 */
export function parseLocation(location: string): ParsedLocation {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(location)
  if (match === null) {
    if (location.trim() === '') throw new InvalidArgumentError('A table location must not be empty')
    return { scheme: 'file', directory: nodePath.resolve(location) }
  }
  const scheme = match[1]!.toLowerCase()
  let url: URL
  try {
    url = new URL(location)
  } catch (error) {
    throw new InvalidArgumentError(`Not a valid URL: ${location} (${String(error)})`)
  }
  const path = trimSlashes(decodeURIComponent(url.pathname))
  switch (scheme) {
    case 'file':
      return { scheme: 'file', directory: fileURLToPath(url) }
    case 'memory':
      return { scheme: 'memory', name: url.host, prefix: path }
    case 's3':
    case 's3a':
      if (url.host === '') throw new InvalidArgumentError(`No bucket in ${location}`)
      return { scheme: 's3', bucket: url.host, prefix: path }
    case 'az':
    case 'azure':
    case 'adl':
      if (url.host === '') throw new InvalidArgumentError(`No container in ${location}`)
      return {
        scheme: 'azure',
        container: url.host,
        account: undefined,
        endpoint: undefined,
        prefix: path,
      }
    case 'abfs':
    case 'abfss': {
      // abfss://<container>@<account>.dfs.core.windows.net/<path>
      const container = decodeURIComponent(url.username)
      const account = url.hostname.split('.')[0]
      if (container === '' || account === undefined || account === '') {
        throw new InvalidArgumentError(
          `Expected abfss://<container>@<account>.dfs.core.windows.net/<path>, got ${location}`,
        )
      }
      return { scheme: 'azure', container, account, endpoint: undefined, prefix: path }
    }
    case 'https':
    case 'http': {
      const host = url.hostname
      const blob = /^([^.]+)\.blob\.core\.windows\.net$/.exec(host)
      if (blob === null) {
        throw new InvalidArgumentError(
          `Unsupported https location ${location}: only Azure Blob URLs (https://<account>.blob.core.windows.net/<container>/<path>) are understood`,
        )
      }
      const [container = '', ...rest] = path.split('/')
      if (container === '') throw new InvalidArgumentError(`No container in ${location}`)
      return {
        scheme: 'azure',
        container,
        account: blob[1],
        endpoint: `${url.protocol}//${url.host}`,
        prefix: rest.join('/'),
      }
    }
    default:
      throw new InvalidArgumentError(
        `Unsupported scheme "${scheme}://" in ${location}: use a local path, file://, memory://, s3://, az://, abfss:// or https://<account>.blob.core.windows.net`,
      )
  }
}

/**
 * Opens the store for a table location, scoped to the table root. The S3 and Azure SDKs are
 * loaded here, on first use, so users of local tables never load them.
 */
export async function openStore(
  location: string,
  options: StorageOptions = {},
): Promise<ObjectStore> {
  const parsed = parseLocation(location)
  switch (parsed.scheme) {
    case 'file':
      return new LocalStore(parsed.directory, options.local)
    case 'memory':
      return scope(namedMemoryStore(parsed.name), parsed.prefix)
    case 's3': {
      const { S3Store } = await import('./s3.js')
      return scope(new S3Store({ ...options.s3, bucket: parsed.bucket }), parsed.prefix)
    }
    case 'azure': {
      const { AzureStore } = await import('./azure.js')
      const azure: AzureStoreOptions = {
        ...options.azure,
        container: parsed.container,
        ...(parsed.account === undefined ? {} : { account: parsed.account }),
        ...(parsed.endpoint === undefined || options.azure?.endpoint !== undefined
          ? {}
          : { endpoint: parsed.endpoint }),
      }
      return scope(new AzureStore(azure), parsed.prefix)
    }
  }
}

function scope(store: ObjectStore, prefix: string): ObjectStore {
  return prefix === '' ? store : new PrefixStore(store, prefix)
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '')
}
