package i18n

// errorMessages are the errors people see, keyed by the protocol's error
// codes ("error.CODE", web/PROTOCOL.md) and by the cases the page knows.
var errorMessages = map[string]message{
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
}
