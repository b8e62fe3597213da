// nn.js: the few neural-network layers the page needs, on plain Float32Arrays.
//
// Tensors are flat Float32Arrays in PyTorch's layout (N, C, H, W), so the weights exported from
// the checkpoints are used as they are, with no reshuffling. Sums are accumulated in JavaScript
// numbers (float64): a little more precise than torch's float32, well inside the 1e-4 the tests ask.
(function (root) {
  "use strict";

  // float16 bits -> number. The diffusion weights are stored as float16 in the package (half the
  // size, nothing lost by keeping them that way); the maths runs in float32/float64.
  const POW2 = Array.from({ length: 32 }, (_, e) => Math.pow(2, e - 25));  // 2^(exp - 15) / 1024
  function halfToFloat(h) {
    const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
    if (exp === 0) return sign * frac * POW2[1];                     // subnormal: frac * 2^-24
    if (exp === 31) return frac ? NaN : sign * Infinity;
    return sign * (1024 + frac) * POW2[exp];
  }

  // Python's round(): halves go to the even neighbour (round(2.5) = 2), unlike Math.round; used
  // where the page must pick the same integer as the package.
  function roundHalfEven(v) {
    const f = Math.floor(v);
    if (v - f !== 0.5) return Math.round(v);
    return f % 2 === 0 ? f : f + 1;
  }

  // base64 -> bytes: the browser's own decoder where it has one (Chromium 140+, Firefox 133+).
  function base64Bytes(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const bin = atob(text), bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  // {shape, dtype: "f16" | "f32" | "u8", data: base64 of little-endian bytes} -> Float32Array.
  // The browser's own typed arrays read the bytes where they can (a little-endian machine, as
  // every browser's is; Float16Array in Chromium 135+, Firefox 129+); a loop does it otherwise.
  const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  function decodeTensor(spec) {
    const bytes = base64Bytes(spec.data), n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === "u8") return new Float32Array(bytes.subarray(0, n));
    if (LITTLE && spec.dtype === "f32") return new Float32Array(bytes.buffer, bytes.byteOffset, n).slice();
    if (LITTLE && spec.dtype === "f16" && root.Float16Array) {
      return new Float32Array(new root.Float16Array(bytes.buffer, bytes.byteOffset, n));
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset), out = new Float32Array(n);
    if (spec.dtype === "f16") for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  // y = x W^T + b for n rows, W stored (out, in) as torch.nn.Linear keeps it.
  function linear(x, n, inDim, W, b, outDim) {
    const y = new Float32Array(n * outDim);
    for (let r = 0; r < n; r++) {
      const xo = r * inDim;
      for (let j = 0; j < outDim; j++) {
        const wo = j * inDim;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;  // four partial sums: shorter dependency chains, faster
        let i = 0;
        for (; i + 3 < inDim; i += 4) {
          s0 += W[wo + i] * x[xo + i]; s1 += W[wo + i + 1] * x[xo + i + 1];
          s2 += W[wo + i + 2] * x[xo + i + 2]; s3 += W[wo + i + 3] * x[xo + i + 3];
        }
        for (; i < inDim; i++) s0 += W[wo + i] * x[xo + i];
        y[r * outDim + j] = b[j] + ((s0 + s1) + (s2 + s3));
      }
    }
    return y;
  }

  // 3x3 convolution, stride 1, padding 1 (every conv the page runs on 7x7, 14x14, 28x28 maps).
  // Direct, no im2col: the input is copied once into a zero-bordered buffer, so the inner loop
  // needs no bounds checks; the nine weights of one (out, in) pair sit in local variables.
  function conv3x3(x, n, ci, h, w, W, b, co) {
    const S = w + 2, P = (h + 2) * S, HW = h * w;
    const pad = new Float32Array(ci * P);
    const acc = new Float64Array(HW);
    const y = new Float32Array(n * co * HW);
    for (let s = 0; s < n; s++) {
      pad.fill(0);
      for (let c = 0; c < ci; c++) {
        const src = (s * ci + c) * HW, dst = c * P + S + 1;
        for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) pad[dst + r * S + q] = x[src + r * w + q];
      }
      for (let o = 0; o < co; o++) {
        acc.fill(b[o]);
        for (let c = 0; c < ci; c++) {
          const k = (o * ci + c) * 9;
          const w0 = W[k], w1 = W[k + 1], w2 = W[k + 2], w3 = W[k + 3], w4 = W[k + 4],
                w5 = W[k + 5], w6 = W[k + 6], w7 = W[k + 7], w8 = W[k + 8];
          const base = c * P;
          for (let r = 0; r < h; r++) {
            const r0 = base + r * S, r1 = r0 + S, r2 = r1 + S, ao = r * w;
            for (let q = 0; q < w; q++) {
              // summed as a tree, not a chain: the CPU can do the multiplications side by side
              acc[ao + q] += ((w0 * pad[r0 + q] + w1 * pad[r0 + q + 1]) + (w2 * pad[r0 + q + 2] + w3 * pad[r1 + q]))
                + ((w4 * pad[r1 + q + 1] + w5 * pad[r1 + q + 2]) + (w6 * pad[r2 + q] + w7 * pad[r2 + q + 1]))
                + w8 * pad[r2 + q + 2];
            }
          }
        }
        y.set(acc, (s * co + o) * HW);
      }
    }
    return y;
  }

  // The same 3x3 convolution by Winograd's minimal filtering F(4x4, 3x3), for the denoiser,
  // whose 48->48 convolutions are nearly all of a generation's work. Each 4x4 block of outputs
  // is read from a 6x6 input tile: transform the tile (V = B^T d B) and the kernel (U = G g G^T,
  // once, when the model is built), multiply the two 6x6 grids element by element and sum over
  // the input channels (36 small matrix products), transform back (Y = A^T M A). That is 36
  // multiplications for 16 outputs instead of 144: on 7x7 maps (four tiles, a spare row and
  // column) these convolutions run ~3x faster than the direct loop above. In float64 the
  // transforms lose nothing the tests could see (~1e-7 in float32). The matrices are Lavin &
  // Gray's (2015), interpolation points 0, 1, -1, 2, -2 and infinity; G's rows are
  // [1/4, 0, 0], [-1/6, -1/6, -1/6], [-1/6, 1/6, -1/6], [1/24, 1/12, 1/6], [1/24, -1/12, 1/6], [0, 0, 1].

  // B^T on 6 numbers (src[at + i * step]) -> 6 numbers (dst[to + k * dstep])
  function inputTransform(src, at, step, dst, to, dstep) {
    const d0 = src[at], d1 = src[at + step], d2 = src[at + 2 * step], d3 = src[at + 3 * step],
          d4 = src[at + 4 * step], d5 = src[at + 5 * step];
    dst[to] = 4 * d0 - 5 * d2 + d4;
    dst[to + dstep] = -4 * (d1 + d2) + d3 + d4;
    dst[to + 2 * dstep] = 4 * (d1 - d2) - d3 + d4;
    dst[to + 3 * dstep] = 2 * (d3 - d1) - d2 + d4;
    dst[to + 4 * dstep] = 2 * (d1 - d3) - d2 + d4;
    dst[to + 5 * dstep] = 4 * d1 - 5 * d3 + d5;
  }

  // A^T on 6 numbers -> 4 numbers
  function outputTransform(src, at, step, dst, to, dstep) {
    const m0 = src[at], m1 = src[at + step], m2 = src[at + 2 * step], m3 = src[at + 3 * step],
          m4 = src[at + 4 * step], m5 = src[at + 5 * step];
    const sa = m1 + m2, da = m1 - m2, sb = m3 + m4, db = m3 - m4;
    dst[to] = m0 + sa + sb;
    dst[to + dstep] = da + 2 * db;
    dst[to + 2 * dstep] = sa + 4 * sb;
    dst[to + 3 * dstep] = da + 8 * db + m5;
  }

  // G on 3 numbers (src[at + i * step]) -> 6 numbers (dst[to + k * dstep])
  function kernelTransform(src, at, step, dst, to, dstep) {
    const g0 = src[at], g1 = src[at + step], g2 = src[at + 2 * step];
    dst[to] = g0 / 4;
    dst[to + dstep] = -(g0 + g1 + g2) / 6;
    dst[to + 2 * dstep] = -(g0 - g1 + g2) / 6;
    dst[to + 3 * dstep] = g0 / 24 + g1 / 12 + g2 / 6;
    dst[to + 4 * dstep] = g0 / 24 - g1 / 12 + g2 / 6;
    dst[to + 5 * dstep] = g2;
  }

  // U = G g G^T for every (out, in) pair: G g first (6x3), then times G^T (6x6).
  function winogradKernel(W, co, ci) {
    const U = new Float64Array(36 * co * ci), Gg = new Float64Array(18), GgG = new Float64Array(36);
    for (let o = 0; o < co; o++) {
      for (let c = 0; c < ci; c++) {
        const k = (o * ci + c) * 9;
        for (let j = 0; j < 3; j++) kernelTransform(W, k + j, 3, Gg, j, 3);      // G g, column by column
        for (let r = 0; r < 6; r++) kernelTransform(Gg, 3 * r, 1, GgG, 6 * r, 1);  // (G g) G^T, row by row
        for (let xi = 0; xi < 36; xi++) U[(xi * co + o) * ci + c] = GgG[xi];  // U[xi][o][c], xi = 6 * row + col
      }
    }
    return { U, co, ci };
  }

  // Scratch space reused from call to call (a generation makes hundreds of these convolutions:
  // fresh buffers each time would mostly feed the garbage collector).
  const scratch = {};
  function buffer(name, size) {
    if (!scratch[name] || scratch[name].length < size) scratch[name] = new Float64Array(size);
    return scratch[name];
  }

  function conv3x3Winograd(x, n, h, w, kernel, b) {
    const { U, co, ci } = kernel, tw = Math.ceil(w / 4), tiles = Math.ceil(h / 4) * tw, J = n * tiles;
    const V = winogradTiles(x, n, ci, h, w);
    const M = winogradProducts(U, V, co, ci, J);
    return winogradOutputs(M, n, co, h, w, b);
  }

  // The input tiles, transformed: V[xi][c][j] = (B^T d B)[xi] of tile j (= sample * tiles + tile).
  function winogradTiles(x, n, ci, h, w) {
    const th = Math.ceil(h / 4), tw = Math.ceil(w / 4), S = 4 * tw + 2, tiles = th * tw, J = n * tiles, vs = ci * J;
    const pad = buffer("pad", (4 * th + 2) * S), tmp = buffer("tmp", 36), V = buffer("V", 36 * vs);
    for (let s = 0; s < n; s++) {
      for (let c = 0; c < ci; c++) {
        pad.fill(0);
        const src = (s * ci + c) * h * w;
        for (let r = 0; r < h; r++) for (let q = 0; q < w; q++) pad[(r + 1) * S + q + 1] = x[src + r * w + q];
        for (let t = 0; t < tiles; t++) {
          const o = 4 * ((t / tw) | 0) * S + 4 * (t % tw), at = c * J + s * tiles + t;
          for (let q = 0; q < 6; q++) inputTransform(pad, o + q, S, tmp, q, 6);    // B^T d, column by column
          for (let r = 0; r < 6; r++) inputTransform(tmp, 6 * r, 1, V, 6 * r * vs + at, vs);  // (B^T d) B
        }
      }
    }
    return V;
  }

  // M[xi] = U[xi] (co x ci) times V[xi] (ci x J), two output channels and four tiles at a time:
  // eight sums held in local variables, six loads per eight multiply-adds.
  function winogradProducts(U, V, co, ci, J) {
    const M = buffer("M", 36 * co * J), vs = ci * J;
    for (let xi = 0; xi < 36; xi++) {
      const uo = xi * co * ci, vo = xi * vs, mo = xi * co * J;
      for (let o = 0; o < co; o += 2) {
        const two = o + 1 < co, u0 = uo + o * ci, u1 = two ? u0 + ci : u0, m0 = mo + o * J, m1 = m0 + J;
        let j = 0;
        for (; j + 3 < J; j += 4) {
          let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
          for (let c = 0, p = vo + j; c < ci; c++, p += J) {
            const v0 = V[p], v1 = V[p + 1], v2 = V[p + 2], v3 = V[p + 3], ua = U[u0 + c], ub = U[u1 + c];
            a0 += ua * v0; a1 += ua * v1; a2 += ua * v2; a3 += ua * v3;
            b0 += ub * v0; b1 += ub * v1; b2 += ub * v2; b3 += ub * v3;
          }
          M[m0 + j] = a0; M[m0 + j + 1] = a1; M[m0 + j + 2] = a2; M[m0 + j + 3] = a3;
          if (two) { M[m1 + j] = b0; M[m1 + j + 1] = b1; M[m1 + j + 2] = b2; M[m1 + j + 3] = b3; }
        }
        for (; j < J; j++) {
          let a = 0, bb = 0;
          for (let c = 0; c < ci; c++) { const v = V[vo + c * J + j]; a += U[u0 + c] * v; bb += U[u1 + c] * v; }
          M[m0 + j] = a;
          if (two) M[m1 + j] = bb;
        }
      }
    }
    return M;
  }

  // Back from the transformed products to the output map: Y = A^T M A per tile, plus the bias.
  function winogradOutputs(M, n, co, h, w, b) {
    const tw = Math.ceil(w / 4), tiles = Math.ceil(h / 4) * tw, J = n * tiles, ms = co * J;
    const y = new Float32Array(n * co * h * w), rows = buffer("rows", 24), out = buffer("out", 16);
    for (let o = 0; o < co; o++) {
      for (let j = 0; j < J; j++) {
        for (let q = 0; q < 6; q++) outputTransform(M, q * ms + o * J + j, 6 * ms, rows, q, 6);  // A^T M
        for (let r = 0; r < 4; r++) outputTransform(rows, 6 * r, 1, out, 4 * r, 1);               // (A^T M) A
        const s = (j / tiles) | 0, t = j % tiles, yy = 4 * ((t / tw) | 0), xx = 4 * (t % tw);
        const base = (s * co + o) * h * w;
        for (let r = 0; r < 4 && yy + r < h; r++) {  // a map not a multiple of 4 leaves spare outputs
          for (let q = 0; q < 4 && xx + q < w; q++) y[base + (yy + r) * w + xx + q] = out[4 * r + q] + b[o];
        }
      }
    }
    return y;
  }

  // ConvTranspose2d(kernel 4, stride 2, padding 1): doubles the map (7 -> 14 -> 28). Each input
  // pixel scatters a 4x4 stamp of its weights, two pixels apart; W is stored (in, out, 4, 4).
  function convTranspose4s2(x, n, ci, h, w, W, b, co) {
    const H2 = 2 * h, W2 = 2 * w, HW = h * w, HW2 = H2 * W2;
    const y = new Float32Array(n * co * HW2);
    const acc = new Float64Array(HW2);
    for (let s = 0; s < n; s++) {
      for (let o = 0; o < co; o++) {
        acc.fill(b[o]);
        for (let c = 0; c < ci; c++) {
          const src = (s * ci + c) * HW, k = (c * co + o) * 16;
          for (let ky = 0; ky < 4; ky++) {
            for (let r = 0; r < h; r++) {
              const oy = 2 * r - 1 + ky;
              if (oy < 0 || oy >= H2) continue;
              const row = oy * W2, xr = src + r * w;
              for (let kx = 0; kx < 4; kx++) {
                const wk = W[k + ky * 4 + kx];
                for (let q = 0; q < w; q++) {
                  const ox = 2 * q - 1 + kx;
                  if (ox >= 0 && ox < W2) acc[row + ox] += wk * x[xr + q];
                }
              }
            }
          }
        }
        y.set(acc, (s * co + o) * HW2);
      }
    }
    return y;
  }

  // GroupNorm: normalise each group of channels of each sample to mean 0, variance 1 (biased,
  // eps 1e-5, as torch), then scale and shift per channel. In place.
  function groupNorm(x, n, c, hw, groups, gamma, beta) {
    const per = c / groups, size = per * hw;
    for (let s = 0; s < n; s++) {
      for (let g = 0; g < groups; g++) {
        const o = (s * c + g * per) * hw;
        let mean = 0;
        for (let i = 0; i < size; i++) mean += x[o + i];
        mean /= size;
        let v = 0;
        for (let i = 0; i < size; i++) { const d = x[o + i] - mean; v += d * d; }
        const inv = 1 / Math.sqrt(v / size + 1e-5);
        for (let k = 0; k < per; k++) {
          const ch = g * per + k, a = gamma[ch] * inv, bb = beta[ch] - mean * a, oo = o + k * hw;
          for (let i = 0; i < hw; i++) x[oo + i] = x[oo + i] * a + bb;
        }
      }
    }
    return x;
  }

  function silu(x) { for (let i = 0; i < x.length; i++) { const v = x[i]; x[i] = v / (1 + Math.exp(-v)); } return x; }
  function relu(x) { for (let i = 0; i < x.length; i++) if (x[i] < 0) x[i] = 0; return x; }
  function sigmoid(x) { for (let i = 0; i < x.length; i++) x[i] = 1 / (1 + Math.exp(-x[i])); return x; }

  // Every layer run 100 times on small inputs (~15 ms): the JIT compiles the hot loops before a
  // fresh page's first generation needs them, instead of running them slowly the first time.
  function warmUp(times = 100) {
    const W = new Float32Array(2 * 64).fill(0.01), b = new Float32Array(4), x = new Float32Array(2 * 2 * 49).fill(0.5);
    for (let i = 0; i < times; i++) {
      const kernel = winogradKernel(W, 2, 2);
      silu(groupNorm(conv3x3Winograd(x, 2, 7, 7, kernel, b), 2, 2, 49, 1, b, b));
      sigmoid(conv3x3(convTranspose4s2(x, 1, 2, 7, 7, W, b, 2), 1, 2, 14, 14, W, b, 1));
      relu(linear(x, 2, 64, W, b, 2));
    }
  }

  root.VaeNN = { warmUp, roundHalfEven, halfToFloat, decodeTensor, linear, conv3x3, winogradKernel, conv3x3Winograd,
                 convTranspose4s2, groupNorm, silu, relu, sigmoid };
})(typeof window !== "undefined" ? window : globalThis);
