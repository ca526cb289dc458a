// Package lexical is the lexical-analysis module kind: Baidu's LAC models, which cut
// Chinese text into words and tag each word with its part of speech or entity type (the
// output of PaddleHub's lac module and of the LAC package).
//
//	a, err := lexical.Open("LAC/lac_model", lexical.Options{})
//	defer a.Close()
//	res, err := a.Cut([]string{"今天是个好日子"})
//	// res[0].Word: 今天 是 个 好日子; res[0].Tag: TIME v q n
//
// Two models: ModeLAC, the full lexical-analysis model (words and tags such as "n", "v",
// "PER", "LOC", "TIME"), and ModeSeg, the segmentation model (words only). Both follow the
// LAC package 2.1.2 exactly: the text is fed as it is (no trimming); the full model reads
// a mix of words and characters cut by LAC's dictionary segmenter (conf/small_seg.dic;
// without it, one id per character, as PaddleHub's own lac module does); the model's
// B/I tags join characters into words, each word taking the label of its last character.
//
// A user dictionary forces words and tags on the model's output (UserDict), in PaddleHub's
// two formats; see LoadUserDict.
//
// An empty text gives an empty result without running the model; text that is not valid
// UTF-8 is refused with an error naming it. Nothing here panics on bad input.
package lexical
