package corpus

// The word lists of the grammar, each entry in English and Chinese. They
// are read-only.

// A word is one entry of a list: its English and Chinese forms.
type word struct{ en, zh string }

// A name is a character's name in both languages and the pronoun it takes.
type name struct {
	en, zh string
	he     bool
}

// A kind is what a character is. zh has no adjective; cl is its measure
// word (个 for children, 只 for animals).
type kind struct {
	en, zh, cl string
	animal     bool
}

// An object is a thing a character owns, with its Chinese measure word.
type object struct{ en, zh, cl string }

// A hazard is where a lost object ends up. en follows "fell into"; zhVerb
// and zhWhere make the Chinese "掉进了池塘里"; zhWhere alone answers where.
type hazard struct{ en, zhVerb, zhWhere string }

// A home is where an opening's hero lives: the English noun after "a
// little", and the Chinese place with its locative (村子里, 小镇上).
type home struct{ en, zh string }

var (
	// names holds list names in pairs: English names with their usual
	// Chinese transcription, and Chinese names with their pinyin.
	names = []name{
		{"Lily", "莉莉", false}, {"Mia", "米娅", false}, {"Anna", "安娜", false}, {"Sara", "萨拉", false},
		{"Lucy", "露西", false}, {"Emma", "艾玛", false}, {"Zoe", "佐伊", false}, {"Ruby", "鲁比", false},
		{"Ella", "艾拉", false}, {"Nora", "诺拉", false}, {"Maya", "玛雅", false}, {"Ivy", "艾薇", false},
		{"Rosa", "罗莎", false}, {"Luna", "露娜", false}, {"Grace", "格蕾丝", false}, {"Daisy", "黛西", false},
		{"Clara", "克拉拉", false}, {"Amy", "艾米", false}, {"Kate", "凯特", false}, {"Hazel", "黑兹尔", false},
		{"Xiaohong", "小红", false}, {"Meimei", "美美", false}, {"Lanlan", "兰兰", false}, {"Xiaoyu", "小雨", false},
		{"Tingting", "婷婷", false}, {"Yueyue", "月月", false}, {"Fangfang", "芳芳", false}, {"Xiaohua", "小花", false},
		{"Niuniu", "妞妞", false}, {"Huanhuan", "欢欢", false},
		{"Tom", "汤姆", true}, {"Ben", "本", true}, {"Max", "麦克斯", true}, {"Sam", "山姆", true},
		{"Leo", "利奥", true}, {"Jack", "杰克", true}, {"Tim", "蒂姆", true}, {"Finn", "芬恩", true},
		{"Noah", "诺亚", true}, {"Oscar", "奥斯卡", true}, {"Hugo", "雨果", true}, {"Felix", "费利克斯", true},
		{"Kai", "凯", true}, {"Eli", "伊莱", true}, {"Gus", "格斯", true}, {"Ray", "雷", true},
		{"Luke", "卢克", true}, {"Otto", "奥托", true}, {"Pip", "皮普", true}, {"Oliver", "奥利弗", true},
		{"Xiaoming", "小明", true}, {"Dongdong", "冬冬", true}, {"Lele", "乐乐", true}, {"Dingding", "丁丁", true},
		{"Haohao", "浩浩", true}, {"Xiaohu", "小虎", true}, {"Yangyang", "阳阳", true}, {"Tiantian", "天天", true},
		{"Xiaojun", "小军", true}, {"Pengpeng", "鹏鹏", true},
	}
	kinds = []kind{
		{"cat", "猫", "只", true}, {"dog", "狗", "只", true}, {"bunny", "兔子", "只", true},
		{"bird", "鸟", "只", true}, {"bear", "熊", "只", true}, {"fox", "狐狸", "只", true},
		{"mouse", "老鼠", "只", true}, {"frog", "青蛙", "只", true}, {"duck", "鸭子", "只", true},
		{"pig", "猪", "只", true}, {"owl", "猫头鹰", "只", true}, {"lion", "狮子", "只", true},
		{"panda", "熊猫", "只", true}, {"monkey", "猴子", "只", true},
	}
	boy  = kind{"boy", "男孩", "个", false}
	girl = kind{"girl", "女孩", "个", false}
	// adjectives: zh is the form before a noun; "little" is 小, joined
	// without 的 (小女孩, 小狐狸), the others take 的.
	adjectives = []word{
		{"little", "小"}, {"happy", "快乐的"}, {"kind", "善良的"}, {"brave", "勇敢的"},
		{"curious", "好奇的"}, {"shy", "害羞的"}, {"funny", "有趣的"}, {"cheerful", "开朗的"},
		{"friendly", "友好的"}, {"clever", "聪明的"}, {"gentle", "温柔的"}, {"silly", "傻乎乎的"},
		{"quiet", "安静的"}, {"busy", "忙碌的"},
	}
	colors = []word{
		{"red", "红色"}, {"blue", "蓝色"}, {"green", "绿色"}, {"yellow", "黄色"},
		{"pink", "粉色"}, {"purple", "紫色"}, {"orange", "橙色"}, {"white", "白色"},
		{"black", "黑色"}, {"brown", "棕色"}, {"gold", "金色"}, {"silver", "银色"},
	}
	objects = []object{
		{"ball", "球", "个"}, {"kite", "风筝", "只"}, {"hat", "帽子", "顶"}, {"box", "盒子", "个"},
		{"book", "书", "本"}, {"boat", "小船", "条"}, {"drum", "鼓", "面"}, {"cup", "杯子", "个"},
		{"car", "小汽车", "辆"}, {"doll", "娃娃", "个"}, {"bike", "自行车", "辆"}, {"bell", "铃铛", "个"},
		{"shell", "贝壳", "个"}, {"stone", "石头", "块"}, {"sock", "袜子", "只"}, {"spoon", "勺子", "把"},
		{"train", "小火车", "列"}, {"star", "星星", "颗"}, {"teddy bear", "泰迪熊", "只"}, {"flower", "花", "朵"},
		{"leaf", "叶子", "片"}, {"balloon", "气球", "个"}, {"blanket", "毯子", "条"}, {"crayon", "蜡笔", "支"},
		{"feather", "羽毛", "根"}, {"ring", "戒指", "枚"}, {"basket", "篮子", "个"}, {"bucket", "水桶", "个"},
		{"whistle", "哨子", "个"}, {"umbrella", "雨伞", "把"},
	}
	// places: zh follows 在 and 去了 as it is (在公园, 去了河边).
	places = []word{
		{"park", "公园"}, {"garden", "花园"}, {"forest", "森林"}, {"beach", "海边"},
		{"hill", "山坡"}, {"river", "河边"}, {"farm", "农场"}, {"pond", "池塘边"},
		{"meadow", "草地"}, {"lake", "湖边"}, {"school", "学校"}, {"market", "市场"},
		{"field", "田野"}, {"playground", "游乐场"},
	}
	homes = []home{
		{"house", "房子里"}, {"town", "小镇上"}, {"village", "村子里"},
		{"cottage", "小木屋里"}, {"farm", "农场上"}, {"forest", "森林里"},
	}
	hazards = []hazard{
		{"a deep hole", "掉进了", "一个深深的洞里"}, {"the pond", "掉进了", "池塘里"},
		{"a tall tree", "挂在了", "一棵高高的树上"}, {"the river", "掉进了", "河里"},
		{"a big bush", "掉进了", "一大丛灌木里"}, {"the mud", "掉进了", "泥巴里"},
		{"the tall grass", "掉进了", "高高的草丛里"}, {"a well", "掉进了", "一口井里"},
		{"a box of sand", "掉进了", "一个沙箱里"}, {"the lake", "掉进了", "湖里"},
	}
	// helps: how the friend gets the object back, after the friend's name.
	helps = []word{
		{"used a long stick", "用一根长长的棍子"}, {"climbed up carefully", "小心地爬了上去"},
		{"reached in with a big net", "用一张大网去捞"}, {"asked Mom for help", "请妈妈来帮忙"},
		{"jumped in and swam", "跳下去游了过去"}, {"dug with a small spoon", "用小勺子挖了挖"},
		{"pulled very hard", "使劲地拉"}, {"made a ladder of blocks", "用积木搭了一个梯子"},
	}
	chants = []word{
		{"Hop, hop, hop, up we go!", "跳，跳，跳，我们往上跳！"},
		{"La la la, the sun is up!", "啦啦啦，太阳出来啦！"},
		{"One, two, three, look at me!", "一，二，三，快来看看我！"},
		{"Round and round and round we go!", "转呀转，转呀转，我们转圈圈！"},
		{"Clap, clap, clap, we are a team!", "拍拍手，拍拍手，我们是一队！"},
		{"Tick tock, tick tock, time to play!", "滴答，滴答，该玩耍啦！"},
		{"Jump up high and touch the sky!", "跳得高高，摸到天空！"},
		{"Puddles, puddles, splash, splash, splash!", "水坑，水坑，啪嗒，啪嗒，啪嗒！"},
		{"Good day, good day, let us play!", "你好呀，你好呀，一起来玩吧！"},
		{"Big and small, we love it all!", "大的小的，我们全都爱！"},
		{"Sing a song and skip along!", "唱首歌，蹦蹦跳跳向前走！"},
		{"Zoom, zoom, zoom, we go to the moon!", "嗖，嗖，嗖，我们飞去月亮！"},
		{"Wiggle, wiggle, giggle, giggle!", "扭一扭，笑一笑！"},
		{"Sunny day, happy day, hooray!", "晴天，好天，万岁！"},
		{"Little by little, we get there!", "一点一点，我们就到啦！"},
		{"Ding dong, ding dong, sing along!", "叮咚，叮咚，一起唱！"},
		{"Stomp, stomp, like a big dinosaur!", "咚，咚，像一只大恐龙！"},
		{"Twinkle, twinkle, little light!", "一闪，一闪，小亮光！"},
		{"Row, row, row to the sea!", "划呀，划呀，划到大海去！"},
		{"Yum, yum, yum, cake in my tum!", "好吃，好吃，蛋糕吃进肚子里！"},
	}
	// chantEnds close an invented chant.
	chantEnds = []word{
		{"up we go!", "我们出发啦！"}, {"here we come!", "我们来啦！"}, {"what a day!", "多好的一天！"},
		{"all the way!", "一路向前！"}, {"one more time!", "再来一次！"}, {"let us play!", "一起玩吧！"},
	}
)

// syllables are the pieces of invented names and chants: an English
// spelling and the one Chinese character that transcribes it, so an
// invented name has one spelling in each language ("Tobiza", 托比扎). No
// two syllables share a character.
var syllables = []word{
	{"ba", "巴"}, {"be", "贝"}, {"bi", "比"}, {"bo", "波"}, {"bu", "布"},
	{"da", "达"}, {"de", "德"}, {"di", "迪"}, {"do", "多"}, {"du", "杜"},
	{"ka", "卡"}, {"ke", "克"}, {"ki", "基"}, {"ko", "科"}, {"ku", "库"},
	{"la", "拉"}, {"le", "勒"}, {"li", "丽"}, {"lo", "珞"}, {"lu", "噜"},
	{"ma", "玛"}, {"me", "梅"}, {"mi", "咪"}, {"mo", "莫"}, {"mu", "穆"},
	{"na", "娜"}, {"ne", "内"}, {"ni", "妮"}, {"no", "诺"}, {"nu", "努"},
	{"pa", "帕"}, {"pe", "佩"}, {"pi", "皮"}, {"po", "珀"}, {"pu", "普"},
	{"sa", "飒"}, {"se", "瑟"}, {"si", "丝"}, {"so", "索"}, {"su", "苏"},
	{"ta", "塔"}, {"te", "特"}, {"ti", "蒂"}, {"to", "托"}, {"tu", "图"},
	{"za", "扎"}, {"ze", "泽"}, {"zi", "兹"}, {"zo", "佐"}, {"zu", "祖"},
}
