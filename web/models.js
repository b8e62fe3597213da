// models.js: the four models of lessons 06 and 07, and the sampler, in plain JavaScript.
//
//   classic VAE (mnist-vae-20):    784 pixels <-> 20 numbers          (lesson 06's latent lab)
//   2-D VAE decoder (mnist-vae-2):  2 numbers -> 784 pixels            (the map of a latent space)
//   conv VAE decoder (mnist-conv-vae): 4x7x7 latent -> 28x28 picture   (Stable Diffusion's VAE, small)
//   denoiser (mnist-latent-denoiser): noisy latent, t, prompt -> noise  (SD's U-Net, small)
//   text encoder: one learned vector per understood word               (SD's CLIP, tiny)
//
// Each mirrors its PyTorch twin in vae_lessons (models.py, diffusion.py) layer by layer, with the
// same weights (web/weights.js, written by `python -m vae_lessons export-web`).
(function (root) {
  "use strict";
  const NN = root.VaeNN;

  // A prompt the text encoder does not understand: the page shows `code` and `words` in the
  // reader's language instead of guessing.
  class PromptError extends Error {
    constructor(code, detail) { super(code + ": " + JSON.stringify(detail)); this.code = code; this.detail = detail; }
  }

  // Seeded noise. JavaScript has no seeded generator, so: mulberry32 (a small, well-mixed 32-bit
  // generator) for uniforms, Box-Muller for Gaussians. Not torch's noise: the same seed gives
  // the same picture in every browser, but not the picture the notebook gives.
  function gaussian(seed) {
    let a = seed >>> 0, spare = null;
    const uniform = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return () => {
      if (spare !== null) { const s = spare; spare = null; return s; }
      const u1 = 1 - uniform(), u2 = uniform();  // u1 in (0, 1]: log(u1) is finite
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    };
  }

  function build(W) {
    NN.warmUp();
    const T = {};
    for (const name of Object.keys(W.tensors)) T[name] = NN.decodeTensor(W.tensors[name]);
    const vocab = W.vocabulary, D = W.diffusion;
    const LAT = D.latent_shape[0] * D.latent_shape[1] * D.latent_shape[2];  // 4 x 7 x 7 = 196

    // ---------------------------------------------------------------- the classic VAE
    const hidden = W.vae.hidden_dim, latent = W.vae.latent_dim;
    const vae = {
      // image (784 numbers in [0, 1]) -> mu: the centre of the cloud of codes for this image
      encode(pixels) {
        const h = NN.relu(NN.linear(pixels, 1, 784, T["vae.fc1.weight"], T["vae.fc1.bias"], hidden));
        return NN.linear(h, 1, hidden, T["vae.fc2_mean.weight"], T["vae.fc2_mean.bias"], latent);
      },
      // 20 numbers -> 784 pixel intensities: the decoder paints from memory
      decode(z) {
        const h = NN.relu(NN.linear(z, 1, latent, T["vae.fc3.weight"], T["vae.fc3.bias"], hidden));
        return NN.sigmoid(NN.linear(h, 1, hidden, T["vae.fc4.weight"], T["vae.fc4.bias"], 784));
      },
    };

    // ---------------------------------------------------------------- the 2-D VAE's decoder
    const hidden2 = W.vae2.hidden_dim;
    const vae2 = {
      // n points of the plane (2 numbers each) -> n pictures of 784 pixel intensities (the map)
      decode(z, n = 1) {
        const h = NN.relu(NN.linear(z, n, 2, T["vae2.fc3.weight"], T["vae2.fc3.bias"], hidden2));
        return NN.sigmoid(NN.linear(h, n, hidden2, T["vae2.fc4.weight"], T["vae2.fc4.bias"], 784));
      },
    };

    // ---------------------------------------------------------------- the conv VAE's decoder
    const c = D.conv_vae.channels, lc = D.conv_vae.latent_channels;
    const P = (i) => [T[`conv_vae.decoder.${i}.weight`], T[`conv_vae.decoder.${i}.bias`]];
    // n latents (n x 4 x 7 x 7, unscaled) -> n pictures of 784 pixels in (0, 1)
    function convDecode(z, n) {
      let h = NN.silu(NN.conv3x3(z, n, lc, 7, 7, ...P(0), c));
      h = NN.silu(NN.conv3x3(h, n, c, 7, 7, ...P(2), c));
      h = NN.silu(NN.convTranspose4s2(h, n, c, 7, 7, ...P(4), c / 2));           // 7 -> 14
      h = NN.silu(NN.convTranspose4s2(h, n, c / 2, 14, 14, ...P(6), c / 4));     // 14 -> 28
      return NN.sigmoid(NN.conv3x3(h, n, c / 4, 28, 28, ...P(8), 1));
    }

    // ---------------------------------------------------------------- the text encoder
    // The same rule as diffusion.prompt_to_id: Chinese filler phrases (一个), then words, single
    // digits, single non-ASCII characters.
    const escape = (w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const phrases = vocab.filler.filter((w) => w.length > 1 && /[^\x00-\x7f]/.test(w)).sort((a, b) => b.length - a.length);
    const TOKEN = new RegExp(phrases.map((w) => escape(w) + "|").join("") + "[a-z]+|\\d|[^\\x00-\\x7f]", "gu");
    const known = (w) => Object.hasOwn(vocab.digits, w);  // not `in`: "constructor" is no digit
    function tokens(prompt) { return String(prompt).toLowerCase().match(TOKEN) || []; }
    function promptToId(prompt) {
      const words = tokens(prompt);
      const unknown = words.filter((w) => !known(w) && !vocab.filler.includes(w));
      if (unknown.length) throw new PromptError("unknown", unknown);
      const digits = new Set(words.filter(known).map((w) => vocab.digits[w]));
      if (digits.size > 1) throw new PromptError("several", [...digits]);
      return digits.size ? [...digits][0] : vocab.empty;
    }
    // The words a prompt's last word may be the start of ("se" -> seven), when that last word is
    // its only unknown one: the prompt is still being typed, not wrong.
    function completions(prompt) {
      const words = tokens(prompt), last = words[words.length - 1];
      if (!last || /\s$/.test(prompt) || !/^[a-z]+$/.test(last)) return [];
      if (words.slice(0, -1).some((w) => !known(w) && !vocab.filler.includes(w))) return [];
      if (known(last) || vocab.filler.includes(last)) return [];
      return Object.keys(vocab.digits).concat(vocab.filler).filter((w) => w.startsWith(last));
    }

    // ---------------------------------------------------------------- the denoiser
    const cfg = D.denoiser, width = cfg.width, cd = cfg.cond_dim, HW = 49;
    const dn = (k) => T["denoiser." + k];
    const freqs = T.time_freqs, half = cd / 2;
    // The blocks' 48->48 convolutions are nearly all the work: their Winograd form, made once.
    const wk = { in: NN.winogradKernel(dn("conv_in.weight"), width, lc), out: NN.winogradKernel(dn("conv_out.weight"), lc, width) };
    for (let b = 0; b < cfg.blocks; b++) {
      for (const conv of ["conv1", "conv2"]) wk[`${b}.${conv}`] = NN.winogradKernel(dn(`blocks.${b}.${conv}.weight`), width, width);
    }

    // The condition vector of each sample: silu(time_mlp(sinusoids of t) + the prompt's vector).
    function condition(ts, ids) {
      const n = ids.length, emb = new Float32Array(n * cd);
      for (let s = 0; s < n; s++) {
        for (let k = 0; k < half; k++) {
          const angle = Math.fround(ts[s] * freqs[k]);  // rounded to float32, as torch computes it
          emb[s * cd + k] = Math.sin(angle);
          emb[s * cd + half + k] = Math.cos(angle);
        }
      }
      const h = NN.silu(NN.linear(emb, n, cd, dn("time_mlp.0.weight"), dn("time_mlp.0.bias"), cd));
      const cond = NN.linear(h, n, cd, dn("time_mlp.2.weight"), dn("time_mlp.2.bias"), cd);
      const table = dn("text_encoder.embedding.weight");
      for (let s = 0; s < n; s++) for (let k = 0; k < cd; k++) cond[s * cd + k] += table[ids[s] * cd + k];
      return NN.silu(cond);
    }

    // n noisy latents x (n x 4 x 7 x 7, scaled), their timesteps ts, prompt ids -> n noise guesses
    function eps(x, ts, ids) {
      const n = ids.length, cond = condition(ts, ids);
      let h = NN.conv3x3Winograd(x, n, 7, 7, wk.in, dn("conv_in.bias"));
      for (let b = 0; b < cfg.blocks; b++) {
        const k = (name) => dn(`blocks.${b}.${name}`);
        const film = NN.linear(cond, n, cd, k("film.weight"), k("film.bias"), 2 * width);  // scale | shift
        let y = NN.groupNorm(Float32Array.from(h), n, width, HW, 8, k("norm1.weight"), k("norm1.bias"));
        y = NN.conv3x3Winograd(NN.silu(y), n, 7, 7, wk[`${b}.conv1`], k("conv1.bias"));
        NN.groupNorm(y, n, width, HW, 8, k("norm2.weight"), k("norm2.bias"));
        for (let s = 0; s < n; s++) {  // FiLM: the condition scales and shifts every channel
          for (let ch = 0; ch < width; ch++) {
            const a = 1 + film[s * 2 * width + ch], sh = film[s * 2 * width + width + ch], o = (s * width + ch) * HW;
            for (let i = 0; i < HW; i++) y[o + i] = y[o + i] * a + sh;
          }
        }
        y = NN.conv3x3Winograd(NN.silu(y), n, 7, 7, wk[`${b}.conv2`], k("conv2.bias"));
        for (let i = 0; i < h.length; i++) h[i] += y[i];  // the skip connection
      }
      NN.silu(NN.groupNorm(h, n, width, HW, 8, dn("norm_out.weight"), dn("norm_out.bias")));
      return NN.conv3x3Winograd(h, n, 7, 7, wk.out, dn("conv_out.bias"));
    }

    // Classifier-free guidance as LatentDiffusionPipeline.eps does it: both guesses in one batch
    // (the prompt's and the empty prompt's), eps_empty + g * (eps_cond - eps_empty); at g = 0 or
    // 1 only the one guess needed is run.
    function guidedEps(x, t, ids, g) {
      const n = ids.length;
      if (g === 0 || g === 1) return eps(x, new Array(n).fill(t), g === 0 ? ids.map(() => vocab.empty) : ids);
      const both = new Float32Array(2 * n * LAT);
      both.set(x); both.set(x, n * LAT);
      const e = eps(both, new Array(2 * n).fill(t), ids.concat(ids.map(() => vocab.empty)));
      const out = new Float32Array(n * LAT);
      for (let i = 0; i < n * LAT; i++) { const ec = e[i], e0 = e[n * LAT + i]; out[i] = e0 + g * (ec - e0); }
      return out;
    }

    const alphasBar = T.alphas_bar;

    // The starting noise of a seed: n latents of 4x7x7 standard normal numbers (the page's own
    // generator, not torch's).
    function startNoise(seed, n = 1) {
      const x = new Float32Array(n * LAT), draw = gaussian(seed);
      for (let i = 0; i < x.length; i++) x[i] = draw();
      return x;
    }

    // Text -> latents one DDIM step at a time, as LatentDiffusionPipeline.__call__: seeded noise in
    // the scaled latent space, then `steps` deterministic steps (eta = 0) with guidance. step()
    // runs the next one and returns the clean latent x0 its noise guess implies; `x` is the
    // latent after the steps run so far; `done` once all have run. noise: a starting latent to
    // use instead of the seeded one (the tests pass torch's, to check the steps themselves).
    function sampler(prompts, { guidance = D.guidance, steps = D.steps, seed = 0, noise = null } = {}) {
      const ids = prompts.map(promptToId);
      steps = Math.round(steps);
      if (!(steps >= 1 && steps <= D.max_steps)) throw new RangeError(`steps must be 1..${D.max_steps}`);
      if (!Number.isFinite(guidance)) throw new RangeError("guidance must be a finite number");
      let x = noise ? Float32Array.from(noise) : startNoise(seed, ids.length), i = 0;
      const ts = D.timesteps[steps];
      return {
        ids, steps, ts,
        get x() { return x; },
        get done() { return i >= steps; },
        step() {
          const t = ts[i], e = guidedEps(x, t, ids, guidance);
          const a = alphasBar[t], aPrev = i + 1 < steps ? alphasBar[ts[i + 1]] : 1;
          const sa = Math.sqrt(a), s1a = Math.sqrt(1 - a), sp = Math.sqrt(aPrev), s1p = Math.sqrt(1 - aPrev);
          const x0 = new Float32Array(x.length), next = new Float32Array(x.length);
          for (let j = 0; j < x.length; j++) {
            x0[j] = (x[j] - s1a * e[j]) / sa;          // the clean latent this noise guess implies
            next[j] = sp * x0[j] + s1p * e[j];         // noised again, to the next (lower) level
          }
          x = next;
          i++;
          return x0;
        },
      };
    }

    // Text -> pictures in one go: every step of a sampler, then unscale and decode.
    function generate(prompts, opts = {}) {
      const s = sampler(prompts, opts);
      while (!s.done) s.step();
      return { latents: s.x, images: decodeLatents(s.x, s.ids.length) };
    }

    // Scaled latents -> pictures in [0, 1]: undo the latent scale, let the VAE decoder paint.
    function decodeLatents(latents, n) {
      const z = new Float32Array(latents.length);
      for (let i = 0; i < z.length; i++) z[i] = latents[i] / D.latent_scale;
      const img = convDecode(z, n);
      for (let i = 0; i < img.length; i++) img[i] = Math.min(1, Math.max(0, img[i]));
      return img;
    }

    return { vae, vae2, convDecode, decodeLatents, promptToId, completions, eps, guidedEps, startNoise, sampler,
             generate, alphasBar, tensors: T, meta: W };
  }

  root.VaeModels = { build, gaussian, PromptError };
})(typeof window !== "undefined" ? window : globalThis);
