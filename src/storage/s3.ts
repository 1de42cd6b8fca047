import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import {
  AbortedError,
  AlreadyExistsError,
  DeltaError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
} from '../errors.js'
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

export interface S3StoreOptions {
  readonly bucket: string
  /** A ready client; when given, the connection options below are ignored. */
  readonly client?: S3Client
  /** Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`, then `us-east-1`. */
  readonly region?: string
  /** For S3-compatible servers. Default: `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL`. */
  readonly endpoint?: string
  /** Path-style addressing. Default: `AWS_S3_FORCE_PATH_STYLE`, else true with a custom endpoint. */
  readonly forcePathStyle?: boolean
  /** Default: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, else the SDK chain. */
  readonly credentials?: {
    readonly accessKeyId: string
    readonly secretAccessKey: string
    readonly sessionToken?: string
  }
  /** Where the defaults above are read from. Default: `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Keys per listing request (S3 caps it at 1000). Default 1000. */
  readonly listPageSize?: number
}

/** S3 deletes at most 1000 keys per DeleteObjects request. */
const DELETE_BATCH = 1000
/** A 409 on a conditional PUT means another conditional write is in flight: AWS says retry. */
const CONFLICT_RETRIES = 5

/**
 * Amazon S3 and S3-compatible servers.
 *
 * Put-if-absent is `PutObject` with `If-None-Match: *` (S3 answers 412 when the key exists),
 * supported by AWS since August 2024 and by Ceph radosgw, MinIO and R2. A server that ignores
 * the header would silently overwrite; the conformance suite's race test catches that.
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3'
  readonly url: string
  readonly capabilities: StoreCapabilities = {
    putIfAbsent: true,
    conditionalUpdate: true,
    deleteBatchSize: DELETE_BATCH,
    listOrder: 'utf8',
    listCost: 'round-trip',
  }
  readonly client: S3Client
  private readonly bucket: string
  private readonly listPageSize: number

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket
    this.listPageSize = options.listPageSize ?? 1000
    this.url = `s3://${options.bucket}/`
    this.client = options.client ?? new S3Client(clientConfig(options))
  }

  async put(path: string, bytes: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey(path)
    checkAborted(options.signal)
    const mode = options.mode ?? 'overwrite'
    const send = (ifMatch?: string) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: path,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ...(mode === 'create' ? { IfNoneMatch: '*' } : {}),
          ...(ifMatch === undefined ? {} : { IfMatch: ifMatch }),
        }),
        sdkSignal(options.signal),
      )
    for (let attempt = 0; ; attempt++) {
      try {
        const ifMatch = typeof mode === 'object' ? quoteEtag(mode.update) : undefined
        const response = await send(ifMatch)
        return { etag: unquoteEtag(response.ETag) }
      } catch (error) {
        const status = httpStatus(error)
        if (mode === 'create') {
          if (status === 412) throw new AlreadyExistsError(path, { cause: error })
          if (status === 409 && attempt < CONFLICT_RETRIES) {
            await pause(10 * 2 ** attempt, options.signal)
            continue
          }
        } else if (
          typeof mode === 'object' &&
          (status === 412 || status === 409 || status === 404)
        ) {
          // radosgw rejects a quoted etag in If-Match even when it matches; AWS accepts both.
          // When the object still carries our etag, the 412 was that quirk: try unquoted.
          if (
            status === 412 &&
            attempt === 0 &&
            (await this.etagMatches(path, mode.update, options))
          ) {
            try {
              const response = await send(mode.update)
              return { etag: unquoteEtag(response.ETag) }
            } catch (retryError) {
              if (httpStatus(retryError) === 412) {
                throw new PreconditionFailedError(path, 'the etag changed', { cause: retryError })
              }
              throw mapError(retryError, path)
            }
          }
          throw new PreconditionFailedError(
            path,
            status === 404 ? 'the object does not exist' : 'the etag changed',
            { cause: error },
          )
        }
        throw mapError(error, path)
      }
    }
  }

  async get(path: string, options: GetOptions = {}): Promise<GetResult> {
    checkKey(path)
    checkAborted(options.signal)
    const range = options.range
    if (range !== undefined) {
      // Validate before sending; S3 cannot express an empty range, so answer it from HEAD.
      clampRange(Number.MAX_SAFE_INTEGER, range)
      if (range.end !== undefined && range.end <= range.start) {
        return { bytes: new Uint8Array(0), meta: await this.head(path, options) }
      }
    }
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: path,
          ...(range === undefined
            ? {}
            : { Range: `bytes=${range.start}-${range.end === undefined ? '' : range.end - 1}` }),
        }),
        sdkSignal(options.signal),
      )
      const bytes =
        response.Body === undefined ? new Uint8Array(0) : await response.Body.transformToByteArray()
      const size = totalSize(response.ContentRange) ?? response.ContentLength ?? bytes.byteLength
      return {
        bytes,
        meta: {
          path,
          size,
          lastModified: response.LastModified?.getTime() ?? 0,
          etag: unquoteEtag(response.ETag),
        },
      }
    } catch (error) {
      // 416: the range starts at or past the end (or the object is empty).
      if (httpStatus(error) === 416)
        return { bytes: new Uint8Array(0), meta: await this.head(path, options) }
      throw mapError(error, path)
    }
  }

  async head(path: string, options: Signalled = {}): Promise<ObjectMeta> {
    checkKey(path)
    checkAborted(options.signal)
    try {
      const response = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: path }),
        {
          ...sdkSignal(options.signal),
        },
      )
      return {
        path,
        size: response.ContentLength ?? 0,
        lastModified: response.LastModified?.getTime() ?? 0,
        etag: unquoteEtag(response.ETag),
      }
    } catch (error) {
      throw mapError(error, path)
    }
  }

  async delete(path: string, options: Signalled = {}): Promise<void> {
    checkKey(path)
    checkAborted(options.signal)
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: path }), {
        ...sdkSignal(options.signal),
      })
    } catch (error) {
      if (httpStatus(error) === 404) return
      throw mapError(error, path)
    }
  }

  async deleteMany(paths: Iterable<string>, options: Signalled = {}): Promise<DeleteManyResult> {
    let deleted = 0
    let batch: string[] = []
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      checkAborted(options.signal)
      const keys = batch
      batch = []
      try {
        const response = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
          sdkSignal(options.signal),
        )
        const failed = (response.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey')
        if (failed.length > 0) {
          const first = failed[0]!
          throw new StorageError(
            `S3 refused to delete ${failed.length} of ${keys.length} objects (first: ${first.Key ?? '?'}: ${first.Code ?? '?'} ${first.Message ?? ''})`,
            {
              path: first.Key,
              retryable: first.Code === 'InternalError' || first.Code === 'SlowDown',
            },
          )
        }
        deleted += keys.length
      } catch (error) {
        throw mapError(error, keys[0] ?? '')
      }
    }
    for (const path of paths) {
      batch.push(checkKey(path))
      if (batch.length >= DELETE_BATCH) await flush()
    }
    await flush()
    return { deleted }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncIterable<ObjectMeta> {
    checkPrefix(prefix)
    let continuationToken: string | undefined
    do {
      checkAborted(options.signal)
      let response
      try {
        response = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(continuationToken === undefined
              ? options.startAfter === undefined
                ? {}
                : { StartAfter: options.startAfter }
              : { ContinuationToken: continuationToken }),
          }),
          sdkSignal(options.signal),
        )
      } catch (error) {
        throw mapError(error, prefix)
      }
      for (const object of response.Contents ?? []) {
        if (object.Key === undefined) continue
        yield {
          path: object.Key,
          size: object.Size ?? 0,
          lastModified: object.LastModified?.getTime() ?? 0,
          etag: unquoteEtag(object.ETag),
        }
      }
      continuationToken = response.IsTruncated === true ? response.NextContinuationToken : undefined
    } while (continuationToken !== undefined)
  }

  private async etagMatches(path: string, etag: string, options: Signalled): Promise<boolean> {
    try {
      return (await this.head(path, options)).etag === unquoteEtag(etag)
    } catch {
      return false
    }
  }
}

function clientConfig(options: S3StoreOptions): S3ClientConfig {
  const env = options.env ?? process.env
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL
  const pathStyleEnv = env.AWS_S3_FORCE_PATH_STYLE
  const forcePathStyle =
    options.forcePathStyle ??
    (pathStyleEnv === undefined ? endpoint !== undefined : pathStyleEnv.toLowerCase() === 'true')
  const accessKeyId = env.AWS_ACCESS_KEY_ID
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY
  const sessionToken = env.AWS_SESSION_TOKEN
  const credentials =
    options.credentials ??
    (accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) }
      : undefined)
  return {
    region: options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
  }
}

function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : ''
}

/** Maps an SDK error onto the public errors; our own errors pass through. */
function mapError(error: unknown, path: string): DeltaError {
  if (error instanceof DeltaError) return error
  const name = errorName(error)
  if (name === 'AbortError') return new AbortedError(error)
  const status = httpStatus(error)
  if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') {
    if (name === 'NoSuchBucket') {
      return new StorageError(
        `S3 bucket does not exist (reading ${path})`,
        { path },
        { cause: error },
      )
    }
    return new NotFoundError(path, { cause: error })
  }
  const retryable =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    name === 'SlowDown' ||
    name === 'TimeoutError'
  const message = error instanceof Error ? error.message : String(error)
  return new StorageError(
    `S3 request for ${path} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${name ? `${name}: ` : ''}${message}`,
    { path, retryable },
    { cause: error },
  )
}

function unquoteEtag(etag: string | undefined): string | undefined {
  if (etag === undefined) return undefined
  return etag.startsWith('"') && etag.endsWith('"') && etag.length >= 2 ? etag.slice(1, -1) : etag
}

function quoteEtag(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`
}

/** `bytes 0-9/1234` -> 1234. */
function totalSize(contentRange: string | undefined): number | undefined {
  if (contentRange === undefined) return undefined
  const match = /\/(\d+)$/.exec(contentRange)
  return match === null ? undefined : Number(match[1])
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(signal.reason))
      return
    }
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(new AbortedError(signal.reason))
      },
      { once: true },
    )
  })
}
