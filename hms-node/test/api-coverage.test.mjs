// The suite covers the whole API: every function and method the addon exports is called by some
// test here, and index.d.ts declares exactly what the addon exports.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'

import { hms } from './support.mjs'

const here = new URL('.', import.meta.url)
const sources = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs') && f !== 'api-coverage.test.mjs')
  .map((f) => readFileSync(new URL(f, here), 'utf8'))
  .join('\n')
const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')

const isClass = (name, value) => typeof value === 'function' && /^[A-Z]/.test(name)
const functions = Object.entries(hms)
  .filter(([name, value]) => typeof value === 'function' && !isClass(name, value))
  .map(([name]) => name)
const classes = Object.entries(hms).filter(([name, value]) => isClass(name, value))

function members(cls) {
  const builtIn = new Set(['constructor', 'prototype', 'length', 'name', 'arguments', 'caller'])
  const own = (o) => Object.getOwnPropertyNames(o).filter((n) => !builtIn.has(n))
  return [...own(cls).map((n) => [n, 'static']), ...own(cls.prototype).map((n) => [n, Object.getOwnPropertyDescriptor(cls.prototype, n).get ? 'getter' : 'method'])]
}

test('index.d.ts declares every exported function and class, and nothing else', () => {
  const declared = [...dts.matchAll(/^export declare function (\w+)/gm)].map((m) => m[1])
  assert.deepEqual([...declared].sort(), [...functions].sort())
  const declaredClasses = [...dts.matchAll(/^export declare class (\w+)/gm)].map((m) => m[1])
  assert.deepEqual([...declaredClasses].sort(), classes.map(([n]) => n).sort())
})

test('every exported function is called by a test', () => {
  const missing = functions.filter((name) => !new RegExp(`\\b${name}\\(`).test(sources))
  assert.deepEqual(missing, [])
})

test('every method, getter and factory of the classes is used by a test', () => {
  const missing = []
  for (const [className, cls] of classes) {
    assert.ok(sources.includes(`${className}`), className)
    for (const [name, kind] of members(cls)) {
      const used = kind === 'getter' ? new RegExp(`\\.${name}\\b`) : new RegExp(`\\.${name}\\(`)
      if (!used.test(sources)) missing.push(`${className}.${name} (${kind})`)
    }
  }
  assert.deepEqual(missing, [])
})
