// Runs Redis scripts in-process on fengari: one Lua state, each script compiled once per sha, `redis.*` bound
// to the mini Redis, and errors worded as Redis 7 words them ("<error> script: <sha>, on @user_script:<line>.").
import { createHash } from 'node:crypto'
import type { LuaState } from 'fengari'
import { openLibraries, protectGlobals } from './lua-compat.js'
import { pushReply, pushString, readString, toReply } from './lua-convert.js'
import { fengari } from './lua-vm.js'
import { formatDouble, replyError, toBinary, type Reply } from './replies.js'

const { lua, lauxlib } = fengari
const LuaDebug = lua.lua_Debug

/** Compiled scripts kept at most; the service has a handful, so this only bounds runaway EVAL of new sources. */
const MAX_SCRIPTS = 1000

export interface LuaRuntimeOptions {
  /** Runs one command for redis.call / redis.pcall; throws a ReplyError on refusal. */
  execute: (argv: string[]) => Reply
  /** Wall-clock budget of one script; Redis would answer BUSY to everyone else, a dev store stops the script. */
  timeLimitMs?: number
}

export class LuaRuntime {
  readonly #execute: (argv: string[]) => Reply
  readonly #timeLimitMs: number
  #L: LuaState
  readonly #scripts = new Map<string, number>()
  #sha = ''
  #deadline = 0
  /** The last error that already carries its Redis code (from redis.call): reported without an "ERR " prefix. */
  #codedError: string | undefined

  constructor (options: LuaRuntimeOptions) {
    this.#execute = options.execute
    this.#timeLimitMs = options.timeLimitMs ?? 5000
    this.#L = this.#createState()
  }

  has (sha: string): boolean {
    return this.#scripts.has(sha)
  }

  /** Compiles and caches `source` (binary string) under its sha1, as SCRIPT LOAD does. */
  load (source: string): string {
    const sha = createHash('sha1').update(source, 'latin1').digest('hex')
    this.#compile(sha, source)
    return sha
  }

  /** Runs the script cached under `sha`, compiling `source` first if needed; throws a ReplyError on failure. */
  run (sha: string, source: string | undefined, keys: string[], args: string[]): Reply {
    const L = this.#L
    const ref = this.#scripts.get(sha) ?? (source === undefined ? undefined : this.#compile(sha, source))
    if (ref === undefined) throw replyError('NOSCRIPT No matching script. Please use EVAL.')
    this.#setGlobalArray('KEYS', keys)
    this.#setGlobalArray('ARGV', args)
    lua.lua_pushjsfunction(L, this.#errorHandler)
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref)
    this.#sha = sha
    this.#codedError = undefined
    this.#deadline = Date.now() + this.#timeLimitMs
    try {
      if (lua.lua_pcall(L, 0, 1, 1) !== lua.LUA_OK) throw replyError(readString(L, -1))
      const reply = toReply(L, -1)
      if (reply instanceof Error) throw reply
      return reply
    } catch (err) {
      if (err instanceof Error && err.name === 'ReplyError') throw err
      // a JS exception inside fengari leaves the state unusable: start over with a fresh one
      this.#reset()
      throw replyError(`ERR embedded Lua failure: ${(err as Error)?.message ?? String(err)}`)
    } finally {
      lua.lua_settop(L, 0)
    }
  }

  flush (): void {
    for (const ref of this.#scripts.values()) lauxlib.luaL_unref(this.#L, lua.LUA_REGISTRYINDEX, ref)
    this.#scripts.clear()
  }

  close (): void {
    this.#scripts.clear()
    lua.lua_close(this.#L)
  }

  #reset (): void {
    this.#scripts.clear()
    this.#L = this.#createState()
  }

  #compile (sha: string, source: string): number {
    const L = this.#L
    if (lauxlib.luaL_loadbuffer(L, Buffer.from(source, 'latin1'), null, '@user_script') !== lua.LUA_OK) {
      const message = readString(L, -1)
      lua.lua_settop(L, 0)
      throw replyError(`ERR Error compiling script (new function): ${message}`)
    }
    if (this.#scripts.size >= MAX_SCRIPTS) {
      const [oldest, ref] = this.#scripts.entries().next().value as [string, number]
      lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref)
      this.#scripts.delete(oldest)
    }
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX)
    this.#scripts.set(sha, ref)
    return ref
  }

  /** KEYS and ARGV are set raw: the globals table refuses ordinary writes. */
  #setGlobalArray (name: string, values: string[]): void {
    const L = this.#L
    lua.lua_pushglobaltable(L)
    lua.lua_pushstring(L, name)
    lua.lua_createtable(L, values.length, 0)
    values.forEach((value, index) => {
      pushString(L, value)
      lua.lua_rawseti(L, -2, index + 1)
    })
    lua.lua_rawset(L, -3)
    lua.lua_settop(L, 0)
  }

  /** Message handler of every script run: turns the Lua error into Redis' error text. */
  readonly #errorHandler = (L: LuaState): number => {
    let message: string
    const type = lua.lua_type(L, 1)
    const reply = type === lua.LUA_TTABLE ? toReply(L, 1) : undefined
    if (reply instanceof Error) {
      message = reply.message
    } else {
      const text = toBinary(lauxlib.luaL_tolstring(L, 1))
      message = text === this.#codedError ? text : `ERR ${text}`
    }
    pushString(L, `${message} script: ${this.#sha}, on @user_script:${this.#scriptLine(L)}.`)
    return 1
  }

  /** The line of the innermost user-script frame on the stack, as Redis reports it. */
  #scriptLine (L: LuaState): string {
    const ar = new LuaDebug()
    for (let level = 1; lua.lua_getstack(L, level, ar) !== 0; level++) {
      lua.lua_getinfo(L, 'Sl', ar)
      if (ar.source !== null && fengari.to_jsstring(ar.source) === '@user_script' && ar.currentline > 0) {
        return String(ar.currentline)
      }
    }
    return '?'
  }

  #createState (): LuaState {
    const L = lauxlib.luaL_newstate()
    openLibraries(L)
    this.#installRedis(L)
    protectGlobals(L)
    lua.lua_sethook(L, state => {
      if (Date.now() <= this.#deadline) return
      this.#codedError = `ERR Script killed: it ran longer than ${this.#timeLimitMs} ms (embedded store limit)`
      pushString(state, this.#codedError)
      lua.lua_error(state)
    }, lua.LUA_MASKCOUNT, 10_000)
    return L
  }

  #installRedis (L: LuaState): void {
    lua.lua_createtable(L, 0, 20)
    const functions: Record<string, (L: LuaState) => number> = {
      call: state => this.#call(state, true),
      pcall: state => this.#call(state, false),
      error_reply: state => replyTable(state, 'err'),
      status_reply: state => replyTable(state, 'ok'),
      sha1hex: state => {
        if (lua.lua_gettop(state) !== 1) raise(state, 'wrong number of arguments')
        const text = lua.lua_type(state, 1) === lua.LUA_TSTRING || lua.lua_type(state, 1) === lua.LUA_TNUMBER ? readString(state, 1) : ''
        pushString(state, createHash('sha1').update(text, 'latin1').digest('hex'))
        return 1
      },
      log: () => 0,
      set_repl: () => 0,
      replicate_commands: state => {
        lua.lua_pushboolean(state, true)
        return 1
      }
    }
    for (const [name, fn] of Object.entries(functions)) {
      lua.lua_pushjsfunction(L, fn)
      lua.lua_setfield(L, -2, name)
    }
    const constants = { LOG_DEBUG: 0, LOG_VERBOSE: 1, LOG_NOTICE: 2, LOG_WARNING: 3, REPL_NONE: 0, REPL_AOF: 1, REPL_SLAVE: 2, REPL_REPLICA: 2, REPL_ALL: 3 }
    for (const [name, value] of Object.entries(constants)) {
      lua.lua_pushnumber(L, value)
      lua.lua_setfield(L, -2, name)
    }
    lua.lua_setglobal(L, 'redis')
  }

  /** redis.call (raise = true) and redis.pcall: argument checks and replies as Redis does them. */
  #call (L: LuaState, raise: boolean): number {
    const argc = lua.lua_gettop(L)
    const argv: string[] = []
    let error = argc === 0 ? 'ERR Please specify at least one argument for this redis lib call' : undefined
    for (let i = 1; i <= argc && error === undefined; i++) {
      const type = lua.lua_type(L, i)
      if (type === lua.LUA_TSTRING) argv.push(readString(L, i))
      else if (type === lua.LUA_TNUMBER) argv.push(formatDouble(lua.lua_tonumber(L, i)))
      else error = 'ERR Lua redis lib command arguments must be strings or integers'
    }
    let reply: Reply = null
    if (error === undefined) {
      try {
        reply = this.#execute(argv)
      } catch (err) {
        error = err instanceof Error ? err.message : String(err)
      }
    }
    if (error === undefined) {
      pushReply(L, reply)
    } else if (raise) {
      this.#codedError = error
      pushString(L, error)
      lua.lua_error(L)
    } else {
      pushReply(L, replyError(error))
    }
    return 1
  }
}

function raise (L: LuaState, message: string): never {
  pushString(L, message)
  return lua.lua_error(L)
}

/** redis.error_reply / redis.status_reply: Redis 7 strips a leading "-" and gives a code-less error "ERR". */
function replyTable (L: LuaState, field: 'err' | 'ok'): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, 1) !== lua.LUA_TSTRING) {
    pushReply(L, replyError('ERR wrong number or type of arguments'))
    return 1
  }
  let text = readString(L, 1)
  if (field === 'err') {
    if (text.startsWith('-')) text = text.slice(1)
    if (!text.includes(' ')) text = `ERR ${text}`
  }
  lua.lua_createtable(L, 0, 1)
  pushString(L, text)
  lua.lua_setfield(L, -2, field)
  return 1
}
