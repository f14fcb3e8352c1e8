import t, { type Test } from 'tap'
import { betaCdf, betaQuantile, clopperPearson, incompleteBeta, integrate, logGamma } from '../../src/domain/stats.js'

const close = (tt: Test, actual: number, expected: number, tol: number, msg: string) =>
  tt.ok(Math.abs(actual - expected) <= tol, `${msg}: ${actual} vs ${expected}`)

t.test('logGamma matches closed forms', async tt => {
  // Γ(1/2) = √π; Γ(1) = 1; Γ(10) = 9! = 362880; Γ(100) = 99!; Γ(1/4) = 3.625609908221908 (OEIS A068466)
  close(tt, logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-14, 'lnΓ(1/2)')
  close(tt, logGamma(1), 0, 1e-14, 'lnΓ(1)')
  close(tt, logGamma(10), Math.log(362880), 1e-12, 'lnΓ(10)')
  close(tt, logGamma(100), 359.1342053695754, 1e-10, 'lnΓ(100) = ln 99!')
  close(tt, logGamma(0.25), Math.log(3.625609908221908), 1e-13, 'lnΓ(1/4) by reflection')
  tt.throws(() => logGamma(0), RangeError)
})

t.test('incompleteBeta and betaCdf match exact identities', async tt => {
  // I_x(1,1) = x; I_x(a,1) = x^a; I_x(1,b) = 1 - (1-x)^b; I_1/2(a,a) = 1/2;
  // for integers, I_x(a,b) = P(Binomial(a+b-1, x) >= a)
  close(tt, incompleteBeta(0.37, 1, 1), 0.37, 1e-14, 'uniform')
  close(tt, incompleteBeta(0.3, 4, 1), 0.3 ** 4, 1e-14, 'x^a')
  close(tt, incompleteBeta(0.3, 1, 5), 1 - 0.7 ** 5, 1e-14, '1-(1-x)^b')
  close(tt, incompleteBeta(0.5, 7.5, 7.5), 0.5, 1e-13, 'symmetric')
  // P(Bin(4, 0.3) >= 3) = 4(0.3^3)(0.7) + 0.3^4 = 0.0837
  close(tt, betaCdf(0.3, 3, 2), 0.0837, 1e-13, 'I_0.3(3,2)')
  // upper tail branch: x above (a+1)/(a+b+2); P(Bin(5, 0.9) >= 2) = 1 - 0.1^5 - 5(0.9)(0.1^4)
  close(tt, betaCdf(0.9, 2, 4), 1 - 0.1 ** 5 - 5 * 0.9 * 0.1 ** 4, 1e-13, 'I_0.9(2,4)')
  // large parameters: I_0.5(50, 51) = P(Bin(100, .5) >= 50) = 0.5 + P(X = 50)/2, P(X=50) = 0.0795892373871787
  close(tt, betaCdf(0.5, 50, 51), 0.5 + 0.0795892373871787 / 2, 1e-10, 'I_0.5(50,51)')
  tt.equal(betaCdf(0, 2, 3), 0)
  tt.equal(betaCdf(-1, 2, 3), 0)
  tt.equal(betaCdf(1, 2, 3), 1)
  tt.throws(() => incompleteBeta(0.5, 0, 1), RangeError)
  tt.throws(() => incompleteBeta(0.5, 1, -1), RangeError)
})

t.test('betaQuantile inverts betaCdf', async tt => {
  // closed forms: Beta(1,b) quantile 1-(1-p)^(1/b); Beta(a,1) quantile p^(1/a)
  close(tt, betaQuantile(0.025, 1, 3), 1 - 0.975 ** (1 / 3), 1e-12, 'Beta(1,3)')
  close(tt, betaQuantile(0.975, 3, 1), 0.975 ** (1 / 3), 1e-12, 'Beta(3,1)')
  close(tt, betaQuantile(0.5, 4, 4), 0.5, 1e-12, 'median of symmetric beta')
  tt.equal(betaQuantile(0, 2, 2), 0)
  tt.equal(betaQuantile(1, 2, 2), 1)
  tt.throws(() => betaQuantile(1.5, 2, 2), RangeError)
  tt.throws(() => betaQuantile(Number.NaN, 2, 2), RangeError)
})

t.test('clopperPearson matches R binom.test', async tt => {
  // R: binom.test(1, 3)$conf.int = 0.008403759 0.905700676
  const [a, b] = clopperPearson(1, 3)
  close(tt, a, 0.008403759, 1e-9, '1/3 lower')
  close(tt, b, 0.9057007, 1e-7, '1/3 upper')
  // R: binom.test(0, 3)$conf.int = 0.0000000 0.7075982
  const [c, d] = clopperPearson(0, 3)
  tt.equal(c, 0)
  close(tt, d, 0.7075982, 1e-7, '0/3 upper')
  // R: binom.test(2, 6)$conf.int = 0.04327187 0.77722190
  const [e, f] = clopperPearson(2, 6)
  close(tt, e, 0.04327187, 1e-8, '2/6 lower')
  close(tt, f, 0.7772219, 1e-7, '2/6 upper')
  // x = n: lower bound is (alpha/2)^(1/n), upper 1
  const [g, h] = clopperPearson(3, 3)
  close(tt, g, 0.025 ** (1 / 3), 1e-12, '3/3 lower')
  tt.equal(h, 1)
  // 90% interval, x = 0: upper bound is 1 - (alpha/2)^(1/n)
  close(tt, clopperPearson(0, 10, 0.1)[1], 1 - 0.05 ** (1 / 10), 1e-12, '0/10 at 90%')
  tt.same(clopperPearson(0, 0), [0, 1])
  tt.throws(() => clopperPearson(4, 3), RangeError)
  tt.throws(() => clopperPearson(-1, 3), RangeError)
  tt.throws(() => clopperPearson(1.5, 3), RangeError)
  tt.throws(() => clopperPearson(1, 2.5), RangeError)
})

t.test('integrate is exact for polynomials and accurate for smooth functions', async tt => {
  close(tt, integrate(x => x ** 9 - 3 * x ** 2, 0, 2, 1), 2 ** 10 / 10 - 8, 1e-10, 'degree 9, one panel')
  close(tt, integrate(Math.sin, 0, Math.PI), 2, 1e-13, '∫ sin over [0, π]')
  close(tt, integrate(x => Math.exp(-x * x / 2), -10, 10), Math.sqrt(2 * Math.PI), 1e-12, 'Gaussian integral')
})
