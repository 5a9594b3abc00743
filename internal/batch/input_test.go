package batch

import (
	"io"
	"strings"
	"testing"
)

func stringInput(name, content string, jsonl bool) Input {
	return Input{Name: name, JSONLines: jsonl, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }}
}

// readInput follows publish's input rules, numbers lines as they are in
// the file (blank ones included), and keeps at most keep bytes of a
// record while counting all of it.
func TestReadInput(t *testing.T) {
	long := `{"id":"long","body":"` + strings.Repeat("y", 200<<10) + `"}` // over bufio's 64 KiB buffer
	// 65,535 bytes, so that its "\r" ends the 64 KiB buffer and its "\n"
	// comes in the next read.
	edge := `{"id":"edge","body":"` + strings.Repeat("z", 65535-23) + `"}`
	type rec struct {
		line  int
		value string
		size  int64
	}
	tests := []struct {
		name, file, in string
		jsonl          bool
		keep           int
		want           []rec
	}{
		{"lf and blank lines", "a.jsonl", "{\"id\":\"1\"}\n\n  \n {\"id\":\"2\"} \n", false, 100,
			[]rec{{1, `{"id":"1"}`, 10}, {4, `{"id":"2"}`, 10}}},
		{"crlf and no final break", "a.jsonl", "{\"id\":\"1\"}\r\n{\"id\":\"2\"}", false, 10,
			[]rec{{1, `{"id":"1"}`, 10}, {2, `{"id":"2"}`, 10}}},
		{"longer than the read buffer", "a.jsonl", long + "\n{}\n", false, 300 << 10,
			[]rec{{1, long, int64(len(long))}, {2, "{}", 2}}},
		{"crlf split over two reads", "a.jsonl", edge + "\r\n{}\n", false, len(edge),
			[]rec{{1, edge, int64(len(edge))}, {2, "{}", 2}}},
		{"over keep: cut and counted", "a.jsonl", "{}\n" + long + "\n{\"id\":\"3\"}\n", false, 100,
			[]rec{{1, "{}", 2}, {2, long[:100], int64(len(long))}, {3, `{"id":"3"}`, 10}}},
		{"content decides", "notes", "  {\"id\":\"1\"}\n{\"id\":\"2\"}\n", false, 100,
			[]rec{{1, `{"id":"1"}`, 10}, {2, `{"id":"2"}`, 10}}},
		{"stdin is JSON Lines", StdinName, "plain line\n", true, 100, []rec{{1, "plain line", 10}}},
		{"plain text is one record", "story.txt", "date 2024-01-02\nA story.\n", false, 100,
			[]rec{{1, "date 2024-01-02\nA story.\n", 25}}},
		{"plain text over keep", "story.txt", strings.Repeat("word ", 30), false, 100,
			[]rec{{1, strings.Repeat("word ", 20), 150}}},
		{"empty plain text", "story.txt", "", false, 100, []rec{{1, "", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []rec
			err := readInput(t.Context(), stringInput(tt.file, tt.in, tt.jsonl), tt.keep, func(r Record) error {
				if r.Input != tt.file {
					t.Errorf("record names input %q, want %q", r.Input, tt.file)
				}
				if tt.file == "story.txt" && string(r.Key) != "story.txt" {
					t.Errorf("plain-text key %q, want the file's base name", r.Key)
				}
				got = append(got, rec{r.Line, string(r.Value), r.Size})
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("%d records, want %d", len(got), len(tt.want))
			}
			for i := range min(len(got), len(tt.want)) {
				if got[i] != tt.want[i] {
					t.Errorf("record %d: line %d, %d bytes (size %d), want line %d, %d bytes (size %d)",
						i, got[i].line, len(got[i].value), got[i].size, tt.want[i].line, len(tt.want[i].value), tt.want[i].size)
				}
			}
		})
	}
}
