package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// promAPI is a minimal client of Prometheus's HTTP API.
type promAPI struct{ base string }

type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

func (a promAPI) get(ctx context.Context, path string, params url.Values, data any) error {
	u := a.base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: HTTP %d: %w", path, resp.StatusCode, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	return json.Unmarshal(r.Data, data)
}

// query runs an instant query and counts its series and finite values.
func (a promAPI) query(ctx context.Context, expr string) (series, finite int, err error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := a.get(ctx, "/api/v1/query", url.Values{"query": {expr}}, &data); err != nil {
		return 0, 0, err
	}
	isFinite := func(s string) bool {
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	switch data.ResultType {
	case "vector":
		var v []struct {
			Value [2]any `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &v); err != nil {
			return 0, 0, err
		}
		for _, s := range v {
			if isFinite(fmt.Sprint(s.Value[1])) {
				finite++
			}
		}
		return len(v), finite, nil
	case "scalar":
		var s [2]any
		if err := json.Unmarshal(data.Result, &s); err != nil {
			return 0, 0, err
		}
		if isFinite(fmt.Sprint(s[1])) {
			finite = 1
		}
		return 1, finite, nil
	default:
		return 0, 0, fmt.Errorf("unexpected result type %q", data.ResultType)
	}
}

// resolveVariables evaluates a dashboard's label_values variables as Grafana
// does and formats them as Grafana formats an "All" selection for a regex
// matcher: (v1|v2|…), regex-escaped inside a PromQL string.
func (a promAPI) resolveVariables(ctx context.Context, d dashboard) (map[string]string, []string) {
	values := map[string]string{}
	for k, v := range e2eBuiltins {
		values[k] = v
	}
	var problems []string
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValuesQuery.FindStringSubmatch(v.queryText())
		if m == nil {
			problems = append(problems, fmt.Sprintf("$%s: not a label_values query", v.Name))
			continue
		}
		selector, label := expandVars(m[1], values), m[2]
		var got []string
		var err error
		if selector == "" {
			err = a.get(ctx, "/api/v1/label/"+label+"/values", nil, &got)
		} else {
			var series []map[string]string
			now := time.Now()
			err = a.get(ctx, "/api/v1/series", url.Values{
				"match[]": {selector},
				"start":   {strconv.FormatInt(now.Add(-5*time.Minute).Unix(), 10)},
				"end":     {strconv.FormatInt(now.Unix(), 10)},
			}, &series)
			seen := map[string]bool{}
			for _, s := range series {
				if l := s[label]; l != "" && !seen[l] {
					seen[l] = true
					got = append(got, l)
				}
			}
		}
		if err != nil || len(got) == 0 {
			problems = append(problems, fmt.Sprintf("$%s (%s): no values (%v)", v.Name, v.queryText(), err))
			continue
		}
		sort.Strings(got)
		for i, g := range got {
			got[i] = strings.ReplaceAll(regexp.QuoteMeta(g), `\`, `\\`)
		}
		values[v.Name] = "(" + strings.Join(got, "|") + ")"
	}
	return values, problems
}

// ruleHealth reports alert rules Prometheus has not evaluated successfully.
func (a promAPI) ruleHealth(ctx context.Context, rules []rule) []string {
	var data struct {
		Groups []struct {
			Rules []struct {
				Name           string    `json:"name"`
				Type           string    `json:"type"`
				Health         string    `json:"health"`
				LastError      string    `json:"lastError"`
				LastEvaluation time.Time `json:"lastEvaluation"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := a.get(ctx, "/api/v1/rules", nil, &data); err != nil {
		return []string{err.Error()}
	}
	health := map[string]string{}
	for _, g := range data.Groups {
		for _, r := range g.Rules {
			switch {
			case r.Health == "ok" && !r.LastEvaluation.IsZero():
				health[r.Name] = "ok"
			default:
				health[r.Name] = fmt.Sprintf("health %q %s", r.Health, r.LastError)
			}
		}
	}
	var problems []string
	for _, r := range rules {
		h, ok := health[r.Alert]
		switch {
		case !ok:
			problems = append(problems, r.Alert+": not loaded by Prometheus")
		case h != "ok":
			problems = append(problems, r.Alert+": "+h)
		}
	}
	return problems
}

// targetsUp returns "" when the newsflow scrape target is up.
func (a promAPI) targetsUp(ctx context.Context) string {
	var data struct {
		ActiveTargets []struct {
			Labels    map[string]string `json:"labels"`
			Health    string            `json:"health"`
			LastError string            `json:"lastError"`
		} `json:"activeTargets"`
	}
	if err := a.get(ctx, "/api/v1/targets", nil, &data); err != nil {
		return err.Error()
	}
	for _, tg := range data.ActiveTargets {
		if tg.Labels["job"] == jobName {
			if tg.Health != "up" {
				return fmt.Sprintf("%s is %s: %s", tg.Labels["instance"], tg.Health, tg.LastError)
			}
			return ""
		}
	}
	return "no newsflow target"
}
