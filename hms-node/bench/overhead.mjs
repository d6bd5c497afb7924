// Per-call overhead of the conflict check from Node: `calendar.anyOverlap(start, end)` on a
// calendar of 100,000 bookings, against the same check looped inside Rust in the same process
// (`benchRustAnyOverlap`, compiled in only with the `bench` feature). The difference is what
// crossing into the addon costs per call; the target is at most 1 µs.
//
//   npm run bench            # builds the release addon with the bench feature into bench/.addon/
//   node bench/overhead.mjs  # runs again without rebuilding
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'

const require = createRequire(import.meta.url)
const addon = new URL('./.addon/index.js', import.meta.url)
if (!existsSync(addon)) {
  console.error('no bench build: run `npm run bench` (it builds the addon with `--features bench --release`)')
  process.exit(1)
}
const { Calendar, benchRustAnyOverlap } = require(addon.pathname)

const BOOKINGS = 100_000
const QUERIES = 4096
const ROUNDS = 500
const BATCH = 256
const TARGET_NS = 1000
const BASE = Date.UTC(2026, 0, 5, 3, 30) // as in the Rust side and benches/scheduling.rs
const MIN = 60_000

// Appointment i + 1 as a UUID, the way the Rust side numbers them (`Uuid::from_u128(i + 1)`).
const uuid = (n) => `00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`

// 15-minute visits every 20 minutes, so about a quarter of the requests land in a gap.
const calendar = new Calendar()
for (let i = 0; i < BOOKINGS; i++) {
  const start = new Date(BASE + i * 20 * MIN)
  calendar.insert(uuid(i + 1), start, new Date(start.getTime() + 15 * MIN))
}

// Random 15-minute requests across the calendar's span (mulberry32, fixed seed).
let seed = 7
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const startsMs = Array.from({ length: QUERIES }, () => BASE + Math.floor(random() * BOOKINGS * 20) * MIN)
const dates = startsMs.map((s) => [new Date(s), new Date(s + 15 * MIN)])
const strings = dates.map(([s, e]) => [s.toISOString(), e.toISOString()])

// Both sides time batches of BATCH calls and report the mean and the fastest batch. On a busy
// machine the fastest batch is the one least disturbed by other processes, so the overhead is
// taken between the fastest batches; the means are printed too.
function nodePerCall(args) {
  let hits = 0
  for (const [s, e] of args) if (calendar.anyOverlap(s, e)) hits++ // warm-up, and the hit count
  let total = 0
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    for (let from = 0; from < args.length; from += BATCH) {
      const to = Math.min(from + BATCH, args.length)
      const t0 = process.hrtime.bigint()
      for (let q = from; q < to; q++) calendar.anyOverlap(args[q][0], args[q][1])
      const ns = Number(process.hrtime.bigint() - t0)
      total += ns
      best = Math.min(best, ns / (to - from))
    }
  }
  return { mean: total / ROUNDS / args.length, best, hits }
}

const node = nodePerCall(dates)
const nodeText = nodePerCall(strings)
benchRustAnyOverlap(BOOKINGS, startsMs, 10, BATCH) // warm-up
const r = benchRustAnyOverlap(BOOKINGS, startsMs, ROUNDS, BATCH)
const rust = { mean: r.meanNsPerCall, best: r.bestNsPerCall, hits: r.hits }
if (node.hits !== rust.hits || nodeText.hits !== rust.hits) {
  console.error(`the two sides disagree: Node found ${node.hits}/${nodeText.hits} overlaps, Rust ${rust.hits}`)
  process.exit(1)
}

const overhead = node.best - rust.best
const fmt = (ns) => `${ns.toFixed(0).padStart(6)} ns`
console.log(`conflict check on a calendar of ${BOOKINGS.toLocaleString('en')} bookings: ${QUERIES} requests x ${ROUNDS} rounds, timed in batches of ${BATCH}`)
console.log(`(load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs)`)
console.log('                                 fastest batch      mean')
console.log(`  Rust, looped in-process        ${fmt(rust.best)}    ${fmt(rust.mean)}   per call`)
console.log(`  Node, Date arguments           ${fmt(node.best)}    ${fmt(node.mean)}   per call`)
console.log(`  Node, ISO string arguments     ${fmt(nodeText.best)}    ${fmt(nodeText.mean)}   per call`)
console.log(`  overhead of a call from Node   ${fmt(overhead)}    ${fmt(node.mean - rust.mean)}`)
console.log(`  target: overhead <= ${TARGET_NS} ns (fastest batches): ${overhead <= TARGET_NS ? 'met' : 'MISSED'}`)
