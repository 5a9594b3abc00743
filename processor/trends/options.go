package trends

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of Options.
const (
	DefaultWindow          = time.Hour
	DefaultAllowedLateness = 10 * time.Minute
	DefaultIdleTimeout     = time.Minute
	DefaultMaxArticles     = 20
	DefaultAlpha           = 0.1
	DefaultFloor           = 1.0
	DefaultThreshold       = 4.0
	DefaultMinCount        = 5
	// MaxWindowsPerMention bounds Window/Hop: each mention is stored once
	// per window it counts in.
	MaxWindowsPerMention = 100
)

// Options configure an Aggregator. Zero values take the documented
// defaults; Validate reports contradictory settings.
type Options struct {
	// TrendsTopic is the topic of the trend records. Required.
	TrendsTopic string
	// Window is the size of the windows, a whole number of milliseconds.
	// Default DefaultWindow (1 h).
	Window time.Duration
	// Hop is the start-to-start distance of hopping windows; it must
	// divide Window, at most MaxWindowsPerMention times. Default 0:
	// tumbling windows (Hop = Window).
	Hop time.Duration
	// AllowedLateness is how far behind the largest event time of its
	// partition a mention may be and still count. Default
	// DefaultAllowedLateness (10 min); negative means none.
	AllowedLateness time.Duration
	// IdleTimeout: a partition that has had no record for this long (wall
	// time, by Now) is left out of the stage watermark. Default
	// DefaultIdleTimeout (1 min).
	IdleTimeout time.Duration
	// MaxArticles is the most article ids a trend record lists (the
	// window's latest by event time, ties by id). Default
	// DefaultMaxArticles (20).
	MaxArticles int
	// Alpha is the baseline's smoothing, in [0.01, 1]: the weight of the
	// latest window. Default DefaultAlpha (0.1).
	Alpha float64
	// Floor is the expected count of an entity without history, > 0.
	// Default DefaultFloor (1).
	Floor float64
	// Threshold is the score from which a window is trending, > 0.
	// Default DefaultThreshold (4).
	Threshold float64
	// MinCount is the count from which a window may be trending, ≥ 1.
	// Default DefaultMinCount (5).
	MinCount int
	// Now is the wall clock (idle partitions). Default time.Now.
	Now func() time.Time
	// Metrics receives the stage's series. Default: an unregistered set.
	Metrics *Metrics
}

// Validate sets the defaults of the zero fields and reports settings that
// are out of range or contradict each other.
func (o *Options) Validate() error {
	if o.TrendsTopic == "" {
		return errors.New("trends: a trends topic is required")
	}
	if o.Window == 0 {
		o.Window = DefaultWindow
	}
	if o.Hop == 0 {
		o.Hop = o.Window
	}
	switch {
	case o.Window < time.Millisecond || o.Window%time.Millisecond != 0:
		return fmt.Errorf("trends: window %v must be a positive whole number of milliseconds", o.Window)
	case o.Hop < 0 || o.Hop > o.Window || o.Window%o.Hop != 0:
		return fmt.Errorf("trends: hop %v must divide the window %v", o.Hop, o.Window)
	case o.Hop%time.Millisecond != 0:
		return fmt.Errorf("trends: hop %v must be a whole number of milliseconds", o.Hop)
	case o.Window/o.Hop > MaxWindowsPerMention:
		return fmt.Errorf("trends: window %v / hop %v is over %d windows per mention", o.Window, o.Hop, MaxWindowsPerMention)
	}
	switch {
	case o.AllowedLateness == 0:
		o.AllowedLateness = DefaultAllowedLateness
	case o.AllowedLateness < 0:
		o.AllowedLateness = 0
	case o.AllowedLateness%time.Millisecond != 0:
		return fmt.Errorf("trends: allowed lateness %v must be a whole number of milliseconds", o.AllowedLateness)
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.IdleTimeout < 0 {
		return fmt.Errorf("trends: idle timeout %v must be positive", o.IdleTimeout)
	}
	if o.MaxArticles == 0 {
		o.MaxArticles = DefaultMaxArticles
	}
	if o.MaxArticles < 0 {
		return fmt.Errorf("trends: max articles %d must be positive", o.MaxArticles)
	}
	if o.Alpha == 0 {
		o.Alpha = DefaultAlpha
	}
	if !(o.Alpha >= 0.01 && o.Alpha <= 1) {
		return fmt.Errorf("trends: alpha %v must be in [0.01, 1]", o.Alpha)
	}
	if o.Floor == 0 {
		o.Floor = DefaultFloor
	}
	if !(o.Floor > 0) {
		return fmt.Errorf("trends: floor %v must be positive", o.Floor)
	}
	if o.Threshold == 0 {
		o.Threshold = DefaultThreshold
	}
	if !(o.Threshold > 0) {
		return fmt.Errorf("trends: threshold %v must be positive", o.Threshold)
	}
	if o.MinCount == 0 {
		o.MinCount = DefaultMinCount
	}
	if o.MinCount < 0 {
		return fmt.Errorf("trends: min count %d must be positive", o.MinCount)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = NewMetrics()
	}
	return nil
}
