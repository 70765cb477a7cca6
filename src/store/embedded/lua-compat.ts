// Shapes a fresh fengari state like Redis' scripting sandbox: only the libraries Redis loads, the Lua 5.1
// names scripts may use (unpack, loadstring, math.pow, table.getn), a 5.1 string.format "%d", read-only globals.
import type { LuaState } from 'fengari'
import { fengari } from './lua-vm.js'
import { formatC } from './c-format.js'
import { toBinary } from './replies.js'

const { lua, lauxlib, lualib } = fengari
const toLuaString = fengari.to_luastring

/** Runs trusted setup code in the state; a failure here is a bug in this file, so it throws. */
export function runLua (L: LuaState, code: string): void {
  if (lauxlib.luaL_loadbuffer(L, toLuaString(code), null, '=embedded-store') !== lua.LUA_OK ||
    lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
    throw new Error(`embedded store Lua setup failed: ${String(fengari.to_jsstring(lua.lua_tolstring(L, -1) ?? toLuaString('?')))}`)
  }
}

export function openLibraries (L: LuaState): void {
  lauxlib.luaL_requiref(L, '_G', lualib.luaopen_base, true)
  lauxlib.luaL_requiref(L, 'coroutine', lualib.luaopen_coroutine, true)
  lauxlib.luaL_requiref(L, 'table', lualib.luaopen_table, true)
  lauxlib.luaL_requiref(L, 'string', lualib.luaopen_string, true)
  lauxlib.luaL_requiref(L, 'math', lualib.luaopen_math, true)
  lua.lua_settop(L, 0)
  runLua(L, `
    dofile, loadfile = nil, nil
    unpack = table.unpack
    loadstring = load
    math.pow = function (x, y) return x ^ y end
    table.getn = function (t) return #t end
  `)
  installFormat(L)
}

/** Redis 7 refuses new globals and reads of missing ones; run last, after every global is in place. */
export function protectGlobals (L: LuaState): void {
  runLua(L, `
    local error, tostring = error, tostring
    setmetatable(_G, {
      __index = function (_, name)
        error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
      end,
      __newindex = function () error('Attempt to modify a readonly table', 2) end,
      __metatable = false
    })
  `)
}

const conversion = /%(?:%|([-+ #0]*)(\d*)(?:\.(\d*))?([a-zA-Z]))/g
const numeric = /^[dieEfFgG]$/

/** Wraps string.format: each numeric conversion of a number is rendered by formatC and handed on as "%s". */
function installFormat (L: LuaState): void {
  lua.lua_getglobal(L, 'string')
  lua.lua_getfield(L, -1, 'format')
  const original = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX)
  lua.lua_pushjsfunction(L, (state: LuaState) => {
    const top = lua.lua_gettop(state)
    const replaced = new Map<number, string>()
    let format: string | undefined
    if (lua.lua_type(state, 1) === lua.LUA_TSTRING) {
      let argument = 1
      format = toBinary(lua.lua_tolstring(state, 1) as Uint8Array).replace(conversion, (spec: string, ...parts: Array<string | undefined>) => {
        const [flags = '', width = '', precision, kind] = parts
        if (kind === undefined) return spec // "%%"
        argument++
        if (!numeric.test(kind) || argument > top || lua.lua_type(state, argument) !== lua.LUA_TNUMBER) return spec
        const options = { flags, width: Number(width), precision: precision === undefined ? undefined : Number(precision) }
        replaced.set(argument, formatC(kind, lua.lua_tonumber(state, argument), options))
        return '%s'
      })
    }
    lua.lua_rawgeti(state, lua.LUA_REGISTRYINDEX, original)
    for (let i = 1; i <= top; i++) {
      const text = i === 1 && format !== undefined ? format : replaced.get(i)
      if (text === undefined) lua.lua_pushvalue(state, i)
      else lua.lua_pushstring(state, Buffer.from(text, 'latin1'))
    }
    lua.lua_call(state, top, 1)
    return 1
  })
  lua.lua_setfield(L, -2, 'format')
  lua.lua_settop(L, 0)
}
