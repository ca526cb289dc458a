package detect

// Object is one detection, in pixels of the picture (upright, as readers/picture decodes it),
// with PaddleHub's field names.
type Object struct {
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
	Left       float64 `json:"left"`
	Top        float64 `json:"top"`
	Right      float64 `json:"right"`
	Bottom     float64 `json:"bottom"`
	Class      int     `json:"-"` // the class id: the label's line in the label file
}

// Result is the detections of one picture, in PaddleHub's form: {"data": [...], "path":
// ..., "save_path": ...} (save_path only when visualised), in that key order.
type Result struct {
	Data     []Object `json:"data"`
	Path     string   `json:"path"`
	SavePath string   `json:"save_path,omitempty"`
}
