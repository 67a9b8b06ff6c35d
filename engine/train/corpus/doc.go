// Package corpus generates a deterministic bilingual corpus of simple
// stories, in English and Simplified Chinese, written for this project to
// pre-train the explorer's default model, with small task formats drawn
// from the stories (question answering, summaries, translation, and a
// labelled sentiment set for fine-tuning). No downloaded text is involved:
// every document is built from the grammar below with a seeded random
// generator, so the same Options always give the same bytes.
//
// # Grammar
//
// One grammar makes every story, and every sentence template comes as a
// pair: an English sentence and the Chinese sentence that says the same
// thing the way Chinese says it ("Lily had a red hat." / "莉莉有一顶红色的帽子。",
// with the measure word 顶 that 帽子 takes). A story is drawn once and can be
// told in either language; a translation pairs the two tellings of one
// sentence.
//
//	story    = opening meet episode{1,3} ending
//	opening  = "Once upon a time, there was a ADJ KIND named NAME." / "从前，有一个ADJ KIND，名叫NAME。"
//	           (or "... in a little HOME, there lived ...", "... lived near the PLACE.",
//	           "... there was a ADJ KIND. Her name was NAME." / "从前有一个小女孩，她叫小红。")
//	           NAME "had a" COLOUR OBJECT "." ... the CHANT ("Every morning, NAME liked to sing, ...")
//	meet     = NAME "went to the" PLACE ... "met" NAME2 ", a" ADJ KIND2 "."
//	           dialogue in which both names and the OBJECT recur
//	episode  = lose | song | trade | rain | wind | lost | parted
//	lose     = the COLOUR OBJECT falls into a HAZARD; the friend gets it back
//	song     = the CHANT, said again word for word, by both
//	trade    = NAME2 shows a COLOUR2 OBJECT2; they share both objects
//	rain     = rain at the PLACE; they hide under a big tree
//	wind     = a big wind at the PLACE; the hero holds on to the OBJECT
//	lost     = (sad) the OBJECT falls into a HAZARD and is never found
//	parted   = (sad) the friend's family moves far away
//	ending   = "NAME and NAME2 were very happy." a moral "The end." / "故事讲完了。"
//	           (after a sad episode: "NAME was sad for a long time." ...)
//
// A story is sad (its last episode lost or parted) with a chance of 15 %.
// Each story draws one hero (a NAME, a KIND of child or animal, an ADJ),
// a friend, an object with its colour, a place, a home, a hazard and a
// chant (a short phrase the story repeats word for word). These recur
// many times within the story, so predicting the next word often means
// copying a name or phrase from earlier in the context: the behaviour
// induction heads implement.
//
// Half of the names come from a list of 60 (English names with their
// usual Chinese transcription, such as Lily/莉莉, and Chinese names with
// their pinyin, such as Xiaohong/小红); the other half are invented from 2
// or 3 of 50 syllables, each spelled in Latin letters and transcribed by
// one Chinese character ("Tobiza"/托比扎). Half of the chants are invented
// the same way ("Boka, mimi, tazu, up we go!"/"波卡，咪咪，塔祖，我们出发啦！").
// An invented name splits into several tokens that no list predicts, so
// after its first tokens the rest can only be found by looking back to
// where the name appeared before.
//
// # Parts
//
// A corpus mixes documents of these parts (Options.Mix), each in a
// language drawn from Options.Langs; documents are separated by a line
// holding Separator (GPT-2's end-of-text marker).
//
//   - Stories: a whole story (one to three episodes after the meeting).
//   - Games: a story with a memory game after the meeting: the hero says
//     10–30 items drawn at random from all the word lists and invented
//     names, and the friend repeats them, so only copying predicts the
//     repetition.
//   - QA: a short story (one episode; the sentences that only add colour
//     left out, so the document fits a 256-token context) and three
//     questions about it, each with its answer on the same line:
//     "Q: What colour was Lily's hat? A: red" / "问：莉莉的帽子是什么颜色？答：红色".
//     The questions ask for the object's colour, the object, whom the hero
//     met and where, what the friend is, the hero's name, and one detail of
//     the episode (where the object fell, who got it back, what the friend
//     had, the chant, where they hid, what the hero held, where the friend
//     moved).
//   - Summary: a short story and a one-line summary:
//     "TL;DR: Lily met Tom at the park, and Tom got her red hat back from the pond."
//     / "总结：莉莉在公园遇见了汤姆，汤姆帮她找回了红色的帽子。"
//   - Translation: four to six sentences of one story, each on a line with
//     its translation, in either direction: "English: Lily had a red hat.
//     中文：莉莉有一顶红色的帽子。" and "中文：莉莉有一顶红色的帽子。 English: Lily had
//     a red hat."
//   - Sentiment: a short story, happy or sad with equal chance, and its
//     label: "Sentiment: happy" / "情感：难过". This is the labelled set for
//     supervised fine-tuning; the default model is not pre-trained on it,
//     so a short run with `explorer train --init` shows the labels being
//     learned.
//
// The markers (QuestionEn, AnswerEn, QuestionZh, AnswerZh, SummaryEn,
// SummaryZh, EnglishMark, ChineseMark, SentimentEn, SentimentZh) are
// constants: lessons and presets write prompts against them. Examples
// returns each task line of the documents as a prompt (ending with the
// marker) and the answer that follows, for measuring a model on held-out
// stories.
//
// # Sizes
//
// DefaultMix, the default model's pre-training mix, weighs stories 4,
// games 1, QA 3, summaries 2 and translations 2, in both languages. Its
// 20,000 documents (seed 1) are 18.2 MB of text. 2,000 documents of one
// part alone (both languages, seed 1) are: stories 2.3 MB, games 3.2 MB,
// QA 1.4 MB, summaries 1.3 MB, translations 1.2 MB, sentiment 1.2 MB. A
// whole English story is about 130–330 words (≈ 1,100 bytes), a Chinese
// one 200–450 characters; a QA document is about 180 tokens in English and
// 120 in Chinese with the default model's tokenizer.
package corpus
