// i18n.js: every word the page shows, in English and 中文, and the switch between them.
//
// Elements carry data-i18n="key" (text) or data-i18n-html="key" (text with a link or markup,
// all of it written here, never user input). {name} in a string is filled from `vars`.
(function (root) {
  "use strict";
  const L06 = "06_latent_sampling.ipynb", L04 = "04_kl_divergence.ipynb", L07 = "07_stable_diffusion.ipynb";
  const lesson = (dir, file, text) => `<a href="../notebooks/${dir}${file}">${text}</a>`;

  const strings = {
    en: {
      title: "VAE lessons: the classroom page",
      switch: "中文",
      intro: "Three experiments from lessons 06 and 07, running inside this page: no server, no network, " +
        "no installation. The models are the trained ones the lessons use, computed here in JavaScript.",
      draw_title: "1 · Draw a digit",
      draw_text: "Draw a digit with the mouse, a finger or a pen. It is prepared the way MNIST prepared its " +
        "digits: cropped, fitted into a 20×20 box, centred by its centre of mass in 28×28. The small picture " +
        "is what the encoder sees; its 20 numbers (μ, the centre of the code's cloud) move the sliders. " +
        "The page opens on the first digit of MNIST's test set. " +
        lesson("", L06, "Lesson 06: the latent lab"),
      clear: "clear",
      encoder_sees: "what the encoder sees",
      sliders_title: "2 · Twenty numbers",
      sliders_text: "Each slider is one of the 20 numbers z the decoder paints from; the digit is repainted at " +
        "every move. They are ordered by how much the model uses each one (the bar: its mean KL over " +
        "{n} test digits, in nats): the top ones change the digit most, the bottom ones hardly at all. " +
        "The meter shows ‖z‖: codes drawn from the prior N(0, I) lie in a thin shell, not near 0. " +
        lesson("", L06, "Lesson 06: sampling and the norm shell") + " · " + lesson("", L04, "Lesson 04: KL divergence"),
      decoded: "decoded digit",
      random: "random z",
      reset: "reset to 0",
      back: "back to my digit",
      kl_title: "mean KL {kl} nats",
      meter: "‖z‖ = {norm} (typical {low}–{high}, 99% of prior draws): ",
      inside: "inside the prior's shell",
      outside: "outside the shell: few training codes live here",
      sd_title: "3 · Mini Stable Diffusion",
      sd_text: "Type a digit: 7, seven or 七. From seeded noise in the conv VAE's 4×7×7 latent space, the " +
        "denoiser removes noise in a few deterministic DDIM steps; classifier-free guidance pushes each step " +
        "towards the prompt, ε = ε<sub>empty</sub> + g·(ε<sub>prompt</sub> − ε<sub>empty</sub>). " +
        "The VAE's decoder paints the final latent. " + lesson("", L07, "Lesson 07: the Stable Diffusion connection"),
      prompt: "prompt",
      guidance: "guidance g",
      steps: "steps",
      seed: "seed",
      result: "result",
      walk: "denoising walk: the clean picture the denoiser sees at each step",
      channels: "the final latent's four channels (7×7 each; red +, blue −)",
      timing: "{ms} ms for {steps} steps",
      empty_prompt: "Empty prompt: the unconditional model draws some digit; guidance has nothing to push towards.",
      unknown: "Not understood: {words}. The text encoder knows the digits 0–9, the words zero … nine and " +
        "零 一 二 三 四 五 六 七 八 九 (words such as “a handwritten” are ignored).",
      several: "This prompt names several digits ({digits}): ask for one.",
      no_weights: "web/weights.js is missing or broken: run  python -m vae_lessons export-web --out web",
    },
    zh: {
      title: "VAE 课程：课堂页面",
      switch: "English",
      intro: "第 06 课和第 07 课的三个实验，直接在本页面中运行：无需服务器、无需网络、无需安装。" +
        "模型就是课程所用的训练好的模型，在这里用 JavaScript 计算。",
      draw_title: "1 · 画一个数字",
      draw_text: "用鼠标、手指或触控笔画一个数字。它会按 MNIST 处理数字的方式预处理：裁剪、缩放到 20×20 的框内、" +
        "按质心放在 28×28 的中央。小图就是编码器看到的样子；它的 20 个数（μ，编码云的中心）会移动滑块。" +
        "页面打开时显示的是 MNIST 测试集的第一个数字。" +
        lesson("zh/", L06, "第 06 课：潜空间实验室"),
      clear: "清除",
      encoder_sees: "编码器看到的图",
      sliders_title: "2 · 二十个数",
      sliders_text: "每个滑块是解码器作画所依据的 20 个数 z 之一；每次移动都会重新画出数字。" +
        "滑块按模型对每个维度的使用程度排序（条形：在 {n} 张测试图上的平均 KL，单位奈特）：" +
        "上面的滑块改变数字最多，下面的几乎不改变。仪表显示 ‖z‖：从先验 N(0, I) 抽出的编码位于一个薄壳上，而不在 0 附近。" +
        lesson("zh/", L06, "第 06 课：采样与范数壳层") + " · " + lesson("zh/", L04, "第 04 课：KL散度"),
      decoded: "解码出的数字",
      random: "随机 z",
      reset: "归零",
      back: "回到我的数字",
      kl_title: "平均 KL {kl} 奈特",
      meter: "‖z‖ = {norm}（典型范围 {low}–{high}，先验样本的 99%）：",
      inside: "在先验的常见范围内",
      outside: "在范围之外：训练编码很少在这里",
      sd_title: "3 · 迷你 Stable Diffusion",
      sd_text: "输入一个数字：7、seven 或 七。从卷积 VAE 的 4×7×7 潜空间中的带种子噪声出发，去噪器用几步确定性的 " +
        "DDIM 去除噪声；无分类器引导让每一步都朝提示词推进：ε = ε<sub>空</sub> + g·(ε<sub>提示</sub> − ε<sub>空</sub>)。" +
        "最后由 VAE 的解码器把潜变量画成图。" + lesson("zh/", L07, "第 07 课：与 Stable Diffusion 的联系"),
      prompt: "提示词",
      guidance: "引导 g",
      steps: "步数",
      seed: "种子",
      result: "结果",
      walk: "去噪过程：每一步去噪器“看到”的干净图像",
      channels: "最终潜变量的四个通道（各 7×7；红为正，蓝为负）",
      timing: "{steps} 步用时 {ms} 毫秒",
      empty_prompt: "空提示词：无条件模型会随便画一个数字；引导没有推进的方向。",
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
