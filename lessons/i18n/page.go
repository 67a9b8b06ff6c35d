package i18n

// pageMessages returns the explorer page's own words.
func pageMessages() map[string]message {
	return map[string]message{
		"page.title":          {"Transformer Explorer", "Transformer 探索器"},
		"page.model":          {"{layers} layers · {heads} heads · context {ctx} · {params} parameters", "{layers} 层 · {heads} 个头 · 上下文 {ctx} · {params} 个参数"},
		"page.train":          {"Watch a model learn", "看模型学习"},
		"page.langs":          {"language", "语言"},
		"page.projector":      {"Projector", "投影模式"},
		"page.projectorTitle": {"Bigger type and fewer panels, for a projector (P)", "字更大、面板更少，适合投影（P）"},
		"page.modelError":     {"The model did not load", "模型没有加载成功"},
		"page.modelErrorHelp": {"Start the explorer with --model DIR (a Hugging Face style folder) or --model NAME for a model in the Hugging Face cache.", "启动 Explorer 时用 --model 目录（Hugging Face 格式的文件夹），或用 --model 名称 指定 Hugging Face 缓存中的模型。"},
		"page.disconnected":   {"The connection to the explorer was lost; reconnecting…", "与 Explorer 的连接断开了，正在重新连接…"},
		"page.reconnected":    {"Reconnected. Run the prompt again to continue.", "已重新连接。再运行一次提示词即可继续。"},

		"prompt.label":       {"Prompt", "提示词"},
		"prompt.placeholder": {"Type a prompt and press Enter", "输入提示词，按回车运行"},
		"prompt.run":         {"Run", "运行"},
		"prompt.typeFirst":   {"Type a prompt first.", "请先输入提示词。"},
		"prompt.tokensAria":  {"tokens", "词元"},

		"status.running": {"running…", "运行中…"},
		"status.picking": {"picking the next token…", "正在选择下一个词元…"},
		"status.done":    {"{n} tokens · ran in {ms} ms · {kb} KB streamed", "{n} 个词元 · 用时 {ms} 毫秒 · 传输 {kb} KB"},
		"status.kept":    {"Your last run is still shown.", "页面仍显示你上一次的运行结果。"},

		"map.title":      {"Model map", "模型全图"},
		"map.hint":       {"every head's attention; click one", "每个头的注意力；点一个查看"},
		"map.layer":      {"L{layer}", "{layer}层"},
		"map.thumbTitle": {"layer {layer} · head {head}", "第 {layer} 层 · 第 {head} 个头"},

		"gen.title":       {"Generate, one token at a time", "逐个生成词元"},
		"gen.temperature": {"temperature", "温度"},
		"gen.topK":        {"top-k", "top-k"},
		"gen.topP":        {"top-p", "top-p"},
		"gen.seed":        {"seed", "随机种子"},
		"gen.next":        {"Next token", "下一个词元"},
		"gen.play":        {"Play", "连续生成"},
		"gen.pause":       {"Pause", "暂停"},
		"gen.picked":      {"picked “{token}” (id {id}): {before} before the knobs, {after} after", "选中“{token}”（编号 {id}）：调节前 {before}，调节后 {after}"},
		"gen.before":      {"model (temperature 1)", "模型原本的分布（温度 1）"},
		"gen.after":       {"after temperature, top-k, top-p", "经过温度、top-k、top-p 之后"},

		"nav.aria":       {"steps", "步骤"},
		"nav.first":      {"« First", "« 开头"},
		"nav.back":       {"‹ Back", "‹ 上一步"},
		"nav.play":       {"▶ Play", "▶ 播放"},
		"nav.pause":      {"⏸ Pause", "⏸ 暂停"},
		"nav.next":       {"Next ›", "下一步 ›"},
		"nav.last":       {"Last »", "末尾 »"},
		"nav.firstTitle": {"first step (Home)", "第一步（Home）"},
		"nav.backTitle":  {"previous step (←)", "上一步（←）"},
		"nav.playTitle":  {"play the steps", "自动播放各步"},
		"nav.nextTitle":  {"next step (→)", "下一步（→）"},
		"nav.lastTitle":  {"last step (End)", "最后一步（End）"},
		"nav.speed":      {"speed", "速度"},
		"nav.stepOf":     {"{i} / {n}", "{i} / {n}"},
		"nav.input":      {"Input", "输入"},
		"nav.output":     {"Output", "输出"},
		"nav.layer":      {"Layer {layer}", "第 {layer} 层"},
		"nav.layers":     {"layers", "层"},
		"nav.substeps":   {"steps of this layer", "本层的各步"},

		"head.label": {"head", "头"},

		"download.label": {"Download:", "下载："},
		"download.trace": {"trace (.safetensors)", "轨迹（.safetensors）"},

		"panel.loadError": {"The lesson could not load: {err}", "课程加载失败：{err}"},
		"panel.runFirst":  {"Run a prompt to see this step with your own numbers.", "运行一个提示词，就能用你自己的数字看这一步。"},
	}
}
