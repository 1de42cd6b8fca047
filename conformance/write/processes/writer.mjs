// One writer process of the multi-process concurrency proof (concurrency-processes.test.ts).
// It opens the shared table through its own store client, prints {"ready":true}, waits for
// "go" on stdin (so all writers start together), runs its role, and prints its ledger as one
// JSON line: every acknowledged commit (version, txnId, actions, effect on the rows), every
// conflict (what it read, the error's fields), and the fate of every app-transaction batch.
//   node writer.mjs <role> <writer> <ops> <seed>
// Roles (as in ../support/concurrent-writers.ts, which runs the same workload in one process):
// - general: blind appends to its own partition and to `shared`, overwrites of its own
//   partition and of `shared`, deletes of id ranges in `shared`;
// - idempotent: appends with appTransaction (app-<writer>, batch) whose commit put sometimes
//   fails before reaching the store, or lands with its response lost (the writer then retries
//   the batch); some committed batches are replayed, as a restarted job would;
// - sink / transaction: the same stream of batches under one app id, through the sink and
//   through Transaction + setAppTransaction, each skipping what the other already wrote.
import {
  CommitConflictError,
  DeltaTable,
  FaultyStore,
  MaxCommitAttemptsError,
  StorageError,
  writeDataFiles,
} from '../../../dist/index.js'
import { storeFromEnv } from '../../streaming/processes/store.mjs'
import { armFault, rowsTable } from './shared.mjs'

const [role, writerArg, opsArg, seedArg] = process.argv.slice(2)
const writer = Number(writerArg)
const ops = Number(opsArg)
const GENERAL_WRITERS = [0, 1, 2, 3]
const DUP_APP = 'dup-app'
function prng(seed) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 0x1_0000_0000
  }
}
const random = prng(Number(seedArg) * 31 + writer)

function pick(weighted) {
  const total = weighted.reduce((sum, [w]) => sum + w, 0)
  let r = random() * total
  for (const [w, value] of weighted) {
    r -= w
    if (r < 0) return value
  }
  return weighted.at(-1)[1]
}

function generalRows(op, count, part) {
  return Array.from({ length: count }, (_, k) => ({
    id: writer * 100_000 + op * 10 + k,
    part,
    value: `w${writer}-op${op}`,
  }))
}

function dupRows(batch) {
  return [0, 1].map((k) => ({ id: 9_000_000 + batch * 10 + k, part: 'dup', value: `b${batch}` }))
}

const ledger = { writer, role, acks: [], conflicts: [], gaveUp: 0, unchanged: 0, batches: [] }

function acknowledge(commit, effect) {
  ledger.acks.push({
    version: commit.version,
    txnId: commit.txnId,
    actions: commit.actions,
    attempts: commit.attempts,
    effect,
  })
}

/** Records a conflict or an exhausted retry; anything else is a failure of the run. */
function expectedFailure(error, conflict) {
  if (error instanceof CommitConflictError) {
    ledger.conflicts.push({
      ...conflict,
      code: error.code,
      kind: error.kind,
      winningVersion: error.winningVersion,
    })
  } else if (error instanceof MaxCommitAttemptsError) {
    ledger.gaveUp++
  } else {
    throw error
  }
}

async function general(table) {
  const own = `own${writer}`
  let snapshot = await table.snapshot()
  for (let i = 0; i < ops; i++) {
    const kind = pick([
      [4, 'append-own'],
      [3, 'append-shared'],
      [1, 'overwrite-own'],
      [1, 'overwrite-shared'],
      [2, 'delete-shared'],
    ])
    const part = kind.endsWith('-own') ? own : 'shared'
    const count = 1 + Math.floor(random() * 3)
    const [a, b] = [random(), random()]
    snapshot = await snapshot.update()
    try {
      if (kind.startsWith('append')) {
        const rows = generalRows(i, count, part)
        const result = await table.append(rowsTable(rows), { snapshot })
        if (result.status !== 'committed') throw new Error('a plain append was skipped')
        acknowledge(result.commit, { kind: 'append', rows })
      } else if (kind.startsWith('overwrite')) {
        const rows = generalRows(i, count, part)
        const result = await table.overwrite(rowsTable(rows), {
          snapshot,
          replaceWhere: `part = '${part}'`,
        })
        if (result.status !== 'committed') throw new Error('an overwrite was skipped')
        acknowledge(result.commit, { kind: 'replace', part, rows })
      } else {
        // Ids of writer w's op i are w * 100_000 + i * 10 + k: a range over op numbers selects
        // some shared rows of every general writer.
        const from = Math.floor(Math.min(a, b) * ops) * 10
        const to = Math.ceil(Math.max(a, b) * ops) * 10
        const ranges = GENERAL_WRITERS.map(
          (w) => `(id >= ${w * 100_000 + from} AND id < ${w * 100_000 + to})`,
        ).join(' OR ')
        const result = await table.delete(`part = 'shared' AND (${ranges})`, { snapshot })
        if (result.status === 'committed') {
          acknowledge(result.commit, { kind: 'delete', from, to })
        } else {
          ledger.unchanged++
        }
      }
    } catch (error) {
      expectedFailure(error, { op: i, opKind: kind, readVersion: snapshot.version, readPart: part })
    }
  }
}

async function idempotent(table, faulty) {
  const appId = `app-${writer}`
  let snapshot = await table.snapshot()
  for (let batch = 0; batch < ops; batch++) {
    const fault = pick([
      [2, 'none'],
      [1, 'lost-response'],
      [1, 'failed-put'],
    ])
    const replay = random() < 0.25
    const rows = generalRows(batch, 2, `app${writer}`)
    const write = async () => {
      snapshot = await snapshot.update()
      try {
        return await table.append(rowsTable(rows), {
          snapshot,
          appTransaction: { appId, version: batch },
        })
      } catch (error) {
        expectedFailure(error, {
          op: batch,
          opKind: 'app-append',
          readVersion: snapshot.version,
          appId,
        })
        return { status: 'failed' }
      }
    }
    const record = { batch, fault, rows, outcomes: [] }
    ledger.batches.push(record)
    const note = (result) => {
      record.outcomes.push(result.status)
      if (result.status === 'committed') acknowledge(result.commit, { kind: 'append', rows })
    }
    const disarm = armFault(faulty, fault)
    try {
      note(await write())
    } catch (error) {
      if (!(error instanceof StorageError) || fault !== 'lost-response') throw error
      record.outcomes.push('error')
    } finally {
      disarm()
    }
    // Retry until the batch is known to be in the table: after an error it may or may not be.
    while (record.outcomes.at(-1) !== 'committed' && record.outcomes.at(-1) !== 'skipped') {
      note(await write())
    }
    // A restarted job replays its last batch: it must be skipped.
    if (replay) note(await write())
  }
}

async function sinkWriter(table) {
  const sink = table.sink(DUP_APP)
  for (let batch = 0; batch < ops; batch++) {
    const rows = dupRows(batch)
    const result = await sink.write(batch, rowsTable(rows))
    ledger.batches.push({ batch, rows, outcomes: [result.status] })
    if (result.status === 'committed') {
      ledger.acks.push({ version: result.version, effect: { kind: 'append', rows } })
    }
  }
}

/** The same stream through the Transaction API: write files, set the app transaction, commit. */
async function transactionWriter(table) {
  let snapshot = await table.snapshot()
  for (let batch = 0; batch < ops; batch++) {
    const rows = dupRows(batch)
    const record = { batch, rows, outcomes: [] }
    ledger.batches.push(record)
    for (;;) {
      snapshot = await snapshot.update()
      const done = snapshot.appTransactionVersion(DUP_APP)
      if (done !== undefined && done >= batch) {
        record.outcomes.push('skipped')
        break
      }
      const files = await writeDataFiles(table.store, snapshot, rowsTable(rows))
      const transaction = await table.startTransaction({
        snapshot,
        operation: 'WRITE',
        operationParameters: { mode: 'Append', partitionBy: '["part"]' },
      })
      for (const add of files.adds) transaction.addFile(add)
      transaction.setAppTransaction(DUP_APP, batch)
      try {
        const commit = await transaction.commit()
        record.outcomes.push('committed')
        acknowledge(commit, { kind: 'append', rows })
        break
      } catch (error) {
        expectedFailure(error, {
          op: batch,
          opKind: 'app-transaction',
          readVersion: snapshot.version,
          appId: DUP_APP,
        })
        record.outcomes.push('conflict')
        // Nothing was committed: the files are ours to delete.
        await table.store.deleteMany(files.adds.map((add) => decodeURIComponent(add.path)))
      }
    }
  }
}

const { store, close } = storeFromEnv()
try {
  const faulty = new FaultyStore(store)
  const table = await DeltaTable.open(store.url, { store: role === 'idempotent' ? faulty : store })
  console.log(JSON.stringify({ ready: true }))
  await new Promise((resolve) => process.stdin.once('data', resolve))
  process.stdin.destroy()
  if (role === 'general') await general(table)
  else if (role === 'idempotent') await idempotent(table, faulty)
  else if (role === 'sink') await sinkWriter(table)
  else if (role === 'transaction') await transactionWriter(table)
  else throw new Error(`unknown role ${role}`)
  console.log(JSON.stringify(ledger))
} finally {
  close()
}
