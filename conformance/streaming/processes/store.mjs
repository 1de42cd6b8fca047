// The table's store in a child process, built from the coordinates the test passes in the
// environment: each process makes its own S3 or Azure client, as separate machines would.
import { fileURLToPath } from 'node:url'
import { S3Client } from '@aws-sdk/client-s3'
import { BlobServiceClient } from '@azure/storage-blob'
import { AzureStore } from '../../../dist/storage/azure.js'
import { LocalStore } from '../../../dist/storage/local.js'
import { S3Store } from '../../../dist/storage/s3.js'

/** `{ store, close }` for STREAM_TABLE_URL (file:, s3: or az:). */
export function storeFromEnv(env = process.env) {
  const url = new URL(env.STREAM_TABLE_URL)
  switch (url.protocol) {
    case 'file:':
      return { store: new LocalStore(fileURLToPath(url), { fsync: false }), close: () => {} }
    case 's3:': {
      const client = new S3Client({
        endpoint: env.STREAM_S3_ENDPOINT,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: env.STREAM_S3_ACCESS_KEY,
          secretAccessKey: env.STREAM_S3_SECRET_KEY,
        },
      })
      return { store: new S3Store({ bucket: url.host, client }), close: () => client.destroy() }
    }
    case 'az:': {
      const service = BlobServiceClient.fromConnectionString(env.STREAM_AZURE_CONNECTION_STRING)
      const client = service.getContainerClient(url.host)
      return { store: new AzureStore({ container: url.host, client }), close: () => {} }
    }
    default:
      throw new Error(`no store for ${url.href}`)
  }
}
