// Converts between Redis replies and Lua values exactly as Redis' scripting engine does (RESP2):
// integer <-> number (truncated), bulk <-> string, nil -> false, status <-> {ok=}, error <-> {err=}.
import type { LuaState } from 'fengari'
import { fengari } from './lua-vm.js'
import { Status, replyError, toBinary, type Reply } from './replies.js'

const { lua, lauxlib } = fengari

const INT64_LIMIT = 2 ** 63

export function pushString (L: LuaState, value: string): void {
  lua.lua_pushstring(L, Buffer.from(value, 'latin1'))
}

function pushField (L: LuaState, field: 'ok' | 'err', value: string): void {
  lua.lua_createtable(L, 0, 1)
  pushString(L, value)
  lua.lua_setfield(L, -2, field)
}

/** Pushes a Redis reply as the Lua value redis.call returns for it. */
export function pushReply (L: LuaState, reply: Reply): void {
  lauxlib.luaL_checkstack(L, 4, 'reply nested too deeply')
  if (typeof reply === 'string') pushString(L, reply)
  // Lua 5.1 has only doubles; fengari's own integers are 32-bit (see lua-vm.ts)
  else if (typeof reply === 'number') lua.lua_pushnumber(L, reply)
  else if (reply === null) lua.lua_pushboolean(L, false)
  else if (reply instanceof Status) pushField(L, 'ok', reply.value)
  else if (reply instanceof Error) pushField(L, 'err', reply.message)
  else {
    lua.lua_createtable(L, reply.length, 0)
    reply.forEach((item, index) => {
      pushReply(L, item)
      lua.lua_rawseti(L, -2, index + 1)
    })
  }
}

/** Reads a Lua string as a binary string; numbers are converted by the caller. */
export function readString (L: LuaState, index: number): string {
  return toBinary(lua.lua_tolstring(L, index) as Uint8Array)
}

/** A string field of the table at `index`, or undefined. */
function stringField (L: LuaState, index: number, field: string): string | undefined {
  lua.lua_pushstring(L, field)
  const type = lua.lua_rawget(L, index < 0 ? index - 1 : index)
  const value = type === lua.LUA_TSTRING ? readString(L, -1) : undefined
  lua.lua_settop(L, -2)
  return value
}

/** Redis casts a Lua number to long long: truncation, and LLONG_MIN for what does not fit (as x86 does). */
function toInteger (n: number): number {
  if (!(n > -INT64_LIMIT && n < INT64_LIMIT)) return -INT64_LIMIT
  return Math.trunc(n) + 0
}

/**
 * Converts the Lua value at `index` into the reply the script gives. A table with a string `err` becomes an
 * Error (the caller throws it at top level; nested, it stays an element, as ioredis hands it back).
 */
export function toReply (L: LuaState, index: number): Reply {
  lauxlib.luaL_checkstack(L, 4, 'reply nested too deeply')
  const type = lua.lua_type(L, index)
  if (type === lua.LUA_TSTRING) return readString(L, index)
  if (type === lua.LUA_TNUMBER) return toInteger(lua.lua_tonumber(L, index))
  if (type === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, index) ? 1 : null
  if (type !== lua.LUA_TTABLE) return null
  const err = stringField(L, index, 'err')
  if (err !== undefined) return replyError(err)
  const ok = stringField(L, index, 'ok')
  if (ok !== undefined) return new Status(ok)
  const items: Reply[] = []
  const table = index < 0 ? lua.lua_gettop(L) + index + 1 : index
  for (let i = 1; lua.lua_rawgeti(L, table, i) !== lua.LUA_TNIL; i++) {
    items.push(toReply(L, -1))
    lua.lua_settop(L, -2)
  }
  lua.lua_settop(L, -2)
  return items
}
