package i18n

// trainMessages returns the training view's words (/train).
func trainMessages() map[string]message {
	return map[string]message{
		"train.title":            {"Watch a model learn", "看模型学习"},
		"train.back":             {"← back to the explorer", "← 回到 Explorer"},
		"train.intro1":           {"Start a tiny GPT-2 ({layers} layers, {heads} heads, width {width}) from random weights and train it on the generated story corpus, written with the tokenizer of {model}. The chart shows the loss, the average of −log p(next token), falling as gradient descent adjusts the weights, and the learning rate of the warm-up and cosine schedule.", "从随机权重开始，训练一个很小的 GPT-2（{layers} 层、{heads} 个头、宽度 {width}），语料是自动生成的故事，用 {model} 的分词器编码。图中是损失，即 −log p(下一个词元) 的平均值，它随着梯度下降调整权重而下降；下面是预热加余弦调度的学习率。"},
		"train.intro2":           {"Below, every few steps, is the attention of each head on a probe: random tokens, then the same tokens again. A head that learns to copy (an induction head) lights up a stripe just right of the diagonal in the second half: each token looks at the token that followed its earlier copy. Its induction score is the average of that attention. Only heads from layer 1 on count: to find the token that followed, a head's keys must already say which token came before them, and only an earlier layer can have written that.", "下面每隔几步显示每个头在探针上的注意力：一串随机词元，再重复一遍。学会复制的头（归纳头）会在后半段对角线右边一格亮起一条斜线：每个词元都去看它上一次出现时后面跟着的词元。归纳分数就是这条斜线上注意力的平均值。只有第 1 层及以后的头才算：要找到后面跟着的词元，头的键里必须已经写着前一个词元是什么，而这只能由更早的一层写进去。"},
		"train.steps":            {"steps", "步数"},
		"train.start":            {"Start training", "开始训练"},
		"train.stop":             {"Stop", "停止"},
		"train.lossTitle":        {"loss (nats per token):", "损失（每个词元的奈特数）："},
		"train.training":         {"training", "训练集"},
		"train.heldOut":          {"held-out", "留出集"},
		"train.lr":               {"learning rate", "学习率"},
		"train.probe":            {"Attention on the probe", "探针上的注意力"},
		"train.probeStep":        {"(step {step})", "（第 {step} 步）"},
		"train.probeHead":        {"L{layer} H{head} · induction {score}", "第 {layer} 层 头 {head} · 归纳分数 {score}"},
		"train.corpus":           {"writing the story corpus and encoding it…", "正在生成故事语料并编码…"},
		"train.started":          {"training {layers} layers × {heads} heads, width {width}, on {tokens} tokens", "正在训练 {layers} 层 × {heads} 个头、宽度 {width} 的模型，语料共 {tokens} 个词元"},
		"train.step":             {"step {step}/{steps} · loss {loss} · {tps} tokens/s · {eta} s left", "第 {step}/{steps} 步 · 损失 {loss} · 每秒 {tps} 个词元 · 还剩 {eta} 秒"},
		"train.finished":         {"done: {steps} steps in {s} s, loss {loss}", "完成：{steps} 步，用时 {s} 秒，损失 {loss}"},
		"train.finishedVal":      {"done: {steps} steps in {s} s, loss {loss}, held-out {val}", "完成：{steps} 步，用时 {s} 秒，损失 {loss}，留出集 {val}"},
		"train.stopped":          {"stopped", "已停止"},
		"train.disconnected":     {"Disconnected; reload the page to train again.", "连接断开了；刷新页面后可以再训练。"},
		"train.busyPage":         {"A run is already going on this page.", "这个页面已经在训练了。"},
		"train.busyServer":       {"Another page is training right now; training uses every core, so runs take turns.", "另一个页面正在训练；训练会占满所有核心，所以要轮流进行。"},
		"train.badSteps":         {"Steps must be between 1 and {max}.", "步数必须在 1 到 {max} 之间。"},
		"train.noModel":          {"No tokenizer: the model did not load.", "没有分词器：模型没有加载成功。"},
		"train.failed":           {"Training failed: {err}", "训练失败：{err}"},
		"train.heldOutAt":        {"held-out loss {val} at step {step}: if it rises while the training loss falls, the model is memorizing its training text (over-fitting)", "第 {step} 步的留出集损失 {val}：如果训练损失还在下降而它开始上升，模型就是在死记训练文本（过拟合）"},
		"train.inductionCrossed": {"At step {step}, head L{layer} H{head} became an induction head: its induction score {score} reached the threshold {threshold}. It now copies: each token of the second copy looks at the token that followed its first occurrence.", "第 {step} 步：第 {layer} 层 头 {head} 成了归纳头，归纳分数 {score} 达到阈值 {threshold}。它学会了复制：第二遍里的每个词元都去看它第一次出现时后面的那个词元。"},
		"train.inductionNotYet":  {"No head reached the induction threshold {threshold} in this run. In a model this small an induction head takes far longer than a live run: the explorer's own model trained for over half an hour before its heads learned to copy.", "这次训练中没有头的归纳分数达到阈值 {threshold}。这么小的模型要形成归纳头，需要的时间远比一次现场训练长：Explorer 自带的模型训练了半个多小时，它的头才学会复制。"},
	}
}
