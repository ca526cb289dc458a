// Package lac turns text into the input of Baidu's LAC models and their output back into
// words, the way LAC's own Python package does it.
//
// A model directory's conf/ holds three dictionaries: word.dic ("id<TAB>char"; the entry
// "OOV" gives the id of unknown characters), q2b.dic ("from<TAB>to", full-width to
// half-width and traditional to simplified, applied per character before the lookup) and
// tag.dic ("id<TAB>tag", e.g. "-B" or "n-I"). LoadVocab reads them.
//
// The segmentation model reads one id per character: Encode maps a text, NewBatch packs
// several texts into one flat id slice plus the level-1 LoD offsets the model's "words"
// input expects. The model answers one tag id per character; Decode and DecodeBatch join
// the characters into words.
//
// The full lexical-analysis model of the LAC package reads a mix of words and characters:
// a Segmenter (conf/small_seg.dic) cuts the text first, and AppendSegments gives the words
// word.dic knows one id each. Its tags ("n-B", "LOC-I", "O") are post-processed by name
// (TagName) in package hub/lexical, which also applies user dictionaries.
//
// Blank texts (empty or whitespace only) never reach the model: LAC returns no words for
// them without running it, and a zero-length sequence is not something every kernel of
// the model is guaranteed to accept. NewBatch therefore leaves them out of the LoD and
// DecodeBatch gives them an empty word list.
package lac
