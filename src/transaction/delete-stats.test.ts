import { describe, expect, it } from 'vitest'
import { statsWithDeletionVector } from './delete-stats.js'

describe('statsWithDeletionVector', () => {
  it('sets exact physical numRecords and tightBounds false, keeping every other byte and the order', () => {
    const stats =
      '{"numRecords":3,"minValues":{"a":9007199254740993,"d":12345678901234567890.123456789,"s":"x\\"y"},' +
      '"maxValues":{"a":-1.50E+3,"n":{"b":true}},"nullCount":{"a":0,"l":[1,2]},"tightBounds":true}'
    expect(statsWithDeletionVector(stats, 5)).toBe(
      '{"numRecords":5,"minValues":{"a":9007199254740993,"d":12345678901234567890.123456789,"s":"x\\"y"},' +
        '"maxValues":{"a":-1.50E+3,"n":{"b":true}},"nullCount":{"a":0,"l":[1,2]},"tightBounds":false}',
    )
  })

  it('adds the fields where they are missing: numRecords first, tightBounds last', () => {
    expect(statsWithDeletionVector('{"minValues":{"a":1}}', 10)).toBe(
      '{"numRecords":10,"minValues":{"a":1},"tightBounds":false}',
    )
  })

  it('collapses duplicate keys to one', () => {
    expect(statsWithDeletionVector('{"numRecords":1,"tightBounds":true,"numRecords":2}', 4)).toBe(
      '{"numRecords":4,"tightBounds":false}',
    )
  })

  it.each([undefined, 'not json', '[1,2]'])(
    'starts afresh from missing or malformed stats (%s)',
    (stats) => {
      expect(statsWithDeletionVector(stats, 7)).toBe('{"numRecords":7,"tightBounds":false}')
    },
  )
})
