// The canary statistics against R 4.2.2: every expected value below was printed by test/fixtures/canary/reference.R
// (`Rscript test/fixtures/canary/reference.R`, output kept in reference.out) from the inputs written beside it, with
// wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98) and prop.test(..., correct = FALSE). R is not needed to run it.
import { describe, expect, it } from 'vitest';
import { pnorm, pnormUpper, qnorm } from './normal.js';
import { twoProportionTest, wilsonInterval } from './proportions.js';
import { wilcoxonTest } from './wilcoxon.js';

interface WilcoxCase {
  name: string;
  x: number[];
  y: number[];
  method: string;
  statistic: number;
  pValue: number;
  estimate: number;
  interval: [number, number];
}

const wilcoxCases: WilcoxCase[] = [
  {"name": "r-example-exact", "x": [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], "y": [1.15, 0.88, 0.9, 0.74, 1.21], "method": "Wilcoxon rank sum exact test", "statistic": 35, "pValue": 0.2544122544122544, "estimate": 0.30500000000000005, "interval": [-0.17000000000000004, 0.8999999999999999]},
  {"name": "r-example-ties", "x": [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3], "y": [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29], "method": "Wilcoxon rank sum test with continuity correction", "statistic": 58, "pValue": 0.13291945818531886, "estimate": 0.5600561608358734, "interval": [-0.5599516952631837, 1.232960408303311]},
  {"name": "shift-exact", "x": [140.039, 139.232, 142.836, 126.672, 142.638, 136.105, 139.514, 138.55, 129.102, 133.344, 129.775, 139.312, 135.664, 134.529, 132.477, 131.627, 140.985, 128.369, 134.146, 136.89], "y": [133.723, 112.819, 115.834, 117.526, 114.176, 114.316, 124.489, 119.298, 120.916, 133.14, 122.142, 136.301, 133.689, 121.944, 131.376, 122.806, 114.637, 118.156, 119.971, 125.929], "method": "Wilcoxon rank sum exact test", "statistic": 365, "pValue": 1.1260929189061898e-06, "estimate": 14.004499999999993, "interval": [7.845000000000027, 18.694999999999993]},
  {"name": "same-ties-normal", "x": [204, 205, 199, 191, 202, 187, 208, 208, 207, 201, 197, 204, 205, 205, 193, 212, 190, 209, 208, 202, 188, 213, 206, 199, 206, 212, 204, 200, 188, 208, 195, 206, 207, 203, 209, 194, 204, 207, 202, 208, 188, 193, 201, 202, 204, 199, 193, 204, 203, 191, 197, 209, 193, 198, 205, 194, 187, 209, 210, 200], "y": [210, 194, 198, 190, 197, 197, 211, 205, 201, 207, 198, 200, 203, 214, 206, 204, 187, 203, 201, 193, 201, 201, 204, 206, 203, 209, 206, 209, 210, 206, 203, 193, 195, 193, 187, 189, 193, 196, 200, 219, 203, 200, 200, 197, 194, 198, 197, 198, 186, 205, 213, 195, 205, 202, 207, 195, 209, 188, 196, 199], "method": "Wilcoxon rank sum test with continuity correction", "statistic": 1972.5, "pValue": 0.3661203409678239, "estimate": 1.0000290995555368, "interval": [-1.9999457905032005, 4.000017436629445]},
  {"name": "large-normal", "x": [315.7897, 234.602, 260.7583, 246.7793, 352.5362, 193.6413, 259.1404, 261.2792, 259.9346, 238.3869, 239.7436, 268.1987, 214.0491, 354.3612, 241.4487, 384.9012, 230.1388, 256.0047, 180.3519, 305.4746, 193.4779, 143.4563, 198.8855, 246.5373, 240.7798, 230.4637, 228.2352, 369.5241, 259.0121, 268.2015, 223.2991, 190.7066, 450.6607, 320.591, 312.3987, 285.6318, 229.7995, 262.1988, 217.0878, 339.8819, 305.3481, 277.0997, 250.2827, 209.1869, 267.6718, 425.4901, 312.7504, 301.5865, 345.1179, 333.9577, 396.4154, 299.6887, 193.5712, 231.0736, 267.367, 234.7067, 267.9684, 284.0327, 251.6909, 315.7811, 227.3359, 360.8134, 209.9831, 259.4072, 179.0429, 260.9508, 247.4671, 216.3282, 168.3506, 228.3333, 288.7999, 246.0503, 262.8605, 240.575, 239.1945, 205.9939, 368.0631, 247.1181, 213.9918, 324.7064], "y": [267.887, 254.7541, 250.3399, 290.0303, 307.9379, 234.5323, 266.664, 286.7101, 266.536, 170.4553, 156.5645, 275.3475, 316.4505, 193.0416, 282.7648, 263.1356, 289.174, 325.7998, 257.4673, 221.7949, 387.5973, 398.1718, 313.6993, 240.6357, 274.9062, 224.1613, 308.7681, 272.3983, 173.7243, 217.6886, 169.8805, 318.4277, 236.4321, 200.799, 244.9426, 268.5039, 209.558, 247.1836, 222.5734, 284.3707, 374.7015, 297.0675, 248.7576, 281.91, 318.8616, 197.5822, 221.3163, 270.1327, 188.9784, 319.8843, 250.7766, 180.7779, 218.8459, 222.8486, 208.7385, 336.8982, 243.2294, 255.4731, 203.2462, 228.7231, 240.3872, 193.9476, 302.5254, 274.7799, 223.5657, 320.4973, 249.2382, 213.3861, 230.7044, 171.0782], "method": "Wilcoxon rank sum test with continuity correction", "statistic": 2996, "pValue": 0.46144488639471337, "estimate": 6.917577687651372, "interval": [-13.513487672318556, 28.272150422479108]},
  {"name": "sparse-counts", "x": [0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 3, 0, 0, 1], "y": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0], "method": "Wilcoxon rank sum test with continuity correction", "statistic": 137, "pValue": 0.17762538044617082, "estimate": 4.0161635202943396e-05, "interval": [-7.513616282895424e-06, 0.9999531557343537]},
  {"name": "exact-49", "x": [834.847336, 601.31907, 895.646481, 305.23011, 962.157237, 145.200929, 3.646412, 73.909959, 745.329153, 6.250971, 880.89042, 257.954683, 653.029972, 500.312343, 117.050973, 679.696832, 360.722828, 826.101635, 71.391179, 935.176824, 137.695826, 43.649993, 255.508735, 917.937042, 988.180336, 666.570589, 534.938478, 108.477138, 778.614685, 494.883926, 269.886108, 984.301421, 560.604877, 749.926335, 277.023253, 826.806714, 168.350271, 279.808185, 279.287979, 218.730684, 744.304362, 803.979959, 385.812654, 479.452226, 817.028209, 888.04765, 578.876535, 668.716212, 479.433751], "y": [276.489086, 221.884913, 961.286458, 166.627617, 805.873468, 878.992339, 574.143334, 584.696633, 898.376489, 914.852199, 210.033016, 221.28068, 145.946107, 174.835674, 1010.896028, 91.038433, 653.163751, 93.005815, 828.574334, 241.370208, 599.661514, 902.802905, 790.718745, 931.603018, 219.143271, 608.30742, 144.508755, 587.953761, 112.749187, 751.418228, 261.715452, 728.422263, 280.79777, 512.489789, 530.192987, 128.380351, 70.534753, 827.958446, 607.88221, 414.448507, 1003.165655, 400.564175, 202.036434, 344.770785, 703.137083, 70.130434, 504.38303, 210.587771, 674.944977], "method": "Wilcoxon rank sum exact test", "statistic": 1251, "pValue": 0.7235723381053782, "estimate": 22.40416399999998, "interval": [-115.249547, 172.93788399999994]},
];

interface ProportionCase {
  name: string;
  canary: [number, number];
  baseline: [number, number];
  pValue: number;
  wilsonCanary: [number, number];
  wilsonBaseline: [number, number];
  interval: [number, number];
}

const proportionCases: ProportionCase[] = [
  {"name": "errors-up", "canary": [48, 2000], "baseline": [20, 2000], "pValue": 0.0006154021521220725, "wilsonCanary": [0.01723078949639143, 0.03333832037708193], "wilsonBaseline": [0.005987061259953249, 0.016657610668622265], "interval": [0.004505475754040249, 0.02416404962583279]},
  {"name": "errors-same", "canary": [12, 1500], "baseline": [11, 1400], "pValue": 0.9654314722563864, "wilsonCanary": [0.004142178658397012, 0.015395261254132762], "wilsonBaseline": [0.00395487830457571, 0.015549648830617886], "interval": [-0.008462805740133132, 0.008504529084227441]},
  {"name": "sparse-errors", "canary": [3, 1000], "baseline": [0, 1000], "pValue": 0.08303324629912966, "wilsonCanary": [0.0008527113312922564, 0.010497755571142927], "wilsonBaseline": [0, 0.005382763483335195], "interval": [-0.00279525593432141, 0.010497755571142927]},
  {"name": "errors-down", "canary": [5, 10000], "baseline": [40, 10000], "pValue": 1.7569435526706361e-07, "wilsonCanary": [0.0001842519445322495, 0.0013561038742654255], "wilsonBaseline": [0.0027760015427845163, 0.005760567999004567], "interval": [-0.005288657740779552, -0.0020063179498975843]},
];

const normalReference = {"name": "normal", "qnorm99": 2.3263478740408408, "pnorm196": 0.9750021048517796, "pnormUpper8": 6.220960574271785e-16};

/** Relative closeness: |a − b| ≤ rel·max(|b|, floor). */
function expectClose(actual: number, expected: number, rel: number, floor = 1e-12): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), floor));
}

describe('normal distribution (R pnorm, qnorm)', () => {
  it('matches R to the last digits', () => {
    expectClose(qnorm(0.99), normalReference.qnorm99, 1e-15);
    expectClose(-qnorm(0.01), normalReference.qnorm99, 1e-15);
    expectClose(pnorm(1.96), normalReference.pnorm196, 1e-15);
    expectClose(pnormUpper(8), normalReference.pnormUpper8, 1e-13);
  });
});

describe('wilcoxonTest matches R wilcox.test(x, y, conf.int = TRUE, conf.level = 0.98)', () => {
  for (const c of wilcoxCases) {
    it(`${c.name}: ${c.method}`, () => {
      const r = wilcoxonTest(c.x, c.y, 0.98);
      expect(r.method).toBe(c.method.includes('exact') ? 'exact' : 'normal');
      expect(r.statistic).toBe(c.statistic);
      expectClose(r.pValue, c.pValue, 1e-12);
      expectClose(r.estimate, c.estimate, 1e-9, 1e-9);
      // The interval's ends: the same root-finder steps as R, so agreement is to rounding, far inside uniroot's 1e-4.
      expectClose(r.interval[0], c.interval[0], 1e-9, 1e-9);
      expectClose(r.interval[1], c.interval[1], 1e-9, 1e-9);
    });
  }
  it('uses the exact method only without ties and below 50 values a side', () => {
    expect(wilcoxonTest([1, 2, 3], [4, 5, 6]).method).toBe('exact');
    expect(wilcoxonTest([1, 2, 3], [3, 5, 6]).method).toBe('normal');
    const fifty = Array.from({ length: 50 }, (_, i) => i + 0.5);
    expect(wilcoxonTest(fifty, [100, 200]).method).toBe('normal');
  });
  it('both samples constant: the shift is exact and the interval a point', () => {
    const r = wilcoxonTest([5, 5, 5, 5], [3, 3, 3]);
    expect(r.estimate).toBe(2);
    expect(r.interval).toEqual([2, 2]);
  });
});

describe('twoProportionTest matches R prop.test(correct = FALSE) and Newcombe from its Wilson intervals', () => {
  for (const c of proportionCases) {
    it(c.name, () => {
      const canary = { bad: c.canary[0], total: c.canary[1] };
      const baseline = { bad: c.baseline[0], total: c.baseline[1] };
      const z = -qnorm(0.01);
      const wc = wilsonInterval(canary.bad, canary.total, z);
      const wb = wilsonInterval(baseline.bad, baseline.total, z);
      expectClose(wc[0], c.wilsonCanary[0], 1e-12, 1e-15);
      expectClose(wc[1], c.wilsonCanary[1], 1e-12);
      expectClose(wb[0], c.wilsonBaseline[0], 1e-12, 1e-15);
      expectClose(wb[1], c.wilsonBaseline[1], 1e-12);
      const r = twoProportionTest(canary, baseline, 0.98);
      expectClose(r.pValue, c.pValue, 1e-12);
      expectClose(r.interval[0], c.interval[0], 1e-12, 1e-15);
      expectClose(r.interval[1], c.interval[1], 1e-12, 1e-15);
      expect(r.estimate).toBe(canary.bad / canary.total - baseline.bad / baseline.total);
    });
  }
});
