package language

// FastDetect exposes the function-word fast path to the tests: the code it
// decides, or ok=false when it leaves the text to lingua.
func FastDetect(p *Processor, text string) (code string, ok bool) {
	if p.fast == nil {
		return "", false
	}
	code, _, ok = p.fast.detect(text)
	return code, ok
}
