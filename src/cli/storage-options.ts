/**
 * Storage options from flags, on top of the environment. The stores themselves read the usual
 * variables (`AWS_*`, `AZURE_STORAGE_*`) from the `env` passed here, so a flag only needs to
 * override; nothing is copied out of the environment by hand.
 */
import type { StorageOptions } from '../storage/url.js'
import type { ParsedArgs } from './args.js'
import { UsageError } from './exit-codes.js'

export function storageOptionsFrom(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
): StorageOptions {
  const keyId = args.string('access-key-id')
  const secret = args.string('secret-access-key')
  if ((keyId === undefined) !== (secret === undefined)) {
    throw new UsageError(
      '--access-key-id and --secret-access-key go together (or leave both to AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
      args.command,
    )
  }
  const token = args.string('session-token')
  const endpoint = args.string('endpoint')
  const region = args.string('region')
  return {
    s3: {
      env,
      ...(region === undefined ? {} : { region }),
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(args.flag('path-style') ? { forcePathStyle: true } : {}),
      ...(keyId === undefined || secret === undefined
        ? {}
        : {
            credentials: {
              accessKeyId: keyId,
              secretAccessKey: secret,
              ...(token === undefined ? {} : { sessionToken: token }),
            },
          }),
    },
    azure: {
      env,
      ...optional('account', args.string('account')),
      ...optional('accountKey', args.string('account-key')),
      ...optional('sasToken', args.string('sas-token')),
      ...optional('connectionString', args.string('connection-string')),
      ...optional('endpoint', endpoint),
    },
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
