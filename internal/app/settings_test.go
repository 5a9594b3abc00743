package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/newsflow/newsflow/internal/app"
)

// The settings of the state stages and of several input topics fail fast
// with a message naming what to fix.
func TestSettingsOfInputsAndState(t *testing.T) {
	base := func() app.Settings {
		s := app.DefaultSettings()
		s.Brokers = []string{"localhost:9092"}
		return s
	}
	s := base()
	s.Input = " a , b,"
	if err := s.Validate(); err != nil {
		t.Fatalf("a list of inputs refused: %v", err)
	}
	if got := s.Inputs(); strings.Join(got, "|") != "a|b" {
		t.Fatalf("Inputs() = %q", got)
	}
	for _, tc := range []struct {
		mod  func(*app.Settings)
		want string
	}{
		{func(s *app.Settings) { s.Input = "a,a" }, "both name topic"},
		{func(s *app.Settings) { s.Input = "a,b c" }, "--input"},
		{func(s *app.Settings) { s.Input = "," }, "names no topic"},
		{func(s *app.Settings) { s.Input = "x," + s.Output }, "both name topic"},
		{func(s *app.Settings) { s.DedupTopic = s.Output }, "both name topic"},
		{func(s *app.Settings) { s.DedupThreshold = 1.5 }, "--dedup-threshold"},
		{func(s *app.Settings) { s.DedupHorizon = -time.Hour }, "--dedup-horizon"},
		{func(s *app.Settings) { s.TrendsTopic = "bad topic" }, "--trends-topic"},
		{func(s *app.Settings) { s.TrendHop = 7 * time.Minute }, "--trend-hop"},
	} {
		s := base()
		tc.mod(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.want, err, tc.want)
		}
	}
}
