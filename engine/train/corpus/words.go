package corpus

// The word lists of the grammar. They are read-only.
var (
	sheNames = []string{
		"Lily", "Mia", "Anna", "Sara", "Lucy", "Emma", "Zoe", "Ruby", "Ella", "Nora",
		"Maya", "Ivy", "Rosa", "Luna", "Grace", "Daisy", "Hazel", "Clara", "Amy", "Kate",
		"Jill", "Pia", "Tess", "Fay", "Bella", "Molly", "Polly", "Nina", "Olive", "June",
	}
	heNames = []string{
		"Tom", "Ben", "Max", "Sam", "Leo", "Jack", "Tim", "Finn", "Hal", "Noah",
		"Ollie", "Jake", "Dan", "Ted", "Bob", "Hugo", "Milo", "Oscar", "Rex", "Ned",
		"Toby", "Kai", "Eli", "Gus", "Ray", "Jim", "Luke", "Otto", "Pip", "Rudy",
	}
	animals = []string{
		"cat", "dog", "bunny", "bird", "bear", "fox", "mouse", "frog",
		"duck", "pig", "owl", "lion", "puppy", "kitten",
	}
	adjectives = []string{
		"little", "happy", "kind", "brave", "curious", "shy", "funny", "small",
		"friendly", "clever", "gentle", "silly", "quiet", "busy",
	}
	colors = []string{
		"red", "blue", "green", "yellow", "pink", "purple", "orange", "white",
		"black", "brown", "gold", "silver",
	}
	objects = []string{
		"ball", "kite", "hat", "box", "book", "boat", "drum", "cup", "car", "doll",
		"bike", "bell", "shell", "stone", "sock", "spoon", "train", "star", "fish", "teddy",
		"flower", "leaf", "balloon", "blanket", "crayon", "feather", "ring", "basket", "bucket", "whistle",
	}
	places = []string{
		"park", "garden", "forest", "beach", "hill", "river", "farm", "pond",
		"meadow", "lake", "school", "market", "field", "playground",
	}
	homes   = []string{"house", "town", "village", "cottage", "farm", "forest"}
	hazards = []string{
		"a deep hole", "the pond", "a tall tree", "the river", "a big bush",
		"the mud", "the tall grass", "a well", "a box of sand", "the lake",
	}
	helps = []string{
		"used a long stick", "climbed up carefully", "reached in with a big net",
		"asked Mom for help", "jumped in and swam", "dug with a small spoon",
		"pulled very hard", "made a ladder of blocks",
	}
	// Pieces of invented names and chants.
	onsets    = []string{"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "sh", "ch", "br", "tr", "gl", "fl"}
	vowels    = []string{"a", "e", "i", "o", "u", "oo", "ai", "ee"}
	codas     = []string{"n", "m", "l", "r", "k", "x", "s", "p"}
	chantEnds = []string{
		"up we go!", "here we come!", "what a day!", "all the way!", "one more time!", "let us play!",
	}
	chants = []string{
		"Hop, hop, hop, up we go!",
		"La la la, the sun is up!",
		"One, two, three, look at me!",
		"Round and round and round we go!",
		"Clap, clap, clap, we are a team!",
		"Tick tock, tick tock, time to play!",
		"Jump up high and touch the sky!",
		"Puddles, puddles, splash, splash, splash!",
		"Good day, good day, let us play!",
		"Big and small, we love it all!",
		"Sing a song and skip along!",
		"Zoom, zoom, zoom, we go to the moon!",
		"Wiggle, wiggle, giggle, giggle!",
		"Sunny day, happy day, hooray!",
		"Little by little, we get there!",
		"Ding dong, ding dong, sing along!",
		"Stomp, stomp, like a big dinosaur!",
		"Twinkle, twinkle, little light!",
		"Row, row, row to the sea!",
		"Yum, yum, yum, cake in my tum!",
	}
)
