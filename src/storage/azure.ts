import {
  AnonymousCredential,
  BlobServiceClient,
  ContainerClient,
  StorageSharedKeyCredential,
} from '@azure/storage-blob'
import {
  AbortedError,
  AlreadyExistsError,
  DeltaError,
  InvalidArgumentError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
} from '../errors.js'
import { mapConcurrent } from '../util/async.js'
import { checkAborted, checkKey, checkPrefix, clampRange, sdkSignal } from './keys.js'
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
  StoreCapabilities,
} from './object-store.js'

export interface AzureStoreOptions {
  readonly container: string
  /** A ready client; when given, the connection options below are ignored. */
  readonly client?: ContainerClient
  /** Default: `AZURE_STORAGE_CONNECTION_STRING`. Takes precedence over account/key/SAS. */
  readonly connectionString?: string
  /** Default: `AZURE_STORAGE_ACCOUNT_NAME`, then `AZURE_STORAGE_ACCOUNT`. */
  readonly account?: string
  /** Default: `AZURE_STORAGE_ACCOUNT_KEY`, then `AZURE_STORAGE_KEY`. */
  readonly accountKey?: string
  /** Default: `AZURE_STORAGE_SAS_TOKEN`. */
  readonly sasToken?: string
  /** Blob service URL. Default: `AZURE_STORAGE_ENDPOINT`, else `https://<account>.blob.core.windows.net`. */
  readonly endpoint?: string
  /** Where the defaults above are read from. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Blobs per listing request (the service allows up to 5000). Default 5000. */
  readonly listPageSize?: number
}

/** The blob batch API takes at most 256 sub-requests. */
const DELETE_BATCH = 256
/** A service error code, from the REST response. */
type AzureError = Error & { statusCode?: number; code?: string; details?: { errorCode?: string } }

/**
 * Azure Blob Storage (and ADLS Gen2 through its blob endpoint).
 *
 * Put-if-absent is an upload with `If-None-Match: *`: the service answers 409
 * `BlobAlreadyExists` when the blob exists. Listing is flat by prefix; `startAfter` maps to
 * the service's inclusive `startFrom` marker, and the boundary key itself is dropped here.
 */
export class AzureStore implements ObjectStore {
  readonly kind = 'azure'
  readonly url: string
  /**
   * Azurite orders names by UTF-16 code units; the service documents only "alphabetical
   * order". The two readings differ only for names with characters above U+FFFF.
   */
  readonly capabilities: StoreCapabilities = {
    putIfAbsent: true,
    conditionalUpdate: true,
    deleteBatchSize: DELETE_BATCH,
    listOrder: 'utf16',
    listCost: 'round-trip',
  }
  readonly client: ContainerClient
  private readonly listPageSize: number

  constructor(options: AzureStoreOptions) {
    this.client = options.client ?? containerClient(options)
    this.url = `az://${options.container}/`
    this.listPageSize = options.listPageSize ?? 5000
  }

  async put(path: string, bytes: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey(path)
    checkAborted(options.signal)
    const mode = options.mode ?? 'overwrite'
    try {
      const response = await this.client.getBlockBlobClient(path).upload(bytes, bytes.byteLength, {
        ...sdkSignal(options.signal),
        ...(mode === 'create' ? { conditions: { ifNoneMatch: '*' } } : {}),
        ...(typeof mode === 'object' ? { conditions: { ifMatch: mode.update } } : {}),
      })
      return { etag: response.etag }
    } catch (error) {
      const status = statusOf(error)
      if (mode === 'create' && (status === 409 || status === 412)) {
        throw new AlreadyExistsError(path, { cause: error })
      }
      if (typeof mode === 'object' && (status === 412 || status === 404 || status === 409)) {
        throw new PreconditionFailedError(
          path,
          status === 404 ? 'the object does not exist' : 'the etag changed',
          { cause: error },
        )
      }
      throw mapError(error, path)
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    checkKey(path)
    checkAborted(options.signal)
    const range = options.range
    if (range !== undefined) {
      clampRange(Number.MAX_SAFE_INTEGER, range)
      if (range.end !== undefined && range.end <= range.start) {
        return { bytes: new Uint8Array(0), meta: await this.head(path, options) }
      }
    }
    const blob = this.client.getBlobClient(path)
    try {
      const offset = range?.start ?? 0
      const count = range?.end === undefined ? undefined : range.end - offset
      const response = await blob.download(offset, count, sdkSignal(options.signal))
      const bytes = await readAll(response.readableStreamBody)
      const size = totalSize(response.contentRange) ?? response.contentLength ?? bytes.byteLength
      return {
        bytes,
        meta: {
          path,
          size,
          lastModified: response.lastModified?.getTime() ?? 0,
          etag: response.etag,
        },
      }
    } catch (error) {
      // 416: the range starts at or past the end (or the blob is empty).
      if (statusOf(error) === 416)
        return { bytes: new Uint8Array(0), meta: await this.head(path, options) }
      throw mapError(error, path)
    }
  }

  async head(path: string, options: Signalled = {}): Promise<ObjectMeta> {
    checkKey(path)
    checkAborted(options.signal)
    try {
      const properties = await this.client
        .getBlobClient(path)
        .getProperties(sdkSignal(options.signal))
      return {
        path,
        size: properties.contentLength ?? 0,
        lastModified: properties.lastModified?.getTime() ?? 0,
        etag: properties.etag,
      }
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async delete(path: string, options: Signalled = {}): Promise<void> {
    checkKey(path)
    checkAborted(options.signal)
    try {
      await this.client.getBlobClient(path).deleteIfExists(sdkSignal(options.signal))
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async deleteMany(paths: Iterable<string>, options: Signalled = {}): Promise<DeleteManyResult> {
    const all = [...paths].map(checkKey)
    const batches: string[][] = []
    for (let i = 0; i < all.length; i += DELETE_BATCH) batches.push(all.slice(i, i + DELETE_BATCH))
    const batchClient = this.client.getBlobBatchClient()
    await mapConcurrent(batches, 4, async (keys) => {
      checkAborted(options.signal)
      try {
        const response = await batchClient.deleteBlobs(
          keys.map((key) => this.client.getBlobClient(key)),
          sdkSignal(options.signal),
        )
        const failed = response.subResponses.filter((r) => r.status !== 202 && r.status !== 404)
        if (failed.length > 0) {
          const first = failed[0]!
          throw new StorageError(
            `Azure refused to delete ${failed.length} of ${keys.length} blobs (first: HTTP ${first.status} ${first.errorCode ?? ''})`,
            { retryable: first.status >= 500 },
          )
        }
      } catch (error) {
        throw mapError(error, keys[0] ?? '')
      }
    })
    return { deleted: all.length }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    checkPrefix(prefix)
    checkAborted(options.signal)
    const startAfter = options.startAfter
    // startFrom is inclusive and only a lower bound for the first page; keys equal to or
    // before startAfter are filtered here as well, for services that ignore it.
    const startFrom = startAfter !== undefined && startAfter > prefix ? startAfter : undefined
    const pages = this.client
      .listBlobsFlat({
        ...(prefix === '' ? {} : { prefix }),
        ...(startFrom === undefined ? {} : { startFrom }),
        ...sdkSignal(options.signal),
      })
      .byPage({ maxPageSize: this.listPageSize })
    try {
      for await (const page of pages) {
        for (const item of page.segment.blobItems) {
          if (startAfter !== undefined && item.name <= startAfter) continue
          yield {
            path: item.name,
            size: item.properties.contentLength ?? 0,
            lastModified: item.properties.lastModified.getTime(),
            etag: item.properties.etag,
          }
        }
        checkAborted(options.signal)
      }
    } catch (error) {
      throw mapError(error, prefix)
    }
  }
}

function containerClient(options: AzureStoreOptions): ContainerClient {
  const env = options.env ?? process.env
  const connectionString = options.connectionString ?? env.AZURE_STORAGE_CONNECTION_STRING
  if (connectionString !== undefined && options.account === undefined) {
    return BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
      options.container,
    )
  }
  const account = options.account ?? env.AZURE_STORAGE_ACCOUNT_NAME ?? env.AZURE_STORAGE_ACCOUNT
  const endpoint =
    options.endpoint ??
    env.AZURE_STORAGE_ENDPOINT ??
    (account === undefined ? undefined : `https://${account}.blob.core.windows.net`)
  if (endpoint === undefined) {
    throw new InvalidArgumentError(
      'No Azure storage account: pass `account` (or a connection string), or set AZURE_STORAGE_ACCOUNT_NAME or AZURE_STORAGE_CONNECTION_STRING',
    )
  }
  const key = options.accountKey ?? env.AZURE_STORAGE_ACCOUNT_KEY ?? env.AZURE_STORAGE_KEY
  const sas = options.sasToken ?? env.AZURE_STORAGE_SAS_TOKEN
  if (key !== undefined && account !== undefined) {
    return new BlobServiceClient(
      endpoint,
      new StorageSharedKeyCredential(account, key),
    ).getContainerClient(options.container)
  }
  const query = sas === undefined ? '' : `?${sas.replace(/^\?/, '')}`
  return new BlobServiceClient(
    `${endpoint.replace(/\/$/, '')}${query}`,
    new AnonymousCredential(),
  ).getContainerClient(options.container)
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Uint8Array> {
  if (stream === undefined) return new Uint8Array(0)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    chunks.push(buffer)
    size += buffer.byteLength
  }
  const joined = Buffer.concat(chunks, size)
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength)
}

function statusOf(error: unknown): number | undefined {
  const status = (error as AzureError | undefined)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/** Maps an SDK error onto the public errors; our own errors pass through. */
function mapError(error: unknown, path: string): DeltaError {
  if (error instanceof DeltaError) return error
  const e = error as AzureError
  if (e?.name === 'AbortError') return new AbortedError(error)
  const status = statusOf(error)
  const code = e?.code ?? e?.details?.errorCode
  if (status === 404 && code !== 'ContainerNotFound')
    return new NotFoundError(path, { cause: error })
  const retryable = status === undefined || status >= 500 || status === 429
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  return new StorageError(
    `Azure request for ${path} failed${status === undefined ? '' : ` (HTTP ${status}${code ? ` ${code}` : ''})`}: ${message}`,
    { path, retryable },
    { cause: error },
  )
}

/** `bytes 0-9/1234` -> 1234. */
function totalSize(contentRange: string | undefined): number | undefined {
  if (contentRange === undefined) return undefined
  const match = /\/(\d+)$/.exec(contentRange)
  return match === null ? undefined : Number(match[1])
}
