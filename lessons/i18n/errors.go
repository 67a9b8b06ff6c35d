package i18n

// errorMessages returns the errors people see, keyed by the protocol's error
// codes ("error.CODE", web/PROTOCOL.md), by the cases the page knows, and
// by the reasons a websocket is closed with ("close.*").
func errorMessages() map[string]message {
	return map[string]message{
		"error.too_long":      {"The prompt is too long: this model reads at most {max} tokens. Shorten it and press Enter.", "提示词太长了：这个模型最多读 {max} 个词元。请删短一些再按回车。"},
		"error.full":          {"The context is full: this model reads at most {max} tokens, so it cannot add another.", "上下文已满：这个模型最多读 {max} 个词元，不能再加了。"},
		"error.bad_prompt":    {"This prompt could not be run. Edit it and try again.", "这个提示词无法运行。请修改后再试。"},
		"error.no_model":      {"No model is loaded, so nothing can run. Restart the explorer with --model.", "没有加载模型，所以无法运行。请用 --model 重新启动 Explorer。"},
		"error.no_trace":      {"That run is no longer current; run the prompt again.", "那次运行已经过期了；请重新运行提示词。"},
		"error.bad_message":   {"The explorer did not understand this page's request; reload the page.", "Explorer 没看懂这个页面的请求；请刷新页面。"},
		"error.busy":          {"The explorer is busy with other classes' runs right now. Try again in a moment.", "Explorer 正忙于其他运行。请稍后再试。"},
		"error.internal":      {"Something went wrong in the engine. Try again.", "引擎出了问题。请再试一次。"},
		"error.timeout":       {"The engine did not answer in time. Try again.", "引擎没有及时回应。请再试一次。"},
		"error.generateFirst": {"Run a prompt before generating.", "请先运行一个提示词，再生成。"},
		"error.download":      {"The download failed: {err}", "下载失败：{err}"},

		// Why the server refused or closed a websocket: the keys of its close
		// reasons (wsconn.Reason), which every page shows in its language.
		"close.tabsPerComputer": {"This computer has reached its limit of {max} explorer tabs; close one and reload.", "这台电脑打开的 Explorer 标签页已达上限（{max} 个）；请关掉一个再刷新。"},
		"close.tabsServer":      {"The explorer has {max} tabs open, the most it serves; close one and reload.", "Explorer 已打开 {max} 个标签页，这是它能服务的上限；请关掉一个再刷新。"},
		"close.memory":          {"The explorer's memory is taken by other runs; reload in a moment.", "Explorer 的内存正被其他运行占用；请稍后再刷新。"},
		"close.tooBig":          {"This page sent a message larger than the {max} bytes the explorer takes; reload the page.", "这个页面发送的消息超过了 Explorer 接受的 {max} 字节；请刷新页面。"},
		"close.roomPages":       {"This computer already has {max} room pages open. Close one and reload.", "这台电脑已经打开了 {max} 个课堂页面。请关掉一个再刷新。"},
		"close.wrongCodes":      {"Too many wrong room codes from this computer. Wait a minute, then type the code on the teacher's screen.", "这台电脑输错房间代码的次数太多了。请等一分钟，再输入老师屏幕上的代码。"},
		"close.fellBehind":      {"This page fell behind the room, or left it; reconnecting…", "这个页面跟不上课堂或已离开课堂；正在重新连接…"},
		"close.stopping":        {"The explorer is stopping.", "Explorer 正在停止。"},
	}
}
