// Brent's root finder exactly as R's uniroot runs it (R_zeroin2 in src/library/stats/src/zeroin.c): the same steps
// give the same root, and the Mann-Whitney statistic is a step function of the shift, so any other root finder stops
// at a different point of the same step and the interval would differ from R's in the fourth decimal.

const EPSILON = 2.220446049250313e-16;

/**
 * A root of f in [ax, bx] given f(ax) = fa and f(bx) = fb of opposite signs (or one of them 0), to within `tol`.
 * Gives up after `maxIterations` steps, returning the last approximation (as R does, with a warning there).
 */
export function zeroin(f: (x: number) => number, ax: number, bx: number, fa: number, fb: number, tol: number, maxIterations = 1000): number {
  let a = ax;
  let b = bx;
  let c = a;
  let fc = fa;
  if (fa === 0) return a;
  if (fb === 0) return b;
  let left = maxIterations + 1;
  while (left--) {
    const prevStep = b - a;
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tolAct = 2 * EPSILON * Math.abs(b) + tol / 2;
    let newStep = (c - b) / 2;
    if (Math.abs(newStep) <= tolAct || fb === 0) return b;
    if (Math.abs(prevStep) >= tolAct && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const cb = c - b;
      if (a === c) {
        const t1 = fb / fa;
        p = cb * t1;
        q = 1 - t1;
      } else {
        q = fa / fc;
        const t1 = fb / fc;
        const t2 = fb / fa;
        p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1));
        q = (q - 1) * (t1 - 1) * (t2 - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (p < 0.75 * cb * q - Math.abs(tolAct * q) / 2 && p < Math.abs((prevStep * q) / 2)) newStep = p / q;
    }
    if (Math.abs(newStep) < tolAct) newStep = newStep > 0 ? tolAct : -tolAct;
    a = b;
    fa = fb;
    b += newStep;
    fb = f(b);
    if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
      c = a;
      fc = fa;
    }
  }
  return b;
}
