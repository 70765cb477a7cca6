// The Redis commands the service sends, for a Redis ACL user that may run nothing else (docs/PAYMENT_SECURITY.md).
// test/redis-acl.test.ts runs every money path as such a user, so a command added without being listed here fails it.

/** Commands the service's scripts and calls use, and what ioredis sends to connect, run scripts and subscribe. */
export const serviceCommands = [
  // connection: ioredis' ready check and handshake
  'ping', 'info', 'hello', 'auth', 'client|setname', 'select', 'quit',
  // scripts: EVALSHA first, EVAL when the node has not cached the script
  'evalsha', 'eval',
  // inside the scripts and direct calls
  'get', 'set', 'del', 'exists', 'expire', 'pexpire', 'pttl', 'incr',
  'hget', 'hset', 'hdel', 'hmget', 'hgetall', 'hincrby',
  'sadd', 'smembers',
  'zadd', 'zrem', 'zcard', 'zscore', 'zrangebyscore', 'zremrangebyscore',
  'xadd',
  // pub/sub: a finished request wakes the duplicates waiting for it
  'publish', 'subscribe', 'unsubscribe',
  // Redis Cluster: slot discovery
  'cluster|slots', 'cluster|nodes', 'readonly'
] as const

/** The ACL SETUSER rule: every key and channel, only these commands. */
export function aclRule (password: string): string[] {
  return ['on', `>${password}`, '~*', '&*', '-@all', ...serviceCommands.map(command => `+${command}`)]
}
