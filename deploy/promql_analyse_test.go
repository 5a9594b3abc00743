package deploy

import (
	"reflect"
	"testing"
)

func TestAnalyse(t *testing.T) {
	tests := []struct {
		expr     string
		names    []string
		labels   [][]string
		grouping []string
	}{
		{
			expr:   `up{job="newsflow"} == 0`,
			names:  []string{"up"},
			labels: [][]string{{"job"}},
		},
		{
			expr:     `histogram_quantile(0.99, sum by (stage, le) (rate(newsflow_pipeline_stage_duration_seconds_bucket{instance=~"a|b"}[5m])))`,
			names:    []string{"newsflow_pipeline_stage_duration_seconds_bucket"},
			labels:   [][]string{{"instance"}},
			grouping: []string{"stage", "le"},
		},
		{
			expr:     `(max by (job, topic) (newsflow_consumer_lag_records) > 0) unless on (job, topic) (changes(newsflow_consumer_committed_offset[10m]) > 1e3)`,
			names:    []string{"newsflow_consumer_lag_records", "newsflow_consumer_committed_offset"},
			labels:   [][]string{nil, nil},
			grouping: []string{"job", "topic", "job", "topic"},
		},
		{
			expr:   `{__name__=~"newsflow_(consumer|producer)_records_total", instance=~"x"}`,
			names:  []string{""},
			labels: [][]string{{"instance"}},
		},
		{
			expr:   `sum(rate(go_gc_duration_seconds_count{quantile="1", reason="a}b"}[1m])) * 60`,
			names:  []string{"go_gc_duration_seconds_count"},
			labels: [][]string{{"quantile", "reason"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			refs, err := analyse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			var labels [][]string
			for _, s := range refs.selectors {
				names = append(names, s.name)
				labels = append(labels, s.labels)
			}
			if !reflect.DeepEqual(names, tt.names) {
				t.Errorf("names = %q, want %q", names, tt.names)
			}
			if !reflect.DeepEqual(labels, tt.labels) {
				t.Errorf("labels = %q, want %q", labels, tt.labels)
			}
			if !reflect.DeepEqual(refs.grouping, tt.grouping) {
				t.Errorf("grouping = %q, want %q", refs.grouping, tt.grouping)
			}
		})
	}
}

func TestCatalogueCheckRejects(t *testing.T) {
	c := catalogue{}
	c.add("newsflow_consumer_lag_records", "gauge", []string{"topic", "partition"})
	c.add("newsflow_pipeline_stage_duration_seconds", "histogram", []string{"stage"})
	tests := []struct {
		expr string
		ok   bool
	}{
		{`sum by (topic) (newsflow_consumer_lag_records{topic=~"x"})`, true},
		{`histogram_quantile(0.5, sum by (le, stage) (rate(newsflow_pipeline_stage_duration_seconds_bucket[1m])))`, true},
		{`process_resident_memory_bytes`, false},
		{`newsflow_consumer_lag_records{stage="x"}`, false},
		{`sum by (reason) (newsflow_consumer_lag_records)`, false},
		{`newsflow_pipeline_stage_duration_seconds{stage="x"}`, false},
		{`newsflow_consumer_lag_records{instance=~"$instance"}`, false},
		{`{__name__=~"newsflow_nothing_.*"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			problems := c.check(tt.expr)
			if ok := len(problems) == 0; ok != tt.ok {
				t.Errorf("check ok = %v (%q), want %v", ok, problems, tt.ok)
			}
		})
	}
}
