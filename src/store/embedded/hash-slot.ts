// Redis Cluster's key -> slot mapping (CRC16/XMODEM of the {hash tag}), so the embedded store can refuse
// scripts whose keys a Cluster would refuse (CROSSSLOT) while the service still runs on one process.
const table = new Uint16Array(256)
for (let i = 0; i < 256; i++) {
  let crc = i << 8
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1
  table[i] = crc & 0xffff
}

function crc16 (bytes: Buffer): number {
  let crc = 0
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ byte) & 0xff]
  return crc
}

/** The slot of a key given as a binary string: only the first non-empty {…} counts, as in Redis. */
export function hashSlot (key: string): number {
  const open = key.indexOf('{')
  if (open !== -1) {
    const close = key.indexOf('}', open + 1)
    if (close > open + 1) key = key.slice(open + 1, close)
  }
  return crc16(Buffer.from(key, 'latin1')) % 16384
}
