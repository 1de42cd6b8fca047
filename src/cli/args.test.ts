import { describe, expect, it } from 'vitest'
import { COMMON_OPTIONS, parseCommandArgs, type OptionSpecs } from './args.js'
import { UsageError } from './exit-codes.js'

const specs: OptionSpecs = {
  ...COMMON_OPTIONS,
  limit: { type: 'string', value: 'N', description: 'limit' },
  'retention-hours': { type: 'string', value: 'H', description: 'hours' },
  format: { type: 'string', value: 'F', description: 'format' },
  execute: { type: 'boolean', description: 'execute' },
}

function usage(argv: string[]): UsageError {
  try {
    const args = parseCommandArgs('vacuum', argv, specs)
    args.integer('limit', 1)
    args.number('retention-hours', 0)
    args.choice('format', ['table', 'jsonl'])
  } catch (error) {
    if (error instanceof UsageError) return error
    throw error
  }
  throw new Error('expected a usage error')
}

describe('parseCommandArgs', () => {
  it('reads positionals, flags and typed values', () => {
    const args = parseCommandArgs(
      'vacuum',
      ['t', '--limit', '5', '--retention-hours=1.5', '--execute', '--format', 'JSONL'],
      specs,
    )
    expect(args.positionals).toEqual(['t'])
    expect(args.integer('limit', 1)).toBe(5)
    expect(args.number('retention-hours', 0)).toBe(1.5)
    expect(args.flag('execute')).toBe(true)
    expect(args.flag('debug')).toBe(false)
    expect(args.choice('format', ['table', 'jsonl'])).toBe('jsonl')
    expect(args.integer('missing')).toBeUndefined()
  })

  it('rejects unknown options with a suggestion, naming the command for help', () => {
    const error = usage(['t', '--retention-hour', '1'])
    expect(error.message).toContain('--retention-hours')
    expect(error.command).toBe('vacuum')
  })

  it('rejects malformed numbers, values below the minimum and unknown choices', () => {
    expect(usage(['--limit', 'ten']).message).toContain('--limit')
    expect(usage(['--limit', '1.5']).message).toContain('integer')
    expect(usage(['--limit', '0']).message).toContain('at least 1')
    expect(usage(['--retention-hours=-1']).message).toContain('at least 0')
    expect(usage(['--format', 'xml']).message).toContain('table, jsonl')
  })

  it('rejects a value given to a boolean flag and a missing value', () => {
    expect(usage(['--execute=yes']).message).toContain('takes no value')
    expect(usage(['--limit']).message).toContain('needs a value')
  })
})
