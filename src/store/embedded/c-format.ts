// C printf for one number (%d %i %f %e %g and upper-case forms), exact like glibc: Redis' Lua 5.1 formats
// through it (tostring is "%.14g"), while fengari's own string.format rounds ties up and prints %g/%e differently.

/** x = mantissa * 2^exponent, exactly, for a finite x >= 0. */
function decompose (x: number): { mantissa: bigint, exponent: number } {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const biased = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  return biased === 0 ? { mantissa: fraction, exponent: -1074 } : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 }
}

/** round(x * 10^k) with ties to even, computed exactly, as glibc rounds the exact binary value. */
function scaled (x: number, k: number): bigint {
  const { mantissa, exponent } = decompose(x)
  let numerator = exponent >= 0 ? mantissa << BigInt(exponent) : mantissa
  let denominator = exponent >= 0 ? 1n : 1n << BigInt(-exponent)
  if (k >= 0) numerator *= 10n ** BigInt(k)
  else denominator *= 10n ** BigInt(-k)
  const quotient = numerator / denominator
  const twice = (numerator % denominator) * 2n
  return twice > denominator || (twice === denominator && (quotient & 1n) === 1n) ? quotient + 1n : quotient
}

function fixed (x: number, precision: number): string {
  const digits = scaled(x, precision).toString().padStart(precision + 1, '0')
  return precision === 0 ? digits : `${digits.slice(0, -precision)}.${digits.slice(-precision)}`
}

/** d.ddde±XX with `precision` decimals, and the exponent X. */
function exponential (x: number, precision: number): { text: string, exponent: number } {
  let exponent = x === 0 ? 0 : Math.floor(Math.log10(x))
  let digits = scaled(x, precision - exponent)
  if (x !== 0) {
    // log10 can be off by one near powers of ten, and rounding can carry into a new digit
    while (digits >= 10n ** BigInt(precision + 1)) digits = scaled(x, precision - ++exponent)
    while (digits < 10n ** BigInt(precision)) digits = scaled(x, precision - --exponent)
  }
  const text = digits.toString().padStart(precision + 1, '0')
  const mantissa = precision === 0 ? text : `${text[0]}.${text.slice(1)}`
  const sign = exponent < 0 ? '-' : '+'
  return { text: `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`, exponent }
}

function general (x: number, precision: number, alternate: boolean): string {
  const significant = precision === 0 ? 1 : precision
  const { exponent } = exponential(x, significant - 1)
  const text = exponent < significant && exponent >= -4
    ? fixed(x, significant - 1 - exponent)
    : exponential(x, significant - 1).text
  if (alternate) return text
  const [mantissa, suffix] = text.split('e')
  const trimmed = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa
  return suffix === undefined ? trimmed : `${trimmed}e${suffix}`
}

export interface FormatSpec {
  flags: string
  width: number
  precision?: number
}

/** One conversion, as printf("%<flags><width>.<precision><kind>", value) prints it. */
export function formatC (kind: string, value: number, spec: FormatSpec = { flags: '', width: 0 }): string {
  const { flags, width, precision } = spec
  const lower = kind.toLowerCase()
  const integer = lower === 'd' || lower === 'i'
  const truncated = integer && Number.isFinite(value) ? Math.trunc(value) : value
  const negative = truncated < 0 || (!integer && Object.is(truncated, -0))
  const x = Math.abs(truncated)
  let body: string
  if (Number.isNaN(x)) body = 'nan'
  else if (!Number.isFinite(x)) body = 'inf'
  else if (integer) body = precision === 0 && x === 0 ? '' : BigInt(x).toString().padStart(precision ?? 1, '0')
  else if (lower === 'f') body = fixed(x, precision ?? 6)
  else if (lower === 'e') body = exponential(x, precision ?? 6).text
  else body = general(x, precision ?? 6, flags.includes('#'))
  if (kind !== lower) body = body.toUpperCase()
  const sign = negative && !Number.isNaN(x) ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : ''
  if (flags.includes('-')) return (sign + body).padEnd(width)
  const zeroPad = flags.includes('0') && Number.isFinite(x) && !(integer && precision !== undefined)
  if (zeroPad) return sign + body.padStart(width - sign.length, '0')
  return (sign + body).padStart(width)
}
