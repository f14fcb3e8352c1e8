// Numerical building blocks for the dose-escalation designs: beta-binomial
// posteriors, exact binomial intervals and quadrature. Pure and synchronous.

// Lanczos approximation (g = 7, n = 9): relative error below 1e-15 for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028,
  771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7
]

/** ln Γ(x) for x > 0 */
export function logGamma (x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`)
  if (x < 0.5) {
    // reflection keeps the series in its accurate range
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  }
  const z = x - 1
  let sum = LANCZOS[0]
  for (let i = 1; i < 9; i++) sum += LANCZOS[i] / (z + i)
  const t = z + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum)
}

// Continued fraction of I_x(a, b) by the modified Lentz method. It is only
// called with x < (a + 1) / (a + b + 2), where the first denominator is
// positive and the later ones stay away from zero, so Lentz's tiny-value
// guards are not needed.
function betaContinuedFraction (x: number, a: number, b: number): number {
  let c = 1
  let d = 1 / (1 - (a + b) * x / (a + 1))
  let h = d
  let delta = 0
  for (let m = 1; m <= 1000 && Math.abs(delta - 1) > 1e-15; m++) {
    const m2 = 2 * m
    let aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
    d = 1 / (1 + aa * d)
    c = 1 + aa / c
    h *= d * c
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
    d = 1 / (1 + aa * d)
    c = 1 + aa / c
    delta = d * c
    h *= delta
  }
  return h
}

/** regularized incomplete beta function I_x(a, b), a, b > 0 */
export function incompleteBeta (x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incompleteBeta needs a, b > 0, got ${a}, ${b}`)
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x))
  // the continued fraction converges fast only for x < (a + 1) / (a + b + 2)
  if (x < (a + 1) / (a + b + 2)) return front * betaContinuedFraction(x, a, b) / a
  return 1 - front * betaContinuedFraction(1 - x, b, a) / b
}

/** P(X <= x) for X ~ Beta(a, b) */
export function betaCdf (x: number, a: number, b: number): number {
  return incompleteBeta(x, a, b)
}

/** the p-quantile of Beta(a, b), by bisection on the cdf (to ~1e-15) */
export function betaQuantile (p: number, a: number, b: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`betaQuantile needs 0 <= p <= 1, got ${p}`)
  if (p === 0) return 0
  if (p === 1) return 1
  let lo = 0
  let hi = 1
  for (let i = 0; i < 200 && hi - lo > 1e-16; i++) {
    const mid = (lo + hi) / 2
    if (betaCdf(mid, a, b) < p) lo = mid
    else hi = mid
  }
  return (lo + hi) / 2
}

/** exact (Clopper–Pearson) two-sided 1 - alpha interval for x successes in n trials */
export function clopperPearson (x: number, n: number, alpha = 0.05): [number, number] {
  if (!Number.isInteger(x) || !Number.isInteger(n) || x < 0 || x > n) {
    throw new RangeError(`clopperPearson needs integers 0 <= x <= n, got ${x}/${n}`)
  }
  if (n === 0) return [0, 1]
  const lo = x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1)
  const hi = x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x)
  return [lo, hi]
}

// 5-point Gauss–Legendre nodes and weights on [-1, 1]
const GL_NODES = [-0.9061798459386640, -0.5384693101056831, 0, 0.5384693101056831, 0.9061798459386640]
const GL_WEIGHTS = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891]

/** ∫_lo^hi f by composite 5-point Gauss–Legendre over `panels` equal panels (exact for degree <= 9 per panel) */
export function integrate (f: (x: number) => number, lo: number, hi: number, panels = 400): number {
  const width = (hi - lo) / panels
  let total = 0
  for (let k = 0; k < panels; k++) {
    const mid = lo + (k + 0.5) * width
    for (let i = 0; i < 5; i++) total += GL_WEIGHTS[i] * f(mid + GL_NODES[i] * width / 2)
  }
  return total * width / 2
}
