// Minimal types for fengari 0.1.5 (pure-JS Lua 5.3), covering only what the embedded store uses.
// fengari ships no declarations; its Lua strings are byte arrays (Uint8Array).
declare module 'fengari' {
  export interface LuaState { readonly __luaState: unique symbol }
  export type LuaString = Uint8Array
  export type LuaJsFunction = (L: LuaState) => number

  export interface LuaDebug {
    source: LuaString | null
    currentline: number
  }

  export interface Lua {
    readonly LUA_OK: number
    readonly LUA_MULTRET: number
    readonly LUA_REGISTRYINDEX: number
    readonly LUA_TNIL: number
    readonly LUA_TBOOLEAN: number
    readonly LUA_TNUMBER: number
    readonly LUA_TSTRING: number
    readonly LUA_TTABLE: number
    readonly LUA_MASKCOUNT: number
    readonly lua_Debug: new () => LuaDebug
    lua_close (L: LuaState): void
    lua_gettop (L: LuaState): number
    lua_settop (L: LuaState, index: number): void
    lua_pushvalue (L: LuaState, index: number): void
    lua_type (L: LuaState, index: number): number
    lua_toboolean (L: LuaState, index: number): boolean
    lua_tonumber (L: LuaState, index: number): number
    lua_tolstring (L: LuaState, index: number): LuaString | null
    lua_pushnil (L: LuaState): void
    lua_pushnumber (L: LuaState, n: number): void
    lua_pushboolean (L: LuaState, b: boolean): void
    lua_pushstring (L: LuaState, s: LuaString | string): LuaString
    lua_pushjsfunction (L: LuaState, fn: LuaJsFunction): void
    lua_createtable (L: LuaState, narr: number, nrec: number): void
    lua_rawgeti (L: LuaState, index: number, n: number): number
    lua_rawseti (L: LuaState, index: number, n: number): void
    lua_rawget (L: LuaState, index: number): number
    lua_rawset (L: LuaState, index: number): void
    lua_setfield (L: LuaState, index: number, key: LuaString | string): void
    lua_getfield (L: LuaState, index: number, key: LuaString | string): number
    lua_setglobal (L: LuaState, name: LuaString | string): void
    lua_getglobal (L: LuaState, name: LuaString | string): number
    lua_pushglobaltable (L: LuaState): void
    lua_pcall (L: LuaState, nargs: number, nresults: number, msgh: number): number
    lua_call (L: LuaState, nargs: number, nresults: number): void
    lua_sethook (L: LuaState, hook: ((L: LuaState, ar: LuaDebug) => void) | null, mask: number, count: number): void
    lua_error (L: LuaState): never
    lua_getstack (L: LuaState, level: number, ar: LuaDebug): number
    lua_getinfo (L: LuaState, what: LuaString | string, ar: LuaDebug): number
  }

  export interface Lauxlib {
    luaL_newstate (): LuaState
    luaL_loadbuffer (L: LuaState, buffer: LuaString, size: number | null, chunkname: LuaString | string): number
    luaL_requiref (L: LuaState, name: LuaString | string, open: LuaJsFunction, global: boolean): void
    luaL_ref (L: LuaState, table: number): number
    luaL_unref (L: LuaState, table: number, ref: number): void
    luaL_checkstack (L: LuaState, size: number, message: string | null): void
    luaL_tolstring (L: LuaState, index: number): LuaString
  }

  export interface Lualib {
    luaopen_base: LuaJsFunction
    luaopen_coroutine: LuaJsFunction
    luaopen_table: LuaJsFunction
    luaopen_string: LuaJsFunction
    luaopen_math: LuaJsFunction
  }

  export const lua: Lua
  export const lauxlib: Lauxlib
  export const lualib: Lualib
  export function to_luastring (s: string): LuaString
  export function to_jsstring (s: LuaString): string
}
