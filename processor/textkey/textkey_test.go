package textkey_test

import (
	"testing"

	"github.com/newsflow/newsflow/processor/textkey"
)

func TestAppend(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "hello"},
		{"DON’T", "don't"},
		{"Zürich", "zürich"},
		{"ÉLYSÉE", "élysée"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(textkey.Append([]byte("x:"), tt.in)); got != "x:"+tt.want {
			t.Errorf("Append(%q) = %q, want %q", tt.in, got, "x:"+tt.want)
		}
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { _ = textkey.Append(buf[:0], "Balconies") }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
