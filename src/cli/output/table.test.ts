import { describe, expect, it } from 'vitest'
import { makeStyle, stripAnsi } from './style.js'
import { oneLine, renderKeyValues, renderTable } from './table.js'

const plain = makeStyle(false)

describe('renderTable', () => {
  it('pads columns to their widest cell and aligns numbers right', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'SIZE', align: 'right' }],
      [
        ['a', '1 B'],
        ['longer', '10.0 KiB'],
      ],
      plain,
    )
    expect(text).toBe(['NAME        SIZE', 'a            1 B', 'longer  10.0 KiB', ''].join('\n'))
  })

  it('fits a terminal width by narrowing the widest column, marking cuts with …', () => {
    const long = 'x'.repeat(100)
    const text = renderTable([{ header: 'ID' }, { header: 'PATH' }], [['1', long]], plain, {
      width: 40,
    })
    const lines = text.trimEnd().split('\n')
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40)
    expect(lines[1]).toMatch(/…$/)
  })

  it('keeps whole values when piped (no width), except per-column limits', () => {
    const long = 'y'.repeat(100)
    expect(renderTable([{ header: 'P' }], [[long]], plain)).toContain(long)
    expect(renderTable([{ header: 'P', maxWidth: 10 }], [[long]], plain)).toContain('yyyyyyyyy…')
  })

  it('escapes control characters in cells so that data cannot drive the terminal', () => {
    expect(oneLine('a\nb\tc\x1b[31m')).toBe('a\\nb\\tc\\x1b[31m')
    const text = renderTable([{ header: 'V' }], [['\x1b[2J']], makeStyle(true))
    expect(stripAnsi(text)).toContain('\\x1b[2J')
    expect(text).not.toContain('\x1b[2J')
  })

  it('colours headers only when the style is enabled', () => {
    expect(renderTable([{ header: 'H' }], [['v']], makeStyle(true))).toContain('\x1b[1mH')
    expect(renderTable([{ header: 'H' }], [['v']], plain)).not.toContain('\x1b[')
  })
})

describe('renderKeyValues', () => {
  it('aligns values after the longest key and continues multi-line values under them', () => {
    const text = renderKeyValues(
      [
        ['id', '1'],
        ['properties', 'a = 1\nb = 2'],
      ],
      plain,
    )
    expect(text).toBe(
      ['  id          1', '  properties  a = 1', '              b = 2', ''].join('\n'),
    )
  })
})
