// Loads fengari (Lua 5.3 in JS) and gives it the number model of Redis' Lua 5.1, where every number is a
// double: fengari's integers are 32-bit and wrap (1700000000 * 1000 < 0), and 5.3 prints 10/2 as "5.0".
import { createRequire } from 'node:module'
import type * as Fengari from 'fengari'
import { formatC } from './c-format.js'

const require = createRequire(import.meta.url)

export const fengari = require('fengari') as typeof Fengari

const patched = Symbol.for('payment-service.embedded-store.lua-5.1-numbers')

interface TValue {
  value: number
  ttisinteger (): boolean
  setfltvalue (n: number): void
  setsvalue (s: unknown): void
}

interface LObject {
  luaO_str2num (s: Uint8Array, o: TValue): number
  luaO_tostring (L: unknown, o: TValue): void
  luaO_pushvfstring (L: unknown, fmt: Uint8Array, argp: unknown[]): Uint8Array
  [patched]?: true
}

/** Lua 5.1's LUA_NUMBER_FMT, "%.14g". */
const LUA_NUMBER_FORMAT = { flags: '', width: 0, precision: 14 }

const hexNumeral = /^\s*(-?)0[xX]([0-9a-fA-F]+)\s*$/

/**
 * fengari reads every numeral (in source, tonumber, string coercion) through lobject.luaO_str2num and
 * formats numbers through lobject.luaO_tostring (concatenation, lua_tolstring) or luaO_pushvfstring "%f"
 * (tostring, string.format's %s), all looked up on the module object at call time: wrapping them makes
 * every parsed number a double and prints doubles with "%.14g" (no ".0"), as 5.1 does.
 */
function useLua51Numbers (): void {
  const lobject = require('fengari/src/lobject.js') as LObject
  if (lobject[patched] === true) return
  const lstring = require('fengari/src/lstring.js') as { luaS_bless (L: unknown, s: Uint8Array): unknown }
  const str2num = lobject.luaO_str2num
  const tostring = lobject.luaO_tostring
  lobject.luaO_str2num = (s, o) => {
    const size = str2num(s, o)
    if (size !== 0 && o.ttisinteger()) {
      // fengari wraps hexadecimal numerals at 32 bits; 5.1 reads them as doubles
      const hex = hexNumeral.exec(Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('latin1'))
      const value = hex === null ? o.value : Number.parseInt(hex[1] + hex[2], 16)
      o.setfltvalue(value)
    }
    return size
  }
  lobject.luaO_tostring = (L, o) => {
    if (o.ttisinteger()) tostring(L, o)
    else o.setsvalue(lstring.luaS_bless(L, fengari.to_luastring(formatC('g', o.value, LUA_NUMBER_FORMAT))))
  }
  const pushvfstring = lobject.luaO_pushvfstring
  const percentS = fengari.to_luastring('%s')
  lobject.luaO_pushvfstring = (L, fmt, argp) => {
    if (fmt.length === 2 && fmt[0] === 37 && fmt[1] === 102) { // exactly "%f": luaL_tolstring of a float
      return pushvfstring(L, percentS, [fengari.to_luastring(formatC('g', argp[0] as number, LUA_NUMBER_FORMAT))])
    }
    return pushvfstring(L, fmt, argp)
  }
  lobject[patched] = true
}

useLua51Numbers()
