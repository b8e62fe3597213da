// i18n.js: every word the page shows, in English and 中文, and the switch between them.
//
// Elements carry data-i18n="key" (text) or data-i18n-html="key" (text with a link or markup,
// all of it written here, never user input). {name} in a string is filled from `vars`.
(function (root) {
  "use strict";
  const L01 = "01_bottleneck.ipynb", L04 = "04_kl_divergence.ipynb", L06 = "06_latent_sampling.ipynb",
    L07 = "07_stable_diffusion.ipynb";
  const lesson = (dir, file, text) => `<a href="../notebooks/${dir}${file}">${text}</a>`;

  const strings = {
    en: {
      title: "VAE lessons: the classroom page",
      switch: "中文",
      intro: "A VAE (variational autoencoder) has two halves: an <b>encoder</b> squeezes a picture into a few " +
        "numbers, its latent code, and a <b>decoder</b> paints the picture back from those numbers. Three " +
        "experiments from lessons 06 and 07 run inside this page, with no server, no network and no installation: " +
        "the lessons' trained models, computed here in JavaScript. Each part links the lesson that teaches it " +
        "(a notebook: open it in Jupyter). " + lesson("", L01, "Lesson 01: remember a 7 with 20 numbers"),
      draw_title: "1 · Draw a digit",
      draw_text: "Draw a digit with the mouse, a finger or a pen; <b>clear</b> starts again. Your drawing is " +
        "prepared the way MNIST prepared its digits (cropped, fitted into a 20×20 box, centred by its centre of " +
        "mass in 28×28): the small picture is what the encoder sees. The encoder gives each picture a small cloud " +
        "of possible codes; the cloud's centre, μ, is 20 numbers, and they are set on the sliders below. " +
        "The page opens on the first digit of MNIST's test set. " +
        lesson("", L06, "Lesson 06: the latent lab"),
      pad_hint: "draw a digit here",
      clear: "clear",
      encoder_sees: "what the encoder sees",
      sliders_title: "2 · Twenty numbers",
      sliders_text: "Each slider is one of the 20 numbers z the decoder paints from; the digit is repainted at " +
        "every move. The prior N(0,\u00a0I) is 20 independent standard normal numbers: training pulls the codes " +
        "towards it, and <b>random z</b> draws from it. The sliders are sorted by how much the model uses each number, " +
        "most first (top to bottom, column by column); the bar is that number's mean KL over {n} test digits, " +
        "in nats: how far the encoder's cloud for it strays from the prior. A number the model ignores stays at " +
        "the prior, KL ≈ 0. On average the top sliders change the digit most and the bottom ones much less. " +
        "The meter shows ‖z‖, the distance from 0: prior draws are almost never near 0 but in a thin shell " +
        "around √20 ≈ 4.5 (99% of them between {low} and {high}), and real digits' codes lie there too. " +
        lesson("", L06, "Lesson 06: the norm of z and the shell") + " · " + lesson("", L04, "Lesson 04: KL divergence"),
      kl_caption: "bar and number: the mean KL of each z[i], in nats (most used first)",
      decoded: "decoded digit",
      random: "random z",
      reset: "reset to 0",
      back: "back to the encoded digit",
      kl_title: "mean KL {kl} nats",
      meter: "‖z‖ = {norm}; 99% of prior draws have ‖z‖ between {low} and {high}: ",
      inside: "inside the shell",
      outside: "outside the shell, where few real digits' codes lie",
      sd_title: "3 · Mini Stable Diffusion",
      sd_text: "Type a digit: 7, seven or 七. A second VAE, a convolutional one, packs a 28×28 digit into a " +
        "4×7×7 latent (four 7×7 channels), and the diffusion works there. It starts from random noise fixed by " +
        "the seed, and the denoiser takes the noise away in DDIM steps (25 by default): each step guesses the " +
        "noise ε, works out the clean latent x̂<sub>0</sub> that guess implies, and adds back a smaller amount of " +
        "noise; nothing is random after the start. Classifier-free guidance: the denoiser guesses ε twice, with " +
        "the prompt and with an empty prompt, and each step uses ε = ε<sub>empty</sub> + g·(ε<sub>prompt</sub> " +
        "− ε<sub>empty</sub>): g\u00a0=\u00a00 ignores the prompt, g\u00a0=\u00a01 follows it plainly, g\u00a0&gt;\u00a01 pushes harder. " +
        "The conv VAE's decoder paints the final latent. " + lesson("", L07, "Lesson 07: the Stable Diffusion connection"),
      prompt: "prompt",
      guidance: "guidance g",
      steps: "steps",
      seed: "seed",
      result: "result",
      walk: "denoising walk: the denoiser's guess x̂₀ of the clean picture, decoded, after step k of n",
      channels: "the final latent's four channels (7×7 each; red +, white 0, blue −)",
      timing: "{ms} ms for {steps} steps",
      timing_one: "{ms} ms for 1 step",
      empty_prompt: "Empty prompt: the unconditional model draws some digit; guidance has nothing to push " +
        "towards (ε_prompt = ε_empty).",
      ignored: "g = 0: the prompt is ignored and only the empty prompt's guess is used; this is the digit the " +
        "unconditional model draws from this seed.",
      unknown: "Not understood: {words}. The text encoder knows the digits 0–9, the words zero … nine and " +
        "零 一 二 三 四 五 六 七 八 九 (words such as “a handwritten” are ignored).",
      several: "This prompt names several digits ({digits}): ask for one.",
      no_weights: "web/weights.js is missing or broken: run  python -m vae_lessons export-web --out web",
    },
    zh: {
      title: "VAE 课程：课堂页面",
      switch: "English",
      intro: "VAE（变分自编码器）由两半组成：<b>编码器</b>把一张图压缩成几个数，即它的潜向量；<b>解码器</b>" +
        "再从这些数把图画回来。第 06 课和第 07 课的三个实验就在本页面中运行，无需服务器、无需网络、无需安装：" +
        "模型就是课程里训练好的那些，在这里用 JavaScript 计算。每一部分都链接到讲解它的那一课" +
        "（笔记本文件，请用 Jupyter 打开）。" + lesson("zh/", L01, "第 01 课：用 20 个数记住一个 7"),
      draw_title: "1 · 画一个数字",
      draw_text: "用鼠标、手指或触控笔画一个数字；按<b>清除</b>重新开始。你的画会按 MNIST 处理数字的方式预处理" +
        "（裁剪、缩放进 20×20 的框、按质心放到 28×28 的中央）：小图就是编码器看到的样子。编码器给每张图一小团" +
        "可能的编码（编码云）；云的中心 μ 是 20 个数，它们会被设到下面的滑块上。" +
        "页面打开时显示的是 MNIST 测试集的第一个数字。" +
        lesson("zh/", L06, "第 06 课：潜空间实验室"),
      pad_hint: "在这里画一个数字",
      clear: "清除",
      encoder_sees: "编码器看到的图",
      sliders_title: "2 · 二十个数",
      sliders_text: "每个滑块是解码器作画所依据的 20 个数 z 之一；每移动一次，数字就重画一次。" +
        "先验 N(0,\u00a0I) 是 20 个相互独立的标准正态数：训练把编码拉向它，<b>随机 z</b> 也从它抽取。" +
        "滑块按模型对每个数的使用程度排序，用得最多的在前（从上到下，一栏接一栏）；条形是这个数在 {n} 张测试图上" +
        "的平均 KL散度，单位奈特，衡量编码器给它的云偏离先验有多远。模型不用的数停在先验上，KL ≈ 0。" +
        "平均而言，靠前的滑块改变数字最多，靠后的改变少得多。仪表显示 ‖z‖，即到 0 的距离：先验样本几乎从不落在 " +
        "0 附近，而是落在 √20 ≈ 4.5 附近的一层薄壳里（99% 在 {low} 到 {high} 之间），真实数字的编码也在那里。" +
        lesson("zh/", L06, "第 06 课：z 的范数与薄壳") + " · " + lesson("zh/", L04, "第 04 课：KL散度"),
      kl_caption: "条形和数字：每个 z[i] 的平均 KL散度，单位奈特（用得最多的在前）",
      decoded: "解码出的数字",
      random: "随机 z",
      reset: "归零",
      back: "回到编码出的数字",
      kl_title: "平均 KL散度 {kl} 奈特",
      meter: "‖z‖ = {norm}；先验样本有 99% 的 ‖z‖ 在 {low} 到 {high} 之间：",
      inside: "在薄壳内",
      outside: "在薄壳外，真实数字的编码很少落在这里",
      sd_title: "3 · 迷你 Stable Diffusion",
      sd_text: "输入一个数字：7、seven 或 七。第二个 VAE（卷积VAE）把 28×28 的数字压成 4×7×7 的潜向量" +
        "（4 个 7×7 的通道），扩散就在这个潜空间里进行。它从由种子确定的随机噪声出发，去噪器用 DDIM 采样" +
        "一步步去掉噪声（默认 25 步）：每一步先猜出噪声 ε，算出这个猜测对应的干净潜向量 x̂<sub>0</sub>，" +
        "再加回少一些的噪声；起点之后不再有随机性。无分类器引导：去噪器对 ε 猜两次，一次带提示词，一次用空提示词，" +
        "每一步用 ε = ε<sub>空</sub> + g·(ε<sub>提示</sub> − ε<sub>空</sub>)：g\u00a0=\u00a00 忽略提示词，" +
        "g\u00a0=\u00a01 单纯遵循提示词，g\u00a0&gt;\u00a01 更用力地推向提示词。最后由卷积VAE 的解码器把最终的潜向量画成图。" +
        lesson("zh/", L07, "第 07 课：与 Stable Diffusion 的联系"),
      prompt: "提示词",
      guidance: "引导权重 g",
      steps: "步数",
      seed: "种子",
      result: "结果",
      walk: "去噪过程：第 k/n 步之后，去噪器对干净图像的猜测 x̂₀（已解码）",
      channels: "最终潜向量的四个通道（各 7×7；红为正，白为 0，蓝为负）",
      timing: "{steps} 步用时 {ms} 毫秒",
      timing_one: "1 步用时 {ms} 毫秒",
      empty_prompt: "空提示词：无条件模型会随便画一个数字；引导没有可以推向的方向（ε_提示 = ε_空）。",
      ignored: "g = 0：提示词被忽略，只用空提示词的噪声猜测；这是无条件模型从这个种子画出的数字。",
      unknown: "无法理解：{words}。文本编码器只认识数字 0–9、英文单词 zero … nine 和 零 一 二 三 四 五 六 七 八 九" +
        "（“a handwritten”、“手写的数字”这类词会被忽略）。",
      several: "这个提示词包含多个数字（{digits}）：请只写一个。",
      no_weights: "web/weights.js 缺失或损坏：请运行  python -m vae_lessons export-web --out web",
    },
  };

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
      for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = i18n.t(el.dataset.i18n, vars[el.dataset.i18n]);
      for (const el of document.querySelectorAll("[data-i18n-html]")) el.innerHTML = i18n.t(el.dataset.i18nHtml, vars[el.dataset.i18nHtml]);
    },
    // #zh or #en in the address chooses; otherwise the browser's language. Nothing is stored.
    initial() {
      const hash = (root.location && root.location.hash || "").slice(1);
      if (hash in strings) return hash;
      return /^zh/i.test(root.navigator && root.navigator.language || "") ? "zh" : "en";
    },
  };
  root.VaeI18n = i18n;
})(typeof window !== "undefined" ? window : globalThis);
