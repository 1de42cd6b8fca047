/**
 * Where the real servers of the conformance suite are, as the global setup found or started
 * them. Tests read this through vitest's `inject('servers')`.
 */
export interface S3Server {
  readonly endpoint: string
  readonly accessKeyId: string
  readonly secretAccessKey: string
  /** e.g. "Ceph radosgw 16.2.15" */
  readonly description: string
}

export interface AzureServer {
  readonly connectionString: string
  /** e.g. "Azurite 3.37.0" */
  readonly description: string
}

export interface TestServers {
  readonly s3: S3Server | undefined
  readonly azure: AzureServer | undefined
  /** Why a server is missing, for skip messages. */
  readonly missing: Readonly<Record<string, string>>
  /** The shared Delta corpus, or undefined when absent. */
  readonly corpus: string | undefined
}

declare module 'vitest' {
  export interface ProvidedContext {
    servers: TestServers
  }
}

/** Reads server coordinates from `DELTA_TEST_*` variables (as written to .tmp/servers.env). */
export function serversFromEnv(env: Readonly<Record<string, string | undefined>>): {
  s3: S3Server | undefined
  azure: AzureServer | undefined
} {
  const s3 =
    env.DELTA_TEST_S3_ENDPOINT !== undefined
      ? {
          endpoint: env.DELTA_TEST_S3_ENDPOINT,
          accessKeyId: env.DELTA_TEST_S3_ACCESS_KEY ?? '',
          secretAccessKey: env.DELTA_TEST_S3_SECRET_KEY ?? '',
          description: env.DELTA_TEST_S3_SERVER ?? `S3 at ${env.DELTA_TEST_S3_ENDPOINT}`,
        }
      : undefined
  const azure =
    env.DELTA_TEST_AZURE_CONNECTION_STRING !== undefined
      ? {
          connectionString: env.DELTA_TEST_AZURE_CONNECTION_STRING,
          description: env.DELTA_TEST_AZURE_SERVER ?? 'Azure Blob',
        }
      : undefined
  return { s3, azure }
}

/** Parses a KEY=VALUE file (values may contain '='). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq <= 0 || line.startsWith('#')) continue
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return out
}
