// i18n.js: every word the page shows, in English and 中文, and the switch between them.
//
// index.html holds the English text already (it shows before any script runs); apply() fills
// the marked elements in the language chosen: data-i18n="key" (text), data-i18n-html="key"
// (text with a link or markup, all of it written here, never user input), data-i18n-label
// (aria-label) and data-i18n-title (title). {name} in a string is filled from `vars`.
(function (root) {
  "use strict";
  const L01 = "01_bottleneck.ipynb", L04 = "04_kl_divergence.ipynb", L06 = "06_latent_sampling.ipynb",
    L07 = "07_stable_diffusion.ipynb";
  // A lesson link: relative to web/ (offline); app.js points it at Colab while the browser is online.
  const lesson = (dir, file, text) => `<a data-notebook="${dir}${file}" href="../notebooks/${dir}${file}">${text}</a>`;

  const strings = {
    en: {
      title: "VAE lessons: the classroom page",
      switch: "中文",
      switch_label: "中文: switch the page to Chinese",
      share: "copy link",
      share_done: "link copied",
      share_title: "The address holds this set-up (the 20 numbers, the map's points, the prompt, g, steps, seed, language): copy it to share.",
      lead: "Three experiments from lessons 06 and 07, computed live in this page by the lessons' own trained models: no server, no network.",
      about_summary: "About this page",
      about: "A VAE (variational autoencoder) has two halves: an <b>encoder</b> squeezes a picture into a few " +
        "numbers, its latent vector, and a <b>decoder</b> paints the picture back from those numbers. The " +
        "address bar keeps the page's set-up (the 20 numbers, the map's points, the prompt, g, steps, seed and " +
        "language): copy it, and the link opens the page as it is now. " +
        lesson("", L01, "Lesson 01: remember a 7 with 20 numbers"),
      links_offline: "Offline, the lesson links open the notebooks beside this page: open them in Jupyter.",
      links_online: "The lesson links open the notebooks in Google Colab.",

      draw_title: "1 · Draw a digit: its 20 numbers",
      draw_lead: "Draw a digit or pick a sample: the <b>encoder</b> turns it into 20 numbers z, and the " +
        "<b>decoder</b> paints a digit back from them.",
      samples_label: "sample digits",
      sample: "sample digit {d}",
      pad_hint: "draw a digit here",
      pad_label: "Drawing pad: draw a digit with a mouse, a finger or a pen. Keys 0 to 9 load a sample digit, Delete clears.",
      clear: "clear",
      encoder_sees: "what the encoder sees",
      seen_label: "What the encoder sees: the drawing prepared like an MNIST digit, 28 by 28 pixels.",
      decoded: "decoded digit",
      decoded_label: "The decoded digit: what the decoder paints from the 20 numbers.",
      meter_label: "The size of z, ‖z‖, on a scale from 0, with the shell where 99% of random z lie.",
      shell: "shell: 99% of random z",
      inside: "Inside the shell: a typical size for a random z. Only the size is typical: it does not mean the picture looks like a digit.",
      outside: "Outside the shell: a size random z almost never have.",
      random: "random z",
      reset: "reset to 0",
      back: "back to the encoded digit",
      sliders_caption: "The 20 numbers, most used first; the grey KL bar is each number's mean KL, in nats (how much the model uses it), not its value.",
      kl_title: "mean KL {kl} nats",
      draw_more_summary: "More: how the drawing is prepared, the sliders, the shell",
      draw_more: "Your drawing is prepared the way MNIST prepared its digits (cropped, fitted into a 20×20 box, " +
        "centred by its centre of mass in 28×28): the small picture is what the encoder sees. The encoder gives " +
        "each picture a small cloud of possible codes; the cloud's centre, μ, is 20 numbers, set on the sliders. " +
        "The page opens on the first digit of MNIST's test set. Each slider is one of the 20 numbers z the " +
        "decoder paints from. The prior N(0,\u00a0I) is 20 independent standard normal numbers: training pulls " +
        "the codes towards it, and <b>random z</b> draws from it. The sliders are sorted by how much the model " +
        "uses each number (top to bottom, column by column); the bar is that number's mean KL over {n} test " +
        "digits, in nats: how far the encoder's cloud for it strays from the prior. A number the model ignores " +
        "stays at the prior, KL ≈ 0, and changes the digit little. The meter shows ‖z‖, the distance from 0: " +
        "random z are almost never near 0 but in a thin shell around √20 ≈ 4.5 (99% of them between {low} and " +
        "{high}), and real digits' codes lie there too. Inside the shell is only a statement about size: a " +
        "scribble and a single dot can both land there. " +
        lesson("", L06, "Lesson 06: the latent lab") + " · " + lesson("", L04, "Lesson 04: KL divergence"),

      map_title: "2 · A map of a 2-D latent space",
      map_lead: "A second VAE keeps only 2 numbers per digit, so its whole latent space fits on a map: " +
        "each dot is a test digit's μ, coloured by digit; click or drag to decode any point.",
      map_label: "Map of the 2-D latent space: {count} test digits as dots, coloured by digit. Click or drag to decode a point; the arrow keys move it.",
      map_decoded: "decoded at the point",
      map_decoded_label: "The digit the 2-D model's decoder paints at the chosen point.",
      set_a: "A ← this point",
      set_b: "B ← this point",
      line_caption: "straight line from A to B",
      slerp_caption: "slerp from A to B (along an arc)",
      path_label: "{n} digits decoded along the path from A to B",
      map_more_summary: "More: blends, lines and slerp",
      map_more: "Every point of the map decodes to something: between the clusters the decoder paints " +
        "blends of their digits. The straight line from A to B cuts across, closer to the centre (0,\u00a00), " +
        "where codes are small; slerp (spherical interpolation) swings around the centre along an arc. In " +
        "20-D the middle of a straight line falls inside the shell, where real codes are rare, and that is why " +
        "lesson 06 walks with slerp. With only 2 numbers the digits are blurrier than with 20: the price of a " +
        "latent space you can see whole. " + lesson("", L06, "Lesson 06: latent sampling and interpolation"),

      sd_title: "3 · Mini latent diffusion: Stable Diffusion in small",
      sd_lead: "Type a digit (7, seven or 七): starting from random noise, the denoiser takes the noise away " +
        "step by step in a latent space, and a decoder paints the result.",
      stage_prompt: "prompt",
      stage_text: "text encoder",
      stage_text_sub: "a vector of 64 numbers",
      stage_denoiser: "denoiser",
      stage_steps: "× {n} steps",
      stage_step: "step {k} of {n}",
      stage_decoder: "decoder",
      stage_decoder_sub: "4×7×7 → 28×28",
      overview_label: "How a picture is made: prompt, text encoder, denoiser repeated for each step, decoder.",
      prompt: "prompt",
      guidance: "guidance g",
      formula: "ε = ε<sub>∅</sub> + g·(ε<sub>prompt</sub> − ε<sub>∅</sub>)",
      steps: "steps",
      seed: "seed",
      new_seed: "new seed",
      play: "play",
      pause: "pause",
      scrub: "step of the walk",
      frame_start: "step 0 of {n}: pure noise, t = {t}; decoded, it is nearly black",
      frame: "step {k} of {n}: t = {t}, noise {p}%",
      frame_end: "step {n} of {n}: the clean latent, no noise left",
      xt: "xₜ, decoded",
      xt_label: "The noisy latent at this step, painted by the decoder.",
      x0: "x̂₀: the denoiser's guess, decoded",
      x0_label: "The denoiser's guess of the clean latent at this step, painted by the decoder.",
      no_guess: "no guess before step 1",
      result: "result",
      result_label: "The generated digit.",
      channels: "xₜ itself: 4 channels, red above 0, blue below",
      channels_label: "The noisy latent itself: its four channels of 7 by 7 numbers, red above 0, blue below.",
      timing: "{steps} steps in {ms} ms",
      timing_one: "1 step in {ms} ms",
      timing_first: "first run {ms} ms (the browser compiles the code)",
      computing: "computing…",
      sd_more_summary: "More: the latent space, DDIM steps, guidance",
      sd_more: "A second VAE, a convolutional one, packs a 28×28 digit into a 4×7×7 latent (four 7×7 channels), " +
        "and the diffusion works there. It starts from random noise fixed by the seed; each DDIM step the " +
        "denoiser guesses the noise ε, works out the clean latent x̂<sub>0</sub> that guess implies, and adds " +
        "back a smaller amount of noise; nothing is random after the start. Classifier-free guidance: the " +
        "denoiser guesses ε twice, with the prompt and with an empty prompt (∅), and each step uses the formula " +
        "beside the g slider: g\u00a0=\u00a00 ignores the prompt, g\u00a0=\u00a01 follows it plainly, " +
        "g\u00a0&gt;\u00a01 pushes harder. The text encoder is a table of 11 learned vectors (the digits 0–9 " +
        "and the empty prompt). " + lesson("", L07, "Lesson 07: the Stable Diffusion connection"),
      empty_prompt: "Empty prompt: the unconditional model draws some digit; guidance has nothing to push towards.",
      ignored: "g = 0: the prompt is ignored; this is the digit the unconditional model draws from this seed.",
      unknown: "Not understood: {words}. Try 0–9, zero … nine or 零 … 九 (“a handwritten”, “一个手写的” are ignored).",
      several: "This prompt names several digits ({digits}): ask for one.",
      typing: "Keep typing: {words}…",
      no_weights: "web/weights.js is missing or broken: run  python -m vae_lessons export-web --out web",
    },
    zh: {
      title: "VAE 课程：课堂页面",
      switch: "English",
      switch_label: "English：把页面切换成英文",
      share: "复制链接",
      share_done: "链接已复制",
      share_title: "地址里保存着当前设置（20 个数、地图上的点、提示词、g、步数、种子、语言）：复制它即可分享。",
      lead: "第 06 课和第 07 课的三个实验，由课程里训练好的模型在本页面中实时计算：无需服务器，无需网络。",
      about_summary: "关于本页面",
      about: "VAE（变分自编码器）由两半组成：<b>编码器</b>把一张图压缩成几个数，即它的潜向量；<b>解码器</b>" +
        "再从这些数把图重建出来。地址栏保存着页面的设置（20 个数、地图上的点、提示词、g、步数、种子和语言）：" +
        "复制它，打开链接就能回到现在的样子。" + lesson("zh/", L01, "第 01 课：用 20 个数记住一个 7"),
      links_offline: "离线时，课程链接打开本页面旁边的笔记本文件：请用 Jupyter 打开。",
      links_online: "课程链接会在 Google Colab 中打开笔记本。",

      draw_title: "1 · 画一个数字：它的 20 个数",
      draw_lead: "画一个数字或选一个样例：<b>编码器</b>把它变成 20 个数 z，<b>解码器</b>再从这些数把数字重建出来。",
      samples_label: "样例数字",
      sample: "样例数字 {d}",
      pad_hint: "在这里画一个数字",
      pad_label: "画板：用鼠标、手指或触控笔画一个数字。按 0 到 9 键载入样例数字，按 Delete 键清除。",
      clear: "清除",
      encoder_sees: "编码器看到的图",
      seen_label: "编码器看到的图：按 MNIST 方式预处理后的画，28×28 像素。",
      decoded: "解码出的数字",
      decoded_label: "解码出的数字：解码器根据这 20 个数重建的图。",
      meter_label: "z 的大小 ‖z‖，从 0 开始的刻度，并标出 99% 的随机 z 所在的薄壳。",
      shell: "薄壳：99% 的随机 z",
      inside: "在薄壳内：这是随机 z 的典型大小。典型的只是大小，并不说明它看起来像一个数字。",
      outside: "在薄壳外：随机 z 几乎不会有这样的大小。",
      random: "随机 z",
      reset: "归零",
      back: "回到编码出的数字",
      sliders_caption: "20 个数，用得最多的在前；灰色的 KL 条是每个数的平均 KL散度，单位奈特（模型用它用得多少），不是它的值。",
      kl_title: "平均 KL散度 {kl} 奈特",
      draw_more_summary: "更多：画怎样预处理、滑块、薄壳",
      draw_more: "你的画会按 MNIST 处理数字的方式预处理（裁剪、缩放进 20×20 的框、按质心放到 28×28 的中央）：" +
        "小图就是编码器看到的样子。编码器给每张图一小团可能的编码；这团编码的中心 μ 是 20 个数，它们被设到滑块上。" +
        "页面打开时显示的是 MNIST 测试集的第一个数字。每个滑块是解码器作画所依据的 20 个数 z 之一。" +
        "先验 N(0,\u00a0I) 是 20 个相互独立的标准正态数：训练把编码拉向它，<b>随机 z</b> 就是从它采样的。" +
        "滑块按模型对每个数的使用程度排序（从上到下，一栏接一栏）；条形是这个数在 {n} 张测试图上的平均 KL散度，" +
        "单位奈特，衡量编码器给它的那团编码偏离先验有多远。模型不用的数停在先验上，KL ≈ 0，对数字的影响也小。" +
        "仪表显示 ‖z‖，即到 0 的距离：随机 z 几乎从不落在 0 附近，而是落在 √20 ≈ 4.5 附近的一层薄壳里" +
        "（99% 在 {low} 到 {high} 之间），真实数字的编码也在那里。在薄壳内只是关于大小的判断：一团乱涂和一个点都可能落在里面。" +
        lesson("zh/", L06, "第 06 课：潜空间实验室") + " · " + lesson("zh/", L04, "第 04 课：KL散度"),

      map_title: "2 · 二维潜空间的地图",
      map_lead: "第二个 VAE 每个数字只保留 2 个数，所以整个潜空间能画成一张地图：每个点是一张测试图的 μ，" +
        "颜色表示数字；点击或拖动即可解码地图上的任意一点。",
      map_label: "二维潜空间的地图：{count} 张测试图画成的点，颜色表示数字。点击或拖动来解码一点；方向键可以移动它。",
      map_decoded: "这一点解码出的数字",
      map_decoded_label: "二维模型的解码器在所选的点上重建的数字。",
      set_a: "A ← 这一点",
      set_b: "B ← 这一点",
      line_caption: "从 A 到 B 的直线",
      slerp_caption: "从 A 到 B 的球面插值 slerp（沿圆弧）",
      path_label: "沿着从 A 到 B 的路径解码出的 {n} 个数字",
      map_more_summary: "更多：过渡、直线和 slerp",
      map_more: "地图上的每一点都能解码出点什么：在各团之间，解码器画出的是它们的数字之间的过渡。" +
        "从 A 到 B 的直线横穿过去，更靠近中心 (0,\u00a00)，那里的编码很小；球面插值 slerp 则沿一条圆弧绕着中心走。" +
        "在 20 维里，直线的中点会落到薄壳里面，那里很少有真实的编码，所以第 06 课用 slerp 做插值。" +
        "只用 2 个数，数字比用 20 个数时更模糊：这是能把整个潜空间看全的代价。" +
        lesson("zh/", L06, "第 06 课：潜空间采样与插值"),

      sd_title: "3 · 迷你潜在扩散：缩小版的 Stable Diffusion",
      sd_lead: "输入一个数字（7、seven 或 七）：去噪器从随机噪声出发，在潜空间里一步步去掉噪声，最后由解码器把结果画出来。",
      stage_prompt: "提示词",
      stage_text: "文本编码器",
      stage_text_sub: "一个由 64 个数组成的向量",
      stage_denoiser: "去噪器",
      stage_steps: "× {n} 步",
      stage_step: "第 {k}/{n} 步",
      stage_decoder: "解码器",
      stage_decoder_sub: "4×7×7 → 28×28",
      overview_label: "一张图是怎样生成的：提示词、文本编码器、每一步都运行的去噪器、解码器。",
      prompt: "提示词",
      guidance: "引导权重 g",
      formula: "ε = ε<sub>∅</sub> + g·(ε<sub>提示</sub> − ε<sub>∅</sub>)",
      steps: "步数",
      seed: "种子",
      new_seed: "换个种子",
      play: "播放",
      pause: "暂停",
      scrub: "去噪过程的步",
      frame_start: "第 0/{n} 步：纯噪声，t = {t}；解码出来几乎全黑",
      frame: "第 {k}/{n} 步：t = {t}，噪声 {p}%",
      frame_end: "第 {n}/{n} 步：干净的潜向量，噪声已经去完",
      xt: "xₜ（已解码）",
      xt_label: "这一步带噪声的潜向量，由解码器画出。",
      x0: "x̂₀：去噪器的猜测（已解码）",
      x0_label: "去噪器在这一步对干净潜向量的猜测，由解码器画出。",
      no_guess: "第 1 步之前还没有猜测",
      result: "结果",
      result_label: "生成的数字。",
      channels: "xₜ 本身：4 个通道，红色大于 0，蓝色小于 0",
      channels_label: "带噪声的潜向量本身：四个由 7×7 个数组成的通道，红色大于 0，蓝色小于 0。",
      timing: "{steps} 步用时 {ms} 毫秒",
      timing_one: "1 步用时 {ms} 毫秒",
      timing_first: "首次运行 {ms} 毫秒（浏览器正在编译代码）",
      computing: "正在计算……",
      sd_more_summary: "更多：潜空间、DDIM 采样的步、引导",
      sd_more: "第二个 VAE（卷积VAE）把 28×28 的数字压成 4×7×7 的潜向量（4 个 7×7 的通道），扩散就在这个潜空间里进行。" +
        "它从由种子确定的随机噪声出发；DDIM 采样的每一步，去噪器先猜出噪声 ε，算出这个猜测对应的干净潜向量 " +
        "x̂<sub>0</sub>，再加回少一些的噪声；起点之后不再有随机性。无分类器引导：去噪器对 ε 猜两次，一次带提示词，" +
        "一次用空提示词（∅），每一步用 g 滑块旁边的公式：g\u00a0=\u00a00 忽略提示词，g\u00a0=\u00a01 单纯遵循提示词，" +
        "g\u00a0&gt;\u00a01 更用力地推向提示词。文本编码器是一张有 11 个学到的向量的表（数字 0–9 和空提示词）。" +
        lesson("zh/", L07, "第 07 课：与 Stable Diffusion 的联系"),
      empty_prompt: "空提示词：无条件模型会随便画一个数字；引导没有可以推向的方向。",
      ignored: "g = 0：提示词被忽略；这是无条件模型从这个种子画出的数字。",
      unknown: "无法理解：{words}。可以用 0–9、zero … nine 或 零 … 九（“a handwritten”、“一个手写的”会被忽略）。",
      several: "这个提示词包含多个数字（{digits}）：请只写一个。",
      typing: "继续输入：{words}……",
      no_weights: "web/weights.js 缺失或损坏：请运行  python -m vae_lessons export-web --out web",
    },
  };

  // The language the address asks for (#lang=zh, or the older #zh / #en), else null.
  function fromHash(hash) {
    const params = new URLSearchParams(String(hash || "").replace(/^#/, ""));
    const lang = params.get("lang") || [...params.keys()].find((k) => k in strings);
    return lang in strings ? lang : null;
  }

  const i18n = {
    strings,
    lang: "en",
    t(key, vars = {}) {
      const s = strings[i18n.lang][key] ?? strings.en[key] ?? key;
      return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    },
    // Fill every marked element; `vars` maps keys to their {placeholders}.
    apply(vars = {}) {
      document.documentElement.lang = i18n.lang === "zh" ? "zh-CN" : "en";
      document.title = i18n.t("title");
      const fill = (attr, set) => {
        for (const el of document.querySelectorAll(`[data-i18n${attr}]`)) {
          const key = el.getAttribute(`data-i18n${attr}`);
          set(el, i18n.t(key, vars[key]));
        }
      };
      fill("", (el, s) => { el.textContent = s; });
      fill("-html", (el, s) => { el.innerHTML = s; });
      fill("-label", (el, s) => el.setAttribute("aria-label", s));
      fill("-title", (el, s) => el.setAttribute("title", s));
    },
    // The address chooses (#lang=zh); otherwise the browser's language. Nothing is stored.
    initial() {
      const chosen = fromHash(root.location && root.location.hash);
      if (chosen) return chosen;
      return /^zh/i.test(root.navigator && root.navigator.language || "") ? "zh" : "en";
    },
    fromHash,
  };
  root.VaeI18n = i18n;
})(typeof window !== "undefined" ? window : globalThis);
