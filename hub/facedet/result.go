package facedet

// Face is one detected face in whole pixels of the picture, with PaddleHub's field names.
// For the mask module Label is "MASK" or "NO MASK" and Confidence that label's probability;
// for the faces-only module Label is empty and Confidence is the detector's score.
type Face struct {
	Label      string  `json:"label,omitempty"`
	Confidence float64 `json:"confidence"`
	Left       int     `json:"left"`
	Top        int     `json:"top"`
	Right      int     `json:"right"`
	Bottom     int     `json:"bottom"`
	// Score is the face detector's confidence (equal to Confidence without a classifier).
	Score float64 `json:"-"`
}

// Result is the faces of one picture in PaddleHub's form: {"data": [...], "path": ...,
// "save_path": ...} (save_path only when visualised).
type Result struct {
	Data     []Face `json:"data"`
	Path     string `json:"path"`
	SavePath string `json:"save_path,omitempty"`
}
