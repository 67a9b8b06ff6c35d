package i18n

// roomMessages returns the classroom's words: the join form and the room bar
// over the explorer page, for the teacher and for students.
func roomMessages() map[string]message {
	return map[string]message{
		"room.joinTitle": {"Join a class", "加入课堂"},
		"room.joinHelp":  {"Type the room code shown on the teacher's screen.", "输入老师屏幕上的房间代码。"},
		"room.join":      {"Join", "加入"},
		"room.codeAria":  {"room code", "房间代码"},
		"room.noRoom":    {"There is no room {code}. Check the code on the teacher's screen.", "没有代码为 {code} 的房间。请核对老师屏幕上的代码。"},

		"room.roomCode":     {"Room code", "房间代码"},
		"room.room":         {"Room", "房间"},
		"room.where":        {"Students open {url} and type the code", "学生打开 {url} 并输入代码"},
		"room.students":     {"{n} students", "{n} 名学生"},
		"room.student1":     {"1 student", "1 名学生"},
		"room.following":    {"Following the teacher", "正在跟随老师"},
		"room.wandering":    {"Exploring on your own", "正在自己探索"},
		"room.teacherAt":    {"the teacher is at {step}", "老师在：{step}"},
		"room.follow":       {"Follow teacher", "跟随老师"},
		"room.connected":    {"connected", "已连接"},
		"room.reconnecting": {"reconnecting…", "正在重新连接…"},
		"room.noKey":        {"This tab has no teacher key, so it only follows. To drive the room, open the teacher link that explorer serve printed (it ends in ?key=…) in any browser: the room code and the students stay.", "这个标签页没有教师密钥，所以只能跟随。要带领房间，请在任意浏览器中打开 explorer serve 打印的教师链接（以 ?key=… 结尾）：房间代码和学生都不会变。"},
		"room.badKey":       {"This teacher link is not valid for this room. Use the link that explorer serve printed.", "这个教师链接对这个房间无效。请使用 explorer serve 打印的链接。"},
		"room.taken":        {"The teacher link was opened in another browser, which now drives the room; this tab follows it.", "教师链接已在另一个浏览器中打开，由它带领房间；这个标签页改为跟随。"},
		"room.takeBack":     {"Drive from here", "改由这里带领"},
		"room.driving":      {"You drive the room", "由你带领房间"},
		"room.closed":       {"The room is closed.", "房间已关闭。"},
		"room.full":         {"The room is full.", "房间已满。"},
		"room.notTeacher":   {"Only the teacher drives the room.", "只有老师能带领房间。"},
		"room.notDriver":    {"Another tab drives the room; take over to drive from here.", "另一个标签页正在带领房间；要在这里带领，请先接管。"},
		"room.badGuess":     {"That question is closed or has no such answer.", "这个问题已经结束，或者没有这个选项。"},

		"poll.ask":          {"Ask the class", "向全班提问"},
		"poll.askKey":       {"Which key will this head attend to most?", "这个头最关注哪个键？"},
		"poll.askNext":      {"Which token comes next?", "下一个词元是什么？"},
		"poll.questionKey":  {"Guess: from “{token}” (position {q}), which token will head {head} of layer {layer} attend to most?", "猜一猜：第 {layer} 层第 {head} 个头从“{token}”（位置 {q}）出发，最关注哪个词元？"},
		"poll.questionNext": {"Guess: which token will the model put after “{token}”?", "猜一猜：模型会在“{token}”后面接哪个词元？"},
		"poll.clickToken":   {"Click the token you think on the strip below.", "在下面的词元条上点你猜的词元。"},
		"poll.sent":         {"Your guess: “{token}”. Wait for the reveal.", "你的猜测：“{token}”。等老师揭晓。"},
		"poll.count":        {"{n} of {total} students have guessed", "{total} 名学生中已有 {n} 名作答"},
		"poll.reveal":       {"Reveal", "揭晓"},
		"poll.close":        {"Close the question", "结束提问"},
		"poll.answer":       {"The answer: “{token}” ({p})", "答案：“{token}”（{p}）"},
		"poll.yourGuess":    {"you guessed “{token}”", "你猜的是“{token}”"},
		"poll.right":        {"Right!", "猜对了！"},
		"poll.wrong":        {"Not this time.", "这次没猜中。"},
		"poll.histogram":    {"The class's guesses", "全班的猜测"},
		"poll.guesses":      {"{n} guesses", "{n} 人"},
	}
}
